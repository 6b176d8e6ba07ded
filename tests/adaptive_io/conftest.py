"""Fixtures of the adaptive IO tests: fake providers on 127.0.0.1, a Redis namespace per test,
and real Celery workers configured with a model router that points at the fakes."""
from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
import redis
from django.conf import settings

from tests.adaptive_io.fakes import FakeProvider
from tools.adaptive_io import AdaptiveIO


@pytest.fixture
def namespace(redis_client: redis.Redis):
    """A Redis key prefix of this test alone; its keys are deleted afterwards."""
    prefix = f"{settings.HW_ADAPTIVE_PREFIX}:{uuid.uuid4().hex[:8]}"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def io(redis_client, namespace) -> AdaptiveIO:
    return AdaptiveIO(redis_client, prefix=namespace)


@pytest.fixture
def fake_providers():
    """`fake_providers("a", "b")` starts fake OpenAI-compatible servers; all stop at the end."""
    started: list[FakeProvider] = []

    def start(*names: str, **options) -> list[FakeProvider]:
        providers = [FakeProvider(name, **options).start() for name in names]
        started.extend(providers)
        return providers

    yield start
    for provider in started:
        provider.down()


def deployment(provider: FakeProvider, model_name: str = "default", **extra) -> dict:
    """A router deployment for a fake provider: `openai/<name>` at its api_base, priced per token."""
    entry = {
        "id": f"dep-{provider.name}",
        "model_name": model_name,
        "provider": f"fake-{provider.name}",
        "litellm_params": {"model": f"openai/fake-{provider.name}", "api_base": provider.api_base, "api_key": "sk-fake"},
        "input_cost_per_token": Decimal("0.000001"),
        "output_cost_per_token": Decimal("0.000002"),
    }
    entry.update(extra)
    return entry


def router_json(deployments: list[dict], **extra) -> str:
    return json.dumps({"deployments": deployments, **extra}, default=str)


@pytest.fixture
def adaptive_workers(workers, transactional_db, namespace):
    """`adaptive_workers(router, count=1, **env)` (re)starts the session's workers with this
    router config and Redis namespace; they are stopped afterwards so later tests get default ones."""
    workers.stop_all()

    def start(router: str, count: int = 1, concurrency: int = 2, **env: str):
        base = {
            "HW_LLM_ROUTER": router,
            "HW_ADAPTIVE_PREFIX": namespace,
            "HW_RETRY_BASE_SECONDS": "0.05",
            "HW_RETRY_MAX_SECONDS": "0.5",
        }
        for index in range(count):
            workers.start(concurrency=concurrency, beat=index == 0, extra_env={**base, **env})
        return workers

    yield start
    workers.stop_all()
