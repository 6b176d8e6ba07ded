"""Celery tasks: thin, ids in, one engine or service call."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

from journeys import engine, services


@shared_task(
    name="journeys.tasks.advance_run_task",
    acks_late=True,
    ignore_result=True,
    # A hung step is killed after this; its lease, no longer renewed, then expires and the
    # reaper re-offers the step (journeys/leases.py).
    time_limit=settings.HW_STEP_TIME_LIMIT_SECONDS,
)
def advance_run_task(run_id: int, seq: int) -> str:
    """Idempotent by construction: a duplicate or late message fails the claim and does nothing."""
    return engine.advance(run_id, seq)


@shared_task(name="journeys.tasks.reap_runs_task", ignore_result=True)
def reap_runs_task() -> int:
    return services.reap_runs()
