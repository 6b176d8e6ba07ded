"""Executor (route `act`): runs the next ready step of the plan by its action.

A step is ready when it is pending and every step it depends on is done or skipped. The action
(a function `action(context, step) -> Outcome` in ACTIONS, an explicit dict of dotted paths)
does the work; the Executor records the step's new status and attempts in the plan, and what was
done and how it came out in state["last_action"] (the Critic's loop detector reads it).

An action keeps its step pending by returning observation {"status": "pending"} (e.g. a parent
waiting for its children), or fails it with {"status": "failed", "error": ...}.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from agents.common import deep_merge
from agents.contracts import EventNote, NodeContext, Outcome

ACTIONS: dict[str, str] = {
    "research": "agents.researching.research_step",
    "write_section": "agents.writer.write_step",
    "find_cited": "agents.cited.find_cited_step",
    "rewrite_section": "agents.rewriter.rewrite_step",
    "annotate_sources": "agents.pack.annotate_step",
    "claims_matrix": "agents.pack.claims_step",
    "build_slides": "agents.slides.slides_step",
    "spawn_children": "agents.assignment.spawn_step",
    "assemble_children": "agents.assignment.assemble_step",
    "qa": "agents.qa.node.qa_step",
}
FINISHED = {"done", "skipped"}


class UnknownAction(LookupError):
    pass


@cache
def action_handler(name: str):
    try:
        return import_string(ACTIONS[name])
    except KeyError:
        raise UnknownAction(f"unknown step action {name!r}; known: {', '.join(sorted(ACTIONS))}") from None


def next_ready(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    finished = {item["id"] for item in steps if item["status"] in FINISHED}
    for item in steps:
        if item["status"] == "pending" and all(dependency in finished for dependency in item["depends_on"]):
            return item
    return None


def act(context: NodeContext) -> Outcome:
    steps = [dict(item) for item in (context.state.get("plan") or {}).get("steps", [])]
    current = next_ready(steps)
    if current is None:
        return Outcome(route="reflect", observation={"note": "no step is ready"})
    outcome = action_handler(current["action"])(context, current)
    status = outcome.observation.get("status", "done")
    for item in steps:
        if item["id"] == current["id"]:
            item["status"] = status
            item["attempts"] = int(item.get("attempts", 0)) + 1
    signature = outcome.observation.get("signature") or status
    delta = deep_merge(outcome.delta, {
        "plan": {"steps": steps},
        "last_action": {
            "step": current["id"], "action": current["action"], "seq": context.seq,
            "key": f"{current['action']}:{current.get('section', '')}", "outcome": str(signature)[:200],
        },
    })
    done = sum(1 for item in steps if item["status"] in FINISHED)
    delta.setdefault("progress", round(0.08 + 0.84 * done / max(1, len(steps)), 3))
    events = list(outcome.events)
    if status == "failed":
        events.append(EventNote("action", f"Step {current['id']} failed: {outcome.observation.get('error', 'no reason given')}"))
    return Outcome(
        route=outcome.route if outcome.status == "waiting_children" else "reflect",
        delta=delta,
        events=events,
        artifacts=outcome.artifacts,
        records=outcome.records,
        observation={**outcome.observation, "step": current["id"]},
        status=outcome.status,
        reason=outcome.reason,
    )
