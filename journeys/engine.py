"""The engine: one call of `advance(run_id, seq)` executes one step of one run, exactly once.

1. claim the run with a conditional UPDATE on (seq, lease); a duplicate message loses and returns;
2. check the budgets (a used-up budget routes to the policy's ending node);
3. call the node handler named by the run's route, outside any transaction;
4. in ONE transaction, with the run row locked and the lease verified: write Step(seq), its
   events and artifacts, apply the state delta, add the usage, set the route, seq += 1;
5. after commit: enqueue step seq + 1 unless the run now waits or has ended; publish events.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from agents.contracts import BudgetView, EventNote, NodeContext, Outcome
from agents.llm import BudgetExceeded, LLMGateway, ProvidersUnavailable, RetriesExhausted, UsageMeter
from handywriterz.pooling import release_connection
from journeys import adaptive, upgrades
from journeys.context import build_services
from journeys.leases import keeper
from journeys.models import STEPPABLE_STATUSES, Run, RunStatus
from journeys.persistence import ArtifactLoader, persist_step
from journeys.state import check_delta

logger = logging.getLogger(__name__)


@dataclass
class Execution:
    """What running one node produced, before it is persisted."""

    node: str
    route_in: str
    outcome: Outcome
    meter: UsageMeter
    started_at: object
    duration: float
    error: str = ""
    ending: str = ""
    extra_events: list[EventNote] = field(default_factory=list)
    # Set when the step could not reach any LLM provider (or a daily budget is spent): the run
    # pauses and the reaper resumes it after this many seconds.
    pause_seconds: float | None = None


def new_lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:10]}"


def claim(run_id: int, seq: int, owner: str) -> bool:
    """Take the step if it is due and nobody else holds a live lease on it (`owner` itself may:
    a step task retried after a database error takes its own lease up again).

    The claim's commit need not wait for the disk: if the database loses it in a crash, the
    lease simply was never taken and the step is claimed again (attempt counts one fewer). The
    step's own commit (persistence.persist_step) stays synchronous.
    """
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        return _claim_update(run_id, seq, owner, now)


def _claim_update(run_id: int, seq: int, owner: str, now) -> bool:
    claimed = (
        Run.objects.filter(pk=run_id, seq=seq, status__in=STEPPABLE_STATUSES)
        .filter(Q(lease_owner="") | Q(lease_owner=owner) | Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
        .update(
            status=RunStatus.RUNNING,
            lease_owner=owner,
            lease_expires_at=now + timezone.timedelta(seconds=settings.HW_STEP_LEASE_SECONDS),
            attempt=F("attempt") + 1,
            started_at=Coalesce(F("started_at"), now),
            updated_at=now,
        )
    )
    return claimed == 1


def advance(run_id: int, seq: int, owner: str = "") -> str:
    """Execute step `seq` of the run if it is due. Returns 'done', 'skipped', 'lost' or 'deferred'
    (its state is from newer code than this worker's: see journeys.upgrades). `owner`: the lease
    owner to claim as (a retry's, see journeys.tasks.advance_run_task); a new one by default."""
    owner = owner or new_lease_owner()
    if not claim(run_id, seq, owner):
        return "skipped"
    leases = keeper()
    leases.hold(owner)
    try:
        run = Run.objects.get(pk=run_id)
        plan = upgrades.plan_upgrade(run.state, run.seq, run.policy)
        if plan.newer:
            defer(run, owner, plan)
            return "deferred"
        release_connection()
        execution = upgrade_execution(run, plan) if plan.older else stamped(run, execute(run))
        if persist_step(run_id, seq, owner, execution):
            return "done"
        # The step's result is discarded, but its provider calls were made and paid for.
        adaptive.store_calls(run, seq, execution.meter)
        return "lost"
    finally:
        leases.drop(owner)


def upgrade_execution(run: Run, plan: upgrades.UpgradePlan) -> Execution:
    """The step that upgrades the state of a run written by older node contracts (or fails it)."""
    started_at, clock = timezone.now(), time.monotonic()
    outcome = upgrades.upgrade_outcome(run.state, run.route, plan)
    error = outcome.reason if outcome.status == "failed" else ""
    return Execution(upgrades.UPGRADE_NODE, run.route, outcome, UsageMeter(), started_at, time.monotonic() - clock, error)


def stamped(run: Run, execution: Execution) -> Execution:
    """Record this code's node contract versions in a state that has none yet (its first step)."""
    stamp = upgrades.stamp_delta(run.state, run.policy)
    if stamp:
        execution.outcome.delta = {**execution.outcome.delta, **stamp}
    return execution


def defer(run: Run, owner: str, plan: upgrades.UpgradePlan) -> None:
    """Give the step back untouched: its state was written by newer node contracts than this
    worker's code (a rolling deploy is under way). The reaper re-offers it after the dispatch
    grace, by when a worker on the new code may take it."""
    logger.warning("run %s step %s: state written by newer node contracts %s than this code's; left for a newer worker",
                   run.pk, run.seq, plan.newer)
    grace = timezone.now() + timezone.timedelta(seconds=settings.HW_DISPATCH_GRACE_SECONDS)
    Run.objects.filter(pk=run.pk, seq=run.seq, lease_owner=owner).update(
        lease_owner="", lease_expires_at=grace, attempt=F("attempt") - 1, updated_at=timezone.now())


def ending_for(run: Run) -> str:
    exhausted = run.exhausted_budget()
    if exhausted:
        return f"budget_exhausted: {exhausted}"
    if run.seq >= run.policy["max_steps"]:
        return f"budget_exhausted: {run.policy['max_steps']} steps"
    return ""


def build_gateway(run: Run, meter: UsageMeter, deadline: float | None = None) -> LLMGateway:
    return adaptive.build_gateway(run, meter, deadline)


def step_deadline(started: float) -> float:
    """When a step must be done (time.monotonic()): its hard time limit less a margin for
    persisting it. Waits for a provider are further capped by HW_IO_MAX_WAIT_SECONDS."""
    limit = settings.HW_STEP_TIME_LIMIT_SECONDS
    return started + limit - max(1.0, 0.1 * limit)


def build_context(run: Run, route: str, meter: UsageMeter, ending: str, deadline: float | None = None) -> NodeContext:
    budget = run.budget_view()
    return NodeContext(
        run_id=run.pk,
        seq=run.seq,
        attempt=run.attempt,
        route=route,
        journey=run.journey,
        goal=run.goal,
        spec=run.spec,
        state=run.state,
        policy=run.policy,
        budget=BudgetView(limits=budget["limits"], used=budget["used"]),
        llm=build_gateway(run, meter, deadline),
        read_artifact=ArtifactLoader(run.pk, run.state.get("artifacts", {})),
        services=build_services(run, ending),
    )


def execute(run: Run) -> Execution:
    """Run the node for the run's route (or the ending node); a raised error becomes an outcome."""
    ending = ending_for(run)
    route = run.policy["budget_exhausted_route"] if ending else run.route
    node = run.policy["routes"].get(route, "")
    meter = UsageMeter()
    started_at, clock = timezone.now(), time.monotonic()
    try:
        outcome = upgrades.registry().handler(node)(build_context(run, route, meter, ending, step_deadline(clock)))
        check_route(run, outcome)
        check_delta(outcome.delta)
    except Exception as exc:  # noqa: BLE001 - a crashing node is an observation, not a dead run
        return failed_execution(run, node or route, route, exc, meter, started_at, clock, ending)
    recovered = {key: None for key in ("outage",) if run.state.get(key)}
    if run.state.get("errors", {}).get("by_route", {}).get(route):
        # The route that was failing has succeeded: its count of failures in a row restarts.
        recovered["errors"] = {"by_route": {route: None}, "last": None}
    if recovered:
        outcome.delta = {**outcome.delta, **recovered}
    return Execution(node or route, route, outcome, meter, started_at, time.monotonic() - clock, "", ending)


def failed_execution(run: Run, node: str, route: str, exc: Exception, meter: UsageMeter, started_at, clock: float,
                     ending: str) -> Execution:
    """What a raised error means for the run: the budget's ending, a pause, or an error step."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if isinstance(exc, BudgetExceeded) and exc.scope == "run" and not ending:
        return budget_ending(run, exc, meter, started_at, clock)
    pause_seconds = None
    if isinstance(exc, ProvidersUnavailable):
        outcome, pause_seconds = outage_outcome(run, route, exc)
    elif isinstance(exc, BudgetExceeded) and exc.scope == "user_day":
        pause_seconds = (adaptive.next_midnight() - timezone.now()).total_seconds()
        reason = f"paused until tomorrow (UTC): {exc}"
        outcome = Outcome(route=route, events=[EventNote("paused", reason)], observation={"budget": str(exc)}, reason=reason)
    elif isinstance(exc, RetriesExhausted) and exc.scope == "run":
        outcome = Outcome(route=route, events=[EventNote("error", str(exc))], observation={"error": error},
                          status="failed", reason=f"{exc}; the providers kept failing")
    else:
        logger.exception("node %s of run %s failed at seq %s", node, run.pk, run.seq, exc_info=exc)
        outcome = error_outcome(run, route, error)
    duration = time.monotonic() - clock
    return Execution(node, route, outcome, meter, started_at, duration, error, ending, pause_seconds=pause_seconds)


def budget_ending(run: Run, exc: BudgetExceeded, meter: UsageMeter, started_at, clock: float) -> Execution:
    """A call found no room in the run's budget: end now through the policy's ending node, which
    delivers the best draft with a note, instead of an error and a retry."""
    ending = f"budget_exhausted: usd, {exc}"
    route = run.policy["budget_exhausted_route"]
    node = run.policy["routes"][route]
    note = EventNote("budget", f"Stopped before a model call: {exc}", {"scope": exc.scope, "remaining_usd": str(exc.remaining_usd)})
    try:
        outcome = upgrades.registry().handler(node)(build_context(run, route, meter, ending, step_deadline(time.monotonic())))
    except Exception as second:  # noqa: BLE001 - the ending node failing is recorded, not raised
        logger.exception("ending node %s of run %s failed", node, run.pk)
        error = f"{type(second).__name__}: {second}"[:2000]
        return Execution(node, route, error_outcome(run, route, error), meter, started_at, time.monotonic() - clock, error)
    outcome.events = [note, *outcome.events]
    return Execution(node, route, outcome, meter, started_at, time.monotonic() - clock, "", ending)


def outage_outcome(run: Run, route: str, exc: ProvidersUnavailable) -> tuple[Outcome, float | None]:
    """Pause the run until the earliest provider may be tried; fail it after too long an outage."""
    now = timezone.now()
    since = run.state.get("outage", {}).get("since") or now.isoformat()
    waited = (now - timezone.datetime.fromisoformat(since)).total_seconds()
    if waited > settings.HW_PROVIDER_OUTAGE_MAX_SECONDS:
        reason = f"no LLM provider answered for {waited / 60:.0f} minutes: {exc}"
        return Outcome(route=route, events=[EventNote("error", reason)], observation=exc.observation(),
                       status="failed", reason=reason), None
    wait = max(1.0, exc.wait_seconds)
    reason = f"waiting for LLM providers (retry in {wait:.0f} s): {exc}"
    delta = {"outage": {"since": since, "pauses": int(run.state.get("outage", {}).get("pauses", 0)) + 1}}
    events = [EventNote("waiting", reason, exc.observation())]
    return Outcome(route=route, delta=delta, events=events, observation=exc.observation(), reason=reason), wait


def check_route(run: Run, outcome: Outcome) -> None:
    if outcome.status in {"succeeded", "failed"}:
        return
    if outcome.route not in run.policy["routes"]:
        raise ValueError(f"node chose unknown route {outcome.route!r}; routes: {sorted(run.policy['routes'])}")


def error_outcome(run: Run, route: str, error: str) -> Outcome:
    # Counted per route: a failing planner followed by a succeeding critic is still failing.
    consecutive = int(run.state.get("errors", {}).get("by_route", {}).get(route, 0)) + 1
    limit = run.policy["max_consecutive_errors"]
    event = EventNote("error", f"Step {run.seq} ({route}) failed: {error}", {"route": route, "consecutive": consecutive})
    if consecutive >= limit:
        return Outcome(
            route=route,
            delta={"errors": {"by_route": {route: consecutive}, "last": error}},
            events=[event],
            observation={"error": error},
            status="failed",
            reason=f"{consecutive} '{route}' steps in a row failed; last error: {error}",
        )
    next_route = run.policy["error_route"]
    return Outcome(
        route=next_route,
        delta={"errors": {"by_route": {route: consecutive}, "last": error}},
        events=[event, EventNote("route", f"Recovering through '{next_route}' ({consecutive}/{limit} errors in a row)")],
        observation={"error": error},
    )
