"""Turnitin handoff: publish the exact current draft for a human checker and wait.

Turnitin has no API we may call, so a checker runs the check. This node makes no model call: it
assembles the draft from the section artifacts (the `write` journey's contract: the ordered
sections of state["plan"]["sections"], the text of section i in artifact `section-{i}`), renders it
as DOCX, and returns

- artifacts `turnitin-draft` (Markdown) and `turnitin-draft-docx` (the DOCX bytes), stored as the
  next versions of those names in the step's transaction;
- a Record(kind="turnitin_handoff") whose writer (turnitin.handoff.write_handoff) creates the
  TurnitinCycle pointing at exactly these artifact versions and section versions;
- status "waiting_human" with the `human` block that journeys.services.answer_run resumes from
  (at `reflect`, with the parsed report merged into state["turnitin"]).
"""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome, Record
from agents.similarity_gate import draft_versions, similarity_gate
from agents.text_spans import paragraphs, word_count

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def reference_code(run_id: int, number: int) -> str:
    """The code that names one draft version sent for checking (file name and document header);
    a report quoting another code is a report of another draft."""
    return f"HW-R{run_id}-C{number}"


def hand_off(context: NodeContext) -> Outcome:
    gate = similarity_gate(context.spec, context.policy)
    plan = context.state["plan"]
    number = int((context.state.get("turnitin") or {}).get("cycles", 0)) + 1
    reference = reference_code(context.run_id, number)
    draft = draft_versions(context.state)
    sections = [
        (item["heading"], context.read_artifact(f"section-{index}"))
        for index, item in enumerate(plan["sections"])
        if item["written"]
    ]
    words = sum(word_count(text) for _, text in sections)
    filename = f"{reference}-draft.docx"
    markdown = f"# {plan['title']}\n\n" + "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections) + "\n"
    reason = f"waiting for a Turnitin check of {reference} (check {number} of {gate.max_cycles}, target ≤ {gate.target:g}%)"
    return Outcome(
        route="reflect",
        status="waiting_human",
        reason=reason,
        delta={
            "human": {"pending": True, "kind": "turnitin", "resume_route": "reflect", "cycle": number, "reference": reference},
            "turnitin": {"cycles": number, "target": gate.target, "max_cycles": gate.max_cycles},
        },
        artifacts=[
            ArtifactOut("turnitin-draft", markdown, kind="turnitin_draft"),
            ArtifactOut(
                "turnitin-draft-docx",
                f"{filename}: {words} words",
                kind="turnitin_draft_docx",
                content_type=DOCX_CONTENT_TYPE,
                binary=draft_docx(plan["title"], reference, sections),
            ),
        ],
        records=[
            Record(
                "turnitin_handoff",
                {
                    "number": number,
                    "reference": reference,
                    "filename": filename,
                    "target": gate.target,
                    "draft": draft,
                    "words": words,
                },
            )
        ],
        events=[
            EventNote(
                "turnitin",
                f"Draft {reference} ({words} words) sent to the checker queue for Turnitin check {number}; "
                f"target similarity ≤ {gate.target:g}%. No model calls while a checker works.",
                {"cycle": number, "reference": reference, "draft": draft, "target": gate.target},
            )
        ],
        observation={"cycle": number, "words": words},
    )


def draft_docx(title: str, reference: str, sections: list[tuple[str, str]]) -> bytes:
    """The draft as a Word document: title, reference line, then each section's heading and paragraphs."""
    document = Document()
    document.core_properties.title = title
    document.core_properties.subject = reference
    document.add_heading(title, level=0)
    note = document.add_paragraph(f"Reference: {reference}")
    note.runs[0].font.size = Pt(8)
    for heading, text in sections:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs(text):
            document.add_paragraph(paragraph.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
