"""The built-in models, plugged into litellm as custom providers.

- ``handywriterz/offline``: a deterministic model that needs no network (agents.llm.offline).
- ``scripted/<name>``: answers from a script kept in Redis (tests and fault drills), so every
  worker process sees the same script; tasks without a scripted answer fall through to the
  offline model.
"""
from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

import litellm
from litellm import CustomLLM
from litellm.llms.custom_llm import CustomLLMError
from litellm.types.utils import ModelResponse
from litellm.utils import custom_llm_setup

from agents.llm import offline
from agents.prompts import parse_task_block

_lock = threading.Lock()
_registered: dict[str, Any] = {}


def estimate_tokens(text: str) -> int:
    """About four characters a token, the usual rule of thumb for English."""
    return max(1, math.ceil(len(text) / 4))


def _respond(model_response: ModelResponse, model: str, messages: list, text: str) -> ModelResponse:
    prompt_text = "".join(str(message.get("content") or "") for message in messages)
    model_response.choices[0].message.content = text  # type: ignore[union-attr]
    model_response.model = model
    prompt_tokens, completion_tokens = estimate_tokens(prompt_text), estimate_tokens(text)
    model_response.usage = litellm.Usage(  # type: ignore[attr-defined]
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )
    return model_response


class OfflineModel(CustomLLM):
    def __init__(self, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        if self.latency:
            time.sleep(self.latency)
        try:
            task, inputs = parse_task_block(messages)
            text = offline.answer(task, inputs)
        except (ValueError, KeyError) as error:
            raise CustomLLMError(status_code=400, message=f"offline model: {error}") from error
        return _respond(kwargs["model_response"], model, messages, text)


class ScriptedModel(CustomLLM):
    """Pops scripted answers from Redis lists ``hw:scripted:<name>:<task>`` then ``...:*``.

    An item is JSON: ``{"text": "..."}`` to answer, ``{"error": 429, "message": "..."}`` to fail
    the call; ``"latency": s`` delays it; ``"hold": "name"`` blocks it until the key
    ``hw:scripted:<name>:release:<hold>`` exists (at most ``hold_max`` seconds, default 60), which
    lets a test act while a step is provably in flight. Without ``text`` or ``error`` the offline
    model answers.

    Standing faults (the evaluation harness's provider faults): while ``hw:scripted:<name>:down``
    exists every call fails with 503; ``hw:scripted:<name>:latency`` (seconds) delays every call.
    """

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        import redis  # the scripted model is the only provider that needs Redis

        self.redis = redis.Redis.from_url(redis_url)

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        name = model.split("/", 1)[-1]
        task, inputs = parse_task_block(messages)
        self._standing_faults(name)
        item = self.redis.lpop(f"hw:scripted:{name}:{task}") or self.redis.lpop(f"hw:scripted:{name}:*")
        self.redis.incr(f"hw:scripted:{name}:calls")
        if item is None:
            return _respond(kwargs["model_response"], model, messages, offline.answer(task, inputs))
        answer = json.loads(item)
        if answer.get("latency"):
            time.sleep(float(answer["latency"]))
        if answer.get("hold"):
            self._hold(f"hw:scripted:{name}:release:{answer['hold']}", float(answer.get("hold_max", 60)))
        if "error" in answer:
            raise CustomLLMError(status_code=int(answer["error"]), message=answer.get("message", "scripted failure"))
        text = answer["text"] if "text" in answer else offline.answer(task, inputs)
        return _respond(kwargs["model_response"], model, messages, text)

    def _standing_faults(self, name: str) -> None:
        latency, down = self.redis.mget(f"hw:scripted:{name}:latency", f"hw:scripted:{name}:down")
        if latency:
            time.sleep(float(latency))
        if down:
            self.redis.incr(f"hw:scripted:{name}:calls")
            raise CustomLLMError(status_code=503, message=f"scripted provider {name} is down")

    def _hold(self, key: str, limit: float) -> None:
        deadline = time.monotonic() + limit
        while not self.redis.exists(key) and time.monotonic() < deadline:
            time.sleep(0.05)


def register_builtin_providers(*, offline_latency: float = 0.0, redis_url: str | None = None) -> None:
    """Make the built-in providers known to litellm (once per process; idempotent)."""
    key = f"{offline_latency}|{redis_url}"
    with _lock:
        if _registered.get("key") == key:
            return
        providers = [{"provider": "handywriterz", "custom_handler": OfflineModel(offline_latency)}]
        if redis_url:
            providers.append({"provider": "scripted", "custom_handler": ScriptedModel(redis_url)})
        others = [item for item in litellm.custom_provider_map if item["provider"] not in {"handywriterz", "scripted"}]
        litellm.custom_provider_map = others + providers
        custom_llm_setup()
        _registered["key"] = key
