"""Planner: the goal -> an outline of sections, each with a word share and the points to make."""
from __future__ import annotations

from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome

OUTLINE_SCHEMA = {
    "type": "object",
    "required": ["title", "sections"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "sections": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["heading", "words", "points"],
                "properties": {
                    "heading": {"type": "string", "minLength": 1},
                    "words": {"type": "integer", "minimum": 1},
                    "points": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def plan(context: NodeContext) -> Outcome:
    words = int(context.spec["words"])
    sections = int(context.spec.get("sections") or context.policy["gates"]["sections"])
    result = context.llm.complete(
        "plan_outline",
        {"goal": context.goal, "words": words, "sections": sections, "deliverable": context.spec["deliverable"]},
        schema=OUTLINE_SCHEMA,
    )
    outline = result.data
    planned = [
        {"heading": item["heading"], "words": item["words"], "points": item["points"], "written": 0}
        for item in outline["sections"]
    ]
    markdown = f"# {outline['title']}\n\n" + "\n".join(
        f"- **{item['heading']}** (~{item['words']} words): {'; '.join(item['points'])}" for item in planned
    )
    return Outcome(
        route="act",
        delta={"plan": {"title": outline["title"], "sections": planned}, "progress": 0.05},
        events=[
            EventNote(
                "plan",
                f"Planned {len(planned)} sections for about {words} words: "
                + ", ".join(item["heading"] for item in planned),
                {"sections": [item["heading"] for item in planned], "model": result.model},
            )
        ],
        artifacts=[ArtifactOut("outline", markdown, kind="outline")],
        observation={"sections": len(planned)},
    )
