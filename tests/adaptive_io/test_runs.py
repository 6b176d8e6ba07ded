"""Adaptive IO in real runs: real Celery worker processes, real PostgreSQL and Redis, and fake
OpenAI-compatible providers on 127.0.0.1 reached through litellm's Router."""
from __future__ import annotations

from journeys import services
from journeys.models import Event, ProviderCall, Run, RunStatus
from tests.adaptive_io.conftest import deployment, router_json
from tests.conftest import wait_for
from tools.adaptive_io.breaker import CircuitBreaker

GOAL = "Write an essay on urban heat islands and public health"


def wait_until(run: Run, statuses: set[str], timeout: float = 90) -> Run:
    def reached():
        run.refresh_from_db()
        return run.status in statuses

    wait_for(reached, timeout, 0.2, f"run {run.pk} to reach {statuses} (status {run.status}, seq {run.seq})")
    return run


def test_a_provider_answering_429_with_retry_after_is_waited_out_by_a_real_run(adaptive_workers, fake_providers, student):
    # given the only provider answers its first three calls with 429 and Retry-After: 1
    (provider,) = fake_providers("a")
    provider.then("429", times=3, retry_after=1)
    adaptive_workers(router_json([deployment(provider)]))

    # when a run starts and nobody intervenes
    run = services.start_run(student, "write", GOAL, words=200, spec={"sections": 2})
    wait_until(run, {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.BUDGET_EXHAUSTED, RunStatus.PAUSED})

    # then it succeeds, and every retry reached the provider at least Retry-After after the 429
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    log = provider.calls()
    assert [item.status for item in log[:4]] == [429, 429, 429, 200]
    gaps = [log[index + 1].arrived - log[index].answered for index in range(3)]
    assert all(gap >= 1.0 for gap in gaps), gaps
    calls = ProviderCall.objects.filter(run=run)
    assert calls.filter(outcome="rate_limited").count() == 3
    assert calls.filter(outcome="ok").count() == len(provider.calls(200)) > 3
    assert not Event.objects.filter(run=run, kind="error").exists()
    # and the cost rows add up to what the run was charged
    assert sum(call.cost_usd for call in calls) == run.used_usd > 0


def test_a_provider_that_is_down_fails_over_to_the_next(adaptive_workers, fake_providers, student):
    # given provider a is down (connection refused) and provider b serves the same model
    a, b = fake_providers("a", "b")
    a.down()
    adaptive_workers(router_json([deployment(a), deployment(b)]), HW_BREAKER_FAILURE_THRESHOLD="2")

    run = services.start_run(student, "write", GOAL, words=300, spec={"sections": 3})
    wait_until(run, {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.PAUSED})

    # then the run succeeded on b; a was tried until its breaker opened, then left alone
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    calls = ProviderCall.objects.filter(run=run)
    assert len(b.calls(200)) == calls.filter(outcome="ok").count() > 1
    assert calls.filter(deployment="dep-a").exclude(outcome="ok").count() == 2
    assert set(calls.filter(outcome="ok").values_list("deployment", flat=True)) == {"dep-b"}


def test_when_every_provider_is_down_the_run_pauses_then_recovers_by_itself(
    adaptive_workers, fake_providers, student, redis_client, namespace
):
    # given both providers answer 500, and a step waits at most 3 s for a provider to free up
    a, b = fake_providers("a", "b")
    a.always("500")
    b.always("500")
    adaptive_workers(
        router_json([deployment(a), deployment(b)]),
        HW_IO_MAX_WAIT_SECONDS="3", HW_BREAKER_FAILURE_THRESHOLD="2", HW_BREAKER_OPEN_SECONDS="6",
        HW_RETRY_MAX_ATTEMPTS="2",
    )

    # when a run starts
    run = services.start_run(student, "write", GOAL, words=200, spec={"sections": 2})

    # then both breakers open and the run pauses with a clear reason instead of hammering them
    wait_until(run, {RunStatus.PAUSED, RunStatus.FAILED, RunStatus.SUCCEEDED}, timeout=60)
    assert run.status == RunStatus.PAUSED, run.status_reason
    assert "waiting for LLM providers" in run.status_reason and "circuit open" in run.status_reason
    assert run.resume_at is not None
    breakers = CircuitBreaker(redis_client, namespace)
    assert {breakers.snapshot(f"provider:fake-{name}")["state"] for name in "ab"} == {"open"}
    calls_while_down = len(a.calls()) + len(b.calls())
    assert calls_while_down == 4  # two per provider, then the breakers held

    # when provider b comes back, nobody touches the run
    b.always("ok")

    # then the reaper resumes it when the breakers allow a probe, and it completes on b
    wait_until(run, {RunStatus.SUCCEEDED, RunStatus.FAILED}, timeout=60)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert Event.objects.filter(run=run, kind="waiting").exists()
    assert Event.objects.filter(run=run, kind="resumed", message__startswith="Resumed automatically").exists()
    assert breakers.snapshot("provider:fake-b")["state"] == "closed"
    assert len(b.calls(200)) == ProviderCall.objects.filter(run=run, outcome="ok").count() > 1


