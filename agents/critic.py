"""Critic (route `reflect`): evaluates the plan's success tests and the journey's gates and
chooses the next route, with its reasons, from: act, expand, plan, turnitin_pause, finalize
and repair (a registry tool failed or drifted: the SelfDebugger) or ingest (sources ran dry and
an API description was offered: the ToolIngestor), where the policy has those routes.

How it decides, in order:
1. no plan yet -> plan; a broken tool (state.tools.failure) -> repair;
2. a loop (the same action with the same outcome `loops.repeat_threshold` times in a row) ->
   plan, asking the Planner to break it; after `loops.max_replans` such replans -> ask the student;
3. too few sources -> expand (the Researcher widens) up to `loops.max_expansions` times, then
   ingest an offered API and search with its tools, then plan (a broader search, then proceeding
   with what there is, said plainly); when even the broader search found nothing at all, ask the
   student instead (an essay on no evidence would only be invented);
4. failed steps, sections outside their word gate, QA faults -> plan (revise those sections;
   each at most `quality.max_repairs` times, then its warning is carried to the deliverable);
5. a step ready to run -> act;
6. everything done -> turnitin_pause when the policy asks for a similarity report and none has
   cleared the draft, otherwise finalize.
"""
from __future__ import annotations

from typing import Any

from agents import similarity_gate
from agents.contracts import EventNote, NodeContext, Outcome
from agents.executor import next_ready
from agents.gates import GateReport, evaluate
from agents.self_debugger import repair_reasons
from agents.tool_ingestor import growth_route


def reflect(context: NodeContext) -> Outcome:
    plan = context.state.get("plan") or {}
    errors = context.state.get("errors", {})
    error_reasons = [f"retrying after an error: {errors['last']}"] if errors.get("last") else []
    if not plan.get("steps"):
        reasons = ["there is no plan yet"] + ([f"the last step failed: {errors['last']}"] if errors.get("last") else [])
        return verdict("plan", reasons)
    broken = repair_reasons(context.state)
    if broken and "repair" in context.policy["routes"]:
        return verdict("repair", broken)
    loop = loop_state(context)
    if loop["looping"]:
        return break_loop(context, loop)
    steps = plan["steps"]
    report = evaluate(context, steps)
    if report.short_of_sources:
        return short_of_sources(context, report, loop)
    if report.needs:
        return verdict("plan", report.reasons + error_reasons, loop=loop["state"], needs=report.needs)
    ready = next_ready(steps)
    if ready:
        pending = sum(1 for item in steps if item["status"] == "pending")
        reasons = [f"{pending} step(s) to go, next: {ready['id']} ({ready['title']})"] + error_reasons
        return verdict("act", reasons, loop=loop["state"], warnings=report.warnings)
    if any(item["status"] == "pending" for item in steps):
        return verdict("plan", ["pending steps are blocked by failed ones"], loop=loop["state"], needs=[])
    return finish(context, report, loop["state"])


def finish(context: NodeContext, report: GateReport, loop: dict) -> Outcome:
    sections = (context.state.get("plan") or {}).get("sections", [])
    written = sum(int(item.get("written") or 0) for item in sections)
    target = int(context.spec.get("words") or written)
    reasons = [f"all steps done; {written} words against a target of {target}"] + report.reasons
    # A complete draft may still have to pass a Turnitin check (policy gate / student's request).
    turnitin = similarity_gate.decide(context, reasons, words=written)
    if turnitin is not None:
        return turnitin
    return verdict("finalize", reasons, loop=loop, warnings=report.warnings, words=written)


def short_of_sources(context: NodeContext, report: GateReport, loop: dict) -> Outcome:
    found, needed = report.short_of_sources
    limits = context.policy.get("loops", {})
    state = loop["state"]
    if int(state.get("expansions", 0)) < int(limits.get("max_expansions", 2)) and "expand" in context.policy["routes"]:
        state = {**state, "expansions": int(state.get("expansions", 0)) + 1}
        return verdict("expand", report.reasons + [f"widening the search ({state['expansions']})"], loop=state)
    growth = growth_route(context, "expand")
    if growth:
        return verdict(growth[0], report.reasons + [growth[1]], loop=state)
    if found == 0 and broadened_search_done(context):
        return ask_for_sources(context, report, state)
    need = {"kind": "research_dead_end", "found": found, "needed": needed}
    return verdict("plan", report.reasons + ["research is at a dead end: replanning"], loop=state, needs=[need])


