"""The student's own uploaded readings as evidence (the last widening rung).

`readings` are dicts from services["readings"] (journeys.research.ReadingsReader): key, csl,
chunks [{text, anchor}], origin "upload", in_run. They are the student's choice, so no
relevance, recency or region filter drops them.
- An upload of this run (in_run) is already a Source of the run: it is admitted, not copied.
- An upload from the student's library becomes a Source of the run (origin "upload"), scored so
  the writer can weigh it.
Either way its key is returned among the admitted keys, which count towards the minimum.
"""

from __future__ import annotations

from typing import Any

from agents.contracts import Record
from agents.research.dedupe import identity_keys, known_identities
from agents.research.goal import ResearchGoal
from agents.research.records import citation_key
from agents.research.scoring import credibility, relevance
from tools.scholarly import Work

# Journeys whose uploads are the material to rework (a draft, a paper for slides), not readings.
MATERIAL_PHASES = frozenset({"rewrite", "slides", "interpret_upload"})


def reading_references(spec: dict[str, Any]) -> list[Any]:
    """Uploads named by the run's spec: its own (TaskSpec `uploads`) and library ones (`readings`)."""
    return list(spec.get("uploads") or []) + list(spec.get("readings") or [])


def admit_readings(
    readings: list[dict[str, Any]], existing: list[dict], core: list[str], goal: ResearchGoal
) -> tuple[list[str], list[Record]]:
    """(keys admitted as readings, records for library readings copied into the run)."""
    known = known_identities([source for source in existing if source.get("origin") != "upload"])
    taken = {source["key"] for source in existing}
    admitted, records = [], []
    for reading in readings:
        if reading.get("in_run"):
            admitted.append(reading["key"])
            continue
        work = Work(provider="upload", provider_id=str(reading.get("key", "")), csl=dict(reading.get("csl") or {}))
        if any(key in known for key in identity_keys(work)) or not reading.get("chunks"):
            continue
        known.update(identity_keys(work))
        wanted = str(reading.get("key") or "")
        key = wanted if wanted and wanted not in taken else citation_key(work.csl, taken)
        taken.add(key)
        admitted.append(key)
        records.append(reading_record(key, work, reading, core, goal))
    return admitted, records


def reading_record(key: str, work: Work, reading: dict[str, Any], core: list[str], goal: ResearchGoal) -> Record:
    return Record(
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


def _with_text(work: Work, reading: dict[str, Any]) -> Work:
    """The work with its first passage standing in for an abstract it lacks (for scoring only)."""
    if work.abstract or not reading.get("chunks"):
        return work
    return Work(provider=work.provider, provider_id=work.provider_id, csl={**work.csl, "abstract": reading["chunks"][0]["text"]})
