"""Wiring adaptive IO into runs: the gateway a step gets (router config, shared Redis, budget
scopes, deadline, retry caps) and the cost rows its calls leave. Settings are read here, never
in agents/ or tools/ (docs/adaptive_io.md)."""
from __future__ import annotations

import datetime
import time
from decimal import Decimal
from functools import cache

import redis
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from agents.llm import LLMGateway, RouterConfig, UsageMeter, load_router_config
from handywriterz.pooling import release_connection
from journeys.models import ProviderCall, Run
from journeys.redaction import scrub_text
from tools.adaptive_io import AdaptiveIO, BudgetScope, IOPolicy, RetryCaps, merge_policy


@cache
def adaptive_redis() -> redis.Redis:
    return redis.Redis.from_url(settings.HW_ADAPTIVE_REDIS_URL, socket_timeout=5, socket_connect_timeout=5)


@cache
def adaptive_io() -> AdaptiveIO:
    """One per process: the Lua scripts are registered once."""
    return AdaptiveIO(adaptive_redis(), prefix=settings.HW_ADAPTIVE_PREFIX, before_wait=release_connection)


@cache
def io_defaults() -> IOPolicy:
    return merge_policy(IOPolicy(timeout=settings.HW_LLM_TIMEOUT_SECONDS), settings.HW_IO_DEFAULTS)


@cache
def router_config() -> RouterConfig:
    """The validated model router config; RouterConfigError says what is wrong with it."""
    return load_router_config(settings.HW_LLM_ROUTER, settings.HW_LLM_MODELS)


def tool_policy(name: str) -> IOPolicy:
    """The IO policy of tool `name`: the defaults with its HW_TOOL_IO overrides."""
    return merge_policy(io_defaults(), settings.HW_TOOL_IO.get(name))


def optional_usd(value: float) -> Decimal | None:
    return Decimal(str(value)) if value > 0 else None


def spent_today(user_id: int, today: datetime.date) -> Decimal:
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=datetime.UTC)
    total = ProviderCall.objects.filter(user_id=user_id, created_at__gte=start).aggregate(total=Sum("cost_usd"))["total"]
    return total or Decimal("0")


def budget_scopes(run: Run) -> list[BudgetScope]:
    """The budgets a call of this step is charged to: the run's, the step's, the user's day."""
    scopes = [BudgetScope("run", f"run:{run.pk}", f"the run's budget of ${run.limit_usd}", run.limit_usd, run.used_usd)]
    step_limit = optional_usd(settings.HW_STEP_BUDGET_USD)
    if step_limit is not None:
        scopes.append(BudgetScope("step", f"run:{run.pk}:seq:{run.seq}:{run.attempt}", f"the step budget of ${step_limit}",
                                  step_limit, ttl_seconds=86400))
    day_limit = optional_usd(settings.HW_USER_DAILY_BUDGET_USD)
    if day_limit is not None:
        today = timezone.now().date()
        scopes.append(BudgetScope("user_day", f"user:{run.user_id}:day:{today.isoformat()}",
                                  f"the daily budget of ${day_limit} per user", day_limit,
                                  spent_today(run.user_id, today), ttl_seconds=2 * 86400))
    return scopes


def retry_caps(run: Run) -> RetryCaps:
    return RetryCaps(
        step_cap=settings.HW_RETRY_STEP_CAP or None,
        run_cap=settings.HW_RETRY_RUN_CAP or None,
        run_key=f"{settings.HW_ADAPTIVE_PREFIX}:retries:run:{run.pk}",
        client=adaptive_redis(),
    )


def build_gateway(run: Run, meter: UsageMeter, deadline: float | None) -> LLMGateway:
    """The gateway of one step: shared limits and breakers, the run's budgets, the step's deadline."""
    return LLMGateway(
        router_config(),
        meter=meter,
        timeout=settings.HW_LLM_TIMEOUT_SECONDS,
        provider_options={"offline_latency": settings.HW_OFFLINE_MODEL_LATENCY, "redis_url": settings.REDIS_URL},
        io=adaptive_io(),
        defaults=io_defaults(),
        budget=budget_scopes(run),
        deadline=deadline,
        caps=retry_caps(run),
    )


def build_background_gateway(meter: UsageMeter) -> LLMGateway:
    """A gateway outside any run (e.g. distilling an ended run's lessons): the same models,
    shared limits and breakers, but no run budget to reserve against."""
    return LLMGateway(
        router_config(),
        meter=meter,
        timeout=settings.HW_LLM_TIMEOUT_SECONDS,
        provider_options={"offline_latency": settings.HW_OFFLINE_MODEL_LATENCY, "redis_url": settings.REDIS_URL},
        io=adaptive_io(),
        defaults=io_defaults(),
    )


def store_calls(run: Run, seq: int, meter: UsageMeter) -> None:
    """One ProviderCall row per try the step made (inside the step's transaction when it has one)."""
    rows = [
        ProviderCall(
            run_id=run.pk, user_id=run.user_id, seq=seq, provider=item.provider, deployment=item.deployment,
            model=item.model, outcome=item.outcome, prompt_tokens=item.prompt_tokens,
            completion_tokens=item.completion_tokens, cost_usd=item.cost_usd.quantize(Decimal("0.000001")),
            latency_ms=item.latency_ms, error=scrub_text(item.error),
            started_at=datetime.datetime.fromtimestamp(item.started_at or time.time(), tz=datetime.UTC),
        )
        for item in meter.records
    ]
    ProviderCall.objects.bulk_create(rows)


def next_midnight() -> datetime.datetime:
    tomorrow = timezone.now().date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time.min, tzinfo=datetime.UTC)
