"""The student's own uploaded readings as sources of the run (the last widening rung).

`readings` are dicts from services["readings"] (journeys.research.ReadingsReader): key, csl,
chunks [{text, anchor}], origin "upload". They are the student's choice, so no relevance,
recency or region filter drops them; they are scored so the writer can weigh them.
"""

from __future__ import annotations

from typing import Any

from agents.contracts import Record
from agents.research.dedupe import identity_keys, known_identities
from agents.research.goal import ResearchGoal
from agents.research.records import citation_key
from agents.research.scoring import credibility, relevance
from tools.scholarly import Work


def reading_records(readings: list[dict[str, Any]], existing: list[dict], core: list[str], goal: ResearchGoal) -> list[Record]:
    known = known_identities(existing)
    taken = {source["key"] for source in existing}
    records = []
    for reading in readings:
        csl = dict(reading.get("csl") or {})
        work = Work(provider="upload", provider_id=str(reading.get("key", "")), csl=csl)
        if any(key in known for key in identity_keys(work)) or not reading.get("chunks"):
            continue
        known.update(identity_keys(work))
        wanted = str(reading.get("key") or "")
        key = wanted if wanted and wanted not in taken else citation_key(work.csl, taken)
        taken.add(key)
        records.append(
            Record(
                kind="source",
                data={
                    "key": key,
                    "csl": {**work.csl, "id": key},
                    "provider": "upload",
                    "query": "",
                    "relevance": relevance(_with_text(work, reading), core),
                    "credibility": credibility(work, goal.this_year, goal.recency_years),
                    "origin": "upload",
                    "has_full_text": True,
                    "chunks": [{"text": chunk["text"], "anchor": chunk.get("anchor", "")} for chunk in reading["chunks"]],
                },
            )
        )
    return records


def _with_text(work: Work, reading: dict[str, Any]) -> Work:
    """The work with its first passage standing in for an abstract it lacks (for scoring only)."""
    if work.abstract or not reading.get("chunks"):
        return work
    return Work(provider=work.provider, provider_id=work.provider_id, csl={**work.csl, "abstract": reading["chunks"][0]["text"]})
