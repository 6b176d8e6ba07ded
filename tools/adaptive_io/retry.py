"""Which errors are worth another try, and how long to wait before it.

Classification (by HTTP status where the error carries one, else by exception type):
- 429                                  -> RATE_LIMITED: wait (Retry-After when given), try again;
- 408, 409, 425, 5xx, timeouts, resets -> TRANSIENT: back off, try again, count for the breaker;
- context too long (400 of that kind)  -> CONTEXT_WINDOW: never again here; a larger context;
- 401, 403, 404                        -> FAILOVER: this target is misconfigured; try the others;
- any other 4xx, and unknown errors    -> PERMANENT: stop (the request itself is wrong).

Backoff is exponential with full jitter (a uniform draw in [0, min(max_delay, base * 2^n)]),
so many workers hit by one outage do not come back in step; a Retry-After is a floor.
"""
from __future__ import annotations

import email.utils
import enum
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.adaptive_io.config import RetryPolicy


class ErrorKind(enum.StrEnum):
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    CONTEXT_WINDOW = "context_window"
    FAILOVER = "failover"
    PERMANENT = "permanent"


RETRYABLE = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT})
_TRANSIENT_STATUSES = frozenset({408, 409, 425})
_FAILOVER_STATUSES = frozenset({401, 403, 404})
_TRANSIENT_NAMES = frozenset({
    "Timeout", "TimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "APITimeoutError",
    "ConnectionError", "ConnectError", "APIConnectionError", "RemoteProtocolError", "ServiceUnavailableError",
    "ConnectionResetError", "ConnectionRefusedError", "BrokenPipeError", "ReadError", "WriteError",
})
_CONTEXT_NAMES = frozenset({"ContextWindowExceededError"})
_CONTEXT_PHRASES = ("context_length_exceeded", "maximum context length", "context window", "prompt is too long")


@dataclass(frozen=True)
class Classified:
    kind: ErrorKind
    status: int | None
    retry_after: float | None
    message: str

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


def status_of(error: BaseException) -> int | None:
    for candidate in (getattr(error, "status_code", None), getattr(getattr(error, "response", None), "status_code", None)):
        if isinstance(candidate, int):
            return candidate
    return None


def headers_of(error: BaseException) -> Mapping[str, Any]:
    for candidate in (
        getattr(error, "litellm_response_headers", None),
        getattr(getattr(error, "response", None), "headers", None),
        getattr(error, "headers", None),
    ):
        if candidate:
            try:
                return {str(key).lower(): value for key, value in dict(candidate).items()}
            except (TypeError, ValueError):
                continue
    return {}


def parse_retry_after(headers: Mapping[str, Any], now: float | None = None) -> float | None:
    """Seconds from `retry-after-ms`, or `retry-after` as seconds or an HTTP date; None if absent."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except (TypeError, ValueError):
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except (TypeError, ValueError):
        parsed = email.utils.parsedate_tz(str(raw))
        if parsed is None:
            return None
        return max(0.0, email.utils.mktime_tz(parsed) - (time.time() if now is None else now))


def classify(error: BaseException) -> Classified:
    names = {cls.__name__ for cls in type(error).__mro__}
    status = status_of(error)
    message = f"{type(error).__name__}: {str(error)[:300]}"
    text = str(error).lower()
    if names & _CONTEXT_NAMES or (status in {400, 413} and any(phrase in text for phrase in _CONTEXT_PHRASES)):
        return Classified(ErrorKind.CONTEXT_WINDOW, status, None, message)
    if status == 429 or "RateLimitError" in names:
        return Classified(ErrorKind.RATE_LIMITED, status or 429, parse_retry_after(headers_of(error)), message)
    if names & _TRANSIENT_NAMES or isinstance(error, TimeoutError | ConnectionError):
        return Classified(ErrorKind.TRANSIENT, status, parse_retry_after(headers_of(error)), message)
    if status is not None and (status >= 500 or status in _TRANSIENT_STATUSES):
        return Classified(ErrorKind.TRANSIENT, status, parse_retry_after(headers_of(error)), message)
    if status in _FAILOVER_STATUSES:
        return Classified(ErrorKind.FAILOVER, status, None, message)
    return Classified(ErrorKind.PERMANENT, status, None, message)


def full_jitter(retry_number: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """U(0, min(max_delay, base * 2^(retry_number - 1))) for the retry_number-th retry (from 1)."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** max(0, retry_number - 1))
    return (rng or random).uniform(0.0, ceiling)


def backoff_delay(retry_number: int, policy: RetryPolicy, retry_after: float | None, rng: random.Random | None = None) -> float:
    """The wait before the next try: full jitter, never shorter than the server's Retry-After."""
    jitter = full_jitter(retry_number, policy, rng)
    return max(jitter, retry_after) if retry_after is not None else jitter
