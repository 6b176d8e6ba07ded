"""Fair per-user admission of steps, shared by every worker through Redis.

Lanes spread users over queues that workers consume in rotation (kombu's Redis transport moves
the queue it just served to the back), so different users rarely share a queue. Admission bounds
how much of any queue one user can fill: a user may have at most `cap` runs with a step queued or
running (a run keeps its slot from step to step); further runs wait in the user's deferred set and
are admitted, oldest and highest priority first, as slots free up. So a light user's first step
waits behind at most `cap` steps of a heavy user that shares its lane, never behind the backlog.

Slots are leases (ZSET score = expiry), so a worker that dies holding one cannot leak it; a
deferred step also keeps its run's dispatch lease, so the reaper re-offers it if Redis loses state.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import redis

# KEYS: inflight zset, deferred zset. ARGV: now, run id, expiry, cap, deferred member, rank.
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[5])
  return 1
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[6], ARGV[5])
return 0
"""

# KEYS: inflight zset, deferred zset. ARGV: now, member(run id), expiry, cap.
# Frees the run's slot and admits deferred steps while there is room; returns them.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local admitted = {}
while redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) do
  local head = redis.call('ZPOPMIN', KEYS[2])
  if #head == 0 then break end
  local run_id = string.match(head[1], '^(%d+):')
  redis.call('ZADD', KEYS[1], ARGV[3], run_id)
  table.insert(admitted, head[1])
end
return admitted
"""


@dataclass(frozen=True)
class PendingStep:
    run_id: int
    seq: int

    @property
    def member(self) -> str:
        return f"{self.run_id}:{self.seq}"

    @classmethod
    def parse(cls, member: bytes | str) -> PendingStep:
        text = member.decode() if isinstance(member, bytes) else member
        run_id, seq = (int(part) for part in text.split(":"))
        return cls(run_id, seq)


class Admission:
    """Per-user caps on runs with a step in flight."""

    def __init__(self, client: redis.Redis, prefix: str, base_cap: int, slot_seconds: float) -> None:
        self.client = client
        self.prefix = prefix
        self.base_cap = base_cap
        self.slot_seconds = slot_seconds
        self._admit = client.register_script(_ADMIT)
        self._release = client.register_script(_RELEASE)

    def keys(self, user_id: int) -> list[str]:
        return [f"{self.prefix}:inflight:{user_id}", f"{self.prefix}:deferred:{user_id}"]

    def cap(self, weight: int) -> int:
        """A heavier tier gets proportionally more slots; every tier gets at least the base."""
        return self.base_cap * max(1, weight)

    def admit(self, user_id: int, step: PendingStep, weight: int = 1, priority: int = 0) -> bool:
        """True: send the step now. False: it waits in the user's deferred set."""
        now = time.time()
        # Within one user: higher priority first, then first come first served (ascending scores).
        rank = -priority * 1e10 + now
        return bool(self._admit(keys=self.keys(user_id), args=[
            now, step.run_id, now + self.slot_seconds, self.cap(weight), step.member, rank]))

    def release(self, user_id: int, run_id: int, weight: int = 1) -> list[PendingStep]:
        """Free the run's slot; return the deferred steps admitted in its place (to be sent)."""
        now = time.time()
        admitted = self._release(keys=self.keys(user_id), args=[now, run_id, now + self.slot_seconds, self.cap(weight)])
        return [PendingStep.parse(member) for member in admitted]

    def in_flight(self, user_id: int) -> int:
        key = self.keys(user_id)[0]
        return int(self.client.zcount(key, time.time(), "+inf"))

    def deferred(self, user_id: int) -> int:
        return int(self.client.zcard(self.keys(user_id)[1]))
