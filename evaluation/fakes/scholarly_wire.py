"""Corpus works rendered in each provider's own wire format (what the real APIs answer).

Shapes follow the providers' documentation and real answers, reduced to the fields a client
reads plus the envelope around them. `fulltext` is the URL of the work's open-access copy on the
fake server, or "" when the record has no full text.
"""

from __future__ import annotations

import hashlib
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from evaluation.fakes.corpus import CorpusWork

_OPENALEX_TYPES = {
    "article-journal": "article",
    "article": "preprint",
    "book": "book",
    "chapter": "book-chapter",
    "paper-conference": "article",
    "thesis": "dissertation",
    "report": "report",
    "dataset": "dataset",
}
_CROSSREF_TYPES = {
    "article-journal": "journal-article",
    "paper-conference": "proceedings-article",
    "chapter": "book-chapter",
    "book": "book",
    "article": "posted-content",
    "report": "report",
    "thesis": "dissertation",
    "dataset": "dataset",
}
_S2_TYPES = {"article-journal": "JournalArticle", "paper-conference": "Conference", "book": "Book", "chapter": "BookSection"}
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def number(work: CorpusWork, digits: int = 8) -> int:
    return int(hashlib.sha256(work.id.encode()).hexdigest(), 16) % 10**digits


def display_name(author: dict[str, str]) -> str:
    return author.get("literal") or f"{author.get('given', '')} {author.get('family', '')}".strip()


def iso(work: CorpusWork) -> str:
    parts = (work.record.get("issued") or {}).get("date-parts", [[None]])[0]
    if not parts or parts[0] is None:
        return ""
    parts = list(parts) + [1, 1]
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"


def pages(work: CorpusWork) -> tuple[str, str]:
    first, _, last = str(work.record.get("page", "")).partition("-")
    return first, last or first


def affiliation(work: CorpusWork, index: int) -> tuple[str, str]:
    """(affiliation name, country code) of author `index`, cycling through the record's lists."""
    names, codes = work.custom.get("affiliations") or [], work.custom.get("countries") or []
    name = names[index % len(names)] if names else ""
    code = codes[index % len(codes)] if codes else ""
    return name, code


def inverted_index(text: str) -> dict[str, list[int]] | None:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        index.setdefault(word, []).append(position)
    return index or None


def openalex_work(work: CorpusWork, fulltext: str) -> dict[str, Any]:
    record, doi = work.record, work.record.get("DOI", "")
    first, last = pages(work)
    kind = record.get("type", "article-journal")
    venue_type = {"paper-conference": "conference", "article": "repository"}.get(kind, "journal")
    source = {
        "display_name": record.get("container-title"),
        "type": venue_type,
        "issn_l": record.get("ISSN"),
        "host_organization_name": record.get("publisher"),
    }
    location = {
        "is_oa": bool(fulltext),
        "landing_page_url": record.get("URL"),
        "pdf_url": fulltext if work.full_text_format == "pdf" else None,
        "source": source,
    }
    authorships = []
    for index, author in enumerate(record.get("author") or []):
        name, code = affiliation(work, index)
        institutions = [{"display_name": name, "country_code": code or None}] if name or code else []
        authorships.append(
            {
                "author_position": "first" if index == 0 else "middle",
                "author": {"display_name": display_name(author)},
                "institutions": institutions,
                "countries": [code] if code else [],
            }
        )
    return {
        "id": f"https://openalex.org/W{number(work, 10)}",
        "doi": f"https://doi.org/{doi}" if doi else None,
        "title": record["title"],
        "display_name": record["title"],
        "publication_year": work.year,
        "publication_date": iso(work) or None,
        "type": _OPENALEX_TYPES.get(kind, "article"),
        "language": record.get("language", "en"),
        "authorships": authorships,
        "primary_location": location,
        "best_oa_location": {**location, "landing_page_url": fulltext} if fulltext else None,
        "open_access": {"is_oa": bool(fulltext), "oa_status": "gold" if fulltext else "closed", "oa_url": fulltext or None},
        "biblio": {
            "volume": record.get("volume"),
            "issue": record.get("issue"),
            "first_page": first or None,
            "last_page": last or None,
        },
        "cited_by_count": work.custom.get("cited_by", 0),
        "abstract_inverted_index": inverted_index(record.get("abstract", "")),
    }


