"""The Turnitin similarity gate the Critic applies once every section is written.

The gate is on when the policy says `turnitin: always`, or `on_request` and the student's spec
asks for it (`spec["turnitin"]`). Its decision, from the run's compact state:

- no report covers the current draft          -> `turnitin_pause` (send this draft to a checker)
- the latest report is at or under the target  -> `finalize` (the gate passes)
- over the target, checks remain               -> `plan_revision` (then `revise`, passage by passage)
- over the target, no check left (or nothing could be located / changed, or the cycle expired)
                                               -> `finalize` with the best draft and an honest note

State it reads (written by the handoff node and by turnitin.services when a report arrives):
``state["turnitin"] = {"cycles": n, "reports": {"<n>": {"similarity", "ai_writing", "draft",
"flagged": [...], ...}}, "expired": {...}?}``. AI-writing scores are shown, never targeted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.contracts import EventNote, NodeContext, Outcome, Record

INTEGRITY_NOTE = (
    "Flagged passages were revised only by rewriting in the writer's own synthesis, by quotation "
    "with citation, or by replacing the source; never by obfuscation."
)


@dataclass(frozen=True)
class SimilarityGate:
    enabled: bool
    target: float
    max_cycles: int


def similarity_gate(spec: dict[str, Any], policy: dict[str, Any]) -> SimilarityGate:
    """The gate for a run: the policy's rule, with the student's target when they gave a valid one."""
    gates = policy.get("gates", {})
    # The policy's top-level `turnitin: true` (every run of the journey) reads as gates.turnitin: always.
    mode = "always" if policy.get("turnitin") is True else gates.get("turnitin", "off")
    enabled = mode == "always" or (mode == "on_request" and bool(spec.get("turnitin")))
    target = float(gates.get("similarity_target", 15.0))
    requested = spec.get("similarity_target")
    if isinstance(requested, int | float) and not isinstance(requested, bool) and 0 <= requested <= 100:
        target = float(requested)
    return SimilarityGate(enabled, target, int(gates.get("max_turnitin_cycles", 3)))


def draft_versions(state: dict[str, Any]) -> dict[str, int]:
    """The draft as section artifact versions: what a report is about, and what changes on revision."""
    references = state.get("artifacts", {})
    sections = state.get("plan", {}).get("sections", [])
    return {
        f"section-{index}": references[f"section-{index}"] for index, _ in enumerate(sections) if f"section-{index}" in references
    }


def latest_report(reports: dict[str, dict]) -> tuple[int, dict] | None:
    if not reports:
        return None
    number = max(int(key) for key in reports)
    return number, reports[str(number)]


def decide(context: NodeContext, reasons: list[str], **metrics: Any) -> Outcome | None:
    """The Critic's route once the draft is complete, or None when the gate is off."""
    gate = similarity_gate(context.spec, context.policy)
    if not gate.enabled:
        return None
    turnitin = context.state.get("turnitin") or {}
    reports = turnitin.get("reports") or {}
    draft = draft_versions(context.state)
    if turnitin.get("expired"):
        expired = turnitin["expired"]
        note = f"Turnitin: check {expired['number']} expired before a report arrived ({expired['why']}); the draft is unchecked."
        return finish_with_best(context, gate, reasons + [note], note, metrics, outcome=None)
    latest = latest_report(reports)
    if latest is None or latest[1]["draft"] != draft:
        if len(reports) >= gate.max_cycles:
            note = f"Turnitin: all {gate.max_cycles} checks were used; the last revision was not checked again."
            return finish_with_best(context, gate, reasons + [note], note, metrics, outcome=None)
        why = f"this draft needs a Turnitin check ({len(reports) + 1} of at most {gate.max_cycles}, target ≤ {gate.target:g}%)"
        return verdict("turnitin_pause", reasons + [why], metrics)
    return after_report(context, gate, latest, reasons, metrics)


def after_report(
    context: NodeContext, gate: SimilarityGate, latest: tuple[int, dict], reasons: list[str], metrics: dict
) -> Outcome:
    number, report = latest
    similarity = float(report["similarity"])
    shown = f"similarity {similarity:g}% in check {number}" + ai_note(report)
    if similarity <= gate.target:
        record = Record("turnitin_verdict", {"number": number, "outcome": "passed"})
        return verdict("finalize", reasons + [f"{shown} is within the target of {gate.target:g}%"], metrics, records=[record])
    if number >= gate.max_cycles:
        note = f"Turnitin: the similarity target of {gate.target:g}% was not reached after {number} checks."
        return finish_with_best(context, gate, reasons + [shown, note], note, metrics, outcome=(number, "target_not_met"))
    if not report.get("flagged"):
        note = f"Turnitin: the report shows {similarity:g}% but no flagged passage could be located in the draft to revise."
        return finish_with_best(context, gate, reasons + [shown, note], note, metrics, outcome=(number, "unlocatable"))
    revision = context.state.get("revision") or {}
    if revision.get("cycle") == number:
        if any(not item.get("done") for item in revision.get("passages", [])):
            return verdict("revise", reasons + [shown, "revision of the flagged passages continues"], metrics)
        note = f"Turnitin: revising the passages flagged in check {number} left the draft unchanged."
        return finish_with_best(context, gate, reasons + [shown, note], note, metrics, outcome=(number, "unchanged"))
    why = f"{shown} is over the target of {gate.target:g}%: {len(report['flagged'])} flagged passage(s) to revise"
    record = Record("turnitin_verdict", {"number": number, "outcome": "revising"})
    return verdict("plan_revision", reasons + [why], metrics, records=[record])


def finish_with_best(
    context: NodeContext, gate: SimilarityGate, reasons: list[str], note: str, metrics: dict, outcome: tuple[int, str] | None
) -> Outcome:
    """End with the draft that had the lowest reported similarity, and say so in the deliverable."""
    reports = (context.state.get("turnitin") or {}).get("reports") or {}
    records = [Record("turnitin_verdict", {"number": outcome[0], "outcome": outcome[1]})] if outcome else []
    best = min(reports.items(), key=lambda item: (float(item[1]["similarity"]), -int(item[0])), default=None)
    if best is not None:
        lowest = float(best[1]["similarity"])
        note += f" The draft delivered is the one with the lowest reported similarity ({lowest:g}% in check {best[0]})."
    notes = (
        [*context.state.get("delivery_notes", []), note, INTEGRITY_NOTE]
        if reports
        else [*context.state.get("delivery_notes", []), note]
    )
    delta: dict[str, Any] = {"delivery_notes": list(dict.fromkeys(notes))}
    if best is not None and best[1]["draft"] != draft_versions(context.state):
        # The reviser puts the best draft's section versions back, then the run finalizes.
        delta["revision"] = {"restore": {"cycle": int(best[0]), "draft": best[1]["draft"]}}
        return verdict("revise", reasons + [f"restoring the draft of check {best[0]}"], metrics, delta=delta, records=records)
    return verdict("finalize", reasons, metrics, delta=delta, records=records)


def ai_note(report: dict) -> str:
    score = report.get("ai_writing")
    return "" if score is None else f" (AI-writing indicator {score:g}%, shown for information only)"


def verdict(
    route: str, reasons: list[str], metrics: dict, *, delta: dict | None = None, records: list[Record] | None = None
) -> Outcome:
    return Outcome(
        route=route,
        delta=delta or {},
        verdict={"route": route, "reasons": reasons, **metrics},
        events=[EventNote("verdict", f"-> {route}: " + "; ".join(reasons), {"route": route, "reasons": reasons})],
        records=records or [],
    )
