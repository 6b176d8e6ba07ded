"""What the step commit asks of memory, sent after the commit (never inside the transaction):
embed the chunks a step just stored, distil lessons from a run that just ended. Tasks are sent by
name, so persistence does not import the task module (and the engine it imports)."""
from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings
from django.db import transaction

from agents.contracts import Record
from journeys.models import Run

logger = logging.getLogger(__name__)

EMBED_TASK = "journeys.tasks.embed_chunks_task"
DISTIL_TASK = "journeys.tasks.distil_lessons_task"


def send(task: str, run_id: int) -> None:
    """After commit; a broker hiccup here loses nothing: the beat sweep embeds what is pending and
    `manage.py memory distil` redoes a run's lessons."""
    try:
        current_app.send_task(task, args=[run_id], queue=settings.HW_MEMORY_QUEUE)
    except Exception:  # noqa: BLE001 - the step is committed; memory work is best effort here
        logger.warning("could not queue %s for run %s", task, run_id, exc_info=True)


def after_step(run: Run, records: list[Record]) -> None:
    """Call inside the step's transaction, after the run row is updated."""
    if any(record.kind == "source" for record in records):
        chunks_written(run.pk)
    if settings.HW_DISTIL_LESSONS and run.is_terminal:
        run_id = run.pk
        transaction.on_commit(lambda: send(DISTIL_TASK, run_id))


def chunks_written(run_id: int) -> None:
    """Call inside the transaction that stored chunks (a step's sources, an upload)."""
    if settings.HW_EMBED_CHUNKS_ON_WRITE:
        transaction.on_commit(lambda: send(EMBED_TASK, run_id))
