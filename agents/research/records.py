"""From chosen candidates to Source records: citation keys, full text, chunks, CSL-JSON."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agents.contracts import Record
from agents.research.chunking import chunk_abstract, chunk_full_text
from agents.research.dedupe import Candidate
from agents.research.text import ascii_fold
from tools.scholarly import FetchFailed, FetchRefused, FullText

MAX_FULL_TEXTS_PER_PASS = 4


def citation_key(csl: dict[str, Any], taken: set[str]) -> str:
    """'doe2021', then 'doe2021b', ... unique among `taken` (a slug, at most 80 characters)."""
    authors = csl.get("author") or []
    name = (authors[0].get("family") or authors[0].get("literal") or "") if authors else ""
    name = name or (csl.get("title") or "work").split()[0]
    stem = re.sub(r"[^a-z0-9]+", "", ascii_fold(name).lower())[:40] or "work"
    try:
        year = str(int(csl["issued"]["date-parts"][0][0]))
    except (KeyError, IndexError, TypeError, ValueError):
        year = "nd"
    key, suffix = f"{stem}{year}", ord("b")
    while key in taken:
        key, suffix = f"{stem}{year}{chr(suffix)}", suffix + 1
    taken.add(key)
    return key


def fetch_texts(scholarly: Any, chosen: list[Candidate]) -> dict[int, FullText | str]:
    """Open-access full text of the best chosen works (by index in `chosen`); a string says why
    a text could not be had."""
    wanted = [index for index, candidate in enumerate(chosen) if candidate.work.full_text_url][:MAX_FULL_TEXTS_PER_PASS]

    def fetch(index: int) -> FullText | str:
        try:
            return scholarly.fetch_full_text(chosen[index].work.full_text_url)
        except (FetchRefused, FetchFailed) as error:
            return str(error)

    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=min(4, len(wanted)), thread_name_prefix="fulltext") as pool:
        return dict(zip(wanted, pool.map(fetch, wanted), strict=True))


def source_record(candidate: Candidate, key: str, text: FullText | str | None) -> Record:
    work = candidate.work
    csl = {**work.csl, "id": key}
    chunks = chunk_abstract(work.abstract)
    has_full_text = isinstance(text, FullText)
    if has_full_text:
        chunks += chunk_full_text(text.text, text.pages)
    return Record(
        kind="source",
        data={
            "key": key,
            "csl": csl,
            "provider": candidate.providers[0],
            "query": candidate.query,
            "relevance": candidate.relevance,
            "credibility": candidate.credibility,
            "origin": "search",
            "has_full_text": has_full_text,
            "chunks": chunks,
        },
    )
