"""The works a student's draft cites (action `find_cited`, journey rewrite).

A rewrite keeps the draft's citations, and a citation may only name a retrieved source record
(DESIGN.md section 3). So for every "(Author, year)" in the draft that no source of the run
matches yet, this step searches the scholarly providers for the author's work of that year on
the draft's topic, and keeps a result only when its year and one of its authors' family names
match. A citation that matches nothing is reported (event and state["cited"]["unmatched"]); the
Rewriter then drops it, and the deliverable says which ones the student must check.
"""
from __future__ import annotations

from typing import Any

from agents.common import citable_sources, spec_of
from agents.contracts import EventNote, NodeContext, Outcome, Record
from agents.drafts import draft_citations
from agents.research.dedupe import Candidate
from agents.research.records import citation_key, source_record
from agents.research.text import ascii_fold, terms
from tools.scholarly import ProviderError, SearchFilters, Work

RESULTS_PER_SEARCH = 10


def family_names(csl: dict[str, Any]) -> set[str]:
    return {fold_name(person.get("family") or person.get("literal") or "") for person in csl.get("author") or []}


def fold_name(name: str) -> str:
    return ascii_fold(name).casefold().replace("’", "'").strip()


def year_of(csl: dict[str, Any]) -> int | None:
    try:
        return int(csl["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def matching_source(author: str, year: int, sources: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The run's source by this author (any author position) from this year, first author first."""
    wanted = fold_name(author)
    hits = [item for item in sources if item.get("year") == year and wanted in family_names(item["csl"])]
    hits.sort(key=lambda item: fold_name(((item["csl"].get("author") or [{}])[0]).get("family", "")) != wanted)
    return hits[0] if hits else None


def search_work(scholarly: Any, author: str, year: int, topic: str) -> tuple[Work | None, str]:
    """The first work by `author` from `year` that a provider returns for "author + topic terms"."""
    query = " ".join([author, *terms(topic)[:4]])
    filters = SearchFilters(year_from=year, year_to=year, limit=RESULTS_PER_SEARCH)
    for provider in scholarly.providers:
        try:
            works = scholarly.search(provider, query, filters)
        except ProviderError:
            continue  # another provider may have it; a dead one is the Researcher's business
        for work in works:
            if year_of(work.csl) == year and fold_name(author) in family_names(work.csl):
                return work, provider
    return None, ""


def find_cited_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    sources = citable_sources(context)
    taken = {item["key"] for item in context.services["evidence"].sources()}
    topic = spec_of(context).topic or context.goal
    records: list[Record] = []
    events: list[EventNote] = []
    matched, unmatched = [], []
    for author, year in draft_citations(context):
        if matching_source(author, year, sources):
            matched.append(f"{author} {year}")
            continue
        work, provider = search_work(context.services["scholarly"], author, year, topic)
        if work is None:
            unmatched.append(f"{author}, {year}")
            continue
        key = citation_key(work.csl, taken)
        record = source_record(Candidate(work, [provider], query=f"{author} {year}", relevance=0.5), key, None)
        records.append(record)
        sources.append({"key": key, "csl": record.data["csl"], "year": year})
        matched.append(f"{author} {year}")
        events.append(EventNote("evidence", f"Source {key}: \"{work.title}\" ({year}), cited in the draft as {author} ({year})",
                                {"key": key, "provider": provider}))
    summary = (f"The draft cites {len(matched) + len(unmatched)} works: {len(matched)} matched to retrieved records"
               + (f"; not found, so they cannot be kept: {'; '.join(unmatched)}" if unmatched else ""))
    return Outcome(
        route="reflect",
        delta={"cited": {"matched": len(matched), "unmatched": unmatched}},
        events=[EventNote("action", summary, {"matched": matched, "unmatched": unmatched}), *events],
        records=records,
        observation={"status": "done", "signature": f"cited: {len(matched)} matched, {len(unmatched)} not found"},
    )
