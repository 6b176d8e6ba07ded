"""The widening ladder: what each research pass searches, from strict to wide.

When a pass leaves the run short of its minimum number of sources, the next pass climbs one
rung. A rung that cannot change anything for this run (no recency limit to relax, no region,
no uploaded readings) is skipped, and the skip is recorded.

    0 first_pass      first-level queries, primary providers, recency and region filters
    1 more_queries    second-level queries (synonyms, plan headings), primary providers
    2 more_providers  all queries so far, the other providers
    3 relax_recency   all queries, every provider, no publication-year limit
    4 relax_region    all queries, every provider, no year limit, any region
    5 readings        the student's own uploaded readings
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    name: str
    why: str  # what widening this rung does, for the event log
    query_level: int  # 1: first-level queries; 2: add second-level queries
    providers: str  # "primary", "secondary" or "all"
    recency: bool  # apply the recency filter
    region: bool  # require a region match
    readings: bool = False


RUNGS: tuple[Rung, ...] = (
    Rung("first_pass", "first search", 1, "primary", True, True),
    Rung("more_queries", "more queries: synonyms and the plan's headings", 2, "primary", True, True),
    Rung("more_providers", "other providers", 2, "secondary", True, True),
    Rung("relax_recency", "relaxed recency: any publication year", 2, "all", False, True),
    Rung("relax_region", "relaxed region: any region", 2, "all", False, False),
    Rung("readings", "the student's own uploaded readings", 0, "none", False, False, readings=True),
)
PRIMARY_PROVIDER_COUNT = 2
MAX_QUERIES_PER_PASS = 4


def rung_index(name: str) -> int:
    return next(index for index, rung in enumerate(RUNGS) if rung.name == name)


def skip_reason(rung: Rung, *, recency_years: int | None, region: str, readings: int, secondary: int) -> str:
    """Why `rung` can change nothing for this run ('' when it can)."""
    if rung.providers == "secondary" and not secondary:
        return "no other providers are enabled"
    if rung.name == "relax_recency" and not recency_years:
        return "there is no recency limit to relax"
    if rung.name == "relax_region" and not region:
        return "there is no region limit to relax"
    if rung.readings and not readings:
        return "the student uploaded no readings for this task (or the uploads are the material to rework)"
    return ""


def providers_for(rung: Rung, enabled: list[str]) -> list[str]:
    primary = enabled[:PRIMARY_PROVIDER_COUNT]
    return {"primary": primary, "secondary": enabled[PRIMARY_PROVIDER_COUNT:], "all": enabled, "none": []}[rung.providers]
