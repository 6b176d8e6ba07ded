"""Celery tasks: thin, ids in, one engine or service call."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

from journeys import engine, services
from journeys.memory import jobs as memory


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
    """Re-send lost steps and resume runs the system paused whose time has come."""
    return services.reap_runs() + services.resume_due_runs()


@shared_task(name="journeys.tasks.embed_chunks_task", ignore_result=True, time_limit=settings.HW_EMBED_TASK_SECONDS)
def embed_chunks_task(run_id: int | None = None) -> int:
    """Embed pending chunks (of one run after its step committed; of any run from the beat
    sweep). Idempotent: only chunks still pending are written; a lost message leaves them for
    the next sweep."""
    return memory.embed_chunks(run_id)


@shared_task(name="journeys.tasks.distil_lessons_task", ignore_result=True, time_limit=settings.HW_EMBED_TASK_SECONDS)
def distil_lessons_task(run_id: int) -> int:
    """Distil the lessons of an ended run. Idempotent: lessons are keyed by (run, kind, topic)."""
    return len(memory.distil_run_lessons(run_id))


@shared_task(name="journeys.tasks.reembed_task", ignore_result=True, time_limit=settings.HW_EMBED_TASK_SECONDS)
def reembed_task() -> int:
    """One batch of re-embedding with the current model; sends itself again until none is left."""
    return memory.reembed_batch(resend=True)
