"""Cost accounting read side: what providers cost, per run, user, provider or deployment.

Shared by the admin (ProviderCall changelist) and `manage.py costs`.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from journeys.models import ProviderCall

GROUPINGS = {
    "provider": "provider",
    "deployment": "deployment",
    "user": "user__username",
    "run": "run_id",
    "model": "model",
}


class UnknownGrouping(ValueError):
    pass


def cost_summary(calls: QuerySet[ProviderCall], by: str, limit: int = 50) -> list[dict]:
    """Rows of {key, calls, failed, prompt_tokens, completion_tokens, cost_usd}, costliest first."""
    try:
        field = GROUPINGS[by]
    except KeyError:
        raise UnknownGrouping(f"cannot group costs by {by!r}; choose one of {', '.join(GROUPINGS)}") from None
    rows = (
        calls.values(field)
        .annotate(
            calls=Count("id"),
            failed=Count("id", filter=~Q(outcome="ok")),
            prompt_tokens=Sum("prompt_tokens"),
            completion_tokens=Sum("completion_tokens"),
            cost_usd=Sum("cost_usd"),
        )
        .order_by("-cost_usd", field)[:limit]
    )
    return [{"key": row.pop(field), **row, "cost_usd": row["cost_usd"] or Decimal("0")} for row in rows]


def recent_calls(days: float | None) -> QuerySet[ProviderCall]:
    calls = ProviderCall.objects.all()
    if days:
        calls = calls.filter(created_at__gte=timezone.now() - datetime.timedelta(days=days))
    return calls
