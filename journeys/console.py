"""The operator console's read side and forms: the readable replay of a run's decisions, the
raise-budget form and the cost-per-user report. journeys/admin.py wires them into Django admin."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Count, Sum

from journeys.models import Event, Run, Step
from journeys.policies import PolicyError, known_journeys, load_policy, policy_dir


@dataclass
class ReplayRow:
    """One step as an operator reads it: where it was, what it decided and why."""

    seq: int
    node: str
    route_in: str
    route: str
    attempt: int
    reasons: list[str]
    observation: str
    error: str
    tokens: int
    cost_usd: Decimal
    duration: float
    events: list[Event] = field(default_factory=list)


def short_json(value: Any, limit: int = 300) -> str:
    if not value:
        return ""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def verdict_reasons(step: Step) -> list[str]:
    reasons = (step.verdict or {}).get("reasons") or []
    return [str(reason) for reason in reasons] if isinstance(reasons, list) else [str(reasons)]


def decision_replay(run: Run, limit: int = 500) -> tuple[list[ReplayRow], list[Event]]:
    """The run's steps in order with the events each wrote, and the events no step wrote
    (pause, resume, answers ...). Two queries whatever the run's length."""
    events_by_seq: dict[int | None, list[Event]] = defaultdict(list)
    for event in Event.objects.filter(run=run).order_by("pk"):
        events_by_seq[event.seq].append(event)
    rows = [
        ReplayRow(
            seq=step.seq, node=step.node, route_in=step.route_in, route=step.route, attempt=step.attempt,
            reasons=verdict_reasons(step), observation=short_json(step.observation), error=step.error[:500],
            tokens=step.tokens, cost_usd=step.cost_usd, duration=step.duration_seconds, events=events_by_seq.get(step.seq, []),
        )
        for step in Step.objects.filter(run=run).order_by("seq")[:limit]
    ]
    return rows, events_by_seq.get(None, [])


class RaiseBudgetForm(forms.Form):
    tokens = forms.IntegerField(required=False, min_value=0, max_value=10**12, help_text="Tokens to add.")
    seconds = forms.FloatField(required=False, min_value=0, max_value=10**7, help_text="Seconds of step time to add.")
    usd = forms.DecimalField(required=False, min_value=0, max_value=10**5, decimal_places=6, help_text="US dollars to add.")

    def clean(self) -> dict:
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("tokens", "seconds", "usd")):
            raise forms.ValidationError("Add something to at least one budget.")
        return cleaned


def cost_per_user(limit: int = 200) -> list[dict[str, Any]]:
    """Runs, tokens and dollars per user, most expensive first (from the runs' usage counters)."""
    rows = (
        Run.objects.values("user_id", "user__username")
        .annotate(runs=Count("id"), tokens=Sum("used_tokens"), usd=Sum("used_usd"), seconds=Sum("used_seconds"))
        .order_by("-usd", "-tokens")[:limit]
    )
    return [
        {
            "user_id": row["user_id"], "username": row["user__username"], "runs": row["runs"],
            "tokens": row["tokens"] or 0, "usd": row["usd"] or Decimal("0"), "seconds": round(row["seconds"] or 0.0, 1),
        }
        for row in rows
    ]


def policy_summaries() -> list[dict[str, Any]]:
    """Every journey's policy file as operators need to see it: valid or not (and why), its
    routes, budgets and gates. Files change without a deploy; runs keep the policy they started with."""
    summaries = []
    for journey in known_journeys():
        path = policy_dir() / f"{journey}.yaml"
        try:
            policy = load_policy(journey)
        except PolicyError as error:
            summaries.append({"journey": journey, "path": path.name, "valid": False, "error": str(error)})
            continue
        data = policy.model_dump(mode="json")
        summaries.append({
            "journey": journey, "path": path.name, "valid": True, "error": "", "description": policy.description,
            "routes": data["routes"], "budgets": data["budgets"], "gates": data["gates"], "phases": data["phases"],
            "turnitin": policy.turnitin, "source": path.read_text(encoding="utf-8")[:20_000],
        })
    return summaries
