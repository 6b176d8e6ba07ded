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

from typing import Any

from agents import drafts
from agents.common import spec_of
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.memory.apply import planning_lessons
from agents.replanner import replan
from agents.steps import build_steps

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
        branches = [item for item in result.data["branches"] if item["section"] < len(sections)][:1]
    queries = list(dict.fromkeys(queries + learned.queries))
    steps = build_steps(phases, sections, spec, branches)
    planned = {"title": title, "sections": sections, "steps": steps, "queries": queries, "version": 1}
    lesson_events, lesson_records = learned.event_and_record()
    return Outcome(
        route="act",
        delta={"plan": planned, "progress": 0.05},
        events=[
            EventNote("plan", plan_summary(planned, spec.words), {"steps": [step["id"] for step in steps], "model": model}),
            *[EventNote("branch", f"Uncertain: {item['question']}; will try A ({item['options'][0]}) and B "
                        f"({item['options'][1]}) and keep the better on {item['metric']}") for item in branches],
            *lesson_events,
        ],
        records=lesson_records,
        artifacts=[ArtifactOut("outline", outline_markdown(planned), kind="outline")],
        observation={"sections": len(sections), "steps": len(steps)},
    )


def outline(context: NodeContext, phases: list[str], advice: list[str] = ()) -> tuple[str, list[dict[str, Any]], str]:
    """Title and sections: from the uploaded document (rewrite, slides), the assignment's parts,
    a fixed synthesis (research pack) or the model's outline."""
    spec = spec_of(context)
    title = (spec.topic or context.goal)[:1].upper() + (spec.topic or context.goal)[1:200]
    if ("rewrite" in phases or "slides" in phases) and spec.uploads:
        parts = drafts.split_draft(context.services["uploads"].text(spec.uploads[0]))
        sections = [
            section_entry(part["heading"], part["words"], [paragraph[:160] for paragraph in part["paragraphs"][:3]])
            for part in parts
        ]
        if "rewrite" in phases:
            sections = fit_words(sections, spec.words)
        return title, sections, "document"
    if "children" in phases and spec.parts:
        return title, [section_entry(part.title, part.words, [part.goal or part.title]) for part in spec.parts], "parts"
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
