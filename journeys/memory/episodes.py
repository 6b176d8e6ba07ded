"""Episodic memory from the database: a run's steps and events as bounded context.

The newest RECENT_STEPS steps are read in full; everything older is aggregated in SQL (steps per
node and route, distinct errors, the latest notable events), so building the context costs the
same at step 20 and at step 2,000, and so does the prompt that carries it.
"""
from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min

from agents.memory.episodic import NOTABLE_KINDS, RECENT_STEPS, Episode, episode_context
from journeys.models import Event, Step

MAX_NOTES = 40


def recent_steps(run_id: int, after_seq: int) -> list[dict[str, Any]]:
    steps = list(
        Step.objects.filter(run_id=run_id, seq__gt=after_seq)
        .order_by("seq")
        .values("seq", "node", "route_in", "route", "error", "observation")
    )
    events: dict[int, list[dict[str, str]]] = {}
    for row in Event.objects.filter(run_id=run_id, seq__gt=after_seq).order_by("seq", "index").values("seq", "kind", "message"):
        events.setdefault(row["seq"], []).append({"kind": row["kind"], "message": row["message"]})
    return [{**step, "events": events.get(step["seq"], [])} for step in steps]


def older_aggregate(run_id: int, up_to_seq: int) -> dict[str, Any]:
    older = Step.objects.filter(run_id=run_id, seq__lte=up_to_seq)
    span = older.aggregate(steps=Count("id"), first_seq=Min("seq"), last_seq=Max("seq"))
    if not span["steps"]:
        return {"steps": 0}
    transitions = list(
        older.values("node", "route_in", "route").annotate(count=Count("id")).order_by("-count", "node")
    )
    errors = list(
        older.exclude(error="").values("error").annotate(count=Count("id"), last_seq=Max("seq")).order_by("-last_seq")[:5]
    )
    notes = list(
        Event.objects.filter(run_id=run_id, seq__lte=up_to_seq, kind__in=NOTABLE_KINDS)
        .order_by("-id")
        .values("seq", "kind", "message")[:MAX_NOTES]
    )
    return {**span, "transitions": transitions, "errors": errors, "notes": list(reversed(notes))}


def episode_for_run(run_id: int, max_chars: int, recent: int = RECENT_STEPS) -> Episode:
    last = Step.objects.filter(run_id=run_id).aggregate(last=Max("seq"))["last"]
    if last is None:
        return Episode("", 0, 0)
    cut = last - recent
    return episode_context(older_aggregate(run_id, cut), recent_steps(run_id, cut), max_chars)


def recall_steps(
    run_id: int, *, node: str = "", route: str = "", contains: str = "", limit: int = 10
) -> list[dict[str, Any]]:
    """What this run already tried, newest first: steps of a node or route, or whose events
    mention `contains`, each with its events, its error and where it went next."""
    steps = Step.objects.filter(run_id=run_id)
    if node:
        steps = steps.filter(node=node)
    if route:
        steps = steps.filter(route_in=route)
    if contains:
        seqs = Event.objects.filter(run_id=run_id, message__icontains=contains).values("seq")
        steps = steps.filter(seq__in=seqs)
    rows = list(steps.order_by("-seq").values("seq", "node", "route_in", "route", "error", "observation")[:limit])
    events: dict[int, list[dict[str, str]]] = {}
    found = Event.objects.filter(run_id=run_id, seq__in=[row["seq"] for row in rows]).order_by("index")
    for row in found.values("seq", "kind", "message"):
        events.setdefault(row["seq"], []).append({"kind": row["kind"], "message": row["message"]})
    return [{**row, "events": events.get(row["seq"], [])} for row in rows]
