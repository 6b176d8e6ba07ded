"""Evidence: writing the sources a research step returned, and reading them back for nodes.

- `write_source` is the RECORD_WRITERS entry for records of kind "source" (called inside the
  step's transaction; idempotent on (run, key)).
- `EvidenceReader` is the SERVICE_FACTORIES entry "evidence": what nodes read (plain dicts).
"""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from journeys.memory.vectors import hybrid_search
from journeys.models import Chunk, Run, Source
from journeys.models.evidence import SourceOrigin


def write_source(run: Run, seq: int, data: dict[str, Any]) -> Source:
    """Store one retrieved work with its chunks. `data`: key, csl, provider, query, relevance,
    credibility, origin?, has_full_text?, chunks: [{text, anchor}]."""
    csl = data["csl"]
    source, created = Source.objects.get_or_create(
        run=run,
        key=data["key"],
        defaults={
            "user_id": run.user_id,
            "origin": data.get("origin", "search"),
            "csl": csl,
            "doi": (csl.get("DOI") or "")[:255],
            "url": (csl.get("URL") or "")[:1000],
            "title": csl.get("title") or data["key"],
            "year": year_of(csl),
            "provider": data.get("provider", ""),
            "query": data.get("query", ""),
            "relevance": float(data.get("relevance", 0.0)),
            "credibility": float(data.get("credibility", 0.0)),
            "has_full_text": bool(data.get("has_full_text", False)),
            "step_seq": seq,
        },
    )
    if created:
        Chunk.objects.bulk_create(
            Chunk(source=source, run=run, user_id=run.user_id, ordinal=index, text=chunk["text"], anchor=chunk.get("anchor", ""))
            for index, chunk in enumerate(data.get("chunks", []))
        )
    return source


def year_of(csl: dict[str, Any]) -> int | None:
    try:
        return int(csl["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def source_dict(source: Source) -> dict[str, Any]:
    return {
        "key": source.key,
        "csl": source.csl,
        "provider": source.provider,
        "origin": source.origin,
        "relevance": source.relevance,
        "credibility": source.credibility,
        "year": source.year,
    }


class EvidenceReader:
    """Read-only view of a run's evidence for node handlers (plain dicts).

    Privacy: everything it returns belongs to the run's own user. `search` reads this run's
    chunks; `library` reads the student's private library (their uploads, from every run);
    no query here can reach another user's chunks."""

    def __init__(self, run: Run) -> None:
        self.run_id = run.pk
        self.user_id = run.user_id

    def sources(self) -> list[dict[str, Any]]:
        return [source_dict(source) for source in Source.objects.filter(run_id=self.run_id)]

    def chunks(self, key: str) -> list[dict[str, Any]]:
        rows = Chunk.objects.filter(run_id=self.run_id, source__key=key).values("id", "ordinal", "text", "anchor")
        return list(rows)

    def search(self, query: str, limit: int = 8, keywords: str | None = None) -> list[dict[str, Any]]:
        """This run's chunks nearest in meaning to `query` (pgvector, cosine) fused with full-text
        matches (of `keywords` when given, e.g. "heat or mortality"); each hit: id, key, ordinal,
        text, anchor, origin, score, similarity, via."""
        return hybrid_search(Chunk.objects.filter(run_id=self.run_id, user_id=self.user_id), query, limit, keywords)

    def library(self, query: str, limit: int = 8) -> list[dict[str, Any]]:
        """The student's private library: chunks of every document they uploaded, in any run."""
        return hybrid_search(library_chunks(self.user_id), query, limit)


def library_chunks(user_id: int) -> QuerySet:
    """A student's own uploaded readings and drafts, across runs, and nobody else's."""
    return Chunk.objects.filter(user_id=user_id, source__user_id=user_id, source__origin=SourceOrigin.UPLOAD)


def evidence_reader(run: Run) -> EvidenceReader:
    return EvidenceReader(run)