def crossref_item(work: CorpusWork, fulltext: str) -> dict[str, Any]:
    record = work.record
    authors = []
    for index, author in enumerate(record.get("author") or []):
        name, _code = affiliation(work, index)
        entry = {key: author[key] for key in ("given", "family") if key in author} or {"name": display_name(author)}
        authors.append(
            {**entry, "sequence": "first" if index == 0 else "additional", "affiliation": [{"name": name}] if name else []}
        )
    item = {
        "DOI": record["DOI"],
        "URL": f"https://doi.org/{record['DOI']}",
        "title": [record["title"]],
        "author": authors,
        "container-title": [record["container-title"]] if record.get("container-title") else [],
        "publisher": record.get("publisher", ""),
        "type": _CROSSREF_TYPES.get(record.get("type", ""), "journal-article"),
        "issued": record.get("issued") or {"date-parts": [[None]]},
        "published": record.get("issued") or {"date-parts": [[None]]},
        "abstract": f"<jats:p>{escape(record.get('abstract', ''))}</jats:p>",
        "is-referenced-by-count": work.custom.get("cited_by", 0),
        "ISSN": [record["ISSN"]] if record.get("ISSN") else [],
        "language": record.get("language", "en"),
        "score": 10.0,
    }
    item.update({key: record[key] for key in ("volume", "issue", "page") if record.get(key)})
    if record.get("publisher-place"):
        item["publisher-location"] = record["publisher-place"]
    if fulltext:
        content_type = "application/pdf" if work.full_text_format == "pdf" else "text/html"
        item["license"] = [{"URL": LICENCE, "content-version": "vor", "delay-in-days": 0}]
        item["link"] = [
            {"URL": fulltext, "content-type": content_type, "content-version": "vor", "intended-application": "text-mining"}
        ]
    return item


def semantic_scholar_paper(work: CorpusWork, fulltext: str) -> dict[str, Any]:
    record = work.record
    paper_id = hashlib.sha1(work.id.encode()).hexdigest()
    kind = record.get("type", "article-journal")
    venue = record.get("container-title")
    return {
        "paperId": paper_id,
        "externalIds": {"DOI": record.get("DOI")} if record.get("DOI") else {},
        "url": f"https://www.semanticscholar.org/paper/{paper_id}",
        "title": record["title"],
        "abstract": record.get("abstract"),
        "venue": venue or "",
        "publicationVenue": {"name": venue, "type": "conference" if kind == "paper-conference" else "journal"} if venue else None,
        "year": work.year,
        "publicationDate": iso(work) or None,
        "journal": {"name": venue, "volume": record.get("volume", ""), "pages": record.get("page", "")} if venue else None,
        "citationCount": work.custom.get("cited_by", 0),
        "isOpenAccess": bool(fulltext),
        "openAccessPdf": {"url": fulltext, "status": "GOLD"} if fulltext else None,
        "publicationTypes": [_S2_TYPES[kind]] if kind in _S2_TYPES else None,
        "authors": [
            {"authorId": str(index + 1), "name": display_name(author)} for index, author in enumerate(record.get("author") or [])
        ],
    }


