"""Per-user (and per-address for anonymous) request rates, read from settings.HW_API_RATES at
request time so one settings value governs every process (buckets live in the Redis cache)."""
from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserThrottle(UserRateThrottle):
    scope = "user"

    def get_rate(self) -> str:
        return settings.HW_API_RATES[self.scope]


class AnonThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self) -> str:
        return settings.HW_API_RATES[self.scope]
