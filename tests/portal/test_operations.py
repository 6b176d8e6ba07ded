"""Operator services on real workers: raise a budget (also reviving a run its budget stopped),
re-run from a step (fork), and the live event stream that the run page follows."""
from __future__ import annotations

import json
import threading

from rest_framework.test import APIClient

from journeys import live, services
from journeys.models import Artifact, Event, Run, RunStatus, Step
from journeys.state import replay
from tests.conftest import wait_for
from tests.portal.people import GOAL

SECTIONS = {"sections": 3}


def wait_until_ended(run: Run, timeout: float = 90) -> Run:
    def ended():
        run.refresh_from_db()
        return run.is_terminal

    wait_for(ended, timeout, what=f"run {run.pk} to end (status {run.status}, seq {run.seq})")
    return run


def test_raising_a_spent_budget_continues_the_run_to_a_full_deliverable(worker, script, student):
    # given a run stopped by its token budget with sections missing
    run = services.start_run(student, "sketch", GOAL, words=300, spec=SECTIONS, budgets=services.BudgetRequest(tokens=900))
    wait_until_ended(run)
    assert run.status == RunStatus.BUDGET_EXHAUSTED, run.status_reason
    stopped_at = run.seq

    # when an operator raises the budget
    services.raise_budget(run.pk, services.BudgetRequest(tokens=100_000), by="operator ops")

    # then the run continues where it stopped and delivers every section in a new version
    wait_until_ended(run)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert run.limit_tokens == 100_900 and run.seq > stopped_at
    assert all(section["written"] for section in run.state["plan"]["sections"])
    assert run.artifacts.filter(name="deliverable").count() == 2
    assert "stopped early" not in Artifact.objects.filter(run=run, name="deliverable").order_by("-version").first().content
    assert Event.objects.filter(run=run, kind="budget", message__contains="100,000 tokens").exists()
    assert replay(list(Step.objects.filter(run=run).order_by("seq").values_list("delta", flat=True))) == run.state


def test_raising_a_budget_is_refused_for_ended_runs_and_for_nothing(still_student):
    run = services.start_run(still_student, "sketch", GOAL, words=300)
    services.abort_run(run.pk)
    for request in (services.BudgetRequest(tokens=10), services.BudgetRequest()):
        try:
            services.raise_budget(run.pk, request)
        except services.InvalidRequest as error:
            assert "ended" in str(error) or "say how much" in str(error)
        else:
            raise AssertionError("raise_budget accepted an impossible request")


def test_a_fork_replays_the_history_before_the_step_and_runs_on_from_it(worker, script, student):
    # given a finished run of plan + 3 x (write, reflect) + finalize
    run = wait_until_ended(services.start_run(student, "sketch", GOAL, words=300, spec=SECTIONS))
    assert run.status == RunStatus.SUCCEEDED

    # when an operator re-runs it from step 3 (the second section's writer)
    fork = services.fork_run_from_step(run.pk, 3, by="operator ops")

    # then the fork starts at step 3 with the state the deltas up to step 2 replay to ...
    deltas = list(Step.objects.filter(run=run, seq__lt=3).order_by("seq").values_list("delta", flat=True))
    assert fork.parent_id == run.pk and fork.seq == 3 and fork.route == "act"
    assert fork.state == replay(deltas)
    assert sorted(Artifact.objects.filter(run=fork).values_list("name", flat=True)) == ["outline", "section-0"]

    # ... and completes on its own, re-executing only the steps from 3 on
    wait_until_ended(fork)
    assert fork.status == RunStatus.SUCCEEDED, fork.status_reason
    assert list(Step.objects.filter(run=fork).values_list("seq", flat=True)) == list(range(fork.seq))
    assert replay(list(Step.objects.filter(run=fork).order_by("seq").values_list("delta", flat=True))) == fork.state
    assert Event.objects.filter(run=run, kind="forked", data__child=fork.pk).exists()


def test_a_fork_outside_the_run_is_refused(still_student):
    run = services.start_run(still_student, "sketch", GOAL, words=300)
    for seq in (-1, 5):
        try:
            services.fork_run_from_step(run.pk, seq)
        except services.InvalidRequest as error:
            assert "cannot fork from step" in str(error)
        else:
            raise AssertionError(f"fork from step {seq} was accepted")


def read_stream(run_id: int, after: int, into: list[dict], stop_after: int) -> None:
    """Consume the SSE text of a run the way a browser would, until `stop_after` events or 'end'."""
    for chunk in live.stream(run_id, after):
        for block in chunk.split("\n\n"):
            lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
            if "data" in lines:
                into.append({"event": lines.get("event", "message"), **json.loads(lines["data"])})
        if sum(1 for item in into if item["event"] == "message") >= stop_after or any(item["event"] == "end" for item in into):
            return


def test_the_live_stream_delivers_every_event_in_order_then_ends(worker, script, student, settings):
    # given a viewer connected before the run starts producing events
    settings.HW_SSE_KEEPALIVE_SECONDS = 0.5
    run = services.start_run(student, "sketch", GOAL, words=200, spec={"sections": 2})
    received: list[dict] = []
    viewer = threading.Thread(target=read_stream, args=(run.pk, 0, received, 10_000))
    viewer.start()

    # when the run completes
    viewer.join(90)

    # then the viewer saw exactly the stored events, in order, and the stream closed itself
    assert not viewer.is_alive()
    stored = list(Event.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
    assert [item["id"] for item in received if item["event"] == "message"] == stored
    assert received[-1] == {"event": "end", "status": "succeeded"}


def test_a_stream_is_bounded_in_time_and_resumes_after_the_last_id(student, settings, transactional_db):
    # given a paused run (no new events) and a short stream lifetime
    settings.HW_SSE_MAX_SECONDS = 1.0
    settings.HW_SSE_KEEPALIVE_SECONDS = 0.3
    run = services.start_run(student, "sketch", GOAL, words=200)
    services.pause_run(run.pk, by="student")
    first = Event.objects.filter(run=run).order_by("pk").first()

    # when a viewer reconnects after the first event
    chunks = list(live.stream(run.pk, first.pk))

    # then it gets only the later event, keep-alives, and the stream ends on its own
    text = "".join(chunks)
    assert f"id: {first.pk}\n" not in text and '"kind":"paused"' in text
    assert ": keep-alive" in text and "event: end" not in text


def test_live_viewers_beyond_the_process_limit_are_told_to_retry(people, settings, transactional_db):
    # given a process that serves one live stream at a time, and one viewer connected
    settings.HW_SSE_MAX_STREAMS_PER_PROCESS = 1
    live.stream_slots.cache_clear()
    run = services.start_run(people.owner, "sketch", GOAL, words=200)
    client = APIClient()
    client.force_authenticate(people.owner)
    url = f"/api/v2/runs/{run.pk}/events"
    first = client.get(url, HTTP_ACCEPT="text/event-stream")
    try:
        # when a second viewer connects, then it is refused with a retry hint (no thread taken)
        second = client.get(url, HTTP_ACCEPT="text/event-stream")
        assert first.status_code == 200 and first["Content-Type"] == "text/event-stream"
        assert second.status_code == 503 and second["Retry-After"] == "10"
    finally:
        first.close()

    # when the first viewer leaves, then the slot is free again
    third = client.get(url, HTTP_ACCEPT="text/event-stream")
    assert third.status_code == 200
    third.close()
    live.stream_slots.cache_clear()
