"""Checks particular to a journey: meaning kept (rewrite), every main point covered (slides)."""
from __future__ import annotations

from agents.contracts import NodeContext


def extra_checks(context: NodeContext, sections: list[dict], texts: list[str]) -> tuple[dict[int, list[str]], list[str]]:
    return {}, []
