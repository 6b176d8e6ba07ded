"""How the agents act on lessons, and how they say so.

Lessons reach a node as plain dicts from services["memory"].lessons(...):
    {id, kind, topic, text, data, similarity, run_id}
The functions here turn them into concrete choices (which providers to search first, which
queries to add, which plan shape worked) and into the event that names the lessons used, so
"why did it search Semantic Scholar first?" is answered in the run's log.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.contracts import EventNote, Record


@dataclass(frozen=True)
class ResearchHints:
    providers: list[str]  # the enabled providers, reordered: lesson-proven first, proven-empty last
    queries: list[str]  # productive queries of similar earlier runs, to try alongside new ones
    used: list[dict[str, Any]] = field(default_factory=list)  # the lessons that changed something

    @property
    def changed(self) -> bool:
        return bool(self.used)


def research_hints(lessons: list[dict[str, Any]], enabled: list[str], max_queries: int = 2) -> ResearchHints:
    """Reorder `enabled` by what similar runs found; never adds a provider that is not enabled."""
    good: list[str] = []
    empty: set[str] = set()
    queries: list[str] = []
    used = []
    for lesson in (item for item in lessons if item["kind"] == "research"):
        data = lesson.get("data") or {}
        proven = [provider for provider in data.get("providers", []) if provider in enabled and provider not in good]
        if not proven and not data.get("queries"):
            continue
        good += proven
        empty |= (set(data.get("providers_empty", [])) | set(data.get("providers_failed", []))) & set(enabled)
        queries += [query for query in data.get("queries", []) if query not in queries]
        used.append(lesson)
    empty -= set(good)
    order = good + [provider for provider in enabled if provider not in good and provider not in empty]
    order += [provider for provider in enabled if provider in empty]
    return ResearchHints(order, queries[:max_queries], used)


def plan_advice(lessons: list[dict[str, Any]], limit: int = 3) -> tuple[list[str], list[dict[str, Any]]]:
    """Short advice for the planning prompt from plan and tool lessons, and the lessons it came from."""
    advice, used = [], []
    for lesson in lessons:
        if lesson["kind"] in {"plan", "tool_repair", "revision"} and len(advice) < limit:
            advice.append(lesson["text"])
            used.append(lesson)
    return advice, used


def lesson_event(used: list[dict[str, Any]], effect: str) -> EventNote:
    """The event naming the lessons a node used and what it did because of them."""
    names = "; ".join(
        f"#{lesson['id']} from run {lesson.get('run_id') or '?'} (similarity {lesson.get('similarity', 0):.2f}): {lesson['text']}"
        for lesson in used
    )
    return EventNote(
        "lesson",
        f"Used {len(used)} lesson(s) from earlier runs: {names}. Because of them: {effect}",
        {"lessons": [lesson["id"] for lesson in used], "effect": effect},
    )


def lesson_use_record(used: list[dict[str, Any]], node: str) -> Record:
    """A record counting the use (journeys.memory.write_lesson_use), for operators' statistics."""
    return Record(kind="lesson_use", data={"lessons": [lesson["id"] for lesson in used], "node": node})


@dataclass(frozen=True)
class ResearchLessons:
    """What the Researcher's first pass takes from lessons: the provider order and extra queries
    to use, the event saying so, and the record counting the use."""

    providers: list[str]
    queries: list[str] = field(default_factory=list)
    events: list[EventNote] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    @property
    def lesson_ids(self) -> list[int]:
        return [lesson_id for event in self.events for lesson_id in event.data.get("lessons", [])]


def research_lessons(services: dict[str, Any], enabled: list[str]) -> ResearchLessons:
    """Lessons of similar earlier runs applied to this run's first search pass (no memory
    service, or nothing relevant: the providers as configured, nothing else)."""
    memory = services.get("memory")
    lessons = memory.lessons(kinds=["research"]) if memory is not None else []
    hints = research_hints(lessons, enabled)
    if not hints.changed:
        return ResearchLessons(list(enabled))
    effect = f"searching {', '.join(hints.providers[:2])} first (configured order: {', '.join(enabled)})"
    if hints.queries:
        effect += f"; also trying the queries that found sources before: {'; '.join(hints.queries)}"
    return ResearchLessons(hints.providers, hints.queries, [lesson_event(hints.used, effect)],
                           [lesson_use_record(hints.used, "researcher")])


def provider_order(remembered: list[str], enabled: list[str]) -> list[str]:
    """Later passes keep the order the first pass chose (lessons included), limited to what is enabled."""
    kept = [provider for provider in remembered if provider in enabled]
    return kept + [provider for provider in enabled if provider not in kept]


@dataclass(frozen=True)
class PlanningLessons:
    """What the Planner takes from lessons: advice for the outline prompt, productive queries."""

    advice: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    used: list[dict[str, Any]] = field(default_factory=list)

    def event_and_record(self) -> tuple[list[EventNote], list[Record]]:
        if not self.used:
            return [], []
        effects = []
        if self.advice:
            effects.append(f"the outline was planned with {len(self.advice)} piece(s) of their advice")
        if self.queries:
            effects.append(f"the plan's queries include {'; '.join(self.queries)}")
        return [lesson_event(self.used, ", and ".join(effects))], [lesson_use_record(self.used, "planner")]


def planning_lessons(services: dict[str, Any], max_advice: int = 3, max_queries: int = 2) -> PlanningLessons:
    memory = services.get("memory")
    if memory is None:
        return PlanningLessons()
    lessons = memory.lessons(kinds=["plan", "tool_repair", "revision", "research"], limit=4)
    advice, used = plan_advice(lessons, max_advice)
    queries: list[str] = []
    for lesson in lessons:
        found = [query for query in (lesson.get("data") or {}).get("queries", []) if query not in queries]
        if lesson["kind"] == "research" and found and len(queries) < max_queries:
            queries += found[: max_queries - len(queries)]
            used.append(lesson)
    return PlanningLessons(advice, queries, used)