def test_two_worker_processes_share_one_rate_bucket(adaptive_workers, fake_providers, student, workers):
    # given a deployment limited to 240 requests a minute with a bucket of 4 (so 4/s at most)
    (provider,) = fake_providers("a")
    router = router_json([deployment(provider, rpm=240)], providers={"fake-a": {"burst_seconds": 1}})
    adaptive_workers(router, count=2, concurrency=2)

    # when three runs are driven by two worker processes at once
    runs = [services.start_run(student, "write", GOAL, words=200, spec={"sections": 2}) for _ in range(3)]
    for run in runs:
        wait_until(run, {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.PAUSED}, timeout=120)

    # then every run succeeded, both processes worked, and no window saw more than the bucket allows
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * 3
    logs = [path.read_text() for path in sorted(workers.log_dir.glob("worker-*.log"))[-2:]]
    assert all("advance_run_task" in log and "succeeded" in log for log in logs)
    # The bucket granted at most capacity + rate * t in any window of t seconds, across both
    # processes (grant times as each worker recorded them, to a fraction of a request).
    grants = sorted(call.started_at.timestamp() for call in ProviderCall.objects.filter(run__in=runs))
    assert len(grants) == len(provider.calls()) > 20
    capacity, rate = 4, 4.0
    assert_within_bucket(grants, capacity, rate, slack=0.5)
    # The provider sees arrivals, which trail their grants by the client's own work (litellm's
    # first call in a fresh process takes about a second): over windows of 3 s and more
    # the provider never saw more than the limit plus that jitter.
    arrivals = sorted(item.arrived for item in provider.calls())
    assert_within_bucket(arrivals, capacity, rate, slack=rate * 1.5, min_window=3.0)
    # and the two processes together ran at the limit, not at twice it
    assert (len(grants) - capacity) / (grants[-1] - grants[0]) <= rate * 1.02


def assert_within_bucket(times: list[float], capacity: float, rate: float, slack: float, min_window: float = 0.0) -> None:
    for first in range(len(times)):
        for last in range(first, len(times)):
            window = times[last] - times[first]
            if window >= min_window:
                assert last - first + 1 <= capacity + rate * window + slack, (first, last, window)


def test_a_budget_that_runs_out_mid_step_ends_the_run_with_the_best_draft(adaptive_workers, fake_providers, student):
    # given a priced provider and a run budget with room for a few calls' reservations
    (provider,) = fake_providers("a")
    priced = deployment(provider, input_cost_per_token="0.00001", output_cost_per_token="0.00002")
    adaptive_workers(router_json([priced]))

    # when a five-section essay is asked for on $0.05
    run = services.start_run(
        student, "write", GOAL, words=500, spec={"sections": 5}, budgets=services.BudgetRequest(usd=0.05)
    )
    wait_until(run, {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.BUDGET_EXHAUSTED, RunStatus.PAUSED})

    # then a call found no room before it was made: the run ended at once through the finalizer,
    # with the best draft there is and a note, not through an error and a retry
    assert run.status == RunStatus.BUDGET_EXHAUSTED, run.status_reason
    assert "the run's budget of $0.05" in run.status_reason
    steps = list(run.steps.order_by("seq"))
    assert steps[-1].node == "finalizer" and not [step for step in steps if step.error]
    deliverable = run.artifacts.filter(name="deliverable").latest("version").content
    assert "stopped early (budget_exhausted: usd" in deliverable
    assert Event.objects.filter(run=run, kind="budget", message__startswith="Stopped before a model call").exists()
    # and never more was spent than the budget; the cost rows are the run's usage
    calls = ProviderCall.objects.filter(run=run)
    assert run.used_usd <= run.limit_usd
    assert sum(call.cost_usd for call in calls) == run.used_usd
    assert len(provider.calls()) == calls.count() >= 2
