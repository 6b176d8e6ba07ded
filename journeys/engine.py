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
from agents.llm import LLMGateway, UsageMeter
from agents.registry import node_handler
from journeys.context import build_services
from journeys.leases import keeper
from journeys.models import STEPPABLE_STATUSES, Run, RunStatus
from journeys.persistence import ArtifactLoader, persist_step

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


def new_lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:10]}"


def claim(run_id: int, seq: int, owner: str) -> bool:
    """Take the step if it is due and nobody holds a live lease on it.

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
        .filter(Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
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


def advance(run_id: int, seq: int) -> str:
    """Execute step `seq` of the run if it is due. Returns 'done', 'skipped' or 'lost'."""
    owner = new_lease_owner()
    if not claim(run_id, seq, owner):
        return "skipped"
    leases = keeper()
    leases.hold(owner)
    try:
        run = Run.objects.get(pk=run_id)
        execution = execute(run)
        return "done" if persist_step(run_id, seq, owner, execution) else "lost"
    finally:
        leases.drop(owner)


def ending_for(run: Run) -> str:
    exhausted = run.exhausted_budget()
    if exhausted:
        return f"budget_exhausted: {exhausted}"
    if run.seq >= run.policy["max_steps"]:
        return f"budget_exhausted: {run.policy['max_steps']} steps"
    return ""


def build_gateway(meter: UsageMeter) -> LLMGateway:
    return LLMGateway(
        settings.HW_LLM_MODELS,
        meter=meter,
        timeout=settings.HW_LLM_TIMEOUT_SECONDS,
        provider_options={"offline_latency": settings.HW_OFFLINE_MODEL_LATENCY, "redis_url": settings.REDIS_URL},
    )


def build_context(run: Run, route: str, meter: UsageMeter, ending: str) -> NodeContext:
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
        llm=build_gateway(meter),
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
    error = ""
    try:
        outcome = node_handler(node)(build_context(run, route, meter, ending))
        check_route(run, outcome)
    except Exception as exc:  # noqa: BLE001 - a crashing node is an observation, not a dead run
        logger.exception("node %s of run %s failed at seq %s", node or route, run.pk, run.seq)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        outcome = error_outcome(run, route, error)
    else:
        if run.state.get("errors", {}).get("by_route", {}).get(route):
            # The route that was failing has succeeded: its count of failures in a row restarts.
            outcome.delta = {**outcome.delta, "errors": {"by_route": {route: None}, "last": None}}
    return Execution(node or route, route, outcome, meter, started_at, time.monotonic() - clock, error, ending)


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
