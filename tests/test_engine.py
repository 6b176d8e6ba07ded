"""The durable step engine on real PostgreSQL, Redis and Celery worker processes."""
from __future__ import annotations

import os
from collections import Counter

from journeys import dispatch, engine, services
from journeys.models import Event, Run, RunStatus, Step
from journeys.state import replay
from tests.conftest import wait_for

GOAL = "Write an essay on urban heat islands and public health"


def wait_until_ended(run: Run, timeout: float = 90) -> Run:
    def ended():
        run.refresh_from_db()
        return run.is_terminal

    wait_for(ended, timeout, what=f"run {run.pk} to end (status {run.status}, seq {run.seq})")
    return run


def assert_each_seq_once(run: Run) -> None:
    seqs = list(Step.objects.filter(run=run).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(run.seq)), f"steps written: {seqs}"


def assert_no_duplicate_events(run: Run) -> None:
    keys = Counter(Event.objects.filter(run=run, seq__isnull=False).values_list("seq", "kind", "message"))
    assert [key for key, count in keys.items() if count > 1] == []


def test_a_run_completes_and_its_deltas_replay_to_its_state(worker, script, student):
    # given a write journey of 300 words in 3 sections
    run = services.start_run(student, "sketch", GOAL, words=300, spec={"sections": 3})

    # when the worker drives it
    wait_until_ended(run)

    # then it succeeded through plan -> (act -> reflect) x3 -> finalize, once per seq
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    nodes = list(Step.objects.filter(run=run).values_list("node", flat=True))
    assert nodes == ["planner"] + ["executor", "critic"] * 3 + ["finalizer"]
    assert_each_seq_once(run)
    deltas = list(Step.objects.filter(run=run).order_by("seq").values_list("delta", flat=True))
    assert replay(deltas) == run.state
    deliverable = run.artifacts.get(name="deliverable")
    assert deliverable.path.endswith("essay.md")
    with open(deliverable.path, encoding="utf-8") as stream:
        text = stream.read()
    assert text.count("\n## ") == 3 and len(text.split()) > 250
    assert run.used_tokens > 0 and run.finished_at is not None
    assert "section-0" in run.state["artifacts"] and "plan" in run.state


def test_a_worker_killed_mid_step_costs_only_a_delay(worker, script, student):
    # given a run whose first section takes a slow model call
    script.push("write_section", text="A slow but fine section. " * 20, latency=3)
    run = services.start_run(student, "sketch", GOAL, words=300, spec={"sections": 3})

    # when the worker is SIGKILLed while that step holds its lease
    def in_slow_step():
        run.refresh_from_db()
        return run.lease_owner and run.seq >= 1 and not Step.objects.filter(run=run, seq=run.seq).exists()

    wait_for(in_slow_step, 30, 0.02, "the slow step to start")
    killed_seq = run.seq
    worker.kill(worker.processes[0])
    worker.start()

    # then the reaper re-sends the step after the lease expires and the run completes
    wait_until_ended(run)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert_each_seq_once(run)
    assert_no_duplicate_events(run)
    retried = Step.objects.get(run=run, seq=killed_seq)
    assert retried.attempt == 2
    assert Event.objects.filter(run=run, kind="recovered").exists()


def test_duplicated_and_late_messages_are_harmless(worker, script, student):
    # given a run whose first message is sent five times
    run = services.start_run(student, "sketch", GOAL, words=200, spec={"sections": 2})
    for _ in range(4):
        dispatch.send_step(dispatch.StepTicket(run.pk, 0, run.user_id))
    wait_until_ended(run)
    steps, events = Step.objects.filter(run=run).count(), Event.objects.filter(run=run).count()

    # when old messages arrive again after the run ended
    for seq in range(steps):
        dispatch.send_step(dispatch.StepTicket(run.pk, seq, run.user_id))
    outcome = engine.advance(run.pk, 1)

    # then nothing changes
    assert outcome == "skipped"
    wait_for(lambda: redis_queues_empty(worker), 20, what="queues to drain")
    assert Step.objects.filter(run=run).count() == steps
    assert Event.objects.filter(run=run).count() == events
    assert_each_seq_once(run)
    assert run.status == RunStatus.SUCCEEDED


