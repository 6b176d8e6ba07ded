"""De-duplication of works found by several providers and queries.

Two works are the same when their DOIs match, or (either lacking a DOI, or a preprint and its
published version) when their normalised titles match. The merged record keeps the most
authoritative metadata (peer-reviewed version first, then one with a DOI, then the longer
abstract) and pools the rest: providers that found it, citation count, countries, affiliations,
an open-access full-text link.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from agents.research.scoring import PEER_REVIEWED
from agents.research.text import normalised_title
from tools.scholarly import Work


@dataclass
class Candidate:
    """A de-duplicated work with where it came from and, once scored, why it was kept or not."""

    work: Work
    providers: list[str] = field(default_factory=list)
    query: str = ""
    relevance: float = 0.0
    credibility: float = 0.0
    region: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(0.6 * self.relevance + 0.4 * self.credibility, 4)


def _authority(work: Work) -> tuple:
    return (work.csl.get("type") in PEER_REVIEWED, bool(work.doi), len(work.abstract), bool(work.full_text_url))


def merge(first: Work, second: Work) -> Work:
    best, other = (first, second) if _authority(first) >= _authority(second) else (second, first)
    csl = dict(best.csl)
    for key in ("abstract", "DOI", "container-title", "issued", "author", "URL"):
        if not csl.get(key) and other.csl.get(key):
            csl[key] = other.csl[key]
    counts = [count for count in (best.cited_by, other.cited_by) if count is not None]
    return replace(
        best,
        csl=csl,
        full_text_url=best.full_text_url or other.full_text_url,
        cited_by=max(counts) if counts else None,
        countries=tuple(dict.fromkeys(best.countries + other.countries)),
        affiliations=tuple(dict.fromkeys(best.affiliations + other.affiliations)),
    )


def identity_keys(work: Work) -> list[str]:
    keys = [f"doi:{work.doi.lower()}"] if work.doi else []
    title = normalised_title(work.title)
    if len(title) >= 12:  # very short titles ("Editorial", "Introduction") identify nothing
        keys.append(f"title:{title}")
    return keys


def deduplicate(found: list[tuple[str, str, Work]], known: set[str] = frozenset()) -> tuple[list[Candidate], int]:
    """Merge (provider, query, work) triples into Candidates, in order of first appearance.
    Works whose identity is in `known` (the run's existing sources) are dropped.
    Returns (candidates, how many of `found` were duplicates or already known)."""
    candidates: list[Candidate] = []
    index: dict[str, Candidate] = {}
    duplicates = 0
    for provider, query, work in found:
        keys = identity_keys(work)
        if not keys or any(key in known for key in keys):
            duplicates += 1
            continue
        existing = next((index[key] for key in keys if key in index), None)
        if existing is None:
            existing = Candidate(work=work, providers=[provider], query=query)
            candidates.append(existing)
        else:
            duplicates += 1
            existing.work = merge(existing.work, work)
            if provider not in existing.providers:
                existing.providers.append(provider)
        for key in identity_keys(existing.work):
            index[key] = existing
    return candidates, duplicates


def known_identities(sources: list[dict]) -> set[str]:
    """Identity keys of sources the run already has (EvidenceReader.sources() dicts)."""
    keys: set[str] = set()
    for source in sources:
        csl = source.get("csl") or {}
        keys.update(identity_keys(Work(provider="", provider_id="", csl=csl)))
    return keys
