"""Planner: the goal -> a hierarchical plan; on the Critic's request, a revised plan.

The plan (state["plan"]) holds the draft's sections (the contract the Turnitin cycle and the
Finalizer read: heading, words, points, written; section i's text in artifact `section-{i}`) and
the steps that produce it. Each step has a kind (research / write / evaluate / tool), the action
the Executor runs, its dependencies, a machine-checkable success test the Critic evaluates, and
a status. The skeleton comes from the journey policy's `phases`; the model fills in the outline,
the search queries and the uncertain branches ("if X is ambiguous, try A and B, keep the one that
scores better on M"). Replanning (agents.replanner) revises it on dead ends and failed gates.
"""
from __future__ import annotations

import re
from typing import Any

from agents import drafts
from agents.common import spec_of
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome, Record
from agents.memory.apply import planning_lessons
from agents.replanner import replan
from agents.steps import build_steps
from agents.taskspec import MAX_WORDS, MIN_WORDS

# A child run's part up to this long is one section (its parent's heading is its heading).
PART_SECTION_WORDS = 800
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.+)$", re.MULTILINE)

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
TASKS_SCHEMA = {
    "type": "object",
    "required": ["queries", "branches"],
    "properties": {
        "queries": {"type": "array", "items": {"type": "string", "minLength": 2}, "minItems": 1, "maxItems": 6},
        "branches": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["section", "question", "options", "metric"],
                "properties": {
                    "section": {"type": "integer", "minimum": 0},
                    "question": {"type": "string"},
                    "options": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
                    "metric": {"type": "string", "enum": ["evidence_coverage"]},
                },
            },
        },
    },
}


def plan(context: NodeContext) -> Outcome:
    if (context.state.get("plan") or {}).get("steps"):
        return replan(context)
    return first_plan(context)


def first_plan(context: NodeContext) -> Outcome:
    spec = spec_of(context)
    phases = list(context.policy.get("phases") or ["write"])
    learned = planning_lessons(context.services)  # memory: lessons of similar earlier runs
    title, sections, model = outline(context, phases, learned.advice)
    queries, branches = [spec.topic or context.goal], []
    if "research" in phases:
        result = context.llm.complete(
            "plan_tasks",
            {"goal": context.goal, "topic": spec.topic or context.goal, "deliverable": spec.deliverable, "sections": sections},
            schema=TASKS_SCHEMA,
        )
        queries = result.data["queries"]
        # Branches are ways to write a section; only phases that write prose can try them.
        writes = {"write", "synthesis"} & set(phases)
        branches = [item for item in result.data["branches"] if item["section"] < len(sections) and writes][:1]
    queries = list(dict.fromkeys(queries + learned.queries))
    steps = build_steps(phases, sections, spec, branches)
    planned = {"title": title, "sections": sections, "steps": steps, "queries": queries, "version": 1, **plan_rules(phases)}
    records, notes = target_update(context, sections, phases)
    lesson_events, lesson_records = learned.event_and_record()
    return Outcome(
        route="act",
        delta={"plan": planned, "progress": 0.05},
        events=[
            EventNote("plan", plan_summary(planned, sum(item["words"] for item in sections)),
                      {"steps": [step["id"] for step in steps], "model": model}),
            *[EventNote("branch", f"Uncertain: {item['question']}; will try A ({item['options'][0]}) and B "
                        f"({item['options'][1]}) and keep the better on {item['metric']}") for item in branches],
            *[EventNote("plan", note) for note in notes],
            *lesson_events,
        ],
        records=records + lesson_records,
        artifacts=[ArtifactOut("outline", outline_markdown(planned), kind="outline")],
        observation={"sections": len(sections), "steps": len(steps)},
    )


def plan_rules(phases: list[str]) -> dict[str, Any]:
    """How the Critic treats this plan: a deck has no word gate per point, and a point that fails
    QA is fixed by outlining the deck again (not by writing prose)."""
    if "slides" in phases:
        return {"word_gate": False, "revise_action": "build_slides"}
    return {}


