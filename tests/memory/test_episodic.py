"""Episodic memory: a run's history as bounded prompt context, and what the run already tried."""
from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from agents.memory.episodic import full_log
from bench.synthetic_run import synthetic_steps
from journeys.memory.service import memory_service
from journeys.models import Event, Step
from tests.memory.conftest import start


def record_steps(run, steps: list[dict]) -> None:
    """Store synthetic steps and their events as the engine would have."""
    now = timezone.now()
    Step.objects.bulk_create(
        Step(run=run, seq=item["seq"], node=item["node"], route_in=item["route_in"], route=item["route"], error=item["error"],
             observation=item["observation"], started_at=now, finished_at=now)
        for item in steps
    )
    Event.objects.bulk_create(
        Event(run=run, seq=item["seq"], index=index, kind=event["kind"], message=event["message"])
        for item in steps for index, event in enumerate(item["events"])
    )


def test_the_episode_stays_bounded_however_long_the_run_gets(make_student):
    # given two runs of 20 and 200 steps
    short_run, long_run = start(make_student("short")), start(make_student("long"))
    record_steps(short_run, synthetic_steps(20))
    record_steps(long_run, synthetic_steps(200))

    # when the agents read their episodes
    short_episode = memory_service(short_run).episode()
    long_episode = memory_service(long_run).episode()

    # then both fit the budget, while the unsummarised log of the long run is many times larger
    limit = settings.HW_EPISODE_CONTEXT_CHARS
    assert short_episode.chars <= limit and long_episode.chars <= limit
    assert len(full_log(synthetic_steps(200))) > 5 * limit
    # the long one keeps its newest steps whole and summarises the rest, errors counted
    assert long_episode.recent_steps == 8 and long_episode.summarised_steps == 192
    assert "#199 executor" in long_episode.text and "(192 steps, summarised)" in long_episode.text
    assert "Failed 5x" in long_episode.text and "503 upstream overloaded" in long_episode.text
    assert "Routes taken:" in long_episode.text and "widen" in long_episode.text


def test_an_agent_can_ask_what_it_already_tried_and_what_happened(make_student):
    # given a long run with research passes among the writing
    run = start(make_student("asker"))
    record_steps(run, synthetic_steps(120))
    memory = memory_service(run)

    # when the researcher asks about its own earlier passes, and about a provider
    passes = memory.recall(node="researcher", limit=3)
    semantic = memory.recall(contains="semantic_scholar")

    # then it gets them newest first, with what each found and where the run went next
    assert [item["seq"] for item in passes] == [101, 51, 1]
    assert passes[0]["route"] == "reflect" and passes[0]["observation"]["rung"] == "more_providers"
    assert any(event["kind"] == "research" and "chose" in event["message"] for event in passes[0]["events"])
    assert semantic and all("semantic_scholar" in " ".join(e["message"] for e in item["events"]) for item in semantic)
