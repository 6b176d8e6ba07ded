"""Citing as many of the retrieved sources as the student asked for: when QA finds fewer distinct
sources cited than asked while retrieved ones sit unused, it asks for a revision with the
TOO_FEW_SOURCES problem (agents.qa.node.source_repair); the Writer revising for it puts the best
passage of each source not cited yet first in its evidence."""
from __future__ import annotations

from typing import Any

from agents.citing import cited_pairs
from agents.common import TOO_FEW_SOURCES, evidence_for
from agents.contracts import NodeContext


def uncited_keys(context: NodeContext, sections: list[dict], step: dict[str, Any]) -> set[str]:
    """Sources no written section cites, when this step is QA's request for more of them."""
    problems = (step.get("revise") or {}).get("problems") or []
    if not any(str(problem).startswith(TOO_FEW_SOURCES) for problem in problems):
        return set()
    cited = {key for index, item in enumerate(sections) if item.get("written")
             for key, _ in cited_pairs(context.read_artifact(f"section-{index}"))}
    known = {item["key"] for item in context.services["evidence"].sources() if item.get("origin") != "upload"}
    return known - cited


def evidence_preferring(context: NodeContext, query: str, limit: int, prefer: set[str]) -> list[dict[str, Any]]:
    """The passages most relevant to `query`; with `prefer`, the best passage of each preferred
    source found among the wider candidates leads the list."""
    if not prefer:
        return evidence_for(context, query, limit)
    wider = evidence_for(context, query, limit * 4)
    keys = [key for key in dict.fromkeys(item["key"] for item in wider) if key in prefer]
    first = [next(item for item in wider if item["key"] == key) for key in keys]
    return (first + [item for item in wider if item not in first])[:limit]