def target_update(context: NodeContext, sections: list[dict], phases: list[str]) -> tuple[list[Record], list[str]]:
    """A rewrite keeps the draft's length and an assignment is the sum of its parts: the run's word
    target follows (unless the student set one, which is then reported as not applied)."""
    if not ({"rewrite", "children"} & set(phases)):
        return [], []
    total = min(MAX_WORDS, max(MIN_WORDS, sum(item["words"] for item in sections)))
    spec = dict(context.spec)
    if int(spec.get("words") or 0) == total:
        return [], []
    if "words" in spec.get("explicit", []):
        what = "the draft's length" if "rewrite" in phases else "the sum of the parts"
        return [], [f"the word target of {spec['words']} differs from {what} ({total} words); the parts keep their own"]
    return [Record("task_spec", {**spec, "words": total})], []


def outline(context: NodeContext, phases: list[str], advice: list[str] = ()) -> tuple[str, list[dict[str, Any]], str]:
    """Title and sections: from the uploaded document (rewrite, slides), an outline in the goal
    (slides), the assignment's parts, a child run's single part, a fixed synthesis (research pack)
    or the model's outline (told the lessons of similar earlier runs)."""
    spec = spec_of(context)
    title = (spec.topic or context.goal)[:1].upper() + (spec.topic or context.goal)[1:200]
    if ("rewrite" in phases or "slides" in phases) and spec.uploads:
        sections = [
            section_entry(part["heading"], max(30, part["words"]), [paragraph[:160] for paragraph in part["paragraphs"][:3]])
            for part in drafts.uploaded_parts(context)
        ]
        return title, sections, "document"
    if "slides" in phases and len(points := outline_points(context.goal)) >= 2:
        return title, [section_entry(point, 30, [point]) for point in points], "outline"
    if "children" in phases and spec.parts:
        return title, [section_entry(part.title, part.words, [part.goal or part.title]) for part in spec.parts], "parts"
    if spec.part is not None and spec.words <= PART_SECTION_WORDS:
        goal = re.sub(r"\s*\(part \d+ of an assignment on .*\)\s*$", "", context.goal)  # agents.assignment's suffix
        return title, [section_entry(title, spec.words, [goal[:1].lower() + goal[1:]])], "part"
    if "synthesis" in phases:
        points = [f"summarise what the sources agree on about {spec.topic or context.goal}", "note where they disagree"]
        return title, [section_entry("Synthesis", spec.words, points)], "fixed"
    count = spec.sections or int(context.policy["gates"]["sections"])
    result = context.llm.complete(
        "plan_outline",
        {"goal": context.goal, "topic": spec.topic, "words": spec.words, "sections": count, "deliverable": spec.deliverable,
         "lessons": list(advice)},
        schema=OUTLINE_SCHEMA,
    )
    sections = [section_entry(item["heading"], item["words"], item["points"]) for item in result.data["sections"]]
    return result.data["title"], fit_words(sections, spec.words), result.model


def outline_points(goal: str) -> list[str]:
    """The items of a list written into the goal ("- Causes", "2. Health effects"): a deck's points."""
    items = [match.group(1).strip() for match in _LIST_ITEM.finditer(goal)]
    return [item[:200] for item in items if item][:40]


def section_entry(heading: str, words: int, points: list[str]) -> dict[str, Any]:
    return {"heading": heading.strip()[:200], "words": int(words), "points": [str(point)[:400] for point in points], "written": 0}


def fit_words(sections: list[dict[str, Any]], target: int) -> list[dict[str, Any]]:
    """Scale the sections' shares so they add up to the word target exactly."""
    total = sum(max(1, section["words"]) for section in sections) or 1
    scaled = [max(30, round(target * max(1, section["words"]) / total)) for section in sections]
    scaled[-1] += target - sum(scaled)
    return [{**section, "words": max(30, words)} for section, words in zip(sections, scaled, strict=True)]


def plan_summary(planned: dict[str, Any], words: int) -> str:
    steps = ", ".join(f"{step['id']} ({step['kind']})" for step in planned["steps"])
    return f"Planned {len(planned['sections'])} sections for about {words} words; steps: {steps}"


def outline_markdown(planned: dict[str, Any]) -> str:
    lines = [f"# {planned['title']}", ""]
    lines += [
        f"- **{item['heading']}** (~{item['words']} words): {'; '.join(item['points'])}" for item in planned["sections"]
    ]
    lines += ["", "## Steps", ""]
    for step in planned["steps"]:
        after = f" after {', '.join(step['depends_on'])}" if step["depends_on"] else ""
        lines.append(f"- `{step['id']}` {step['kind']}: {step['title']}{after}; success: {step['success']['text']}")
    return "\n".join(lines) + "\n"
