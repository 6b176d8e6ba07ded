"""Sending step messages and live events. Called only after the transaction that made them due
has committed (transaction.on_commit), never inside it."""
from __future__ import annotations

import hashlib
import json
import logging
from functools import cache

import redis
from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

ADVANCE_TASK = "journeys.tasks.advance_run_task"


def lane_for_user(user_id: int) -> int:
    """A stable lane per user, so one user's backlog queues behind itself, not behind others."""
    digest = hashlib.sha1(str(user_id).encode()).digest()
    return int.from_bytes(digest[:4], "big") % settings.HW_LANES


def lane_queue(lane: int) -> str:
    return f"{settings.HW_QUEUE_PREFIX}.lane.{lane % settings.HW_LANES}"


def send_step(run_id: int, seq: int, lane: int) -> None:
    """Enqueue step `seq` of a run. A broker failure is logged, not raised: the run's dispatch
    lease expires and the reaper sends the step again."""
    try:
        current_app.send_task(ADVANCE_TASK, args=(run_id, seq), queue=lane_queue(lane))
    except Exception:  # noqa: BLE001 - broker down or unreachable: the reaper recovers the run
        logger.exception("could not enqueue step %s of run %s; the reaper will retry", seq, run_id)


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def live_channel(run_id: int) -> str:
    return f"hw:run:{run_id}:events"


def publish_live(run_id: int, payload: dict) -> None:
    """Best-effort fan-out to live viewers; the database stays the record."""
    try:
        _redis().publish(live_channel(run_id), json.dumps(payload, default=str))
    except redis.RedisError:
        logger.warning("live event for run %s not published (Redis unavailable)", run_id)