def redis_queues_empty(worker) -> bool:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    return all(client.llen(f"{settings.HW_QUEUE_PREFIX}.lane.{lane}") == 0 for lane in range(settings.HW_LANES))


def test_budget_exhaustion_ends_cleanly_with_the_best_draft(worker, script, student):
    # given a token budget that covers the plan and about two sections
    run = services.start_run(
        student, "sketch", GOAL, words=600, spec={"sections": 6}, budgets=services.BudgetRequest(tokens=1600)
    )

    # when it runs out
    wait_until_ended(run)

    # then the run ends as budget_exhausted, with the sections written so far delivered and a note
    assert run.status == RunStatus.BUDGET_EXHAUSTED
    assert "tokens" in run.status_reason
    assert Step.objects.filter(run=run, node="executor").count() < 6
    deliverable = run.artifacts.get(name="deliverable")
    content = deliverable.content
    assert "stopped early (budget_exhausted: tokens)" in content and "## Introduction" in content
    assert Step.objects.filter(run=run).last().node == "finalizer"


def test_a_crashing_node_becomes_an_error_and_a_route(worker, script, student):
    # given a model that fails the first section's call
    script.push("write_section", error=500, message="upstream exploded")
    run = services.start_run(student, "sketch", GOAL, words=200, spec={"sections": 2})

    # when the run proceeds
    wait_until_ended(run)

    # then the failure is a recorded step with an error, the critic routes on, the run succeeds
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    failed = Step.objects.get(run=run, seq=1)
    assert "upstream exploded" in failed.error and failed.route == "reflect"
    assert Event.objects.filter(run=run, kind="error", seq=1).exists()
    verdict = Step.objects.get(run=run, seq=2)
    assert any("retrying after an error" in reason for reason in verdict.verdict["reasons"])
    assert run.state["errors"].get("by_route", {}) == {}


def test_a_node_that_keeps_crashing_fails_the_run_with_a_reason(worker, script, student):
    for _ in range(6):
        script.push("plan_outline", error=500, message="planner down")
    run = services.start_run(student, "sketch", GOAL, words=200)
    wait_until_ended(run)
    assert run.status == RunStatus.FAILED
    assert "'plan' steps in a row failed" in run.status_reason and "planner down" in run.status_reason


def test_a_lost_message_is_recovered_by_the_reaper(worker, script, student, redis_client):
    # given a queued run whose step message vanished (e.g. Redis restarted)
    from django.conf import settings

    for process in list(worker.processes):
        worker.kill(process)
    run = services.start_run(student, "sketch", GOAL, words=200, spec={"sections": 2})
    for lane in range(settings.HW_LANES):
        redis_client.delete(dispatch.lane_queue(lane))

    # when a worker (with the beat-driven reaper) comes up
    worker.start()

    # then the run still completes once its dispatch lease has expired
    wait_until_ended(run, timeout=settings.HW_DISPATCH_GRACE_SECONDS + 60)
    assert run.status == RunStatus.SUCCEEDED
    assert Event.objects.filter(run=run, kind="recovered").exists()
    assert_each_seq_once(run)


def test_a_machine_that_disappears_costs_only_its_step_in_flight(workers, transactional_db, script, student):
    # given machine A (a worker, no beat) running a slow step, and machine B (a worker and the one beat)
    workers.stop_all()
    machine_a = workers.start(beat=False)
    script.push("write_section", text="A slow but fine section. " * 20, latency=30)
    run = services.start_run(student, "sketch", GOAL, words=300, spec={"sections": 3})

    def in_slow_step():
        run.refresh_from_db()
        return run.lease_owner and run.seq >= 1 and not Step.objects.filter(run=run, seq=run.seq).exists()

    wait_for(in_slow_step, 30, 0.02, "the slow step to start on machine A")
    assert os.getpgid(int(run.lease_owner.split(":")[1])) == machine_a.pid
    killed_seq = run.seq
    workers.start(beat=True)

    # when machine A disappears (every process of it SIGKILLed)
    workers.kill(machine_a)

    # then B's reaper re-sends the step once its lease expired, and B finishes the run, each seq once
    wait_until_ended(run)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert_each_seq_once(run)
    assert_no_duplicate_events(run)
    assert Step.objects.get(run=run, seq=killed_seq).attempt == 2
    assert Event.objects.filter(run=run, kind="recovered").exists()
