"""Critic: checks the policy's gates against the run's state and chooses the next route."""
from __future__ import annotations

from agents import similarity_gate
from agents.contracts import EventNote, NodeContext, Outcome


def reflect(context: NodeContext) -> Outcome:
    sections = context.state.get("plan", {}).get("sections")
    errors = context.state.get("errors", {})
    if not sections:
        reasons = ["there is no plan yet"]
        if errors.get("last"):
            reasons.append(f"the last step failed: {errors['last']}")
        return _verdict("plan", reasons)
    pending = [item["heading"] for item in sections if not item["written"]]
    if pending:
        reasons = [f"{len(pending)} of {len(sections)} sections still to write, next: {pending[0]}"]
        if errors.get("last"):
            reasons.append(f"retrying after an error: {errors['last']}")
        return _verdict("act", reasons)
    target = int(context.spec["words"])
    tolerance = float(context.policy["gates"]["word_tolerance"])
    written = sum(item["written"] for item in sections)
    reasons = [f"all {len(sections)} sections written", f"{written} words against a target of {target}"]
    if abs(written - target) > tolerance * target:
        reasons.append(f"outside the ±{tolerance:.0%} word gate; the finalizer fits it to the target")
    # A complete draft may still have to pass a Turnitin check (policy gate / student's request).
    turnitin = similarity_gate.decide(context, reasons, words=written)
    if turnitin is not None:
        return turnitin
    return _verdict("finalize", reasons, words=written)


def _verdict(route: str, reasons: list[str], **metrics: int) -> Outcome:
    return Outcome(
        route=route,
        verdict={"route": route, "reasons": reasons, **metrics},
        events=[EventNote("verdict", f"-> {route}: " + "; ".join(reasons), {"route": route, "reasons": reasons})],
    )
