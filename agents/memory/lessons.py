"""Semantic memory: lessons distilled from a finished run by deterministic rules.

Each rule reads the run's digest (plain data built by journeys.memory from the run, its steps,
events and sources) and returns LessonDrafts: a kind, the topic it applies to, a sentence for
people and prompts, structured `data` the agents act on, and its provenance (the step seqs and
event ids it rests on). The facts always come from these rules; a model may only rephrase them
(agents.memory.distil), never add a fact the run did not show.

Digest: {run_id, journey, status, goal, topic, spec,
         steps: [{seq, node, route_in, route, error}], events: [{id, seq, kind, message, data}],
         state: {...}, sources: [{key, provider, query, origin, step_seq}]}
Private material never enters a lesson: uploaded documents (origin "upload") are ignored and
goals are represented by their topic only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

KINDS = ("research", "tool_repair", "revision", "plan")
MAX_QUERIES = 4


@dataclass
class LessonDraft:
    kind: str
    topic: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    seqs: list[int] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)


def events_of(digest: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [event for event in digest.get("events", []) if event["kind"] in kinds]


def distil_rules(digest: dict[str, Any]) -> list[LessonDraft]:
    """Every lesson the rules find in a finished run (possibly none)."""
    research = research_lesson(digest)
    others = [revision_lesson(digest), plan_lesson(digest)]
    return ([research] if research else []) + tool_lessons(digest) + [draft for draft in others if draft]


def research_lesson(digest: dict[str, Any]) -> LessonDraft | None:
    """Which providers and queries found the sources kept, which found none, how many passes."""
    found = [source for source in digest.get("sources", []) if source.get("origin", "search") == "search"]
    passes = events_of(digest, "research")
    if not found or not passes:
        return None
    by_provider = Counter(source["provider"] for source in found if source.get("provider"))
    searched = {provider for event in passes for provider in (event.get("data") or {}).get("providers", [])}
    failed = sorted({(event.get("data") or {}).get("provider", "") for event in events_of(digest, "provider")} - {""})
    empty = sorted(searched - set(by_provider))
    productive = Counter(source["query"] for source in found if source.get("query"))
    queries = [query for query, _ in productive.most_common(MAX_QUERIES)]
    widened = [(event.get("data") or {}).get("rung", "") for event in passes[1:]]
    providers = [provider for provider, _ in by_provider.most_common()]
    text = (
        f'For topics like "{digest["topic"]}": '
        + ", ".join(f"{provider} ({count})" for provider, count in by_provider.most_common())
        + f" found the {len(found)} sources kept"
        + (f"; {', '.join(empty)} found none" if empty else "")
        + (f"; {', '.join(failed)} failed" if failed else "")
        + (f"; productive queries: {'; '.join(queries)}" if queries else "")
        + (f". It took {len(passes)} search passes (widened: {', '.join(widened)})." if len(passes) > 1
           else ". The first search pass was enough.")
    )
    return LessonDraft(
        kind="research",
        topic=digest["topic"],
        text=text,
        data={"providers": providers, "providers_empty": empty, "providers_failed": failed, "queries": queries,
              "passes": len(passes), "sources": len(found)},
        seqs=sorted({event["seq"] for event in passes} | {s["step_seq"] for s in found if s.get("step_seq") is not None}),
        event_ids=[event["id"] for event in passes],
    )


def tool_lessons(digest: dict[str, Any]) -> list[LessonDraft]:
    """Per tool: how it failed, and whether a patch repaired it or it had to be rolled back."""
    failures: dict[str, list[dict]] = {}
    for event in events_of(digest, "tool"):
        tool = (event.get("data") or {}).get("tool")
        if tool:
            failures.setdefault(tool, []).append(event)
    outcomes: dict[str, list[dict]] = {}
    for event in events_of(digest, "repair", "rollback"):
        tool = (event.get("data") or {}).get("tool")
        if tool:
            outcomes.setdefault(tool, []).append(event)
    lessons = []
    for tool in sorted(set(failures) | set(outcomes)):
        lessons.append(tool_lesson(digest["topic"], tool, failures.get(tool, []), outcomes.get(tool, [])))
    return lessons


def tool_lesson(topic: str, tool: str, failed: list[dict], outcomes: list[dict]) -> LessonDraft:
    kinds = sorted({(event.get("data") or {}).get("kind", "") for event in failed} - {""})
    promoted = [event for event in outcomes if event["kind"] == "repair" and "diff" in (event.get("data") or {})
                and (event.get("data") or {}).get("parent") is not None]
    attempts = [event for event in outcomes if (event.get("data") or {}).get("attempt") is not None]
    rolled_back = [event for event in outcomes if event["kind"] == "rollback"]
    failure = f"failed ({', '.join(kinds)})" if kinds else "failed"
    if promoted:
        diff = str((promoted[-1].get("data") or {}).get("diff", ""))
        outcome, text = "repaired", f"Tool {tool} {failure}; a patch repaired it after {max(1, len(attempts))} attempt(s)."
    elif rolled_back:
        diff = ""
        reason = (rolled_back[-1].get("data") or {}).get("reason", "")
        outcome, text = "rolled_back", f"Tool {tool} {failure}; repair did not pass its tests ({reason}): plan around it."
    else:
        diff, outcome = "", "unrepaired"
        text = f"Tool {tool} {failure} {len(failed)} time(s) and was not repaired in that run."
    events = failed + outcomes
    return LessonDraft(
        kind="tool_repair",
        topic=topic,
        text=text,
        data={"tool": tool, "outcome": outcome, "failure_kinds": kinds, "attempts": len(attempts), "diff": diff[:2000]},
        seqs=sorted({event["seq"] for event in events if event.get("seq") is not None}),
        event_ids=[event["id"] for event in events],
    )


def revision_lesson(digest: dict[str, Any]) -> LessonDraft | None:
    """Which revision strategies were used between similarity reports, and what they achieved."""
    reports = ((digest.get("state") or {}).get("turnitin") or {}).get("reports") or {}
    scores = [float(report["similarity"]) for _, report in sorted(reports.items(), key=lambda item: int(item[0]))
              if isinstance(report, dict) and report.get("similarity") is not None]
    revisions = events_of(digest, "revision")
    if len(scores) < 2 or not revisions:
        return None
    strategies = Counter((event.get("data") or {}).get("strategy", "unknown") for event in revisions)
    refused = len(events_of(digest, "revision_refused"))
    lowered = scores[-1] < scores[0]
    verb = "lowered" if lowered else "did not lower"
    text = (
        f"Revising flagged passages by {', '.join(f'{name} ({count})' for name, count in strategies.most_common())} "
        f"{verb} similarity from {scores[0]:g}% to {scores[-1]:g}% in {len(scores) - 1} cycle(s)"
        + (f"; {refused} proposed revision(s) were refused as obfuscation." if refused else ".")
    )
    return LessonDraft(
        kind="revision",
        topic=digest["topic"],
        text=text,
        data={"strategies": dict(strategies), "before": scores[0], "after": scores[-1], "lowered": lowered,
              "cycles": len(scores) - 1, "refused": refused},
        seqs=sorted({event["seq"] for event in revisions}),
        event_ids=[event["id"] for event in revisions],
    )


def plan_lesson(digest: dict[str, Any]) -> LessonDraft | None:
    """A plan that met every gate first time (what to plan again), or why the first plan was revised."""
    plan = (digest.get("state") or {}).get("plan") or {}
    sections = plan.get("sections") or []
    planning = [step for step in digest.get("steps", []) if step["node"] == "planner"]
    if not sections or not planning or digest.get("status") != "succeeded":
        return None
    spec = digest.get("spec") or {}
    headings = [section["heading"] for section in sections]
    replans = [event for event in events_of(digest, "verdict") if (event.get("data") or {}).get("route") == "plan"]
    shape = (f"{len(sections)} sections ({'; '.join(headings)}) for a {spec.get('deliverable', 'piece')} "
             f"of about {spec.get('words', '?')} words")
    if len(planning) == 1:
        text = f'A plan of {shape} on "{digest["topic"]}" met every gate first time ({len(digest["steps"])} steps).'
        first_time, reasons = True, []
    else:
        reasons = [reason for event in replans for reason in (event.get("data") or {}).get("reasons", [])][:4]
        text = (f'The first plan of {shape} on "{digest["topic"]}" was revised {len(planning) - 1} time(s)'
                + (f" because: {'; '.join(reasons)}." if reasons else "."))
        first_time = False
    return LessonDraft(
        kind="plan",
        topic=digest["topic"],
        text=text,
        data={"first_time": first_time, "headings": headings, "sections": len(sections), "words": spec.get("words"),
              "deliverable": spec.get("deliverable"), "replans": len(planning) - 1, "reasons": reasons,
              "steps": len(digest["steps"])},
        seqs=[step["seq"] for step in planning],
        event_ids=[event["id"] for event in events_of(digest, "plan") + replans],
    )