def europe_pmc_result(work: CorpusWork, fulltext: str) -> dict[str, Any]:
    record = work.record
    identifier = str(number(work))
    authors = []
    for index, author in enumerate(record.get("author") or []):
        name, _code = affiliation(work, index)
        given, family = author.get("given", ""), author.get("family", display_name(author))
        initials = "".join(part[0] for part in given.split() if part)
        entry = {"fullName": f"{family} {initials}".strip(), "firstName": given, "lastName": family, "initials": initials}
        if name:
            entry["authorAffiliationDetailsList"] = {"authorAffiliation": [{"affiliation": name}]}
        authors.append(entry)
    preprint = record.get("type") == "article"
    result = {
        "id": identifier,
        "source": "PPR" if preprint else "MED",
        "pmid": None if preprint else identifier,
        "doi": record.get("DOI"),
        "title": record["title"] + ".",
        "authorString": ", ".join(entry["fullName"] for entry in authors) + ".",
        "authorList": {"author": authors},
        "pubYear": str(work.year or ""),
        "pageInfo": record.get("page"),
        "abstractText": record.get("abstract"),
        "affiliation": affiliation(work, 0)[0] or None,
        "language": "eng",
        "pubTypeList": {"pubType": ["Preprint"] if preprint else ["Journal Article"]},
        "isOpenAccess": "Y" if fulltext else "N",
        "inEPMC": "Y" if fulltext else "N",
        "citedByCount": work.custom.get("cited_by", 0),
        "firstPublicationDate": iso(work) or None,
    }
    if record.get("container-title") and not preprint:
        result["journalInfo"] = {
            "volume": record.get("volume"),
            "issue": record.get("issue"),
            "yearOfPublication": work.year,
            "printPublicationDate": iso(work),
            "journal": {"title": record["container-title"], "issn": record.get("ISSN")},
        }
    if fulltext:
        result["pmcid"] = f"PMC{identifier}"
        result["fullTextUrlList"] = {
            "fullTextUrl": [
                {
                    "availability": "Open access",
                    "availabilityCode": "OA",
                    "documentStyle": "html",
                    "site": "Europe_PMC",
                    "url": fulltext,
                }
            ]
        }
    return result


def arxiv_entry(work: CorpusWork, fulltext: str) -> str:
    record = work.record
    arxiv_id = work.custom.get("arxiv_id") or f"{(work.year or 2020) % 100:02d}01.{number(work, 5):05d}"
    authors = []
    for index, author in enumerate(record.get("author") or []):
        name, _code = affiliation(work, index)
        extra = f"<arxiv:affiliation>{escape(name)}</arxiv:affiliation>" if name else ""
        authors.append(f"<author><name>{escape(display_name(author))}</name>{extra}</author>")
    published = (iso(work) or "2020-01-01") + "T00:00:00Z"
    parts = [
        f"<id>http://arxiv.org/abs/{arxiv_id}v1</id>",
        f"<updated>{published}</updated><published>{published}</published>",
        f"<title>{escape(record['title'])}</title>",
        f"<summary>{escape(record.get('abstract', ''))}</summary>",
        "".join(authors),
        f'<link href="http://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>',
        '<arxiv:primary_category term="physics.soc-ph" scheme="http://arxiv.org/schemas/atom"/>',
    ]
    if fulltext:
        parts.append(f'<link title="pdf" href={quoteattr(fulltext)} rel="related" type="application/pdf"/>')
    if record.get("DOI"):
        parts.append(f"<arxiv:doi>{escape(record['DOI'])}</arxiv:doi>")
    if record.get("container-title"):
        parts.append(f"<arxiv:journal_ref>{escape(record['container-title'])}</arxiv:journal_ref>")
    return "<entry>" + "".join(parts) + "</entry>"


def arxiv_feed(entries: list[str], query: str, total: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f'<link href="http://arxiv.org/api/query" rel="self" type="application/atom+xml"/>'
        f'<title type="html">ArXiv Query: {escape(query)}</title><id>http://arxiv.org/api/fake</id>'
        f"<updated>2026-01-01T00:00:00-05:00</updated><opensearch:totalResults>{total}</opensearch:totalResults>"
        f"<opensearch:startIndex>0</opensearch:startIndex><opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>"
        + "".join(entries)
        + "</feed>"
    )


def offered_paper(work: CorpusWork) -> dict[str, Any]:
    """A work as the harness's offered API answers it (the shape its OpenAPI document describes)."""
    record = work.record
    return {
        "paperId": work.id,
        "title": record["title"],
        "year": work.year,
        "doi": record.get("DOI"),
        "url": record.get("URL"),
        "authors": [display_name(author) for author in record.get("author") or []],
        "abstract": record.get("abstract") or "",
        "venue": record.get("container-title") or "",
    }


def registry_work(work: CorpusWork) -> dict[str, Any]:
    """A work as /tool/works answers it (the upstream of the harness's registry search tool)."""
    record = work.record
    return {
        "title": record["title"],
        "year": work.year,
        "doi": record.get("DOI"),
        "abstract": record.get("abstract") or "",
        "authors": [display_name(author) for author in record.get("author") or []],
    }
