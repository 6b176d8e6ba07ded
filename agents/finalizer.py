"""Finalizer: assembles the written sections into the Markdown deliverable.

It is also the node the engine runs when a budget runs out: then it makes no model call and
delivers the best draft there is, with an honest note saying what is missing.
"""
from __future__ import annotations

from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome


def assemble(context: NodeContext) -> tuple[str, int, int]:
    """The Markdown draft from the written sections, its word count and the sections missing."""
    plan = context.state.get("plan") or {}
    parts = [f"# {plan.get('title') or context.goal}"]
    words = missing = 0
    for index, section in enumerate(plan.get("sections", [])):
        if not section["written"]:
            missing += 1
            continue
        text = context.read_artifact(f"section-{index}")
        words += len(text.split())
        parts.append(f"## {section['heading']}\n\n{text}")
    return "\n\n".join(parts) + "\n", words, missing


def finalize(context: NodeContext) -> Outcome:
    draft, words, missing = assemble(context)
    ending = context.services.get("ending")
    # Notes the gates left for the student (e.g. a similarity target not met), said plainly.
    for note in context.state.get("delivery_notes", []):
        draft += f"\n> Note: {note}\n"
    if ending:
        note = (
            f"\n> Note: this run stopped early ({ending}); {missing} planned section(s) are missing.\n"
            if missing
            else f"\n> Note: this run stopped early ({ending}) after every section was written.\n"
        )
        draft += note
    events = [EventNote("deliverable", f"Delivered essay.md ({words} words)", {"words": words, "missing": missing})]
    return Outcome(
        route="done",
        delta={"progress": 1.0, "deliverable": {"words": words, "missing_sections": missing}},
        events=events,
        artifacts=[ArtifactOut("deliverable", draft, kind="deliverable", export_as="essay.md")],
        status="succeeded",
    )
