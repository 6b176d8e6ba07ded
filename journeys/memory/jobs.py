"""Background memory work, called by the thin tasks in journeys.tasks and the `memory` command."""
from __future__ import annotations

from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from journeys.memory.lessons import distil_run_lessons
from journeys.memory.vectors import current_embedder, embed_pending_chunks, pending_chunks
from journeys.models import Chunk, Lesson

REEMBED_TASK = "journeys.tasks.reembed_task"

__all__ = [
    "REEMBED_TASK", "current_embedder", "distil_run_lessons", "embed_chunks", "memory_status", "reembed_batch", "reembed_lessons",
]


def embed_chunks(run_id: int | None = None) -> int:
    """Up to HW_EMBED_BATCHES_PER_TASK batches of pending chunks; returns how many were embedded."""
    total = 0
    for _ in range(settings.HW_EMBED_BATCHES_PER_TASK):
        written = embed_pending_chunks(run_id)
        total += written
        if written < settings.HW_EMBED_BATCH:
            break
    return total


def reembed_lessons(limit: int = 200) -> int:
    """Lessons embedded by another model than the current one get the current model's vector."""
    embedder = current_embedder()
    stale = list(
        Lesson.objects.filter(Q(embedding__isnull=True) | ~Q(embedding_model=embedder.model)).order_by("id")[:limit]
    )
    if not stale:
        return 0
    vectors = embedder.embed([lesson.topic for lesson in stale])
    with transaction.atomic():
        for lesson, vector in zip(stale, vectors, strict=True):
            lesson.embedding = vector.tolist()
            lesson.embedding_model, lesson.embedding_dimensions = embedder.model, embedder.dimensions
            lesson.save(update_fields=["embedding", "embedding_model", "embedding_dimensions"])
    return len(stale)


def reembed_batch(resend: bool = False) -> int:
    """One batch of re-embedding (lessons, then chunks). With `resend`, queue the next batch while
    anything is still pending, so a model change converges without one endless task."""
    done = reembed_lessons() + embed_chunks()
    if resend and done and pending_chunks(current_embedder().model).exists():
        transaction.on_commit(lambda: current_app.send_task(REEMBED_TASK, queue=settings.HW_MEMORY_QUEUE))
    return done


def memory_status() -> dict[str, Any]:
    model = current_embedder().model
    by_model = dict(Chunk.objects.values("embedding_model").annotate(count=Count("id")).values_list("embedding_model", "count"))
    lessons = dict(Lesson.objects.values_list("status").annotate(count=Count("id")).values_list("status", "count"))
    return {
        "model": model,
        "chunks": sum(by_model.values()),
        "chunks_by_model": {name or "(none)": count for name, count in sorted(by_model.items())},
        "chunks_pending": pending_chunks(model).count(),
        "lessons": lessons,
        "lessons_pending": Lesson.objects.filter(Q(embedding__isnull=True) | ~Q(embedding_model=model)).count(),
    }
