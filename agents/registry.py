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
    # Turnitin loop
    "turnitin_handoff": "agents.turnitin_handoff.hand_off",
    "revision_planner": "agents.reviser.plan_revisions",
    "reviser": "agents.reviser.revise_section",
    "self_debugger": "agents.self_debugger.repair",
    "tool_ingestor": "agents.tool_ingestor.ingest",
    # Stand-ins of the Researcher, Critic and Writer for the tool_research journey (agents/tool_journey.py).
    "tool_researcher": "agents.tool_journey.research",
    "tool_reviewer": "agents.tool_journey.review",
    "tool_reporter": "agents.tool_journey.report",
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
