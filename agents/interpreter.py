"""GoalInterpreter: the student's free text plus form fields -> a validated TaskSpec.

Explicit form fields (validated in journeys.services.start_run) are final; the interpreter fills
in what the goal states and the form left open. When the goal is too vague to act on it asks the
student up to 5 questions and the run waits (waiting_human); the answers resume it here. It asks
at most `MAX_ROUNDS` times, then proceeds on its best reading and says so.
"""
from __future__ import annotations

from typing import Any

from agents.contracts import EventNote, NodeContext, Outcome, Record
from agents.taskspec import (
    CITATION_STYLES,
    DELIVERABLES,
    LEVELS,
    MAX_QUESTIONS,
    MAX_WORDS,
    MIN_WORDS,
    SpecError,
    spec_data,
    validate_spec,
)

MAX_ROUNDS = 2
INTERPRETED_FIELDS = ("deliverable", "words", "style", "level", "min_sources", "recency_years", "region", "deadline")
_NULLABLE = {"type": ["string", "integer", "null"]}
INTERPRET_SCHEMA = {
    "type": "object",
    "required": ["topic", "questions"],
    "properties": {
        "topic": {"type": "string"},
        **{name: _NULLABLE for name in INTERPRETED_FIELDS},
        "constraints": {"type": "array", "items": {"type": "string"}},
        "questions": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_QUESTIONS},
    },
}


def interpret(context: NodeContext) -> Outcome:
    spec = dict(context.spec)
    explicit = {name: spec[name] for name in spec.get("explicit", []) if name in spec}
    human = context.state.get("human") or {}
    answers = human.get("answers") if human.get("kind") == "clarify" else None
    rounds = int((context.state.get("interpretation") or {}).get("rounds", 0))
    result = context.llm.complete(
        "interpret_goal",
        {
            "goal": context.goal, "journey": context.journey, "deliverable": spec.get("deliverable", "essay"),
            "explicit": explicit, "answers": answers or {}, "styles": list(CITATION_STYLES), "levels": list(LEVELS),
            "limits": {"words_min": MIN_WORDS, "words_max": MAX_WORDS},
        },
        schema=INTERPRET_SCHEMA,
    )
    data = result.data
    questions = [question for question in data.get("questions", []) if question.strip()][:MAX_QUESTIONS]
    if questions and rounds < MAX_ROUNDS - 1:
        return ask(questions, rounds)
    merged, notes = merge(spec, data, explicit)
    if questions:
        notes.append(f"still unclear after {rounds + 1} round(s) of questions; proceeding on the best reading")
    if not merged["topic"]:
        merged["topic"] = (" ".join(str(value) for value in (answers or {}).values()) or context.goal)[:500]
    summary = (
        f"Understood: a {merged['words']}-word {merged['deliverable'].replace('_', ' ')} on {merged['topic']!r}, "
        f"{merged['style']} style, at least {merged['min_sources']} sources"
        + (f", {merged['region']} sources" if merged["region"] else "")
        + (f", from the last {merged['recency_years']} years" if merged["recency_years"] else "")
    )
    return Outcome(
        route="plan",
        records=[Record("task_spec", merged)],
        delta={"interpretation": {"rounds": rounds + 1, "topic": merged["topic"], "notes": notes}, "progress": 0.02},
        events=[EventNote("interpret", summary + ("; " + "; ".join(notes) if notes else ""), {"model": result.model})],
        observation={"questions": len(questions), "notes": notes},
    )


def ask(questions: list[str], rounds: int) -> Outcome:
    return Outcome(
        route="interpret",
        status="waiting_human",
        delta={
            "human": {"pending": True, "kind": "clarify", "questions": questions, "resume_route": "interpret"},
            "interpretation": {"rounds": rounds + 1},
        },
        events=[EventNote("question", f"Asked the student {len(questions)} question(s): " + " | ".join(questions))],
        reason=f"waiting for the student to answer {len(questions)} clarifying question(s)",
    )


def merge(spec: dict[str, Any], data: dict[str, Any], explicit: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The spec with interpreted values where the student gave none; invalid guesses are dropped."""
    merged = dict(spec)
    notes: list[str] = []
    for name in INTERPRETED_FIELDS:
        value = data.get(name)
        if value in (None, "") or name in explicit:
            continue
        fixed = spec.get("deliverable") in {"research_pack", "slides", "assignment"}
        if name == "deliverable" and (value not in DELIVERABLES or fixed):
            continue
        trial = {**merged, name: value}
        try:
            validate_spec(trial)
        except SpecError as error:
            notes.append(f"ignored {name}={value!r} from the goal ({error})")
            continue
        merged[name] = value
    constraints = [*merged.get("constraints", []), *(data.get("constraints") or [])]
    merged["constraints"] = list(dict.fromkeys(constraints))[:20]
    merged["topic"] = (data.get("topic") or "").strip()[:500]
    merged["interpreted"] = True
    return spec_data(validate_spec(merged)), notes
