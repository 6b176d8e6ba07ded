"""Researcher: finds sources for the goal and records them with their evidence chunks.

Routes: `research` (first pass) and `expand` (widen: climb the ladder of agents.research.ladder
one rung). Either way it returns route "reflect", where a critic or gate decides whether the run
has enough sources. Each pass:
1. picks its rung (skipping, with a recorded reason, rungs that can change nothing);
2. asks the model for queries (prompt expand_queries; offline: keyword expansion);
3. searches the rung's providers (services["scholarly"]), de-duplicates against what was found
   and what the run already has, scores relevance and credibility, applies recency and region;
4. fetches open-access full text of the best works, chunks abstract and text, and returns a
   Record(kind="source") per chosen work plus an "evidence" event for each.
Registry search tools (agents.research.registry_tools) are asked alongside the providers; a tool
that fails or drifts is reported in state.tools.failure for the Critic's `repair` route. When the
ladder is exhausted but new tools appeared (ingested, repaired), one more pass asks only them.
The state keeps only a compact summary (state["research"]): queries, providers, rung, counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agents.contracts import EventNote, NodeContext, Outcome, Record
from agents.memory.apply import ResearchLessons, provider_order, research_lessons
from agents.research import ladder, queries
from agents.research.dedupe import deduplicate, known_identities
from agents.research.gather import run_searches
from agents.research.goal import ResearchGoal, counted_sources, research_goal
from agents.research.readings import MATERIAL_PHASES, admit_readings, reading_references
from agents.research.records import citation_key, fetch_texts, source_record
from agents.research.registry_tools import ToolSearch, fresh_tools, search_with_tools, usable_tools
from agents.research.selection import Criteria, assess, choose, quota_for
from tools.scholarly import FullText, SearchFilters

RESULTS_PER_QUERY = 15
# The rung a tools-only pass searches on: the broadest terms (any year, any region).
TOOLS_ONLY_RUNG = next(index for index, rung in enumerate(ladder.RUNGS) if rung.name == "relax_region")
MAX_REMEMBERED_QUERIES = 40


@dataclass
class Pass:
    """What one research pass did, for the outcome and the event log."""

    rung: ladder.Rung
    index: int
    records: list[Record] = field(default_factory=list)
    admitted: list[str] = field(default_factory=list)  # upload keys admitted as readings
    events: list[EventNote] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    tools_only: bool = False
    tool_search: ToolSearch = field(default_factory=ToolSearch)
    lesson_queries: list[str] = field(default_factory=list)  # from lessons of similar runs (first pass)


def research(context: NodeContext) -> Outcome:
    goal = research_goal(context.spec, context.policy)
    memory = context.state.get("research") or {}
    existing = context.services["evidence"].sources()
    have = len(counted_sources(existing, memory))
    enabled = list(context.services["scholarly"].providers)
    # Memory: the first pass applies lessons of similar earlier runs (provider order, queries);
    # later passes keep the order it chose.
    learned = research_lessons(context.services, enabled) if not memory else ResearchLessons([])
    enabled = learned.providers if not memory else provider_order(memory.get("provider_order") or [], enabled)
    readings = 0 if MATERIAL_PHASES & set(context.policy.get("phases") or []) else len(reading_references(context.spec))
    start = 0 if not memory else int(memory.get("rung", -1)) + 1
    index, skips = next_usable_rung(start, goal, enabled, readings)
    events = [
        EventNote("widen", f"Skipped the '{name}' rung: {reason}", {"rung": name, "reason": reason}) for name, reason in skips
    ]
    tools_only = False
    if index is None:
        fresh = fresh_tools(context)
        if not fresh:
            return exhausted(have, goal, events)
        index, tools_only = TOOLS_ONLY_RUNG, True
        events.append(EventNote("widen", f"Every rung was tried; asking the new tools {', '.join(item['name'] for item in fresh)}"))
    rung = ladder.RUNGS[index]
    if index > 0 and not tools_only:
        events.append(widening_event(rung, index, have, goal, memory))
    step = Pass(rung, index, tools_only=tools_only, lesson_queries=learned.queries)
    if rung.readings:
        readings_pass(context, step, existing, goal)
    else:
        search_pass(context, step, existing, goal, memory, enabled)
    further, _ = next_usable_rung(index + 1, goal, enabled, readings)
    summary = memory_after(memory, step, goal, have, further is None or tools_only)
    summary["provider_order"] = enabled
    if learned.events:
        summary["lessons"] = learned.lesson_ids
    delta: dict[str, Any] = {"research": summary}
    if step.tool_search.failure:
        delta["tools"] = {"failure": step.tool_search.failure}
    return Outcome(
        route="reflect",
        delta=delta,
        events=events + learned.events + step.tool_search.events + step.events,
        records=learned.records + step.records,
        observation={"rung": rung.name, **step.counts},
    )


def next_usable_rung(start: int, goal: ResearchGoal, enabled: list[str], readings: int) -> tuple[int | None, list[tuple[str, str]]]:
    skips = []
    secondary = len(ladder.providers_for(ladder.RUNGS[2], enabled))
    for index in range(start, len(ladder.RUNGS)):
        rung = ladder.RUNGS[index]
        reason = ladder.skip_reason(
            rung, recency_years=goal.recency_years, region=goal.region, readings=readings, secondary=secondary
        )
        if not reason:
            return index, skips
        skips.append((rung.name, reason))
    return None, skips


def widening_event(rung: ladder.Rung, index: int, have: int, goal: ResearchGoal, memory: dict) -> EventNote:
    last = (memory.get("counts") or {}).get("chosen")
    why = f"{have} of the {goal.min_sources} sources needed so far" if goal.min_sources else f"{have} sources so far"
    if last is not None:
        why += f", the last pass added {last}"
    return EventNote(
        "widen",
        f"Widening the search (rung {index} of {len(ladder.RUNGS) - 1}: {rung.why}) because {why}",
        {"rung": rung.name, "index": index, "have": have, "min_sources": goal.min_sources},
    )


def pass_queries(context: NodeContext, step: Pass, goal: ResearchGoal, memory: dict) -> list[str]:
    tried = list(memory.get("queries") or [])
    if step.rung.name in {"first_pass", "more_queries"}:
        level = 1 if step.rung.name == "first_pass" else 2
        inputs = queries.expansion_inputs(context.goal, context.spec, context.state, level=level, region=goal.region, tried=tried)
        result = context.llm.complete("expand_queries", inputs, schema=queries.QUERY_SCHEMA)
        proposed = result.data["queries"]
        # Queries that found sources in similar runs (lessons) go right after the most specific new one.
        proposed = proposed[:1] + step.lesson_queries + proposed[1:]
        return queries.clean_queries(proposed, tried, ladder.MAX_QUERIES_PER_PASS)
    chosen = tried[: ladder.MAX_QUERIES_PER_PASS]
    if not step.rung.region and goal.region:
        chosen = [re.sub(rf"\s*\b{re.escape(goal.region)}\b", "", query, flags=re.IGNORECASE).strip() for query in chosen]
    return list(dict.fromkeys(query for query in chosen if query))


def search_pass(
    context: NodeContext, step: Pass, existing: list[dict], goal: ResearchGoal, memory: dict, enabled: list[str]
) -> None:
    scholarly = context.services["scholarly"]
    step.queries = pass_queries(context, step, goal, memory)
    step.providers = [] if step.tools_only else ladder.providers_for(step.rung, enabled)
    year_from = goal.year_from if step.rung.recency else None
    report = run_searches(scholarly, step.providers, step.queries, SearchFilters(year_from=year_from, limit=RESULTS_PER_QUERY))
    step.tool_search = search_with_tools(context, step.queries, fresh_tools(context) if step.tools_only else usable_tools(context))
    report.found += step.tool_search.found
    for provider, _query, _work in step.tool_search.found:
        report.hits[provider] = report.hits.get(provider, 0) + 1
    step.events += [
        EventNote(
            "provider",
            f"{provider} could not answer ({error}); the search went on without it",
            {"provider": provider, "error": error},
        )
        for provider, error in report.errors.items()
    ]
    candidates, duplicates = deduplicate(report.found, known_identities(existing))
    criteria = Criteria(
        core=queries.core_terms(context.goal, context.spec),
        extra=queries.expansion_terms(step.queries),
        region=goal.region if step.rung.region else "",
        year_from=year_from,
        this_year=goal.this_year,
        horizon_years=goal.recency_years,
    )
    kept, rejected = assess(candidates, criteria)
    have = len(counted_sources(existing, memory))
    chosen = choose(kept, quota_for(have, goal.min_sources, step.index == 0))
    texts = fetch_texts(scholarly, chosen)
    taken = {source["key"] for source in existing}
    for position, candidate in enumerate(chosen):
        record = source_record(candidate, citation_key(candidate.work.csl, taken), texts.get(position))
        if record.data["chunks"]:
            step.records.append(record)
            step.events.append(evidence_event(candidate, record, texts.get(position)))
    step.counts = {
        "requests": report.requests,
        "results": len(report.found),
        "unique_new": len(candidates),
        "duplicates": duplicates,
        "kept": len(kept),
        "chosen": len(step.records),
        "rejected": dict(rejected),
    }
    step.events.insert(0, search_event(step, criteria, report.hits))


def search_event(step: Pass, criteria: Criteria, hits: dict[str, int]) -> EventNote:
    counts = step.counts
    limits = [
        f"from {criteria.year_from}" if criteria.year_from else "any year",
        f"region {criteria.region}" if criteria.region else "any region",
    ]
    rejected = ", ".join(f"{count} {why}" for why, count in sorted(counts["rejected"].items())) or "none"
    message = (
        f"Searched {', '.join(step.providers) or 'no provider'} with {len(step.queries)} queries ({'; '.join(limits)}): "
        f"{counts['results']} results, {counts['unique_new']} new works, {counts['kept']} passed the filters "
        f"(left out: {rejected}); chose {counts['chosen']}"
    )
    return EventNote(
        "research", message, {"rung": step.rung.name, "queries": step.queries, "providers": step.providers, "hits": hits, **counts}
    )


def evidence_event(candidate: Any, record: Record, text: FullText | str | None) -> EventNote:
    data = record.data
    csl = data["csl"]
    venue = csl.get("container-title") or csl.get("publisher") or csl.get("type", "")
    year = (csl.get("issued") or {}).get("date-parts", [[None]])[0][0] or "n.d."
    full = "full text read" if isinstance(text, FullText) else (f"abstract only ({text})" if text else "abstract only")
    return EventNote(
        "evidence",
        f'Source {data["key"]}: "{csl.get("title", "")[:120]}" ({year}, {venue}); relevance {data["relevance"]:.2f}, '
        f'credibility {data["credibility"]:.2f}; {full}; found by {", ".join(candidate.providers)} for "{data["query"]}"',
        {
            "key": data["key"],
            "doi": csl.get("DOI", ""),
            "providers": candidate.providers,
            "relevance": data["relevance"],
            "credibility": data["credibility"],
            "region": candidate.region,
            "chunks": len(data["chunks"]),
            "full_text": isinstance(text, FullText),
        },
    )


def readings_pass(context: NodeContext, step: Pass, existing: list[dict], goal: ResearchGoal) -> None:
    readings = context.services["readings"].readings(reading_references(context.spec))
    core = queries.core_terms(context.goal, context.spec)
    step.admitted, step.records = admit_readings(readings, existing, core, goal)
    titles = {reading["key"]: reading["csl"].get("title", "") for reading in readings}
    titles.update({record.data["key"]: record.data["csl"].get("title", "") for record in step.records})
    step.events = [
        EventNote(
            "evidence",
            f'Source {key}: the student\'s own reading "{titles.get(key, "")[:120]}" now counts as evidence',
            {"key": key, "origin": "upload"},
        )
        for key in step.admitted
    ]
    step.counts = {"readings": len(readings), "chosen": len(step.admitted)}
    message = f"Admitted {len(step.admitted)} of the student's {len(readings)} uploaded readings as evidence"
    step.events.insert(0, EventNote("research", message, step.counts))


def memory_after(memory: dict, step: Pass, goal: ResearchGoal, had: int, exhausted: bool) -> dict[str, Any]:
    tried = list(dict.fromkeys(list(memory.get("queries") or []) + step.queries))[-MAX_REMEMBERED_QUERIES:]
    widening = list(memory.get("widening") or [])
    if step.index > 0:
        widening.append({"rung": step.rung.name, "why": step.rung.why, "had": had})
    return {
        "rung": step.index,
        "rung_name": step.rung.name,
        "passes": int(memory.get("passes", 0)) + 1,
        "queries": tried,
        "providers": sorted(set(memory.get("providers") or []) | set(step.providers)),
        "sources": had + len({record.data["key"] for record in step.records} | set(step.admitted)),
        "readings": list(dict.fromkeys(list(memory.get("readings") or []) + step.admitted)),
        "tools_tried": sorted(set(memory.get("tools_tried") or []) | set(step.tool_search.tried)),
        "counts": step.counts,
        "widening": widening[-10:],
        "exhausted": exhausted,
        "min_sources": goal.min_sources,
        "region": goal.region,
        "recency_years": goal.recency_years,
    }


def exhausted(have: int, goal: ResearchGoal, events: list[EventNote]) -> Outcome:
    message = f"Every widening rung has been tried: {have} sources found" + (
        f" against a minimum of {goal.min_sources}" if goal.min_sources else ""
    )
    return Outcome(
        route="reflect",
        delta={"research": {"exhausted": True, "sources": have}},
        events=events + [EventNote("widen", message, {"sources": have, "min_sources": goal.min_sources})],
        observation={"exhausted": True},
    )
