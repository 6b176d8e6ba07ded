"""Measuring a finished task from the database and checking its `expect` block.

Figures cover the run and its child runs (an assignment's parts): steps are Step rows, routes
the routes they chose, retries the adaptive-IO retries counted for the run plus re-run steps.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import redis
from django.conf import settings

from evaluation.citations import check_citations
from evaluation.taskfile import Expect
from journeys.models import Run, Step
from turnitin.models import TurnitinCycle

IN_TEXT_CITATION = re.compile(r"\([^()]*\d{4}[a-z]?\)")
REFERENCES_HEADING = re.compile(r"^#+\s*(references|bibliography|works cited|reference list)\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class Measures:
    status: str = ""
    reason: str = ""
    words: int | None = None
    sources: int = 0
    citation_problems: list[str] = field(default_factory=list)
    similarity: float | None = None
    routes: list[str] = field(default_factory=list)
    steps: int = 0
    turnitin_cycles: int = 0
    retries: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def family(run: Run) -> list[Run]:
    """The run and its descendants (an assignment's parts)."""
    runs, frontier = [run], [run]
    while frontier:
        frontier = list(Run.objects.filter(parent__in=frontier))
        runs += frontier
    return runs


def prose_words(markdown: str) -> int:
    """Words of a deliverable's prose, as the word target counts them: before its reference list,
    no headings, notes ("> ...") or in-text citations such as (Dummett et al., 2021)."""
    match = REFERENCES_HEADING.search(markdown)
    body = markdown[: match.start()] if match else markdown
    lines = [line for line in body.splitlines() if not line.lstrip().startswith(("#", ">"))]
    return len(IN_TEXT_CITATION.sub(" ", "\n".join(lines)).split())


def retries_of(runs: list[Run], steps: list[Step]) -> int:
    client = redis.Redis.from_url(settings.HW_ADAPTIVE_REDIS_URL)
    keys = [f"{settings.HW_ADAPTIVE_PREFIX}:retries:run:{run.pk}" for run in runs]
    counted = sum(int(value or 0) for value in client.mget(keys))
    return counted + sum(step.attempt - 1 for step in steps)


def measure(run: Run) -> Measures:
    run.refresh_from_db()
    runs = family(run)
    steps = list(Step.objects.filter(run__in=runs).only("route", "route_in", "attempt").order_by("run_id", "seq"))
    deliverable = run.artifacts.filter(name="deliverable").order_by("-version").first()
    check = check_citations(run)
    cycles = TurnitinCycle.objects.filter(run=run).order_by("number")
    last = cycles.exclude(observed_similarity=None).last()
    return Measures(
        status=run.status, reason=run.status_reason,
        words=prose_words(deliverable.content) if deliverable else None,
        sources=len(check.sources), citation_problems=check.problems,
        similarity=last.observed_similarity if last else None,
        routes=list(dict.fromkeys(route for step in steps for route in (step.route_in, step.route) if route)),
        steps=len(steps), turnitin_cycles=cycles.count(), retries=retries_of(runs, steps),
        tokens=sum(item.used_tokens for item in runs), cost_usd=float(sum(item.used_usd for item in runs)),
    )  # fmt: skip


def unmet(expect: Expect, measures: Measures) -> list[str]:
    """Every expectation not met, in the order of the format, each saying what was seen."""
    problems = []
    if measures.status != expect.status:
        reason = f" ({measures.reason})" if measures.reason else ""
        problems.append(f"status: expected {expect.status}, got {measures.status}{reason}")
    if expect.words is not None:
        low, high = expect.words
        if measures.words is None or not low <= measures.words <= high:
            seen = "no deliverable" if measures.words is None else measures.words
            problems.append(f"words: expected {low}-{high}, got {seen}")
    if expect.min_sources is not None and measures.sources < expect.min_sources:
        problems.append(f"min_sources: expected at least {expect.min_sources} cited sources, got {measures.sources}")
    if expect.all_citations_resolve and measures.citation_problems:
        problems.append(f"all_citations_resolve: {measures.citation_problems[0]}")
    if expect.max_similarity is not None and (measures.similarity is None or measures.similarity > expect.max_similarity):
        seen = "no Turnitin report" if measures.similarity is None else f"{measures.similarity:g}%"
        problems.append(f"max_similarity: expected at most {expect.max_similarity:g}%, got {seen}")
    missing = [route for route in expect.routes_include if route not in measures.routes]
    if missing:
        problems.append(f"routes_include: {', '.join(missing)} not taken (routes: {', '.join(measures.routes)})")
    if expect.max_steps is not None and measures.steps > expect.max_steps:
        problems.append(f"max_steps: expected at most {expect.max_steps}, took {measures.steps}")
    if expect.max_turnitin_cycles is not None and measures.turnitin_cycles > expect.max_turnitin_cycles:
        problems.append(f"max_turnitin_cycles: expected at most {expect.max_turnitin_cycles}, got {measures.turnitin_cycles}")
    return problems
