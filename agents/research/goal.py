"""What the research must meet, from the policy's gates and the run's spec.

Precedence: the spec (the student's request as interpreted) names region and recency when it
has them (a value, or the field listed in spec["explicit"]: the student chose "any"), else the
policy's gates apply; the minimum number of sources is the larger of the policy's floor and what
the student asked for.

What counts towards the minimum: retrieved works, and the student's uploads only once the
readings rung has admitted them as readings (an upload may be a draft to rework, not a source).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ResearchGoal:
    min_sources: int = 0
    region: str = ""
    recency_years: int | None = None
    this_year: int = 2026

    @property
    def year_from(self) -> int | None:
        return self.this_year - self.recency_years if self.recency_years else None


def _positive(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def research_goal(spec: dict[str, Any], policy: dict[str, Any], today: datetime.date | None = None) -> ResearchGoal:
    gates = policy.get("gates") or {}
    minimum = max(_positive(gates.get("min_sources")) or 0, _positive(spec.get("min_sources")) or 0)
    explicit = set(spec.get("explicit") or [])
    region = spec.get("region") if spec.get("region") or "region" in explicit else gates.get("region")
    recency = spec.get("recency_years") if spec.get("recency_years") or "recency_years" in explicit else gates.get("recency_years")
    return ResearchGoal(
        min_sources=minimum,
        region=str(region or "").strip(),
        recency_years=_positive(recency),
        this_year=(today or datetime.date.today()).year,
    )


def counted_sources(sources: list[dict[str, Any]], memory: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's sources that count towards the minimum (see the module docstring)."""
    admitted = set(memory.get("readings") or [])
    return [source for source in sources if source.get("origin") != "upload" or source.get("key") in admitted]
