"""Two builds of a tiny graph on the sketch journey's routes, for the deploy-safety tests.

Workers load them through HW_NODE_OVERRIDES (agents.registry.NodeRegistry). Build 1 ("old
code") keeps the written sections as a list of "name: text" strings; build 2 ("new code") changes
the executor's state contract to {name: {"text": ..., "words": n}} — version 2 of the executor,
with `upgrade_written_v1` as its upgrader. Build 2's critic and finalizer read only the new shape
(a v1 list would crash them), so a run that finishes on build 2 proves its state was upgraded.
"""
from __future__ import annotations

import time

from agents.contracts import NodeContext, Outcome

SECTIONS = ["introduction", "background", "argument", "conclusion"]
OLD_STEP_SECONDS = 0.5  # build 1's executor is slow, so the test can pause the run between its steps


def plan(context: NodeContext) -> Outcome:
    return Outcome(route="act", delta={"todo": SECTIONS})


def act_v1(context: NodeContext) -> Outcome:
    time.sleep(OLD_STEP_SECONDS)
    name, *rest = context.state["todo"]
    written = [*context.state.get("written", []), f"{name}: Old build text of {name}."]
    return Outcome(route="reflect", delta={"todo": rest, "written": written}, observation={"build": 1})


def reflect_v1(context: NodeContext) -> Outcome:
    return Outcome(route="act" if context.state["todo"] else "finalize")


def finish_v1(context: NodeContext) -> Outcome:
    return Outcome(route="finalize", status="succeeded", reason=f"{len(context.state['written'])} sections")


def upgrade_written_v1(state: dict) -> dict:
    """Executor contract v1 -> v2: the list of "name: text" strings becomes a dict by name."""
    if "written" not in state:
        return state
    written = {}
    for entry in state["written"]:
        name, text = entry.split(": ", 1)
        written[name] = {"text": text, "words": len(text.split())}
    return {**state, "written": written}


def act_v2(context: NodeContext) -> Outcome:
    name, *rest = context.state["todo"]
    text = f"New build text of {name}, longer."
    return Outcome(route="reflect", delta={"todo": rest, "written": {name: {"text": text, "words": len(text.split())}}},
                   observation={"build": 2})


def reflect_v2(context: NodeContext) -> Outcome:
    words = sum(section["words"] for section in context.state.get("written", {}).values())
    return Outcome(route="act" if context.state["todo"] else "finalize", verdict={"words": words})


def finish_v2(context: NodeContext) -> Outcome:
    written = context.state["written"]
    words = sum(section["words"] for section in written.values())
    return Outcome(route="finalize", status="succeeded", reason=f"{len(written)} sections, {words} words")


MODULE = __name__


def build(number: int, executor_version: int | None = None, upgraders: dict[str, str] | None = None) -> dict:
    """HW_NODE_OVERRIDES for build 1 or 2 (optionally another executor version / upgraders)."""
    suffix = f"_v{number}"
    executor = {"path": f"{MODULE}.act{suffix}", "version": executor_version or number}
    if number == 2:
        executor["upgraders"] = {"1": f"{MODULE}.upgrade_written_v1"} if upgraders is None else upgraders
    return {
        "planner": {"path": f"{MODULE}.plan"},
        "executor": executor,
        "critic": {"path": f"{MODULE}.reflect{suffix}"},
        "finalizer": {"path": f"{MODULE}.finish{suffix}"},
    }
