"""Writer: writes the next unwritten section of the plan as its own artifact."""
from __future__ import annotations

from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome


def next_section(sections: list[dict]) -> int | None:
    return next((index for index, item in enumerate(sections) if not item["written"]), None)


def write_section(context: NodeContext) -> Outcome:
    plan = context.state["plan"]
    sections = [dict(item) for item in plan["sections"]]
    index = next_section(sections)
    if index is None:
        return Outcome(route="reflect", observation={"note": "every section is already written"})
    section = sections[index]
    result = context.llm.complete(
        "write_section",
        {
            "goal": context.goal,
            "title": plan["title"],
            "deliverable": context.spec["deliverable"],
            "heading": section["heading"],
            "points": section["points"],
            "words": section["words"],
            "previous": [item["heading"] for item in sections[:index]],
        },
    )
    written = len(result.text.split())
    section["written"] = written
    done = sum(1 for item in sections if item["written"])
    return Outcome(
        route="reflect",
        delta={"plan": {"sections": sections}, "progress": round(0.1 + 0.85 * done / len(sections), 3)},
        events=[
            EventNote(
                "action",
                f"Wrote section {index + 1}/{len(sections)} \"{section['heading']}\" ({written} words)",
                {"section": index, "words": written, "model": result.model},
            )
        ],
        artifacts=[ArtifactOut(f"section-{index}", result.text, kind="section")],
        observation={"section": index, "words": written},
    )
