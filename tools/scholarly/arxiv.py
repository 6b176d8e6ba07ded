"""arXiv API query (Atom XML) -> Works. https://info.arxiv.org/help/api/user-manual.html

Everything on arXiv is a preprint (CSL type "article"); a journal DOI, when the authors added
one, is kept. arXiv e-prints are openly readable: the entry's PDF link is the full-text URL.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from typing import Any

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from tools.scholarly.base import (
    ProviderError,
    ScholarlyConfig,
    SearchFilters,
    Work,
    clean_doi,
    compact,
    iso_date,
    person,
    plain_text,
    polite_get,
)

NAME = "arxiv"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
MAX_TERMS = 5
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]+")


def search_query(query: str, filters: SearchFilters) -> str:
    """arXiv's own syntax: every term must appear (AND), plus a submission-date range."""
    terms = [word.lower() for word in _WORD.findall(query) if word.upper() not in {"AND", "OR", "NOT"}]
    expression = " AND ".join(f"all:{term}" for term in terms[:MAX_TERMS]) or "all:*"
    if filters.year_from or filters.year_to:
        start = f"{filters.year_from or 1991}01010000"
        end = f"{filters.year_to or 2999}12312359"
        expression += f" AND submittedDate:[{start} TO {end}]"
    return expression


def search(http: httpx.Client, query: str, filters: SearchFilters, config: ScholarlyConfig) -> list[Work]:
    params = {
        "search_query": search_query(query, filters),
        "start": 0,
        "max_results": max(1, min(filters.limit, 100)),
        "sortBy": "relevance",
    }
    response = polite_get(http, NAME, f"{config.base_url(NAME)}/api/query", params, config)
    return parse_feed(response.text)


def parse_feed(text: str) -> list[Work]:
    # defusedxml: no DTD, no entity expansion, no external entities in a feed from the network.
    try:
        root = defused_fromstring(text, forbid_dtd=True)
    except DefusedXmlException as error:
        refusal = f"refused Atom feed: forbidden XML construct ({type(error).__name__})"
        raise ProviderError(NAME, refusal, transient=False) from error
    except ElementTree.ParseError as error:
        raise ProviderError(NAME, f"unreadable Atom feed: {error}", transient=False) from error
    works = []
    for entry in root.findall("atom:entry", NS):
        identifier = _text(entry, "atom:id")
        if "/api/errors" in identifier:
            raise ProviderError(NAME, f"query refused: {_text(entry, 'atom:summary')}", transient=False)
        works.append(to_work(entry))
    return works


def _text(element: ElementTree.Element, path: str) -> str:
    found = element.find(path, NS)
    return plain_text(found.text) if found is not None and found.text else ""


def to_work(entry: ElementTree.Element) -> Work:
    identifier = _text(entry, "atom:id")
    arxiv_id = re.sub(r"^https?://arxiv\.org/abs/", "", identifier)
    pdf = next((link.get("href", "") for link in entry.findall("atom:link", NS) if link.get("title") == "pdf"), "")
    authors = entry.findall("atom:author", NS)
    affiliations = [_text(node, ".") for author in authors for node in author.findall("arxiv:affiliation", NS)]
    doi = clean_doi(_text(entry, "arxiv:doi"))
    category = entry.find("arxiv:primary_category", NS)
    csl: dict[str, Any] = compact(
        {
            "id": f"arXiv:{arxiv_id}",
            "type": "article",
            "genre": "Preprint",
            "title": _text(entry, "atom:title"),
            "author": [person(_text(author, "atom:name")) for author in authors],
            "issued": iso_date(_text(entry, "atom:published")),
            "publisher": "arXiv",
            "number": arxiv_id,
            "note": _text(entry, "arxiv:journal_ref"),
            "keyword": category.get("term", "") if category is not None else "",
            "DOI": doi,
            "URL": f"https://arxiv.org/abs/{arxiv_id}",
            "abstract": _text(entry, "atom:summary"),
        }
    )
    return Work(
        provider=NAME,
        provider_id=arxiv_id,
        csl=csl,
        full_text_url=pdf,
        affiliations=tuple(name for name in affiliations if name),
    )
