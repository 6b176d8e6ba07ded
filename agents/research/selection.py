"""Scoring candidates and choosing which become sources, with counted reasons for the rest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from agents.research.dedupe import Candidate
from agents.research.scoring import credibility, region_match, relevance, within_years

MIN_RELEVANCE = 0.3


@dataclass(frozen=True)
class Criteria:
    core: list[str]
    extra: list[str] = field(default_factory=list)
    region: str = ""  # required region ('' = any)
    year_from: int | None = None  # required earliest year (None = any)
    this_year: int = 2026
    horizon_years: int | None = None  # the recency gate, for credibility's recency share


def assess(candidates: list[Candidate], criteria: Criteria) -> tuple[list[Candidate], Counter]:
    """Score every candidate; return those that pass the filters, and why the others did not."""
    kept: list[Candidate] = []
    rejected: Counter = Counter()
    for candidate in candidates:
        work = candidate.work
        candidate.relevance = relevance(work, criteria.core, criteria.extra)
        candidate.credibility = credibility(work, criteria.this_year, criteria.horizon_years)
        match = region_match(work, criteria.region)
        candidate.region = match.reason
        if not work.abstract and not work.full_text_url:
            rejected["no abstract or open text to cite"] += 1
        elif candidate.relevance < MIN_RELEVANCE:
            rejected["off topic"] += 1
        elif not within_years(work, criteria.year_from):
            rejected["too old" if work.year else "no publication year"] += 1
        elif criteria.region and match.status != "match":
            rejected["outside the region" if match.status == "other" else "region unknown"] += 1
        else:
            kept.append(candidate)
    return kept, rejected


def choose(kept: list[Candidate], quota: int) -> list[Candidate]:
    """The best `quota` candidates by combined score (relevance 0.6, credibility 0.4)."""
    ranked = sorted(kept, key=lambda candidate: (-candidate.score, candidate.work.title))
    return ranked[: max(0, quota)]


def quota_for(have: int, minimum: int, first_pass: bool) -> int:
    """How many sources a pass adds: the minimum plus headroom on the first pass (so later checks
    can drop weak ones), then what is missing plus a little."""
    if first_pass:
        return min(20, max(minimum, 3) + 3)
    return max(2, minimum - have + 2)
