"""The adaptive IO mechanisms on real Redis: token buckets, breakers, the budget ledger, error
classification and the tool seam."""
from __future__ import annotations

import math
import random
import time
from decimal import Decimal

import pytest

from tools.adaptive_io import (
    BreakerPolicy,
    BudgetExceeded,
    BudgetScope,
    CallFailed,
    DependencyUnavailable,
    ErrorKind,
    IOPolicy,
    RetriesExhausted,
    RetryCaps,
    RetryPolicy,
    call_with_adaptive_io,
    classify,
)
from tools.adaptive_io.ratelimit import Bucket
from tools.adaptive_io.retry import backoff_delay, full_jitter, parse_retry_after


class HTTPError(Exception):
    def __init__(self, status: int, headers: dict | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status
        self.headers = headers or {}


def test_a_bucket_gives_its_capacity_then_makes_callers_wait_at_its_rate(io):
    bucket = Bucket("deployment:x:rpm", capacity=3, rate=10.0)
    assert [io.limiter.try_acquire([(bucket, 1)]) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = io.limiter.try_acquire([(bucket, 1)])
    assert 0.05 < wait <= 0.1
    time.sleep(wait)
    assert io.limiter.try_acquire([(bucket, 1)]) == 0.0


def test_several_buckets_are_taken_together_or_not_at_all(io):
    requests = Bucket("deployment:x:rpm", 5, 1.0)
    tokens = Bucket("deployment:x:tpm", 100, 1.0)
    assert io.limiter.try_acquire([(requests, 1), (tokens, 90)]) == 0.0
    # the token bucket cannot give 50 more: nothing is taken from the request bucket either
    assert io.limiter.try_acquire([(requests, 1), (tokens, 50)]) > 30
    assert io.limiter.level(requests) == pytest.approx(4, abs=0.1)
    # a request larger than a bucket could ever hold is refused outright, not waited for
    assert math.isinf(io.limiter.try_acquire([(tokens, 101)]))
    # a refund after the call used fewer tokens than estimated
    io.limiter.adjust(tokens, 60)
    assert io.limiter.level(tokens) == pytest.approx(70, abs=1)


def test_a_breaker_opens_probes_once_and_closes_on_success(io):
    policy = BreakerPolicy(failure_threshold=3, open_seconds=0.3, max_open_seconds=5, probe_timeout=5)
    breaker = io.breaker
    for _ in range(2):
        breaker.record("provider:p", policy, success=False)
    assert breaker.allow("provider:p", policy).allowed
    assert breaker.record("provider:p", policy, success=False) == "open"
    refused = breaker.allow("provider:p", policy)
    assert not refused.allowed and refused.state == "open" and 0.2 < refused.wait <= 0.3
    time.sleep(0.35)
    probe = breaker.allow("provider:p", policy)
    assert probe.allowed and probe.probe and probe.state == "half_open"
    assert not breaker.allow("provider:p", policy).allowed  # one probe at a time
    assert breaker.record("provider:p", policy, success=True) == "closed"
    assert breaker.allow("provider:p", policy).allowed


def test_a_failed_probe_reopens_for_twice_as_long(io):
    policy = BreakerPolicy(failure_threshold=1, open_seconds=0.2, max_open_seconds=5, probe_timeout=5)
    io.breaker.record("provider:p", policy, success=False)
    time.sleep(0.25)
    assert io.breaker.allow("provider:p", policy).probe
    io.breaker.record("provider:p", policy, success=False)
    assert 0.3 < io.breaker.allow("provider:p", policy).wait <= 0.4


def test_a_cool_down_keeps_everyone_away_without_counting_a_failure(io):
    policy = BreakerPolicy()
    io.breaker.cool_down("provider:p", 0.3, policy)
    refused = io.breaker.allow("provider:p", policy)
    assert not refused.allowed and refused.state == "closed" and refused.failures == 0
    time.sleep(0.32)
    assert io.breaker.allow("provider:p", policy).allowed


def test_the_ledger_counts_reservations_of_others_and_settles_real_costs(io):
    run = BudgetScope("run", "run:1", "the run's budget", Decimal("0.05"))
    first = io.ledger.reserve([run], Decimal("0.02"), hold_seconds=60)
    second = io.ledger.reserve([run], Decimal("0.02"), hold_seconds=60)
    with pytest.raises(BudgetExceeded) as refused:
        io.ledger.reserve([run], Decimal("0.02"), hold_seconds=60)
    assert refused.value.scope == "run" and refused.value.remaining_usd == Decimal("0.01")
    io.ledger.settle(first, Decimal("0.004"))
    io.ledger.settle(first, Decimal("0.004"))  # idempotent
    io.ledger.reserve([run], Decimal("0.02"), hold_seconds=60)
    assert io.ledger.spent(run) == Decimal("0.004") and io.ledger.reserved(run) == Decimal("0.04")
    io.ledger.settle(second, Decimal("0.019"))
    assert io.ledger.spent(run) == Decimal("0.023")


def test_an_abandoned_reservation_is_charged_at_its_estimate_and_seeds_count(io):
    # given a run that the database says has spent $0.03 of $0.05, and a holder that died
    run = BudgetScope("run", "run:2", "the run's budget", Decimal("0.05"), seed_usd=Decimal("0.03"))
    io.ledger.reserve([run], Decimal("0.015"), hold_seconds=0.1)
    time.sleep(0.15)
    # then the expired reservation counts as spent (the provider may have done the work)
    with pytest.raises(BudgetExceeded):
        io.ledger.reserve([run], Decimal("0.006"), hold_seconds=60)
    assert io.ledger.spent(run) == Decimal("0.045") and io.ledger.reserved(run) == 0


def test_errors_are_classified_for_retry_failover_or_stop():
    assert classify(HTTPError(429, {"Retry-After": "3"})).kind == ErrorKind.RATE_LIMITED
    assert classify(HTTPError(429, {"Retry-After": "3"})).retry_after == 3.0
    assert classify(HTTPError(503)).kind == ErrorKind.TRANSIENT
    assert classify(TimeoutError("read timed out")).kind == ErrorKind.TRANSIENT
    assert classify(ConnectionRefusedError()).kind == ErrorKind.TRANSIENT
    assert classify(HTTPError(401)).kind == ErrorKind.FAILOVER
    assert classify(HTTPError(422)).kind == ErrorKind.PERMANENT
    assert classify(KeyError("a bug")).kind == ErrorKind.PERMANENT
    context = HTTPError(400)
    context.args = ("This model's maximum context length is 8192 tokens",)
    assert classify(context).kind == ErrorKind.CONTEXT_WINDOW


def test_retry_after_in_every_form_and_backoff_with_full_jitter():
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480) == 10
    assert parse_retry_after({}) is None
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(7)
    draws = [full_jitter(5, policy, rng) for _ in range(2000)]
    assert 0 <= min(draws) < 0.1 and 7.9 < max(draws) <= 8.0  # uniform over [0, cap]
    assert all(backoff_delay(1, policy, 4.0, rng) >= 4.0 for _ in range(100))


def flaky(failures: list[BaseException]):
    calls: list[float] = []

    def tool(query: str, *, timeout: float) -> str:
        calls.append(timeout)
        if failures:
            raise failures.pop(0)
        return f"result for {query}"

    return tool, calls


def test_a_tool_call_is_retried_through_transient_errors(io):
    tool, calls = flaky([HTTPError(503), TimeoutError("slow")])
    policy = IOPolicy(timeout=2.0, retry=RetryPolicy(base_delay=0.01, max_delay=0.05), rpm=600)
    assert call_with_adaptive_io("search", tool, "heat", io=io, policy=policy) == "result for heat"
    assert len(calls) == 3 and all(timeout <= 2.0 for timeout in calls)


def test_a_permanent_tool_error_is_not_retried(io):
    tool, calls = flaky([HTTPError(422)])
    with pytest.raises(HTTPError):
        call_with_adaptive_io("search", tool, "heat", io=io, policy=IOPolicy())
    assert len(calls) == 1


def test_a_dead_tool_opens_its_breaker_and_is_then_not_called(io):
    policy = IOPolicy(retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02),
                      breaker=BreakerPolicy(failure_threshold=3, open_seconds=30))
    tool, calls = flaky([HTTPError(500)] * 10)
    with pytest.raises(CallFailed):
        call_with_adaptive_io("scholar", tool, "q", io=io, policy=policy)
    with pytest.raises(DependencyUnavailable) as unavailable:
        call_with_adaptive_io("scholar", tool, "q", io=io, policy=policy, deadline=time.monotonic() + 2)
    assert len(calls) == 3
    assert unavailable.value.observation()["unavailable"] == ["tool:scholar"]
    assert "circuit open" in str(unavailable.value)


def test_the_step_cap_stops_retries(io):
    tool, calls = flaky([HTTPError(500)] * 10)
    policy = IOPolicy(retry=RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.01), breaker=BreakerPolicy(enabled=False))
    with pytest.raises(RetriesExhausted) as exhausted:
        call_with_adaptive_io("scholar", tool, "q", io=io, policy=policy, caps=RetryCaps(step_cap=2))
    assert exhausted.value.scope == "step" and len(calls) == 3
