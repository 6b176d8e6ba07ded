"""A corpus of works for the fake scholarly server: one CSL-JSON record per `.json` file.

Record format (the evaluation harness uses the same): standard CSL-JSON variables (id, type,
title, author, issued, container-title, publisher, publisher-place, DOI, URL, volume, issue,
page, keyword, language) plus
- `abstract` (required) and optional `full_text` (paragraphs separated by blank lines, pages
  by form feeds);
- optional `custom`: `cited_by` (int), `countries` (ISO 3166-1 alpha-2 codes of the authors'
  affiliations), `affiliations` (strings), `providers` (the fake providers that index the work;
  all when absent), `full_text_format` ("html", the default, or "pdf").

Matching is deliberately simple but honest: a work matches when enough of the query's terms
occur in its title, abstract or keywords (title hits weigh double), ranked by that score.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")
_IGNORED = set(
    "a an the and or not of on in to for with by about from all at is are be as its into pub_year submitteddate ti abs".split()
)


def normalise(word: str) -> str:
    """Fold simple plurals so 'islands' finds 'island' (a search engine's stemming, in small)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms_of(text: str) -> list[str]:
    words = [normalise(word) for word in _WORD.findall(text.lower()) if word not in _IGNORED and not word.isdigit()]
    return list(dict.fromkeys(word for word in words if len(word) > 1))


@dataclass(frozen=True)
class CorpusWork:
    record: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def custom(self) -> dict[str, Any]:
        return self.record.get("custom") or {}

    @property
    def year(self) -> int | None:
        try:
            return int(self.record["issued"]["date-parts"][0][0])
        except (KeyError, IndexError, TypeError, ValueError):
            return None

    @property
    def full_text(self) -> str:
        return self.record.get("full_text") or ""

    @property
    def full_text_format(self) -> str:
        return self.custom.get("full_text_format", "html")

    def indexed_by(self, provider: str) -> bool:
        providers = self.custom.get("providers")
        return providers is None or provider in providers

    def score(self, terms: list[str]) -> tuple[int, int]:
        """(distinct terms found, weighted hits)."""
        title = set(terms_of(self.record.get("title", "")))
        body = set(terms_of(f"{self.record.get('abstract', '')} {' '.join(self.keywords())}"))
        found = [term for term in terms if term in title or term in body]
        return len(found), sum(2 if term in title else 1 for term in found)

    def keywords(self) -> list[str]:
        value = self.record.get("keyword") or ""
        return value if isinstance(value, list) else [value]


class Corpus:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.works: dict[str, CorpusWork] = {}
        for path in sorted(self.directory.glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            record.setdefault("id", path.stem)
            if not record.get("title") or "abstract" not in record:
                raise ValueError(f"{path}: a corpus record needs a title and an abstract")
            self.works[str(record["id"])] = CorpusWork(record)

    def search(
        self,
        query: str,
        provider: str,
        *,
        year_from: int | None = None,
        year_to: int | None = None,
        require_all: bool = False,
        limit: int = 25,
    ) -> list[CorpusWork]:
        terms = terms_of(query)
        if not terms:
            return []
        needed = len(terms) if require_all else max(1, math.ceil(len(terms) / 2))
        ranked = []
        for work in self.works.values():
            if not work.indexed_by(provider) or not _in_years(work.year, year_from, year_to):
                continue
            found, weight = work.score(terms)
            if found >= needed:
                ranked.append((-found, -weight, work.id, work))
        ranked.sort(key=lambda item: item[:3])
        return [item[3] for item in ranked[:limit]]


def _in_years(year: int | None, year_from: int | None, year_to: int | None) -> bool:
    if year is None:
        return year_from is None and year_to is None
    return (year_from is None or year >= year_from) and (year_to is None or year <= year_to)
