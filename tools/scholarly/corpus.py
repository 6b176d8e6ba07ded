"""The "corpus" provider: searches a local directory of CSL-JSON records (one work per .json file,
searched recursively) instead of a web API. It is what the embedded default uses with no network
(tools/scholarly/demo_corpus, fictitious records); `config.base_urls["corpus"]` names the directory.

Matching: a work matches when at least half of the query's terms occur in its title, abstract or
keywords (title hits count double in the ranking), like a small search engine.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from tools.scholarly.base import ProviderError, ScholarlyConfig, SearchFilters, Work

PROVIDER = "corpus"
_WORD = re.compile(r"[a-z0-9]+")
_IGNORED = set("a an the and or not of on in to for with by about from all at is are be as its into how what why".split())
# CSL-JSON variables passed on; the corpus's own extras (full_text, custom) are not CSL.
_CSL_KEYS = {"id", "type", "title", "author", "editor", "issued", "container-title", "publisher", "publisher-place",
             "DOI", "URL", "volume", "issue", "page", "keyword", "language", "abstract"}


def _terms(text: str) -> list[str]:
    words = []
    for word in _WORD.findall(text.lower()):
        if word in _IGNORED or word.isdigit() or len(word) < 2:
            continue
        words.append(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    return list(dict.fromkeys(words))


@cache
def load(directory: str) -> tuple[dict[str, Any], ...]:
    root = Path(directory)
    if not root.is_dir():
        raise ProviderError(PROVIDER, f"the corpus directory {directory!r} does not exist", transient=False)
    records = []
    for path in sorted(root.rglob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record.setdefault("id", path.stem)
        records.append(record)
    return tuple(records)


def _year(record: dict[str, Any]) -> int | None:
    try:
        return int(record["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def search(http: httpx.Client, query: str, filters: SearchFilters, config: ScholarlyConfig) -> list[Work]:
    """Works of the corpus matching `query` within the filters' years, best first."""
    directory = config.base_urls.get(PROVIDER)
    if not directory:
        raise ProviderError(PROVIDER, "no corpus directory is configured (HW_SCHOLARLY_CORPUS)", transient=False)
    terms = _terms(query)
    needed = max(1, -(-len(terms) // 2))
    ranked = []
    for record in load(directory):
        year = _year(record)
        if filters.year_from and (year is None or year < filters.year_from):
            continue
        if filters.year_to and (year is None or year > filters.year_to):
            continue
        title = set(_terms(record.get("title", "")))
        keywords = record.get("keyword") or ""
        body = set(_terms(f"{record.get('abstract', '')} {' '.join(keywords) if isinstance(keywords, list) else keywords}"))
        found = [term for term in terms if term in title or term in body]
        if len(found) >= needed:
            ranked.append((-len(found), -sum(2 if term in title else 1 for term in found), str(record["id"]), record))
    ranked.sort(key=lambda item: item[:3])
    return [_work(item[3]) for item in ranked[: filters.limit]]


def _work(record: dict[str, Any]) -> Work:
    custom = record.get("custom") or {}
    csl = {key: value for key, value in record.items() if key in _CSL_KEYS}
    return Work(
        provider=PROVIDER,
        provider_id=str(record["id"]),
        csl=csl,
        cited_by=custom.get("cited_by"),
        countries=tuple(custom.get("countries") or ()),
        affiliations=tuple(custom.get("affiliations") or ()),
    )
