"""Token buckets in Redis, shared by every process on every machine.

A bucket holds up to `capacity` tokens and refills at `rate` tokens a second. One Lua script
takes from several buckets at once (e.g. a deployment's RPM and TPM and its provider's RPM):
either it takes from all of them or from none and answers how long to wait, so a request never
holds one limit while it waits for another. Time is Redis's own clock (TIME), so processes on
machines with skewed clocks still share one rate. litellm's own limits are per process; these
are not.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis

# KEYS: bucket hashes. ARGV: for each key: capacity, rate per second, amount.
# Returns {1, "0"} when taken, {0, wait} when not (wait in seconds, as a string: Lua numbers
# returned to Redis are truncated to integers).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait, levels = 0, {}
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local capacity, rate, amount = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(state[1]), tonumber(state[2])
  if tokens == nil then tokens, ts = capacity, now end
  tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
  levels[i] = tokens
  if tokens < amount then wait = math.max(wait, (amount - tokens) / rate) end
end
if wait > 0 then return {0, tostring(wait)} end
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local capacity, rate, amount = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  redis.call('HSET', key, 'tokens', tostring(levels[i] - amount), 'ts', tostring(now))
  redis.call('EXPIRE', key, math.ceil(capacity / rate) + 60)
end
return {1, '0'}
"""

# Add `delta` tokens back (a refund when a call used fewer tokens than estimated) or take them
# (negative: the bucket may go into debt, which later callers wait out). ARGV: capacity, rate, delta.
_ADJUST = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity, rate, delta = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, ts = capacity, now end
tokens = math.min(capacity, math.min(capacity, tokens + math.max(0, now - ts) * rate) + delta)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return tostring(tokens)
"""


@dataclass(frozen=True)
class Bucket:
    """One shared limit. `name` is e.g. "deployment:gpt-a:rpm"; the Redis key adds a prefix."""

    name: str
    capacity: float
    rate: float  # tokens per second

    @classmethod
    def per_minute(cls, name: str, per_minute: float, burst_seconds: float = 60.0) -> Bucket:
        rate = per_minute / 60.0
        return cls(name, max(1.0, rate * burst_seconds), rate)


class RateLimiter:
    """Takes from shared buckets; never sleeps itself except in `acquire`."""

    def __init__(self, client: redis.Redis, prefix: str = "hw:aio") -> None:
        self.client = client
        self.prefix = prefix
        self._take = client.register_script(_TAKE)
        self._adjust = client.register_script(_ADJUST)

    def key(self, bucket: Bucket) -> str:
        return f"{self.prefix}:bucket:{bucket.name}"

    def try_acquire(self, requests: Sequence[tuple[Bucket, float]]) -> float:
        """Take `amount` from every bucket, or from none. 0.0 when taken, else the seconds to
        wait before all of them could give it (math.inf when an amount exceeds a capacity)."""
        requests = [(bucket, amount) for bucket, amount in requests if amount > 0]
        if not requests:
            return 0.0
        if any(amount > bucket.capacity for bucket, amount in requests):
            return math.inf
        args: list[float] = []
        for bucket, amount in requests:
            args += [bucket.capacity, bucket.rate, amount]
        taken, wait = self._take(keys=[self.key(bucket) for bucket, _ in requests], args=args)
        return 0.0 if int(taken) == 1 else float(wait)

    def acquire(self, requests: Sequence[tuple[Bucket, float]], timeout: float) -> float:
        """Wait (sleeping) until the amounts are taken; returns the seconds waited.
        Raises TimeoutError when that would take longer than `timeout` seconds."""
        started = time.monotonic()
        while True:
            wait = self.try_acquire(requests)
            if wait == 0.0:
                return time.monotonic() - started
            if time.monotonic() - started + wait > timeout:
                raise TimeoutError(f"rate limit: a slot frees in {wait:.2f} s, beyond the {timeout:.2f} s allowed")
            time.sleep(wait)

    def adjust(self, bucket: Bucket, delta: float) -> float:
        """Give back (delta > 0) or take (delta < 0) tokens after the fact; returns the level."""
        if delta == 0:
            return math.nan
        return float(self._adjust(keys=[self.key(bucket)], args=[bucket.capacity, bucket.rate, delta]))

    def level(self, bucket: Bucket) -> float:
        """The tokens in the bucket now, refill included (0 taken)."""
        return float(self._adjust(keys=[self.key(bucket)], args=[bucket.capacity, bucket.rate, 0]))
