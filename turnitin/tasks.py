"""Celery tasks of the Turnitin app: thin, one service call."""

from __future__ import annotations

from celery import shared_task

from turnitin import sweep


@shared_task(name="turnitin.tasks.sweep_turnitin_task", ignore_result=True)
def sweep_turnitin_task() -> dict[str, int]:
    """Idempotent by construction (conditional updates, SKIP LOCKED); a duplicate run is harmless."""
    return sweep.sweep()
