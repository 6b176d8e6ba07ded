"""The success tests of plan steps and the journey's gates, evaluated for the Critic.

Each function returns a list of `needs` (what must happen for the gate to pass), empty when it
passes, plus human-readable reasons. Needs are handled by the Critic (expand) or the Planner
(agents.replanner): repair, research_dead_end, failed_step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.common import citable_sources, spec_of
from agents.contracts import NodeContext


@dataclass
class GateReport:
    needs: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    short_of_sources: tuple[int, int] | None = None


def finished(steps: list[dict], action: str) -> list[dict]:
    return [item for item in steps if item["action"] == action and item["status"] == "done"]


def evaluate(context: NodeContext, steps: list[dict]) -> GateReport:
    report = GateReport()
    research_gate(context, steps, report)
    failed_steps(steps, report)
    section_gates(context, steps, report)
    qa_gate(context, steps, report)
    return report


def research_gate(context: NodeContext, steps: list[dict], report: GateReport) -> None:
    if not finished(steps, "research") or any(item["action"] == "research" and item["status"] == "pending" for item in steps):
        return
    plan = context.state.get("plan") or {}
    needed = int(plan.get("accepted_sources", spec_of(context).min_sources))
    found = len(citable_sources(context))
    if found >= needed:
        report.reasons.append(f"{found} sources found (at least {needed} needed)")
        return
    report.short_of_sources = (found, needed)
    report.reasons.append(f"only {found} of the {needed} sources needed")


def failed_steps(steps: list[dict], report: GateReport) -> None:
    for item in steps:
        if item["status"] == "failed":
            report.needs.append({"kind": "failed_step", "step": item["id"]})
            report.reasons.append(f"step {item['id']} failed")


def latest_section_steps(steps: list[dict]) -> dict[int, dict]:
    latest: dict[int, dict] = {}
    for item in steps:
        if item.get("section") is not None and item["kind"] == "write" and item["status"] == "done":
            latest[int(item["section"])] = item
    return latest


def section_gates(context: NodeContext, steps: list[dict], report: GateReport) -> None:
    """Each written section within ±tolerance of its words (a QA step judges the rest)."""
    plan = context.state.get("plan") or {}
    if not plan.get("word_gate", True):
        return  # a deck: its size is the number of slides, not words per point
    sections = plan.get("sections", [])
    tolerance = float(context.policy["gates"]["word_tolerance"])
    max_repairs = int(context.policy.get("quality", {}).get("max_repairs", 2))
    has_qa = any(item["action"] == "qa" for item in steps)
    pending = rewriting(steps)
    for index in latest_section_steps(steps):
        if not has_qa or index >= len(sections) or index in pending:
            continue  # without a QA step (the sketch journey) the word count is only reported
        section = sections[index]
        if abs(section["written"] - section["words"]) <= tolerance * section["words"]:
            continue
        problem = f"{section['written']} words against a target of {section['words']}"
        if repairs_of(steps, index) >= max_repairs:
            report.warnings.append(f"section {index + 1}: {problem} (left after {max_repairs} revisions)")
            continue
        report.needs.append({"kind": "repair", "section": index, "problems": [problem]})
        report.reasons.append(f"section {index + 1}: {problem}")


def repairs_of(steps: list[dict], index: int) -> int:
    return sum(1 for item in steps if item.get("section") == index and item.get("revise"))


def rewriting(steps: list[dict]) -> set[int]:
    """Sections with a write or revise step still to run: their gates wait for that step (asking
    again before it ran would queue a second revision of text nobody has looked at yet)."""
    return {int(item["section"]) for item in steps
            if item.get("section") is not None and item["kind"] == "write" and item["status"] == "pending"}


def qa_gate(context: NodeContext, steps: list[dict], report: GateReport) -> None:
    """The latest finished QA step: passed, or a repair for each section it faulted."""
    checks = [item for item in steps if item["action"] == "qa"]
    if not checks or checks[-1]["status"] != "done":
        return
    qa = context.state.get("qa") or {}
    if qa.get("passed") or (context.state.get("plan") or {}).get("accepted_with_warnings"):
        report.reasons.append("QA passed" if qa.get("passed") else "QA warnings accepted")
        report.warnings += list(qa.get("warnings", []))
        return
    max_repairs = int(context.policy.get("quality", {}).get("max_repairs", 2))
    repairing = {need.get("section") for need in report.needs if need["kind"] == "repair"} | rewriting(steps)
    for repair in qa.get("repairs", []):
        index = int(repair["section"])
        if index in repairing:
            continue
        if repairs_of(steps, index) >= max_repairs:
            report.warnings.append(f"section {index + 1}: {'; '.join(repair['problems'][:3])} (after {max_repairs} revisions)")
            continue
        report.needs.append({"kind": "repair", "section": index, "problems": repair["problems"][:8]})
        report.reasons.append(f"QA: section {index + 1}: {'; '.join(repair['problems'][:2])}")
    report.warnings += list(qa.get("warnings", []))
    for failure in qa.get("failures", []):
        report.reasons.append(f"QA: {failure}")
