"""The live feed of a run's events, as Server-Sent Events.

The Event table is the record: the stream reads events with an id greater than the last one it
sent. Redis pub/sub (channel <HW_QUEUE_PREFIX>:run:<id>:events, published by journeys.dispatch after each
commit) is only the wake-up signal, so a lost Redis message delays an event by at most one
keep-alive interval and never loses it.

Cost: a synchronous WSGI server holds one worker thread per open stream. So every stream is
bounded (settings.HW_SSE_MAX_SECONDS), sends a keep-alive comment every HW_SSE_KEEPALIVE_SECONDS,
closes its database connection between polls (an idle viewer holds no connection) and ends as
soon as the run has ended and everything was sent. The browser's EventSource reconnects with
Last-Event-ID and continues where it stopped. Serve with threaded workers (gunicorn gthread).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from functools import cache

import redis
from django.conf import settings
from django.db import close_old_connections, connection

from journeys import dispatch
from journeys.models import Event, Run

logger = logging.getLogger(__name__)
BATCH = 200


def event_payload(event: Event) -> dict:
    """What viewers see of an event (the API's events list uses the same shape)."""
    return {
        "id": event.pk,
        "seq": event.seq,
        "kind": event.kind,
        "message": event.message,
        "data": event.data,
        "created_at": event.created_at.isoformat(),
    }


def events_after(run_id: int, after: int, limit: int = BATCH) -> list[dict]:
    rows = Event.objects.filter(run_id=run_id, pk__gt=after).order_by("pk")[:limit]
    return [event_payload(event) for event in rows]


def sse_message(payload: dict, event: str = "") -> str:
    lines = [f"id: {payload['id']}"] if "id" in payload and event == "" else []
    if event:
        lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(payload, default=str, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


class WakeUp:
    """A subscription to the run's Redis channel; `wait(timeout)` returns early on a message.

    Redis being down degrades to plain polling every `timeout` seconds."""

    def __init__(self, run_id: int) -> None:
        self.pubsub = None
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
            self.pubsub = client.pubsub(ignore_subscribe_messages=True)
            self.pubsub.subscribe(dispatch.live_channel(run_id))
        except redis.RedisError:
            logger.warning("live view of run %s falls back to polling (Redis unavailable)", run_id)
            self.pubsub = None

    def wait(self, timeout: float) -> None:
        if self.pubsub is None:
            time.sleep(timeout)
            return
        try:
            if self.pubsub.get_message(timeout=timeout):
                # Drain a burst (one step publishes several events) so one poll covers it.
                while self.pubsub.get_message(timeout=0.01):
                    pass
        except redis.RedisError:
            self.close()
            time.sleep(timeout)

    def close(self) -> None:
        if self.pubsub is not None:
            try:
                self.pubsub.close()
            except redis.RedisError:
                pass
            self.pubsub = None


def run_status(run_id: int) -> dict:
    values = Run.objects.filter(pk=run_id).values("status", "seq", "route").first() or {}
    return values


@cache
def stream_slots() -> threading.BoundedSemaphore:
    """Open streams allowed in this process: fewer than its threads, so viewers can never take
    every thread away from ordinary requests."""
    return threading.BoundedSemaphore(settings.HW_SSE_MAX_STREAMS_PER_PROCESS)


class LiveStream:
    """An SSE response body holding one stream slot from creation until the server closes it
    (Django calls close() when the response ends, also when the client went away early)."""

    def __init__(self, run_id: int, after: int) -> None:
        self.body = stream(run_id, after)
        self.open = True

    @classmethod
    def open_for(cls, run_id: int, after: int) -> LiveStream | None:
        """A stream, or None when this process already serves its maximum of streams."""
        if not stream_slots().acquire(blocking=False):
            return None
        return cls(run_id, after)

    def __iter__(self) -> Iterator[str]:
        return self.body

    def close(self) -> None:
        if self.open:
            self.open = False
            self.body.close()
            stream_slots().release()


def stream(run_id: int, after: int = 0) -> Iterator[str]:
    """Yield SSE text for events of the run with id > `after`, until the run ended and all its
    events were sent, or HW_SSE_MAX_SECONDS passed (the client then reconnects)."""
    deadline = time.monotonic() + settings.HW_SSE_MAX_SECONDS
    keepalive = settings.HW_SSE_KEEPALIVE_SECONDS
    wake = WakeUp(run_id)
    yield "retry: 2000\n\n"
    try:
        while True:
            events = events_after(run_id, after)
            status = run_status(run_id)
            close_old_connections()
            connection.close()
            for payload in events:
                after = payload["id"]
                yield sse_message(payload)
            if status and events:
                yield sse_message({"status": status["status"], "seq": status["seq"], "route": status["route"]}, "status")
            ended = not status or status["status"] in {"succeeded", "failed", "aborted", "budget_exhausted"}
            if ended and len(events) < BATCH:
                yield sse_message({"status": status.get("status", "missing")}, "end")
                return
            if time.monotonic() >= deadline:
                return
            if len(events) < BATCH:
                wake.wait(min(keepalive, max(0.0, deadline - time.monotonic())))
                yield ": keep-alive\n\n"
    finally:
        wake.close()
