"""The explicit registry of node handlers: a name -> the dotted path of a function.

Imported on first use; an unknown name fails listing the known ones. No registration by import
side effects.
"""
from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from agents.contracts import NodeHandler

NODES: dict[str, str] = {
    "interpreter": "agents.interpreter.interpret",
    "planner": "agents.planner.plan",
    "executor": "agents.executor.act",
    "critic": "agents.critic.reflect",
    "finalizer": "agents.finalizer.finalize",
    # research
    "researcher": "agents.researcher.research",
    "research_gate": "agents.research_gate.check_sources",
    "bibliography": "agents.research_gate.deliver_bibliography",
}


class UnknownNode(LookupError):
    pass


@cache
def node_handler(name: str) -> NodeHandler:
    try:
        path = NODES[name]
    except KeyError:
        raise UnknownNode(f"unknown node {name!r}; known nodes: {', '.join(sorted(NODES))}") from None
    return import_string(path)
