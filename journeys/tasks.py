"""Celery tasks: thin, ids in, one engine or service call."""
from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError

from journeys import engine, services
from journeys.memory import jobs as memory


@shared_task(
    name="journeys.tasks.advance_run_task",
    bind=True,
    acks_late=True,
    ignore_result=True,
    # A hung step is killed after this; its lease, no longer renewed, then expires and the
    # reaper re-offers the step (journeys/leases.py).
    time_limit=settings.HW_STEP_TIME_LIMIT_SECONDS,
    max_retries=settings.HW_STEP_DB_RETRIES,
)
def advance_run_task(self, run_id: int, seq: int, owner: str = "") -> str:
    """Idempotent by construction: a duplicate or late message fails the claim and does nothing.

    The database unreachable (restarting, failing over, every pooled connection busy): the step
    is sent again after an exponential, jittered pause instead of the message being dropped and
    the run left to the reaper. The retry carries this attempt's lease owner, so a step that had
    been claimed before the error is taken up again at once rather than after its lease expires;
    if anyone else has taken the step meanwhile, or it was committed after all, the retry's claim
    fails and it does nothing."""
    owner = owner or engine.new_lease_owner()
    try:
        return engine.advance(run_id, seq, owner)
    except (OperationalError, InterfaceError) as error:
        pause = get_exponential_backoff_interval(
            settings.HW_STEP_DB_RETRY_BACKOFF_SECONDS, self.request.retries, maximum=60, full_jitter=True)
        raise self.retry(exc=error, countdown=pause, args=(run_id, seq), kwargs={"owner": owner}) from error


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
