"""Semantic Scholar Graph API paper search -> Works.
https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data/operation/get_graph_paper_relevance_search

An API key (optional) goes in the x-api-key header. The API states no affiliation countries.
"""

from __future__ import annotations

from typing import Any

import httpx

from tools.scholarly.base import (
    ProviderError,
    ScholarlyConfig,
    SearchFilters,
    Work,
    clean_doi,
    compact,
    date_parts,
    iso_date,
    person,
    plain_text,
    polite_get,
)

NAME = "semantic_scholar"
FIELDS = (
    "paperId,externalIds,title,abstract,year,publicationDate,authors,venue,publicationVenue,journal,"
    "citationCount,isOpenAccess,openAccessPdf,publicationTypes,url"
)
_TYPES = {
    "JournalArticle": "article-journal",
    "Review": "article-journal",
    "Conference": "paper-conference",
    "Book": "book",
    "BookSection": "chapter",
    "Dataset": "dataset",
}


def year_range(filters: SearchFilters) -> str:
    if not (filters.year_from or filters.year_to):
        return ""
    return f"{filters.year_from or ''}-{filters.year_to or ''}"


def search(http: httpx.Client, query: str, filters: SearchFilters, config: ScholarlyConfig) -> list[Work]:
    params: dict[str, Any] = {"query": query, "limit": max(1, min(filters.limit, 100)), "fields": FIELDS}
    if year_range(filters):
        params["year"] = year_range(filters)
    key = config.api_keys.get(NAME)
    headers = {"x-api-key": key} if key else None
    response = polite_get(http, NAME, f"{config.base_url(NAME)}/graph/v1/paper/search", params, config, headers)
    try:
        return [to_work(item) for item in response.json().get("data") or []]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProviderError(NAME, f"unreadable answer: {error!r}", transient=False) from error


def csl_type(item: dict[str, Any]) -> str:
    for kind in item.get("publicationTypes") or []:
        if kind in _TYPES:
            return _TYPES[kind]
    venue = (item.get("publicationVenue") or {}).get("type")
    if venue == "journal":
        return "article-journal"
    if venue == "conference":
        return "paper-conference"
    return "article"  # no venue stated: treat as a preprint / unreviewed article


def to_work(item: dict[str, Any]) -> Work:
    ids = item.get("externalIds") or {}
    journal = item.get("journal") or {}
    venue = item.get("publicationVenue") or {}
    doi = clean_doi(ids.get("DOI"))
    pdf = item.get("openAccessPdf") or {}
    csl = compact(
        {
            "id": item.get("paperId", ""),
            "type": csl_type(item),
            "title": plain_text(item.get("title")),
            "author": [person(author.get("name", "")) for author in item.get("authors") or []],
            "issued": iso_date(item.get("publicationDate")) or date_parts(item.get("year")),
            "container-title": journal.get("name") or venue.get("name") or item.get("venue"),
            "volume": (journal.get("volume") or "").strip(),
            "page": (journal.get("pages") or "").strip(),
            "DOI": doi,
            "URL": f"https://doi.org/{doi}" if doi else item.get("url"),
            "abstract": plain_text(item.get("abstract")),
        }
    )
    return Work(
        provider=NAME,
        provider_id=item.get("paperId", ""),
        csl=csl,
        full_text_url=pdf.get("url") or "",
        cited_by=item.get("citationCount"),
    )
