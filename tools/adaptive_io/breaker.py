"""Circuit breakers in Redis, shared by every process: closed -> open -> half-open -> closed.

- closed: calls pass. `failure_threshold` failures in a row open the circuit.
- open: calls are refused until `open_until`; then the first caller becomes the probe.
- half-open: one probe at a time (a probe lease of `probe_timeout` seconds). The probe's success
  closes the circuit; its failure opens it again for twice as long (capped at max_open_seconds).

Separately, `cool_down` keeps callers away for a while without counting a failure: a provider
that answers 429 with Retry-After is alive and busy, not dead, and every process should respect
the wait it asked for. All times are Redis's clock; answers carry "seconds to wait", never a
timestamp, so clocks of the callers do not matter.
"""
from __future__ import annotations

from dataclasses import dataclass

import redis

from tools.adaptive_io.config import BreakerPolicy

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# ARGV: probe_timeout, ttl. Returns {allowed, state, wait, probe, failures}.
_ALLOW = _NOW + """
local h = redis.call('HMGET', KEYS[1], 'state', 'open_until', 'cool_until', 'probe_until', 'failures')
local state = h[1] or 'closed'
local open_until, cool_until = tonumber(h[2] or '0'), tonumber(h[3] or '0')
local probe_until, failures = tonumber(h[4] or '0'), tonumber(h[5] or '0')
if cool_until > now then return {0, state, tostring(cool_until - now), 0, failures} end
if state == 'closed' then return {1, state, '0', 0, failures} end
if state == 'open' and now < open_until then return {0, state, tostring(open_until - now), 0, failures} end
if probe_until > now then return {0, 'half_open', tostring(probe_until - now), 0, failures} end
redis.call('HSET', KEYS[1], 'state', 'half_open', 'probe_until', tostring(now + tonumber(ARGV[1])))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1, 'half_open', '0', 1, failures}
"""

# ARGV: success (1/0), threshold, open_seconds, max_open_seconds, ttl. Returns the new state.
_RECORD = _NOW + """
local h = redis.call('HMGET', KEYS[1], 'state', 'failures', 'opened')
local state, failures, opened = h[1] or 'closed', tonumber(h[2] or '0'), tonumber(h[3] or '0')
if ARGV[1] == '1' then
  if state ~= 'closed' or failures > 0 then
    redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', 0, 'opened', 0, 'probe_until', 0, 'open_until', 0)
  end
  return 'closed'
end
failures = failures + 1
local threshold, open_seconds, max_open = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if state == 'half_open' or (state == 'closed' and failures >= threshold) then
  opened = opened + 1
  local seconds = math.min(max_open, open_seconds * 2 ^ (opened - 1))
  redis.call('HSET', KEYS[1], 'state', 'open', 'open_until', tostring(now + seconds), 'probe_until', 0)
  state = 'open'
end
redis.call('HSET', KEYS[1], 'failures', failures, 'opened', opened)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return state
"""

# ARGV: seconds, ttl.
_COOL = _NOW + """
local till = now + tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'cool_until') or '0')
if till > current then redis.call('HSET', KEYS[1], 'cool_until', tostring(till)) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return tostring(math.max(till, current) - now)
"""

_RELEASE = """
if redis.call('HGET', KEYS[1], 'state') == 'half_open' then redis.call('HSET', KEYS[1], 'probe_until', 0) end
return 1
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    state: str
    wait: float  # seconds until a call may be allowed (0 when allowed)
    probe: bool  # this caller holds the half-open probe lease
    failures: int

    @property
    def reason(self) -> str:
        if self.allowed:
            return self.state
        if self.state == OPEN:
            return f"circuit open for {self.wait:.1f} s more"
        if self.state == HALF_OPEN:
            return "circuit half-open, a probe is in flight"
        return f"cooling down for {self.wait:.1f} s (Retry-After or backoff)"


ALLOWED = Decision(True, CLOSED, 0.0, False, 0)


class CircuitBreaker:
    def __init__(self, client: redis.Redis, prefix: str = "hw:aio") -> None:
        self.client = client
        self.prefix = prefix
        self._allow = client.register_script(_ALLOW)
        self._record = client.register_script(_RECORD)
        self._cool = client.register_script(_COOL)
        self._release = client.register_script(_RELEASE)

    def key(self, name: str) -> str:
        return f"{self.prefix}:breaker:{name}"

    @staticmethod
    def ttl(policy: BreakerPolicy) -> int:
        # Idle breakers expire; a long outage keeps refreshing its key.
        return int(max(3600, policy.max_open_seconds * 4))

    def allow(self, name: str, policy: BreakerPolicy) -> Decision:
        if not policy.enabled:
            return ALLOWED
        allowed, state, wait, probe, failures = self._allow(keys=[self.key(name)], args=[policy.probe_timeout, self.ttl(policy)])
        return Decision(bool(int(allowed)), _text(state), float(wait), bool(int(probe)), int(failures))

    def record(self, name: str, policy: BreakerPolicy, *, success: bool) -> str:
        if not policy.enabled:
            return CLOSED
        args = ["1" if success else "0", policy.failure_threshold, policy.open_seconds, policy.max_open_seconds, self.ttl(policy)]
        return _text(self._record(keys=[self.key(name)], args=args))

    def cool_down(self, name: str, seconds: float, policy: BreakerPolicy) -> float:
        """Keep every caller away from `name` for `seconds` (the longer of this and any current)."""
        if seconds <= 0:
            return 0.0
        return float(self._cool(keys=[self.key(name)], args=[seconds, self.ttl(policy)]))

    def release_probe(self, name: str) -> None:
        """Give the half-open probe lease back unused (e.g. the caller was rate limited)."""
        self._release(keys=[self.key(name)])

    def snapshot(self, name: str) -> dict[str, str]:
        raw = self.client.hgetall(self.key(name))
        return {_text(key): _text(value) for key, value in raw.items()} or {"state": CLOSED}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
