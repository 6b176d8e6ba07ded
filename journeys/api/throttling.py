"""Per-user (and per-address for anonymous) request rates, read from settings.HW_API_RATES at
request time so one settings value governs every process (buckets live in the Redis cache).

The buckets fail open: while the cache (Redis) is unreachable a request is let through, with a
warning logged, instead of answering 500. Rate limiting is a protection against abuse, not a
correctness rule; refusing every request during a Redis restart would turn a blip into an outage
of the whole API (bench/chaos.py restarts Redis under load and probes the API).
"""
from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from handywriterz.client_ip import client_ip

logger = logging.getLogger(__name__)


class FailOpenMixin:
    """allow_request() that lets the request through when the cache cannot be reached."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            logger.warning("API throttle %s skipped: cache unavailable (%s)", self.scope, error)
            self.history = []  # wait() must not read a half-filled bucket
            return True


class ClientAddressMixin:
    """An anonymous caller's bucket is keyed by handywriterz.client_ip (DRF's own reading of
    X-Forwarded-For, with NUM_PROXIES unset, trusts the header: a forged one would get a fresh bucket)."""

    def get_ident(self, request) -> str:
        return client_ip(request)


class UserThrottle(ClientAddressMixin, FailOpenMixin, UserRateThrottle):
    scope = "user"

    def get_rate(self) -> str:
        return settings.HW_API_RATES[self.scope]


class AnonThrottle(ClientAddressMixin, FailOpenMixin, AnonRateThrottle):
    scope = "anon"

    def get_rate(self) -> str:
        return settings.HW_API_RATES[self.scope]
