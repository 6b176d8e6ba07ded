"""Fault injection at the network edge: the fake scholarly APIs (tool faults, offered APIs) and
the scripted model providers (provider faults). Worker kills are the harness's (harness.py).

Every fault lasts for the whole task, except rate_limit (the first `calls` requests) and kill.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import redis

from evaluation.environment import scripted_name
from evaluation.fakes.scholarly_server import PREFIXES, REGISTRY, ScholarlyServer
from evaluation.taskfile import EvalTask


def providers_of(target: str) -> list[str]:
    """The fake upstreams a `tool:NAME` target names: "scholar_search" and "*" all providers and
    the registry search tool's upstream (evaluation.registry_tool)."""
    name = target.partition(":")[2]
    return [*PREFIXES, REGISTRY] if name in {"scholar_search", "*"} else [name]


def tool_behaviours(task: EvalTask) -> dict[str, dict[str, Any]]:
    """The server's Behaviour knobs per provider, every tool fault of the task combined."""
    knobs: dict[str, dict[str, Any]] = {}
    for fault in task.faults:
        if not fault.target.startswith("tool:"):
            continue
        for provider in providers_of(fault.target):
            entry = knobs.setdefault(provider, {})
            if fault.kind == "rate_limit":
                entry.update(status=429, retry_after=fault.retry_after, fail_first=fault.calls)
            elif fault.kind == "schema_drift":
                entry["rename"] = {**entry.get("rename", {}), **fault.rename}
            elif fault.kind == "empty_results":
                entry["empty"] = True
            elif fault.kind == "down":
                entry.update(status=503, fail_first=0)
            elif fault.kind == "latency":
                entry["delay"] = fault.seconds
    return knobs


def apply_tool_faults(server: ScholarlyServer, task: EvalTask) -> None:
    for provider, knobs in tool_behaviours(task).items():
        server.behave(provider, **knobs)


def offer_apis(server: ScholarlyServer, task: EvalTask) -> list[str]:
    """Serve each offered OpenAPI document; returns their URLs for the run's spec.tool_offers.

    The offered API answers from the corpus directory beside the document with the document's
    name without suffix (apis/extra.yaml -> apis/extra/) when there is one, else the task's corpus."""
    urls = []
    for index, fault in enumerate(task.faults_of("offer")):
        spec = Path(fault.spec)
        beside = spec.with_suffix("")
        corpus = beside if beside.is_dir() else task.corpus
        name = f"{index}-{spec.stem}"
        urls.append(server.offer(name, spec.read_text(encoding="utf-8"), corpus or spec.parent))
    return urls


def provider_keys(client: redis.Redis, target: str) -> tuple[str, str]:
    name = f"{scripted_name()}-{target.partition(':')[2]}"
    return f"hw:scripted:{name}:down", f"hw:scripted:{name}:latency"


def apply_provider_faults(client: redis.Redis, task: EvalTask) -> None:
    for fault in task.faults:
        if not fault.target.startswith("provider:"):
            continue
        down, latency = provider_keys(client, fault.target)
        if fault.kind == "down":
            client.set(down, 1)
        elif fault.kind == "latency":
            client.set(latency, fault.seconds)


def clear_faults(client: redis.Redis, server: ScholarlyServer, adaptive_prefix: str) -> None:
    """Forget every fault and what adaptive IO learnt from them (breakers, buckets, counters)."""
    server.reset()
    for pattern in (f"hw:scripted:{scripted_name()}-*", f"{adaptive_prefix}:*"):
        keys = list(client.scan_iter(pattern, count=500))
        if keys:
            client.delete(*keys)
