"""The requests the fake scholarly server understands: each provider's own query syntax (search
text, year range, page size) read into one Query. The answers' wire formats are scholarly_wire.py."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    text: str
    year_from: int | None = None
    year_to: int | None = None
    limit: int = 25
    require_all: bool = False


def _year(value: str | None) -> int | None:
    match = re.match(r"\s*(\d{4})", value or "")
    return int(match.group(1)) if match else None


# Providers whose year range is a `filter=key:value,...` parameter: text parameter, from and to
# filter keys, page-size parameter and its default.
FILTER_SYNTAX = {
    "openalex": ("search", "from_publication_date", "to_publication_date", "per-page", 25),
    "crossref": ("query", "from-pub-date", "until-pub-date", "rows", 20),
}


def parse_query(provider: str, params: dict[str, str]) -> Query:
    """The search text, year range and page size in each provider's own parameter syntax."""
    if provider in FILTER_SYNTAX:
        text, year_from, year_to, size, default_size = FILTER_SYNTAX[provider]
        filters = dict(part.split(":", 1) for part in params.get("filter", "").split(",") if ":" in part)
        return Query(params.get(text, ""), _year(filters.get(year_from)), _year(filters.get(year_to)),
                     int(params.get(size, default_size)))
    if provider == "semantic_scholar":
        start, _, end = params.get("year", "").partition("-")
        return Query(
            params.get("query", ""),
            _year(start),
            _year(end or (start if "-" not in params.get("year", "") else "")),
            int(params.get("limit", 10)),
        )
    if provider == "arxiv":
        expression = params.get("search_query", "")
        dates = re.search(r"submittedDate:\[(\d{4})\d*\s+TO\s+(\d{4})\d*\]", expression)
        text = " ".join(re.findall(r"all:(\S+)", expression))
        return Query(
            text,
            int(dates.group(1)) if dates else None,
            int(dates.group(2)) if dates else None,
            int(params.get("max_results", 10)),
            require_all=True,
        )
    expression = params.get("query", "")
    years = re.search(r"PUB_YEAR:\[(\d{4})\s+TO\s+(\d{4})\]", expression)
    text = re.sub(r"AND \(PUB_YEAR:\[[^\]]*\]\)", "", expression)
    return Query(
        text, int(years.group(1)) if years else None, int(years.group(2)) if years else None, int(params.get("pageSize", 25))
    )
