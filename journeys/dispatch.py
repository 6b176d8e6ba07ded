"""Sending step messages and live events. Called only after the transaction that made them due
has committed (transaction.on_commit), never inside it."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from functools import cache

import redis
from celery import current_app
from django.conf import settings

from journeys.fairness import Admission, PendingStep

logger = logging.getLogger(__name__)

ADVANCE_TASK = "journeys.tasks.advance_run_task"


def lane_for_user(user_id: int, now: float | None = None) -> int:
    """Stochastic fair queueing: a user's lane is a hash of its id and a salt that changes every
    HW_LANE_PERTURB_SECONDS, so two users who share a lane do not share it for long."""
    epoch = int((now or time.time()) // settings.HW_LANE_PERTURB_SECONDS)
    digest = hashlib.sha1(f"{user_id}:{epoch}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % settings.HW_LANES


def lane_queue(lane: int) -> str:
    return f"{settings.HW_QUEUE_PREFIX}.lane.{lane % settings.HW_LANES}"


@dataclass(frozen=True)
class StepTicket:
    """Everything dispatch needs to know about a due step (plain values, safe for on_commit)."""

    run_id: int
    seq: int
    user_id: int
    weight: int = 1
    priority: int = 0


def ticket_for(run) -> StepTicket:
    """The ticket of the run's due step (run.seq)."""
    return StepTicket(run.pk, run.seq, run.user_id, run.weight, run.priority)


@cache
def admission() -> Admission:
    return Admission(
        _redis(),
        prefix=f"{settings.HW_QUEUE_PREFIX}:fair",
        base_cap=settings.HW_USER_STEPS_IN_FLIGHT,
        slot_seconds=settings.HW_STEP_LEASE_SECONDS + settings.HW_DISPATCH_GRACE_SECONDS,
    )


def send_step(ticket: StepTicket) -> None:
    """Enqueue a due step if its user has a free slot, else defer it until one frees up.

    A broker or Redis failure is logged, not raised: the run's dispatch lease expires and the
    reaper offers the step again.
    """
    try:
        if admission().admit(ticket.user_id, PendingStep(ticket.run_id, ticket.seq), ticket.weight, ticket.priority):
            _publish_step(ticket.run_id, ticket.seq, ticket.user_id)
    except Exception:  # noqa: BLE001 - broker down or unreachable: the reaper recovers the run
        logger.exception("could not enqueue step %s of run %s; the reaper will retry", ticket.seq, ticket.run_id)


def release_slot(user_id: int, run_id: int, weight: int = 1) -> None:
    """The run stopped needing a slot (ended, paused, waiting): admit the user's next runs."""
    try:
        for step in admission().release(user_id, run_id, weight):
            _publish_step(step.run_id, step.seq, user_id)
    except Exception:  # noqa: BLE001 - the slot lease expires on its own; the reaper re-offers
        logger.exception("could not release the slot of run %s", run_id)


def _publish_step(run_id: int, seq: int, user_id: int) -> None:
    current_app.send_task(ADVANCE_TASK, args=(run_id, seq), queue=lane_queue(lane_for_user(user_id)))


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def live_channel(run_id: int) -> str:
    """Per deployment (queue prefix): run ids of databases sharing one Redis must not cross-wake."""
    return f"{settings.HW_QUEUE_PREFIX}:run:{run_id}:events"


def publish_live(run_id: int, payload: dict) -> None:
    """Best-effort fan-out to live viewers; the database stays the record."""
    try:
        _redis().publish(live_channel(run_id), json.dumps(payload, default=str))
    except redis.RedisError:
        logger.warning("live event for run %s not published (Redis unavailable)", run_id)
