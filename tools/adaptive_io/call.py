"""The one retry loop every outbound call goes through, and the seam for tools.

`AdaptiveIO.run(targets, invoke)` tries the targets in order (deployments of a logical model and
its fallbacks, or one tool). For each try it asks the shared breaker, takes from the shared
buckets, calls `invoke(target, timeout)` and classifies a failure (tools.adaptive_io.retry). There
is exactly one loop, with caps: `max_attempts` per target, retries per step and per run
(RetryCaps). A fallback never restarts a retry cycle, so it cannot loop forever (a known litellm
pitfall). When no target can be tried now, it waits for the earliest one if that fits in the
caller's deadline and its policy's `max_wait` (never failing outright merely because every
target is cooling down, another litellm pitfall), else raises DependencyUnavailable with the
wait and the reasons.
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import redis

from tools.adaptive_io.breaker import ALLOWED, CircuitBreaker, Decision
from tools.adaptive_io.budget import BudgetLedger
from tools.adaptive_io.config import IOPolicy
from tools.adaptive_io.errors import AdaptiveIOError, DependencyUnavailable, RetriesExhausted
from tools.adaptive_io.ratelimit import Bucket, RateLimiter
from tools.adaptive_io.retry import Classified, ErrorKind, backoff_delay, classify

T = TypeVar("T")
# A call is not started with less time than this left before the deadline.
MIN_CALL_SECONDS = 0.5


@dataclass(frozen=True)
class Target:
    """Something to call: a deployment of a model or a tool.

    `request_buckets` are charged 1 per call; `token_buckets` the call's estimated tokens. A
    `standby` target (a larger-context model) is tried only after a context-window failure.
    """

    name: str
    breaker: str
    policy: IOPolicy
    request_buckets: tuple[Bucket, ...] = ()
    token_buckets: tuple[Bucket, ...] = ()
    standby: bool = False
    payload: Any = None  # the caller's own description (e.g. the deployment)


@dataclass
class Attempt:
    """One try, for the caller's accounting (outcome "ok" or an ErrorKind value)."""

    target: Target
    number: int
    outcome: str
    seconds: float
    error: str = ""
    status: int | None = None
    waited: float = 0.0


@dataclass
class RetryCaps:
    """Retries allowed to one step (in this process) and to one run (in Redis, across workers)."""

    step_cap: int | None = None
    run_cap: int | None = None
    run_key: str = ""
    client: redis.Redis | None = None
    step_retries: int = 0

    def spend(self) -> None:
        """Count one retry; raise RetriesExhausted when a cap is passed."""
        self.step_retries += 1
        if self.step_cap is not None and self.step_retries > self.step_cap:
            raise RetriesExhausted("step", self.step_cap)
        if self.run_cap is not None and self.client is not None and self.run_key:
            used = self.client.incr(self.run_key)
            self.client.expire(self.run_key, 30 * 86400)
            if used > self.run_cap:
                raise RetriesExhausted("run", self.run_cap)


class CallFailed(AdaptiveIOError):
    """Every target failed for good (permanent errors, or out of attempts); `attempts` says how."""

    def __init__(self, attempts: list[Attempt], last_error: BaseException | None) -> None:
        self.attempts = attempts
        self.last_error = last_error
        detail = "; ".join(f"{item.target.name}#{item.number}: {item.error}" for item in attempts if item.error)
        super().__init__(f"every target failed: {detail or 'no target could be called'}")


@dataclass
class _Track:
    attempts: int = 0
    excluded: str = ""  # why this target is out of the race for this call
    not_before: float = 0.0  # local backoff (monotonic)


@dataclass
class _Race:
    """The state of one logical call across its targets."""

    targets: Sequence[Target]
    tokens: float
    context_failed: bool
    tracks: dict[str, _Track] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    last_error: BaseException | None = None

    def track(self, target: Target) -> _Track:
        return self.tracks.setdefault(target.name, _Track())

    def eligible(self) -> list[Target]:
        return [t for t in self.targets if not self.track(t).excluded and (self.context_failed or not t.standby)]


