"""A spending ledger in Redis that never lets concurrent callers overshoot a budget.

Before a call, `reserve` books its estimated cost (prompt tokens plus the maximum output tokens,
at the deployment's price) in every scope it falls under (run, step, user-day ...), atomically:
either every scope has room for it, counting what is already spent AND what others have reserved
but not yet settled, or nothing is booked and BudgetExceeded names the scope that refused. After
the call, `settle` replaces the reservation by the real cost. Twenty concurrent calls against a
budget with room for five: five reservations fit, fifteen are refused, spent <= limit.

Amounts are integer micro-dollars (the database stores 6 decimals; Lua numbers are exact
integers up to 2^53). A reservation whose holder died is not freed but charged at its estimate
when it expires: the provider may well have done the work, and the ledger must err on the side
of the budget. A scope is seeded from the database (`seed`: spent so far) so a flushed Redis or
a new scope starts from the stored truth; the ledger keeps max(seed, its own count).
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import redis

from tools.adaptive_io.errors import AdaptiveIOError

MICROS = Decimal("1000000")

# KEYS: per scope, its hash (spent, reserved) then its zset of reservations "id:amount" scored by
# expiry. ARGV: amount, reservation id, reservation ttl, key ttl, then per scope: limit (-1: none), seed.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local amount, rid, hold, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local scopes = #KEYS / 2
local spent, reserved = {}, {}
for i = 1, scopes do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local seed = tonumber(ARGV[4 + 2 * i])
  local s = tonumber(redis.call('HGET', h, 'spent') or '0')
  local r = tonumber(redis.call('HGET', h, 'reserved') or '0')
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now)) do
    local held = tonumber(string.match(member, ':(%d+)$'))
    r = r - held
    s = s + held
    redis.call('ZREM', z, member)
  end
  if seed > s then s = seed end
  spent[i], reserved[i] = s, r
  redis.call('HSET', h, 'spent', s, 'reserved', r)
  local limit = tonumber(ARGV[3 + 2 * i])
  if limit >= 0 and s + r + amount > limit then
    return {0, i, limit - s - r}
  end
end
for i = 1, scopes do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('HSET', h, 'reserved', reserved[i] + amount)
  redis.call('ZADD', z, now + hold, rid .. ':' .. amount)
  redis.call('EXPIRE', h, ttl)
  redis.call('EXPIRE', z, ttl)
end
return {1, 0, 0}
"""

# KEYS: the same scope keys, then the settled-marker key. ARGV: member ("id:amount"), amount, actual.
_SETTLE = """
local n = #KEYS - 1
if redis.call('SET', KEYS[n + 1], '1', 'NX', 'EX', 86400) == false then return 0 end
local member, amount, actual = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, n / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  if redis.call('ZREM', z, member) == 1 then
    redis.call('HINCRBY', h, 'reserved', -amount)
    redis.call('HINCRBY', h, 'spent', actual)
  else
    -- expired meanwhile and charged at the estimate: correct it to the real cost
    redis.call('HINCRBY', h, 'spent', actual - amount)
  end
end
return 1
"""


def to_micros(usd: Decimal | float | str | int, rounding: str = ROUND_HALF_UP) -> int:
    return int((Decimal(str(usd)) * MICROS).to_integral_value(rounding=rounding))


def ceil_micros(usd: Decimal | float | str | int) -> int:
    """Estimates round up, so a reservation is never smaller than the cost it stands for."""
    return to_micros(usd, ROUND_CEILING)


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / MICROS).quantize(Decimal("0.000001"))


class BudgetExceeded(AdaptiveIOError):
    """A reservation was refused: `scope` has `remaining_usd` left, the call needed `needed_usd`."""

    def __init__(self, scope: str, label: str, needed_usd: Decimal, remaining_usd: Decimal) -> None:
        self.scope = scope
        self.label = label
        self.needed_usd = needed_usd
        self.remaining_usd = remaining_usd
        super().__init__(
            f"{label}: a call needs up to ${needed_usd} but only ${max(remaining_usd, Decimal(0))} is left"
        )


@dataclass(frozen=True)
class BudgetScope:
    """One budget a call is charged to. `kind` is run, step or user_day; `limit_usd` None means
    no limit (the spend is still counted); `seed_usd` is what the database says is spent already."""

    kind: str
    key: str
    label: str
    limit_usd: Decimal | None
    seed_usd: Decimal = Decimal("0")
    ttl_seconds: int = 7 * 86400


@dataclass
class Reservation:
    rid: str
    amount: int  # micro-dollars
    scopes: Sequence[BudgetScope] = field(default_factory=tuple)
    settled: bool = False


class BudgetLedger:
    def __init__(self, client: redis.Redis, prefix: str = "hw:aio") -> None:
        self.client = client
        self.prefix = prefix
        self._reserve = client.register_script(_RESERVE)
        self._settle = client.register_script(_SETTLE)

    def keys(self, scope: BudgetScope) -> list[str]:
        return [f"{self.prefix}:budget:{scope.key}", f"{self.prefix}:budget:{scope.key}:held"]

    def reserve(self, scopes: Sequence[BudgetScope], amount_usd: Decimal, hold_seconds: float) -> Reservation:
        """Book `amount_usd` (rounded up to the micro-dollar) in every scope, or raise BudgetExceeded.
        The reservation is charged at its estimate if not settled within `hold_seconds`."""
        amount = ceil_micros(amount_usd)
        rid = uuid.uuid4().hex
        keys: list[str] = []
        args: list[object] = [amount, rid, hold_seconds, max(scope.ttl_seconds for scope in scopes)]
        for scope in scopes:
            keys += self.keys(scope)
            limit = -1 if scope.limit_usd is None else to_micros(scope.limit_usd)
            args += [limit, to_micros(scope.seed_usd)]
        ok, index, remaining = self._reserve(keys=keys, args=args)
        if int(ok) != 1:
            scope = scopes[int(index) - 1]
            raise BudgetExceeded(scope.kind, scope.label, from_micros(amount), from_micros(int(remaining)))
        return Reservation(rid, amount, tuple(scopes))

    def settle(self, reservation: Reservation, actual_usd: Decimal) -> None:
        """Replace the reservation by the real cost (rounded to the micro-dollar). Idempotent."""
        if reservation.settled:
            return
        keys: list[str] = []
        for scope in reservation.scopes:
            keys += self.keys(scope)
        keys.append(f"{self.prefix}:budget:settled:{reservation.rid}")
        member = f"{reservation.rid}:{reservation.amount}"
        self._settle(keys=keys, args=[member, reservation.amount, to_micros(actual_usd)])
        reservation.settled = True

    def spent(self, scope: BudgetScope) -> Decimal:
        return from_micros(int(self.client.hget(self.keys(scope)[0], "spent") or 0))

    def reserved(self, scope: BudgetScope) -> Decimal:
        return from_micros(int(self.client.hget(self.keys(scope)[0], "reserved") or 0))
