"""Plain, validated configuration of adaptive IO, per provider and per tool.

Defaults come from settings; a provider or tool may override any part (`merge_policy`).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetryPolicy(Strict):
    max_attempts: int = Field(4, ge=1, le=20, description="Calls to one target per logical call (first try included).")
    base_delay: float = Field(0.5, gt=0, description="Backoff base in seconds: the n-th retry waits U(0, base * 2^n).")
    max_delay: float = Field(30.0, gt=0, description="Upper bound of one backoff wait, in seconds.")
    max_retry_after: float = Field(120.0, ge=0, description="A longer Retry-After than this is treated as an outage.")


class BreakerPolicy(Strict):
    enabled: bool = True
    failure_threshold: int = Field(5, ge=1, description="Failures in a row that open the circuit.")
    open_seconds: float = Field(30.0, gt=0, description="How long an opened circuit stays open before a probe.")
    max_open_seconds: float = Field(600.0, gt=0, description="Cap of the open time, which doubles per failed probe.")
    probe_timeout: float = Field(60.0, gt=0, description="How long one half-open probe may take before another may try.")


class IOPolicy(Strict):
    """Everything adaptive IO needs to know about one provider or tool."""

    timeout: float | None = Field(None, gt=0, description="Seconds per call; None: only the caller's deadline.")
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerPolicy = BreakerPolicy()
    rpm: float | None = Field(None, gt=0, description="Requests per minute, shared by every process.")
    tpm: float | None = Field(None, gt=0, description="Tokens per minute, shared by every process.")
    burst_seconds: float = Field(
        60.0, gt=0, description="Bucket size as seconds of the rate: 60 allows a whole minute's quota at once."
    )
    max_wait: float = Field(60.0, ge=0, description="Longest wait for a free target (rate slot, cool-down, open circuit).")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_policy(defaults: IOPolicy, override: dict[str, Any] | None) -> IOPolicy:
    """`defaults` with the keys of `override` replaced (nested dicts merged); validated again."""
    if not override:
        return defaults
    return IOPolicy.model_validate(deep_merge(defaults.model_dump(), override))