class AdaptiveIO:
    """Rate limits, breakers, budgets and the retry loop, over one Redis client.

    With `client=None` nothing is shared (no limits, no breakers, no budgets): the loop still
    retries and fails over, with waits local to the call. Tests of pure logic and tools without
    Redis use that; the engine always passes a client.
    """

    def __init__(
        self,
        client: redis.Redis | None,
        *,
        prefix: str = "hw:aio",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        before_wait: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        # Called before every wait and call (the engine gives the step's pooled database
        # connection back: handywriterz.pooling).
        self.before_wait = before_wait
        self.prefix = prefix
        self.limiter = RateLimiter(client, prefix) if client is not None else None
        self.breaker = CircuitBreaker(client, prefix) if client is not None else None
        self.ledger = BudgetLedger(client, prefix) if client is not None else None
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()

    def run(
        self,
        targets: Sequence[Target],
        invoke: Callable[[Target, float], T],
        *,
        deadline: float | None = None,
        tokens: float = 0,
        caps: RetryCaps | None = None,
        context_failed: bool = False,
        on_attempt: Callable[[Attempt], None] | None = None,
        settle_tokens: Callable[[T], float] | None = None,
    ) -> tuple[T, Target]:
        """Call the first target that can be called; on failure, retry or fail over (see module)."""
        if not targets:
            raise ValueError("no targets to call")
        race = _Race(targets, tokens, context_failed)
        caps = caps or RetryCaps()
        deadline = self._deadline(targets, deadline)
        while True:
            self.before_wait()
            target, decision = self._choose(race, deadline)
            if race.attempts:
                caps.spend()
            track = race.track(target)
            track.attempts += 1
            timeout = self._timeout(target, deadline)
            started = self.clock()
            try:
                result = invoke(target, timeout)
            except AdaptiveIOError:
                self._release(target, decision)
                raise
            except Exception as error:  # noqa: BLE001 - every provider error is classified below
                attempt = self._failed(race, target, decision, error, self.clock() - started)
                if on_attempt:
                    on_attempt(attempt)
                continue
            self._succeeded(race, target, decision, result, settle_tokens)
            if on_attempt:
                on_attempt(Attempt(target, track.attempts, "ok", self.clock() - started))
            return result, target

    # --- choosing a target -------------------------------------------------------------------
    def _deadline(self, targets: Sequence[Target], deadline: float | None) -> float:
        if deadline is not None:
            return deadline
        # No deadline from the caller: enough for the longest wait and one call after it.
        return self.clock() + max(t.policy.max_wait + (t.policy.timeout or 60.0) for t in targets)

    def _timeout(self, target: Target, deadline: float) -> float:
        remaining = max(MIN_CALL_SECONDS, deadline - self.clock())
        return min(target.policy.timeout, remaining) if target.policy.timeout else remaining

    def _choose(self, race: _Race, deadline: float) -> tuple[Target, Decision]:
        """The first target that can be called now, waiting for the earliest if within the deadline."""
        while True:
            eligible = race.eligible()
            if not eligible:
                raise CallFailed(race.attempts, race.last_error) from race.last_error
            waits: list[tuple[float, str]] = []
            for target in eligible:
                wait, decision, why = self._try_take(race, target)
                if wait == 0.0:
                    return target, decision
                if math.isinf(wait):
                    race.track(target).excluded = why
                else:
                    waits.append((wait, f"{target.name}: {why}"))
            if not waits:
                continue  # the remaining targets were just excluded; re-check eligibility
            wait = min(seconds for seconds, _ in waits)
            longest = max(target.policy.max_wait for target in eligible)
            if wait > longest or self.clock() + wait + MIN_CALL_SECONDS > deadline:
                names = [target.name for target in eligible]
                raise DependencyUnavailable(names, wait, [why for _, why in waits])
            # A few ms of jitter, so waiters of one bucket do not all wake at the same instant.
            self.sleep(wait + self.rng.uniform(0.0, 0.02))

    def _try_take(self, race: _Race, target: Target) -> tuple[float, Decision, str]:
        """(0, decision, "") when `target` may be called now and its buckets were charged."""
        now = self.clock()
        track = race.track(target)
        if track.not_before > now:
            return track.not_before - now, ALLOWED, f"backing off for {track.not_before - now:.2f} s"
        decision = self.breaker.allow(target.breaker, target.policy.breaker) if self.breaker else ALLOWED
        if not decision.allowed:
            return decision.wait, decision, decision.reason
        if self.limiter is None:
            return 0.0, decision, ""
        wanted = [(bucket, 1.0) for bucket in target.request_buckets]
        wanted += [(bucket, race.tokens) for bucket in target.token_buckets]
        wait = self.limiter.try_acquire(wanted)
        if wait > 0.0:
            self._release(target, decision)
            reason = "the request is larger than its token bucket" if math.isinf(wait) else f"rate limited for {wait:.2f} s"
            return wait, decision, reason
        return 0.0, decision, ""

    # --- after a try ---------------------------------------------------------------------------
    def _release(self, target: Target, decision: Decision) -> None:
        if decision.probe and self.breaker is not None:
            self.breaker.release_probe(target.breaker)

    def _succeeded(self, race: _Race, target: Target, decision: Decision, result: Any, settle_tokens) -> None:
        if self.breaker is not None and (decision.state != "closed" or decision.failures):
            self.breaker.record(target.breaker, target.policy.breaker, success=True)
        if self.limiter is not None and settle_tokens is not None and target.token_buckets:
            delta = race.tokens - settle_tokens(result)
            for bucket in target.token_buckets:
                self.limiter.adjust(bucket, delta)

    def _failed(self, race: _Race, target: Target, decision: Decision, error: BaseException, seconds: float) -> Attempt:
        verdict = classify(error)
        track = race.track(target)
        race.last_error = error
        policy = target.policy
        if verdict.kind == ErrorKind.PERMANENT:
            self._release(target, decision)
            raise error
        delay = backoff_delay(track.attempts, policy.retry, verdict.retry_after, self.rng)
        if verdict.kind == ErrorKind.RATE_LIMITED:
            self._rate_limited(target, decision, verdict, delay, track)
        elif verdict.kind == ErrorKind.TRANSIENT:
            if self.breaker is not None:
                self.breaker.record(target.breaker, policy.breaker, success=False)
            track.not_before = self.clock() + delay
        elif verdict.kind == ErrorKind.CONTEXT_WINDOW:
            self._release(target, decision)
            track.excluded, race.context_failed = "prompt longer than its context window", True
        else:  # FAILOVER: misconfigured here (auth, unknown model); the others may work
            self._release(target, decision)
            track.excluded = f"refused with {verdict.status}"
        if not track.excluded and track.attempts >= policy.retry.max_attempts:
            track.excluded = f"{track.attempts} attempts failed"
        attempt = Attempt(target, track.attempts, verdict.kind.value, seconds, verdict.message, verdict.status)
        race.attempts.append(attempt)
        return attempt

    def _rate_limited(self, target: Target, decision: Decision, verdict: Classified, delay: float, track: _Track) -> None:
        """A 429 says busy, not dead: no breaker failure, but everyone keeps away for the wait."""
        self._release(target, decision)
        retry_after = verdict.retry_after
        if retry_after is not None and retry_after > target.policy.retry.max_retry_after:
            track.excluded = f"asked to retry after {retry_after:.0f} s"
        if self.breaker is not None:
            self.breaker.cool_down(target.breaker, delay, target.policy.breaker)
        else:
            track.not_before = self.clock() + delay


def call_with_adaptive_io(
    name: str,
    fn: Callable[..., T],
    *args: Any,
    io: AdaptiveIO,
    policy: IOPolicy,
    deadline: float | None = None,
    caps: RetryCaps | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
    **kwargs: Any,
) -> T:
    """Call tool `name` as `fn(*args, timeout=seconds, **kwargs)` with its breaker, rate limit and
    retries. `fn` must honour `timeout` (pass it to its HTTP client). Raises DependencyUnavailable
    while the tool's circuit is open (the node turns that into an observation for the Critic),
    CallFailed when the tool keeps failing, and re-raises a permanent error as it is."""
    request_buckets = (Bucket.per_minute(f"tool:{name}:rpm", policy.rpm, policy.burst_seconds),) if policy.rpm else ()
    target = Target(f"tool:{name}", f"tool:{name}", policy, request_buckets)
    result, _ = io.run(
        [target], lambda _target, timeout: fn(*args, timeout=timeout, **kwargs),
        deadline=deadline, caps=caps, on_attempt=on_attempt,
    )
    return result
