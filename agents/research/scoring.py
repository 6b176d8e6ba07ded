"""Relevance, credibility, region and recency of a work: deterministic, explainable, in [0, 1].

Relevance: weighted share of the goal's terms found in the work (title and abstract), with a
bonus share for terms in the title. Expansion terms (synonyms, plan headings) count half.

Credibility (sums to at most 1):
    venue type   0.35 journal article, 0.25 conference paper / book / chapter, 0.15 report /
                 thesis, 0.10 other, 0.05 preprint (not peer reviewed)
    DOI          0.15 when the work has one (a persistent, registered record)
    citations    up to 0.20, log-scaled, full at 100 citations (0 when the provider gave none)
    recency      up to 0.20, full for this year's work, 0 at twice the recency horizon
    abstract     0.10 when there is one (we can check what the work says)

Region (honest heuristic): a work matches a region when an author's affiliation is in it (the
country code the provider states, e.g. OpenAlex, or a country named at the end of an affiliation
string, e.g. Crossref, Europe PMC, arXiv), or when its title or abstract names the region (study
setting, e.g. "NHS", "English city"). The publisher's location is not used: where a journal is
published says little about where the research was done. Works with no affiliation or mention
are "unknown"; strict region filtering leaves them out, the relax_region rung lets them in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from agents.research.text import terms
from tools.scholarly import Work

VENUE_WEIGHTS = {
    "article-journal": 0.35,
    "paper-conference": 0.25,
    "book": 0.25,
    "chapter": 0.25,
    "report": 0.15,
    "thesis": 0.15,
    "article": 0.05,
}
PEER_REVIEWED = frozenset({"article-journal", "paper-conference", "book", "chapter"})

COUNTRY_NAMES = {
    "united kingdom": "GB",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "u.s.a.": "US",
    "ireland": "IE",
    "france": "FR",
    "germany": "DE",
    "netherlands": "NL",
    "the netherlands": "NL",
    "spain": "ES",
    "italy": "IT",
    "portugal": "PT",
    "belgium": "BE",
    "sweden": "SE",
    "norway": "NO",
    "denmark": "DK",
    "finland": "FI",
    "switzerland": "CH",
    "austria": "AT",
    "poland": "PL",
    "canada": "CA",
    "australia": "AU",
    "new zealand": "NZ",
    "india": "IN",
    "china": "CN",
    "japan": "JP",
    "south africa": "ZA",
    "nigeria": "NG",
    "kenya": "KE",
    "brazil": "BR",
    "singapore": "SG",
    "hong kong": "HK",
}
EUROPE = frozenset("GB IE FR DE NL ES IT PT BE SE NO DK FI CH AT PL LU GR CZ HU RO BG HR SI SK EE LV LT IS MT CY".split())
REGIONS: dict[str, frozenset[str]] = {
    **{name: frozenset({code}) for name, code in COUNTRY_NAMES.items()},
    "gb": frozenset({"GB"}),
    "us": frozenset({"US"}),
    "europe": EUROPE,
    "eu": EUROPE - {"GB", "NO", "CH", "IS"},
}
# Words in a title or abstract that place a study in a region (its setting).
REGION_MENTIONS = {
    "GB": (
        "united kingdom",
        "uk",
        "britain",
        "british",
        "england",
        "english",
        "scotland",
        "scottish",
        "wales",
        "welsh",
        "northern ireland",
        "nhs",
        "london",
    ),
    "US": ("united states", "usa", "american", "u.s."),
}


@dataclass(frozen=True)
class RegionMatch:
    status: str  # "match", "other" or "unknown"
    reason: str


def region_codes(region: str) -> frozenset[str]:
    """ISO codes a region names ('UK' -> {GB}); empty when the region is not known here."""
    key = (region or "").strip().lower()
    if not key:
        return frozenset()
    if key in REGIONS:
        return REGIONS[key]
    return frozenset({key.upper()}) if len(key) == 2 else frozenset()


def affiliation_country(affiliation: str) -> str:
    """The country named at the end of an affiliation string ('..., Leeds, UK' -> GB), or ''."""
    tail = affiliation.rsplit(",", 1)[-1].strip().strip(".").lower()
    if tail in COUNTRY_NAMES:
        return COUNTRY_NAMES[tail]
    lowered = f" {affiliation.lower()} "
    for name in sorted(COUNTRY_NAMES, key=len, reverse=True):
        if len(name) > 3 and re.search(rf"\b{re.escape(name)}\b", lowered):
            return COUNTRY_NAMES[name]
    return ""


def countries_of(work: Work) -> set[str]:
    return set(work.countries) | {code for code in map(affiliation_country, work.affiliations) if code}


def region_match(work: Work, region: str) -> RegionMatch:
    codes = region_codes(region)
    if not region:
        return RegionMatch("match", "no region asked for")
    countries = countries_of(work)
    if countries & codes:
        return RegionMatch("match", f"author affiliation in {', '.join(sorted(countries & codes))}")
    text = f" {work.title} {work.abstract} ".lower()
    names = [region.lower()] + [name for code in codes for name in REGION_MENTIONS.get(code, ())]
    for name in names:
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", text):
            return RegionMatch("match", f"the work names {name!r}")
    if countries:
        return RegionMatch("other", f"author affiliations in {', '.join(sorted(countries))}")
    return RegionMatch("unknown", "no affiliation country or regional setting stated")


def relevance(work: Work, core: list[str], extra: list[str] = ()) -> float:
    """Share of the goal's terms in the work: 0.7 x (title + abstract) + 0.3 x title alone."""
    weights = {term: 1.0 for term in core}
    for term in extra:
        weights.setdefault(term, 0.5)
    total = sum(1.0 for _ in core) or sum(weights.values())
    if not total:
        return 0.0
    title = set(terms(work.title))
    body = title | set(terms(work.abstract)) | set(terms(" ".join(_keywords(work))))
    in_body = min(1.0, sum(weight for term, weight in weights.items() if term in body) / total)
    in_title = min(1.0, sum(weight for term, weight in weights.items() if term in title) / total)
    return round(0.7 * in_body + 0.3 * in_title, 3)


def _keywords(work: Work) -> list[str]:
    value = work.csl.get("keyword") or ""
    return value if isinstance(value, list) else [value]


def credibility(work: Work, this_year: int, horizon_years: int | None) -> float:
    score = VENUE_WEIGHTS.get(work.csl.get("type", ""), 0.10)
    if work.doi:
        score += 0.15
    if work.cited_by:
        score += 0.20 * min(1.0, math.log10(1 + work.cited_by) / math.log10(101))
    if work.year:
        horizon = horizon_years or 10
        score += 0.20 * max(0.0, 1 - max(0, this_year - work.year) / (2 * horizon))
    if work.abstract:
        score += 0.10
    return round(min(1.0, score), 3)


def within_years(work: Work, year_from: int | None) -> bool:
    """Recency filter: kept when published in or after `year_from` (unknown years are not)."""
    return year_from is None or (work.year is not None and work.year >= year_from)
