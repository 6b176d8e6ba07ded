"""SelfDebugger: repair a tool that broke (schema drift or an error), or roll back and re-plan.

Input: `state.tools.failure`, the observation a node stored when a registry call failed (the
call's arguments, the error or the spec problems, a result excerpt, the HTTP trace) plus the
route to resume. For a sandboxed-code tool it asks the model for a minimal unified diff, applies
it, and runs the tool's own tests plus a regression test made from the failing call, in the
sandbox against the real upstream. The first patch that passes becomes the tool's next, active
version (Record "tool_version", parent + diff) and the run resumes where it failed. If none
passes within the policy's attempts, nothing is promoted (the active version stays), the tool
is disabled for this run and the Planner re-plans. Every attempt is an event with its diff and a
Record "tool_repair".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from agents.contracts import EventNote, NodeContext, Outcome, Record
from agents.llm import LLMError
from tools.patching import PatchError, apply_diff
from tools.registry import ToolRegistry, UnknownTool
from tools.spec import ToolDefinition

PATCH_SCHEMA = {
    "type": "object",
    "required": ["diff", "explanation"],
    "properties": {"diff": {"type": "string", "maxLength": 50000}, "explanation": {"type": "string", "maxLength": 4000}},
}


@dataclass
class Attempt:
    number: int
    outcome: str  # promoted | tests_failed | did_not_apply | no_patch
    diff: str = ""
    explanation: str = ""
    code: str = ""
    report: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "promoted"

    def problems(self) -> list[str]:
        cases = (self.report or {}).get("cases", [])
        return [problem for case in cases if not case["passed"] for problem in case["problems"]][:5] or [self.explanation]


def repair_reasons(state: dict[str, Any]) -> list[str]:
    """For any Critic: why the run should take the `repair` route now (empty: it should not)."""
    failure = (state.get("tools") or {}).get("failure")
    if not failure:
        return []
    if failure["kind"] == "drift":
        return [f"schema drift in {failure['tool']} v{failure['version']}: " + "; ".join(failure.get("problems", [])[:2])]
    return [f"tool {failure['tool']} v{failure['version']} failed: {failure.get('error') or failure.get('message')}"]


def regression_case(failure: dict[str, Any]) -> dict[str, Any]:
    return {"name": f"regression: {failure['kind']} on {failure['message'][:120]}", "arguments": failure["arguments"]}


def repair(context: NodeContext) -> Outcome:
    tools_state = context.state.get("tools") or {}
    failure = tools_state.get("failure")
    if not failure:
        return Outcome(route="reflect", events=[EventNote("repair", "Nothing to repair")])
    registry: ToolRegistry = context.services["tools"]
    settings = context.policy.get("tools", {})
    repairs = dict(tools_state.get("repairs") or {})
    try:
        definition = registry.get(failure["tool"])
    except UnknownTool as error:
        return roll_back(context, failure, [], str(error))
    if definition.kind != "code":
        return roll_back(context, failure, [], f"{definition.kind} tools are built deterministically, not patched")
    if failure.get("transient"):
        return roll_back(context, failure, [], "a transient upstream failure is not a code defect")
    if repairs.get(definition.name, 0) >= settings.get("max_repairs_per_tool", 2):
        return roll_back(context, failure, [], f"already repaired {repairs[definition.name]} times in this run")
    attempts: list[Attempt] = []
    for number in range(1, int(settings.get("repair_attempts", 2)) + 1):
        attempt = try_patch(context, registry, definition, failure, number, attempts)
        attempts.append(attempt)
        if attempt.passed:
            return promoted(context, definition, failure, attempts, repairs)
        if attempt.outcome == "no_patch":
            break
    return roll_back(context, failure, attempts, "no patch passed the tests")


def try_patch(context: NodeContext, registry: ToolRegistry, definition: ToolDefinition, failure: dict,
              number: int, previous: list[Attempt]) -> Attempt:
    inputs = {
        "tool": definition.name, "version": definition.version, "code": definition.code,
        "result_schema": definition.spec.result, "failure": failure,
        "previous": [{"diff": item.diff, "outcome": item.outcome, "problems": item.problems()} for item in previous],
    }
    try:
        answer = context.llm.complete("tool_patch", inputs, schema=PATCH_SCHEMA).data
    except LLMError as error:
        return Attempt(number, "no_patch", explanation=f"the model gave no usable patch: {error}")
    diff, explanation = answer["diff"].strip(), answer["explanation"]
    if not diff:
        return Attempt(number, "no_patch", explanation=explanation)
    try:
        code = apply_diff(definition.code, diff)
    except PatchError as error:
        return Attempt(number, "did_not_apply", diff, f"{explanation} (patch refused: {error})")
    candidate = replace(definition, code=code, status="candidate")
    report = registry.run_tests(candidate, [regression_case(failure)])
    return Attempt(number, "promoted" if report["passed"] else "tests_failed", diff, explanation, code, report)


def attempt_records(definition: ToolDefinition, failure: dict, attempts: list[Attempt]) -> tuple[list[Record], list[EventNote]]:
    records, events = [], []
    for attempt in attempts:
        records.append(Record("tool_repair", {
            "tool": definition.name, "from_version": definition.version, "number": attempt.number,
            "failure_kind": failure["kind"],
            "failure": {key: failure.get(key) for key in ("message", "problems", "error", "arguments")},
            "diff": attempt.diff, "passed": attempt.passed, "outcome": attempt.outcome,
            "report": {"explanation": attempt.explanation, **(attempt.report or {})},
        }))
        events.append(EventNote(
            "repair", f"Repair attempt {attempt.number} on {definition.name} v{definition.version}: {attempt.outcome}"
            + (f" ({'; '.join(attempt.problems())[:300]})" if not attempt.passed else f" ({attempt.explanation})"),
            {"tool": definition.name, "version": definition.version, "attempt": attempt.number,
             "outcome": attempt.outcome, "diff": attempt.diff},
        ))
    return records, events


def promoted(context: NodeContext, definition: ToolDefinition, failure: dict, attempts: list[Attempt], repairs: dict) -> Outcome:
    winner = attempts[-1]
    tests = [*definition.tests, regression_case(failure)]
    version = Record("tool_version", {
        "name": definition.name, "kind": "code", "spec": definition.spec.to_dict(), "code": winner.code, "tests": tests,
        "status": "active", "parent": definition.version, "diff": winner.diff, "created_by": "agent:self_debugger",
        "why": f"repair of {failure['kind']}: {winner.explanation}"[:2000],
        "provenance": {"run": context.run_id, "seq": context.seq, "repair_of": definition.version,
                       "failure": failure["message"][:500]},
    })
    records, events = attempt_records(definition, failure, attempts)
    route = failure.get("resume_route") or "reflect"
    events.append(EventNote("repair", f"Promoted a patched {definition.name} (parent v{definition.version}); resuming at '{route}'",
                            {"tool": definition.name, "parent": definition.version, "diff": winner.diff}))
    delta = {"tools": {"failure": None, "repairs": {**repairs, definition.name: repairs.get(definition.name, 0) + 1},
                       "last_repair": {"tool": definition.name, "from_version": definition.version, "outcome": "promoted",
                                       "attempts": len(attempts)}}}
    return Outcome(route=route, delta=delta, records=[version, *records], events=events,
                   observation={"repair": "promoted", "attempts": len(attempts)})


def roll_back(context: NodeContext, failure: dict, attempts: list[Attempt], reason: str) -> Outcome:
    """Promote nothing: the tool stays at its active version, is disabled for this run, re-plan."""
    disabled = sorted({*((context.state.get("tools") or {}).get("disabled") or []), failure["tool"]})
    records, events = [], []
    if attempts:
        registry: ToolRegistry = context.services["tools"]
        records, events = attempt_records(registry.get(failure["tool"]), failure, attempts)
    route = "plan" if "plan" in context.policy["routes"] else "reflect"
    events.append(EventNote("rollback", f"Rolled back: {failure['tool']} stays at v{failure['version']} ({reason}); "
                            f"disabled for this run, re-planning through '{route}'", {"tool": failure["tool"], "reason": reason}))
    delta = {"tools": {"failure": None, "disabled": disabled,
                       "last_repair": {"tool": failure["tool"], "from_version": failure["version"], "outcome": "rolled_back",
                                       "attempts": len(attempts), "reason": reason}}}
    return Outcome(route=route, delta=delta, records=records, events=events, observation={"repair": "rolled_back"})
