"""The research action of a plan step: the Researcher node does the searching (agents.researcher,
also the node of the `expand` route); this wraps its outcome as a step of the plan."""
from __future__ import annotations

from agents.contracts import NodeContext, Outcome
from agents.registry import node_handler


def research_step(context: NodeContext, step: dict) -> Outcome:
    outcome = node_handler("researcher")(context)
    found = sum(1 for record in outcome.records if record.kind == "source")
    outcome.observation = {**outcome.observation, "status": "done", "signature": f"found {found} new sources"}
    return outcome
