"""Structure and argument checks: the shape a deliverable type needs, and an argument that opens
and closes on its topic (the model's judgement; offline: rules)."""
from __future__ import annotations

from typing import Any

from agents.llm.offline.text import sentences

ARGUMENT_SCHEMA = {
    "type": "object",
    "required": ["issues"],
    "properties": {
        "issues": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["section", "problem", "severity"],
                "properties": {
                    "section": {"type": "integer", "minimum": 0},
                    "problem": {"type": "string"},
                    "severity": {"type": "string", "enum": ["major", "minor"]},
                },
            },
        }
    },
}


def structure_problems(
    sections: list[dict[str, Any]], texts: list[str], deliverable: str, cites_expected: bool
) -> dict[int, list[str]]:
    """Per section: unwritten, empty, or (when evidence exists) without a single citation."""
    problems: dict[int, list[str]] = {}
    for index, (section, text) in enumerate(zip(sections, texts, strict=True)):
        found = []
        if not section.get("written") or not text.strip():
            found.append("the section is missing")
        elif cites_expected and "[@" not in text:
            found.append("the section cites no evidence")
        if found:
            problems[index] = found
    return problems


def argument_issues(llm: Any, title: str, topic: str, deliverable: str, sections: list[dict], texts: list[str]) -> list[dict]:
    summary = []
    for section, text in zip(sections, texts, strict=True):
        found = sentences(text)
        summary.append({"heading": section["heading"], "opening": found[0] if found else "", "closing": found[-1] if found else ""})
    answer = llm.complete(
        "check_argument", {"title": title, "topic": topic, "deliverable": deliverable, "sections": summary}, schema=ARGUMENT_SCHEMA
    )
    return [issue for issue in answer.data["issues"] if issue["section"] < len(sections)]
