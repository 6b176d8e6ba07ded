"""Semantic memory on the real engine: a lesson distilled from one run makes a similar later run
cheaper, and the later run says which lesson it used."""
from __future__ import annotations

import pytest

from journeys import services
from journeys.evidence import evidence_reader
from journeys.models import Chunk, Event, Lesson, Run, RunStatus, Source
from tests.conftest import wait_for


def wait_until_ended(run: Run, timeout: float = 120) -> Run:
    def ended():
        run.refresh_from_db()
        return run.is_terminal

    wait_for(ended, timeout, what=f"run {run.pk} to end (status {run.status}, seq {run.seq})")
    return run


def kinds(run: Run, kind: str) -> list[Event]:
    return list(Event.objects.filter(run=run, kind=kind).order_by("seq", "index"))


@pytest.mark.parametrize("memory_worker", ["embed"], indirect=True)
def test_a_lesson_from_the_first_run_makes_a_similar_second_run_find_its_sources_in_fewer_steps(
    memory_worker, script, student, fake_scholarly
):
    # given the primary providers find nothing, and a first run that has to widen to find sources
    fake_scholarly.behave("openalex", empty=True)
    fake_scholarly.behave("crossref", empty=True)
    first = services.start_run(student, "research_probe", "Write an essay on urban heat islands and public health",
                               spec={"min_sources": 6})
    wait_until_ended(first)
    assert first.status == RunStatus.SUCCEEDED, first.status_reason
    assert len(kinds(first, "research")) >= 3 and not kinds(first, "lesson")

    # when its research lesson has been distilled in the background
    lesson = wait_for(lambda: Lesson.objects.filter(run=first, kind="research").first(), 90, what="the research lesson")
    assert lesson.embedding_model and lesson.step_seqs and lesson.event_ids
    assert "openalex" in lesson.data["providers_empty"] and lesson.data["providers"]

    # and a second run starts on a similar topic
    second = services.start_run(student, "research_probe", "Write a report on how urban heat islands affect people's health",
                                spec={"min_sources": 6})
    wait_until_ended(second)

    # then it met the same gate in fewer steps, with one search pass, and said which lesson it used
    assert second.status == RunStatus.SUCCEEDED, second.status_reason
    assert Source.objects.filter(run=second).count() >= 6
    assert second.seq < first.seq, (first.seq, second.seq)
    assert len(kinds(second, "research")) == 1 and not kinds(second, "widen")
    used = kinds(second, "lesson")
    assert len(used) == 1 and used[0].data["lessons"] == [lesson.pk]
    assert f"#{lesson.pk} from run {first.pk}" in used[0].message and lesson.data["providers"][0] in used[0].message
    lesson.refresh_from_db()
    assert lesson.uses == 1 and lesson.last_used_at is not None

    # and the chunks both runs stored were embedded in the background after their steps committed
    def embedded() -> bool:
        return not Chunk.objects.filter(run__in=[first, second], embedding__isnull=True).exists()

    wait_for(embedded, 240, 1.0, "the runs' chunks to be embedded")
    hits = evidence_reader(second).search("heat-related deaths of older people in cities", limit=3)
    assert hits and all("vector" in hit["via"] for hit in hits)
