"""OpenAlex /works search -> Works. https://docs.openalex.org/api-entities/works

Abstracts arrive as an inverted index (word -> positions) and are rebuilt here. Author
countries come from `authorships[].countries` / institutions' `country_code`.
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
    page_range,
    person,
    plain_text,
    polite_get,
)

NAME = "openalex"

_TYPES = {
    "article": "article-journal",
    "journal-article": "article-journal",
    "review": "article-journal",
    "letter": "article-journal",
    "editorial": "article-journal",
    "preprint": "article",
    "posted-content": "article",
    "book": "book",
    "book-chapter": "chapter",
    "dissertation": "thesis",
    "dataset": "dataset",
    "report": "report",
    "proceedings-article": "paper-conference",
}


def search(http: httpx.Client, query: str, filters: SearchFilters, config: ScholarlyConfig) -> list[Work]:
    params: dict[str, Any] = {"search": query, "per-page": max(1, min(filters.limit, 200))}
    clauses = []
    if filters.year_from:
        clauses.append(f"from_publication_date:{filters.year_from}-01-01")
    if filters.year_to:
        clauses.append(f"to_publication_date:{filters.year_to}-12-31")
    if clauses:
        params["filter"] = ",".join(clauses)
    if config.mailto:
        params["mailto"] = config.mailto
    response = polite_get(http, NAME, f"{config.base_url(NAME)}/works", params, config)
    try:
        return [to_work(item) for item in response.json()["results"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ProviderError(NAME, f"unreadable answer: {error!r}", transient=False) from error


def abstract_from_inverted_index(index: dict[str, list[int]] | None) -> str:
    if not index:
        return ""
    positions = {position: word for word, places in index.items() for position in places}
    return " ".join(positions[place] for place in sorted(positions))


def to_work(item: dict[str, Any]) -> Work:
    location = item.get("primary_location") or {}
    source = location.get("source") or {}
    biblio = item.get("biblio") or {}
    open_access = item.get("open_access") or {}
    best = item.get("best_oa_location") or {}
    doi = clean_doi(item.get("doi"))
    kind = item.get("type") or ""
    csl_type = "paper-conference" if source.get("type") == "conference" else _TYPES.get(kind, "article-journal")
    authorships = item.get("authorships") or []
    countries: list[str] = []
    affiliations: list[str] = []
    for authorship in authorships:
        countries += [code.upper() for code in authorship.get("countries") or [] if code]
        for institution in authorship.get("institutions") or []:
            if institution.get("country_code"):
                countries.append(institution["country_code"].upper())
            if institution.get("display_name"):
                affiliations.append(institution["display_name"])
    csl = compact(
        {
            "id": item.get("id", ""),
            "type": csl_type,
            "title": plain_text(item.get("title") or item.get("display_name")),
            "author": [person((entry.get("author") or {}).get("display_name", "")) for entry in authorships],
            "issued": iso_date(item.get("publication_date")) or date_parts(item.get("publication_year")),
            "container-title": source.get("display_name"),
            "publisher": source.get("host_organization_name"),
            "ISSN": source.get("issn_l"),
            "volume": biblio.get("volume"),
            "issue": biblio.get("issue"),
            "page": page_range(biblio.get("first_page"), biblio.get("last_page")),
            "DOI": doi,
            "URL": f"https://doi.org/{doi}" if doi else location.get("landing_page_url"),
            "abstract": abstract_from_inverted_index(item.get("abstract_inverted_index")),
            "language": item.get("language"),
        }
    )
    full_text = (
        (best.get("pdf_url") or best.get("landing_page_url") or open_access.get("oa_url") or "") if open_access.get("is_oa") else ""
    )
    return Work(
        provider=NAME,
        provider_id=item.get("id", ""),
        csl=csl,
        full_text_url=full_text,
        cited_by=item.get("cited_by_count"),
        countries=tuple(dict.fromkeys(countries)),
        affiliations=tuple(dict.fromkeys(affiliations)),
    )
