"""Europe PMC REST search (resultType=core, JSON) -> Works.
https://europepmc.org/RestfulWebService#!/Europe32PMC32Articles32RESTful32API/search

Year filters go into the query itself (PUB_YEAR:[a TO b]), as the API expects.
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
    plain_text,
    polite_get,
)

NAME = "europe_pmc"


def full_query(query: str, filters: SearchFilters) -> str:
    if not (filters.year_from or filters.year_to):
        return query
    return f"({query}) AND (PUB_YEAR:[{filters.year_from or 1800} TO {filters.year_to or 3000}])"


def search(http: httpx.Client, query: str, filters: SearchFilters, config: ScholarlyConfig) -> list[Work]:
    params: dict[str, Any] = {
        "query": full_query(query, filters),
        "format": "json",
        "resultType": "core",
        "pageSize": max(1, min(filters.limit, 100)),
    }
    if config.mailto:
        params["email"] = config.mailto
    response = polite_get(http, NAME, f"{config.base_url(NAME)}/webservices/rest/search", params, config)
    try:
        return [to_work(item) for item in response.json()["resultList"]["result"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ProviderError(NAME, f"unreadable answer: {error!r}", transient=False) from error


def _author(entry: dict[str, Any]) -> dict[str, str]:
    if entry.get("lastName"):
        return compact({"family": entry["lastName"], "given": entry.get("firstName") or entry.get("initials", "")})
    return {"literal": entry.get("fullName") or entry.get("collectiveName", "")}


def csl_type(item: dict[str, Any]) -> str:
    kinds = {kind.lower() for kind in (item.get("pubTypeList") or {}).get("pubType") or []}
    if item.get("source") == "PPR" or "preprint" in kinds:
        return "article"
    if kinds & {"book", "book-review"}:
        return "book"
    if "journal article" in kinds or "research-article" in kinds or "review" in kinds or item.get("journalInfo"):
        return "article-journal"
    return "document"


def open_full_text_url(item: dict[str, Any]) -> str:
    if item.get("isOpenAccess") != "Y":
        return ""
    links = (item.get("fullTextUrlList") or {}).get("fullTextUrl") or []
    for link in links:
        if link.get("availabilityCode") in {"OA", "F"} and link.get("url"):
            return link["url"]
    return ""


def to_work(item: dict[str, Any]) -> Work:
    journal = item.get("journalInfo") or {}
    doi = clean_doi(item.get("doi"))
    authors = (item.get("authorList") or {}).get("author") or []
    affiliations = [
        detail.get("affiliation", "")
        for author in authors
        for detail in (author.get("authorAffiliationDetailsList") or {}).get("authorAffiliation") or []
    ] + [item.get("affiliation") or ""]
    csl = compact(
        {
            "id": f"{item.get('source', 'MED')}:{item.get('id', '')}",
            "type": csl_type(item),
            "title": plain_text(item.get("title")).rstrip("."),
            "author": [_author(author) for author in authors],
            "issued": iso_date(journal.get("printPublicationDate") or item.get("firstPublicationDate"))
            or date_parts(item.get("pubYear")),
            "container-title": (journal.get("journal") or {}).get("title"),
            "ISSN": (journal.get("journal") or {}).get("issn"),
            "volume": journal.get("volume"),
            "issue": journal.get("issue"),
            "page": item.get("pageInfo"),
            "PMID": item.get("pmid"),
            "PMCID": item.get("pmcid"),
            "DOI": doi,
            "URL": f"https://doi.org/{doi}" if doi else f"https://europepmc.org/article/{item.get('source')}/{item.get('id')}",
            "abstract": plain_text(item.get("abstractText")),
            "language": item.get("language"),
        }
    )
    return Work(
        provider=NAME,
        provider_id=f"{item.get('source', 'MED')}:{item.get('id', '')}",
        csl=csl,
        full_text_url=open_full_text_url(item),
        cited_by=item.get("citedByCount"),
        affiliations=tuple(dict.fromkeys(name for name in affiliations if name)),
    )
