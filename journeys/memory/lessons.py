"""Lessons: distilled from each run that ends, retrieved by topic at the start of later runs.

- `distil_run_lessons(run_id)`: the background task's service. Builds the run's digest, lets the
  rules (and the model's phrasing) make LessonDrafts, embeds their topics and stores them, one per
  (run, kind, topic): a redelivered task updates instead of duplicating.
- `relevant_lessons(topic, ...)`: active lessons whose topic is near `topic` in meaning (pgvector,
  cosine on the HNSW index), most similar first, above HW_LESSON_MIN_SIMILARITY.
- `write_lesson_use`: RECORD_WRITERS entry "lesson_use" (a node says it acted on lessons).
- `retire_lessons`: an operator takes lessons out of use; they stay stored with their provenance.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from pgvector.django import CosineDistance

from agents.llm import UsageMeter
from agents.memory.distil import distil
from journeys.adaptive import build_background_gateway
from journeys.memory.episodes import episode_for_run
from journeys.memory.profiles import update_profile
from journeys.memory.vectors import current_embedder
from journeys.models import Event, Lesson, LessonStatus, Run, Source, Step
from journeys.models.evidence import SourceOrigin

logger = logging.getLogger(__name__)

DIGEST_EVENT_KINDS = (
    "research", "provider", "tool", "repair", "rollback", "revision", "revision_refused", "verdict", "plan", "widen",
)
MAX_DIGEST_EVENTS = 400
_BOILERPLATE = re.compile(
    r"^\s*(?:please\s+)?(?:write|draft|produce|prepare|create)\s+(?:me\s+)?(?:an?\s+)?(?:\d[\d,]*[- ]word\s+)?"
    r"(?:essay|report|literature review|review|piece|assignment|paper|research pack|presentation|slides)?\s*"
    r"(?:on|about|regarding|of|discussing)?\s+",
    re.IGNORECASE,
)


def topic_of_run(run: Run) -> str:
    """The run's subject: the interpreter's topic, else the goal without 'Write an essay on'."""
    topic = str((run.spec or {}).get("topic") or "").strip()
    if not topic:
        topic = _BOILERPLATE.sub("", " ".join(run.goal.split()), count=1)
        topic = re.split(r"[.;\n]|, (?:in|using|with) ", topic)[0]
    return topic.strip()[:300] or run.goal[:300]


def run_digest(run: Run) -> dict[str, Any]:
    steps = list(Step.objects.filter(run=run).order_by("seq").values("seq", "node", "route_in", "route", "error"))
    events = list(
        Event.objects.filter(run=run, kind__in=DIGEST_EVENT_KINDS).order_by("id").values("id", "seq", "kind", "message", "data")
    )[-MAX_DIGEST_EVENTS:]
    sources = list(
        Source.objects.filter(run=run).exclude(origin=SourceOrigin.UPLOAD).values("key", "provider", "query", "origin", "step_seq")
    )
    return {
        "run_id": run.pk, "journey": run.journey, "status": run.status, "goal": run.goal, "topic": topic_of_run(run),
        "spec": run.spec, "steps": steps, "events": events, "state": run.state, "sources": sources,
    }


def build_llm() -> Any:
    """The gateway the engine gives nodes (same models and fallbacks), metered on its own: a
    finished run's budget is closed, so distillation is not charged to it."""
    return build_background_gateway(UsageMeter())


def distil_run_lessons(run_id: int) -> list[Lesson]:
    """Store the lessons of an ended run (none for a run still going). Idempotent."""
    run = Run.objects.filter(pk=run_id).first()
    if run is None or not run.is_terminal:
        return []
    update_profile(run)
    digest = run_digest(run)
    drafts = distil(digest, build_llm(), episode_for_run(run.pk, 2000).text)
    if not drafts:
        return []
    embedder = current_embedder()
    vectors = embedder.embed([draft.topic for draft in drafts])
    stored = []
    with transaction.atomic():
        for draft, vector in zip(drafts, vectors, strict=True):
            lesson, _ = Lesson.objects.update_or_create(
                run=run, kind=draft.kind, topic=draft.topic,
                defaults={
                    "text": draft.text, "data": draft.data, "journey": run.journey, "step_seqs": draft.seqs,
                    "event_ids": draft.event_ids, "embedding": vector.tolist(), "embedding_model": embedder.model,
                    "embedding_dimensions": embedder.dimensions,
                },
            )
            stored.append(lesson)
    logger.info("run %s: %d lesson(s) distilled", run_id, len(stored))
    return stored


def relevant_lessons(
    topic: str, kinds: list[str] | None = None, limit: int = 3, exclude_run: int | None = None, min_similarity: float | None = None
) -> list[dict[str, Any]]:
    """Active lessons learned on topics near `topic`, most similar first (plain dicts)."""
    embedder = current_embedder()
    lessons = Lesson.objects.filter(status=LessonStatus.ACTIVE, embedding_model=embedder.model, embedding__isnull=False)
    if kinds:
        lessons = lessons.filter(kind__in=kinds)
    if exclude_run is not None:
        lessons = lessons.exclude(run_id=exclude_run)
    if not topic.strip() or not lessons.exists():  # nothing to find: spare the embedding
        return []
    floor = settings.HW_LESSON_MIN_SIMILARITY if min_similarity is None else min_similarity
    vector = embedder.embed_one(topic).tolist()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")  # filtered HNSW scans keep enough rows
        rows = list(
            lessons.annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance", "-created_at")
            .values("id", "kind", "topic", "text", "data", "run_id", "distance")[: limit * 3]
        )
    found = []
    for row in rows:
        similarity = round(1.0 - float(row.pop("distance")), 4)
        if similarity >= floor:
            found.append({**row, "similarity": similarity})
    return found[:limit]


def write_lesson_use(run: Run, seq: int, data: dict[str, Any]) -> None:
    """RECORD_WRITERS "lesson_use": count that a step acted on these lessons (in its transaction)."""
    ids = sorted({int(lesson_id) for lesson_id in data.get("lessons", [])})
    # Lock the rows in id order first: concurrent steps counting overlapping lessons in different
    # orders deadlocked under load (bench/load.py), since an UPDATE ... WHERE id IN (...) locks
    # rows in scan order.
    locked = list(Lesson.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    Lesson.objects.filter(pk__in=locked).update(uses=F("uses") + 1, last_used_at=timezone.now())


def retire_lessons(ids: list[int], by: str, reason: str = "") -> int:
    """Take active lessons out of use; returns how many were retired. Stored data is kept."""
    count = 0
    with transaction.atomic():
        for lesson in Lesson.objects.select_for_update().filter(pk__in=ids, status=LessonStatus.ACTIVE):
            lesson.retire(by, reason)
            count += 1
    return count

