"""What the step commit asks of memory, sent after the commit (never inside the transaction):
embed the chunks a step just stored, distil lessons from a run that just ended. Tasks are sent by
name, so persistence does not import the task module (and the engine it imports)."""
from __future__ import annotations

from celery import current_app
from django.conf import settings
from django.db import transaction

from agents.contracts import Record
from journeys.models import Run

EMBED_TASK = "journeys.tasks.embed_chunks_task"
DISTIL_TASK = "journeys.tasks.distil_lessons_task"


def send(task: str, run_id: int) -> None:
    current_app.send_task(task, args=[run_id], queue=settings.HW_MEMORY_QUEUE)


def after_step(run: Run, records: list[Record]) -> None:
    """Call inside the step's transaction, after the run row is updated."""
    run_id = run.pk
    if settings.HW_EMBED_CHUNKS_ON_WRITE and any(record.kind == "source" for record in records):
        transaction.on_commit(lambda: send(EMBED_TASK, run_id))
    if settings.HW_DISTIL_LESSONS and run.is_terminal:
        transaction.on_commit(lambda: send(DISTIL_TASK, run_id))
