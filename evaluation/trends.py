"""Trends over stored evaluations: per-run aggregates, per-task history, small server-side charts.

Charts are inline SVG built here (no JavaScript, no CDN): the admin renders them as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.safestring import SafeString, mark_safe

from evaluation.models import EvalResult, EvalRun


def with_aggregates(runs: QuerySet[EvalRun]) -> QuerySet[EvalRun]:
    """Each run annotated with its results' totals (one query, no N+1)."""
    return runs.annotate(
        result_count=Count("results"),
        passed_count=Count("results", filter=Q(results__passed=True)),
        retries_total=Sum("results__retries"),
        steps_total=Sum("results__steps"),
        cost_total=Sum("results__cost_usd"),
        wall_total=Sum("results__wall_seconds"),
    )


def cost_per_success(cost_total: Decimal | None, passed: int) -> Decimal | None:
    return (cost_total or Decimal("0")) / passed if passed else None


@dataclass
class RunPoint:
    run: EvalRun
    pass_rate: float | None
    retries: int
    steps: int
    cost_per_success: Decimal | None


def run_points(limit: int = 30, trigger: str | None = None) -> list[RunPoint]:
    """The last `limit` evaluations, oldest first (a chart reads left to right)."""
    runs = EvalRun.objects.all() if trigger is None else EvalRun.objects.filter(trigger=trigger)
    latest = list(with_aggregates(runs).order_by("-started_at", "-id")[:limit])
    return [
        RunPoint(run, run.passed_count / run.result_count if run.result_count else None, run.retries_total or 0,
                 run.steps_total or 0, cost_per_success(run.cost_total, run.passed_count))
        for run in reversed(latest)
    ]  # fmt: skip


def task_summaries() -> list[dict]:
    """Per task over every stored evaluation: runs, pass rate, mean steps, mean retries."""
    rows = (
        EvalResult.objects.values("task")
        .annotate(runs=Count("id"), passed=Count("id", filter=Q(passed=True)), steps=Avg("steps"), retries=Avg("retries"))
        .order_by("task")
    )
    return [{**row, "pass_rate": row["passed"] / row["runs"] if row["runs"] else None} for row in rows]


def task_history(task: str, limit: int = 50) -> list[EvalResult]:
    rows = EvalResult.objects.filter(task=task).select_related("eval_run").order_by("-created_at", "-id")[:limit]
    return list(reversed(rows))


def line_chart(
    points: list[tuple[str, float | None]], *, title: str, unit: str = "", width: int = 560, height: int = 160
) -> SafeString:
    """An SVG polyline of `points` (label, value); None values are gaps. Escaped, then marked safe."""
    values = [value for _, value in points if value is not None]
    if not values:
        return mark_safe(f"<p class='help'>{escape(title)}: no data yet.</p>")
    top = max(values) or 1.0
    pad, step = 30, (width - 60) / max(len(points) - 1, 1)
    coordinates = [
        (pad + index * step, height - pad - (value / top) * (height - 2 * pad), label, value)
        for index, (label, value) in enumerate(points)
        if value is not None
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coordinates)
    dots = "".join(
        f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3'><title>{escape(label)}: {value:g}{escape(unit)}</title></circle>"
        for x, y, label, value in coordinates
    )
    return mark_safe(
        f"<figure class='eval-chart'><figcaption>{escape(title)} (max {top:g}{escape(unit)})</figcaption>"
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' aria-label='{escape(title)}'>"
        f"<line x1='{pad}' y1='{height - pad}' x2='{width - pad}' y2='{height - pad}' stroke='#999'/>"
        f"<polyline fill='none' stroke='#417690' stroke-width='2' points='{line}'/>{dots}</svg></figure>"
    )


def run_charts(points: list[RunPoint]) -> list[SafeString]:
    def label(point: RunPoint) -> str:
        return f"#{point.run.pk} {point.run.started_at:%Y-%m-%d %H:%M}"

    return [
        line_chart([(label(p), None if p.pass_rate is None else round(p.pass_rate * 100, 1)) for p in points],
                   title="Pass rate", unit="%"),
        line_chart([(label(p), float(p.retries)) for p in points], title="Retries per evaluation"),
        line_chart([(label(p), None if p.cost_per_success is None else float(p.cost_per_success)) for p in points],
                   title="Cost per successful task", unit=" USD"),
        line_chart([(label(p), float(p.steps)) for p in points], title="Steps per evaluation"),
    ]  # fmt: skip


def task_charts(history: list[EvalResult]) -> list[SafeString]:
    def label(row: EvalResult) -> str:
        return f"#{row.eval_run_id} {row.created_at:%Y-%m-%d %H:%M} {'pass' if row.passed else 'fail'}"

    return [
        line_chart([(label(row), float(row.steps)) for row in history], title="Steps"),
        line_chart([(label(row), float(row.retries)) for row in history], title="Retries"),
        line_chart([(label(row), round(row.wall_seconds, 1)) for row in history], title="Wall time", unit=" s"),
    ]
