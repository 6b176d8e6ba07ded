"""Adaptive IO: what every outbound call (LLM providers, tools) goes through.

- ratelimit: token buckets in Redis (requests and tokens per minute), shared by every process;
- breaker: circuit breakers in Redis (closed -> open -> half-open), shared by every process;
- retry: error classification, exponential backoff with full jitter, Retry-After, caps;
- budget: a Redis ledger that reserves an estimated cost before a call and settles it after;
- call: the one retry loop (`AdaptiveIO.run`) and the tool seam (`call_with_adaptive_io`).

Library code: it takes a redis client and plain config, and imports no Django and no Celery.
See docs/adaptive_io.md for the decisions.
"""
from tools.adaptive_io.budget import BudgetExceeded, BudgetLedger, BudgetScope, Reservation, to_micros
from tools.adaptive_io.call import AdaptiveIO, Attempt, CallFailed, RetryCaps, Target, call_with_adaptive_io
from tools.adaptive_io.config import BreakerPolicy, IOPolicy, RetryPolicy, merge_policy
from tools.adaptive_io.errors import AdaptiveIOError, DependencyUnavailable, RetriesExhausted
from tools.adaptive_io.retry import Classified, ErrorKind, classify

__all__ = [
    "AdaptiveIO", "AdaptiveIOError", "Attempt", "BreakerPolicy", "BudgetExceeded", "BudgetLedger", "BudgetScope",
    "CallFailed", "Classified", "DependencyUnavailable", "ErrorKind", "IOPolicy", "Reservation", "RetriesExhausted",
    "RetryCaps", "RetryPolicy", "Target", "call_with_adaptive_io", "classify", "merge_policy", "to_micros",
]
