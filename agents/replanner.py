"""Replanning: the Critic names what is wrong (state["critic"]["needs"]); the Planner changes the
plan so the next steps address it. Every change is an event, so "why did it do that?" has an answer.

Needs and what the plan does about them:
- repair (a section failed QA or its word gate): a revise step for that section, then a new QA step;
- research_dead_end (too few sources after widening): first a broader search, then accept the
  sources there are and say so in the deliverable;
- loop (the same action kept giving the same outcome): skip the looping step and carry on
  (a QA loop: accept the draft with its warnings listed);
- failed_step / blocked: retry the step once more, then skip it.
"""
from __future__ import annotations

from typing import Any

from agents.common import spec_of
from agents.contracts import EventNote, NodeContext, Outcome
from agents.llm.offline.text import keywords
from agents.steps import step

RETRIES = 2


def replan(context: NodeContext) -> Outcome:
    plan = context.state["plan"]
    steps = [dict(item) for item in plan["steps"]]
    version = int(plan.get("version", 1)) + 1
    needs = (context.state.get("critic") or {}).get("needs") or []
    notes: list[str] = []
    extra: dict[str, Any] = {}
    for need in needs:
        handler = NEED_HANDLERS.get(need.get("kind"), _unknown)
        notes.append(handler(context, steps, need, version, extra))
    if not needs:
        notes.append(_unblock(steps))
    return Outcome(
        route="act",
        delta={"plan": {"steps": steps, "version": version, **extra}, "critic": {"needs": None}},
        events=[EventNote("replan", f"Plan v{version}: " + "; ".join(note for note in notes if note), {"needs": needs})],
        observation={"version": version, "needs": [need.get("kind") for need in needs]},
    )


def _repair(context: NodeContext, steps: list[dict], need: dict, version: int, extra: dict) -> str:
    index = int(need["section"])
    original = next((item for item in steps if item.get("section") == index and item["kind"] == "write"), None)
    action = original["action"] if original else context.state["plan"].get("revise_action", "write_section")
    rounds = sum(1 for item in steps if item.get("section") == index and item.get("revise"))
    revise_id = f"revise-{index}-{rounds + 1}"
    steps.append(step(
        revise_id, "write", action, f"Revise section {index + 1}", [],
        {"test": "section", "section": index, "text": "the problems QA found are fixed"},
        section=index, revise={"problems": list(need.get("problems", []))[:8], "round": rounds + 1},
    ))
    _add_qa(steps, version, revise_id)
    return f"revise section {index + 1} ({'; '.join(need.get('problems', [])[:3])})"


def _add_qa(steps: list[dict], version: int, after: str) -> None:
    qa_id = f"qa-{version}"
    existing = next((item for item in steps if item["id"] == qa_id), None)
    if existing:
        existing["depends_on"].append(after)
        return
    if any(item["action"] == "qa" for item in steps):
        steps.append(step(qa_id, "evaluate", "qa", "Check the revised draft", [after],
                          {"test": "qa_passed", "text": "QA passes every gate"}))


def _dead_end(context: NodeContext, steps: list[dict], need: dict, version: int, extra: dict) -> str:
    broadened = [item for item in steps if item["action"] == "research" and item.get("broaden")]
    found, needed = int(need.get("found", 0)), int(need.get("needed", 0))
    if not broadened:
        topic = spec_of(context).topic or context.goal
        terms = keywords(topic, 6)
        queries = list(dict.fromkeys([" ".join(terms[:2]), " ".join(terms[-2:]), terms[0] if terms else topic]))
        extra["queries"] = queries
        extra["broaden"] = True
        research_id = f"research-{version}"
        steps.append(step(research_id, "research", "research", "Search more broadly", [],
                          {"test": "sources", "min": needed, "text": f"at least {needed} sources"}, broaden=True))
        # Writing waits for the broader search: a section written now would rest on no evidence.
        for item in steps:
            if item["kind"] == "write" and item["status"] == "pending":
                item["depends_on"] = [*item.get("depends_on", []), research_id]
        return f"only {found} of {needed} sources: searching more broadly ({', '.join(queries)})"
    extra["accepted_sources"] = found
    for item in steps:
        if item["action"] == "research" and item["status"] == "done":
            item["success"] = {**item["success"], "min": found}
    return f"only {found} of {needed} sources after a broader search: proceeding with {found}; the deliverable says so"


def _loop(context: NodeContext, steps: list[dict], need: dict, version: int, extra: dict) -> str:
    target = next((item for item in steps if item["id"] == need.get("step")), None)
    if target is None:
        return "a loop was reported but its step is gone"
    if target["action"] == "qa":
        extra["accepted_with_warnings"] = True
        target["status"] = "done"
        return "QA kept failing the same way: the draft is accepted and its warnings are listed"
    target["status"] = "skipped"
    return f"step {target['id']} kept repeating with the same outcome: skipped"


def _failed(context: NodeContext, steps: list[dict], need: dict, version: int, extra: dict) -> str:
    target = next((item for item in steps if item["id"] == need.get("step")), None)
    if target is None:
        return ""
    if int(target.get("attempts", 0)) < RETRIES:
        target["status"] = "pending"
        return f"retry {target['id']}"
    target["status"] = "skipped"
    return f"{target['id']} failed {target['attempts']} times: skipped"


def _unblock(steps: list[dict]) -> str:
    failed = [item for item in steps if item["status"] == "failed"]
    for item in failed:
        item["status"] = "pending" if int(item.get("attempts", 0)) < RETRIES else "skipped"
    return "unblocked " + ", ".join(item["id"] for item in failed) if failed else "no change needed"


def _unknown(context: NodeContext, steps: list[dict], need: dict, version: int, extra: dict) -> str:
    return f"ignored an unknown need {need.get('kind')!r}"


NEED_HANDLERS = {"repair": _repair, "research_dead_end": _dead_end, "loop": _loop, "failed_step": _failed}
