"""The floor of this stack: a bare Celery task that re-enqueues itself (no database, no claim).

Loaded into bench workers with `celery worker -I bench.floor`; not part of the product.
"""
from __future__ import annotations

import time

import redis
from celery import shared_task
from django.conf import settings


@shared_task(name="bench.floor.hop_task", ignore_result=True, acks_late=True)
def hop_task(chain: str, remaining: int, queue: str) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.rpush(f"hwbench:hops:{chain}", time.time())
    if remaining > 1:
        hop_task.apply_async((chain, remaining - 1, queue), queue=queue)