def broadened_search_done(context: NodeContext) -> bool:
    steps = (context.state.get("plan") or {}).get("steps", [])
    return any(item["action"] == "research" and item.get("broaden") and item["status"] != "pending" for item in steps)


def ask_for_sources(context: NodeContext, report: GateReport, loop: dict) -> Outcome:
    """Every search, widened and broadened, came back empty: writing on would mean writing with no
    evidence at all, so the student decides (as with a loop that survives every replan)."""
    topic = context.spec.get("topic") or context.goal
    expansions = int(loop.get("expansions", 0))
    reasons = report.reasons + [f"no sources after {expansions} widening(s) and a broader search: asking the student"]
    question = (
        f"No sources could be found on \"{topic[:200]}\": the search was widened {expansions} time(s) and broadened, "
        "and every search came back empty, so nothing can be written on evidence. Reply 'finish' to receive the plan "
        "with this note, or start a new run with another topic or with your own sources uploaded."
    )
    return Outcome(
        route="finalize",
        status="waiting_human",
        delta={"loop": loop, "human": {"pending": True, "kind": "no_sources", "questions": [question], "resume_route": "finalize"}},
        verdict={"route": "waiting_human", "reasons": reasons},
        events=[EventNote("verdict", "-> ask the student: " + "; ".join(reasons), {"route": "waiting_human"})],
        reason="no sources could be found; waiting for the student to decide",
    )


def loop_state(context: NodeContext) -> dict[str, Any]:
    """Append the latest action's (key, outcome) to the recent history; looping when the last
    `repeat_threshold` entries are the same."""
    limits = context.policy.get("loops", {})
    state = dict(context.state.get("loop") or {})
    last = context.state.get("last_action") or {}
    recent = list(state.get("recent", []))
    if last and int(last.get("seq", -1)) > int(state.get("seen_seq", -1)):
        recent = (recent + [f"{last.get('key', last.get('action'))}|{last.get('outcome', '')}"])[-int(limits.get("history", 12)):]
        state.update(recent=recent, seen_seq=int(last.get("seq", -1)))
    threshold = int(limits.get("repeat_threshold", 3))
    tail = recent[-threshold:]
    looping = len(tail) == threshold and len(set(tail)) == 1
    return {"looping": looping, "state": state, "signature": tail[-1] if tail else ""}


def break_loop(context: NodeContext, loop: dict[str, Any]) -> Outcome:
    limits = context.policy.get("loops", {})
    state = {**loop["state"], "recent": [], "replans": int(loop["state"].get("replans", 0)) + 1}
    reasons = [f"loop: \"{loop['signature']}\" happened {limits.get('repeat_threshold', 3)} times in a row"]
    if state["replans"] <= int(limits.get("max_replans", 3)):
        step = (context.state.get("last_action") or {}).get("step")
        return verdict("plan", reasons + ["asking the Planner to break it"], loop=state, needs=[{"kind": "loop", "step": step}])
    question = (
        f"The agents keep repeating the same action with the same result ({loop['signature']}). "
        "Reply 'finish' to receive the draft as it is, with its open problems listed."
    )
    return Outcome(
        route="finalize",
        status="waiting_human",
        delta={"loop": state, "human": {"pending": True, "kind": "loop", "questions": [question], "resume_route": "finalize"}},
        verdict={"route": "waiting_human", "reasons": reasons + ["replanned too often: asking the student"]},
        events=[EventNote("verdict", "-> ask the student: " + "; ".join(reasons), {"route": "waiting_human"})],
        reason="the run is going round in circles; waiting for the student to decide",
    )


def verdict(route: str, reasons: list[str], *, loop: dict | None = None, needs: list | None = None,
            warnings: list[str] | None = None, **metrics: Any) -> Outcome:
    delta: dict[str, Any] = {}
    if loop is not None:
        delta["loop"] = loop
    if needs is not None:
        delta["critic"] = {"needs": needs}
    if warnings:
        delta["warnings"] = list(dict.fromkeys(warnings))[:20]
    return Outcome(
        route=route,
        delta=delta,
        verdict={"route": route, "reasons": reasons, **metrics},
        events=[EventNote("verdict", f"-> {route}: " + "; ".join(reasons), {"route": route, "reasons": reasons})],
    )
