"""Crossref /works search -> Works. https://api.crossref.org/swagger-ui/index.html

Crossref items are close to CSL-JSON already; titles and container titles arrive as lists,
abstracts as JATS XML. Crossref states no affiliation countries, only affiliation names.
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
    plain_text,
    polite_get,
)

NAME = "crossref"

_TYPES = {
    "journal-article": "article-journal",
    "proceedings-article": "paper-conference",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "posted-content": "article",
    "report": "report",
    "dissertation": "thesis",
    "dataset": "dataset",
}
_OPEN_CONTENT_TYPES = ("text/html", "application/pdf", "text/plain", "unspecified")


def search(http: httpx.Client, query: str, filters: SearchFilters, config: ScholarlyConfig) -> list[Work]:
    params: dict[str, Any] = {"query": query, "rows": max(1, min(filters.limit, 100))}
    clauses = []
    if filters.year_from:
        clauses.append(f"from-pub-date:{filters.year_from}-01-01")
    if filters.year_to:
        clauses.append(f"until-pub-date:{filters.year_to}-12-31")
    if clauses:
        params["filter"] = ",".join(clauses)
    if config.mailto:
        params["mailto"] = config.mailto
    response = polite_get(http, NAME, f"{config.base_url(NAME)}/works", params, config)
    try:
        return [to_work(item) for item in response.json()["message"]["items"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ProviderError(NAME, f"unreadable answer: {error!r}", transient=False) from error


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _name(author: dict[str, Any]) -> dict[str, str]:
    if author.get("family"):
        return compact({"family": author["family"], "given": author.get("given", "")})
    return {"literal": author.get("name", "")}


def open_full_text_url(item: dict[str, Any]) -> str:
    """A full-text link only when the work carries an open licence (Crossref lists links to
    paywalled text too)."""
    licences = " ".join(entry.get("URL", "") for entry in item.get("license") or [])
    if "creativecommons.org" not in licences:
        return ""
    for link in item.get("link") or []:
        if link.get("content-type", "unspecified") in _OPEN_CONTENT_TYPES and link.get("URL"):
            return link["URL"]
    return ""


def to_work(item: dict[str, Any]) -> Work:
    doi = clean_doi(item.get("DOI"))
    authors = item.get("author") or []
    affiliations = [entry.get("name", "") for author in authors for entry in author.get("affiliation") or []]
    issued = item.get("issued") or item.get("published") or item.get("published-print") or {}
    csl = compact(
        {
            "id": doi,
            "type": _TYPES.get(item.get("type", ""), "document"),
            "title": plain_text(_first(item.get("title"))),
            "author": [_name(author) for author in authors],
            "issued": issued if (issued.get("date-parts") or [[None]])[0][0] else None,
            "container-title": _first(item.get("container-title")),
            "publisher": item.get("publisher"),
            "publisher-place": item.get("publisher-location"),
            "ISSN": _first(item.get("ISSN")),
            "ISBN": _first(item.get("ISBN")),
            "volume": item.get("volume"),
            "issue": item.get("issue"),
            "page": item.get("page"),
            "DOI": doi,
            "URL": f"https://doi.org/{doi}" if doi else item.get("URL"),
            "abstract": plain_text(item.get("abstract")),
            "language": item.get("language"),
        }
    )
    return Work(
        provider=NAME,
        provider_id=doi,
        csl=csl,
        full_text_url=open_full_text_url(item),
        cited_by=item.get("is-referenced-by-count"),
        affiliations=tuple(dict.fromkeys(name for name in affiliations if name)),
    )
