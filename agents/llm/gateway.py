"""LLM gateway on litellm: prompts rendered from templates, models tried in order, structured
output validated against a JSON schema with one repair re-ask, usage and cost metered per step.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonschema
import litellm

from agents.llm.providers import register_builtin_providers
from agents.prompts import render_prompt

logger = logging.getLogger(__name__)

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


class LLMError(RuntimeError):
    """Every configured model failed; the message names each failure."""


class LLMOutputInvalid(LLMError):
    """The model's structured answer did not match the schema, even after one repair re-ask."""


@dataclass
class UsageMeter:
    """Token and cost usage of one step, summed over its calls. Thread-safe."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt_tokens: int, completion_tokens: int, cost_usd: Decimal) -> None:
        with self._lock:
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += completion_tokens
            self.cost_usd += cost_usd
            self.calls += 1


@dataclass(frozen=True)
class LLMResult:
    text: str
    model: str
    data: Any = None


class LLMGateway:
    """Calls models through litellm. One instance per step, bound to that step's meter."""

    def __init__(
        self,
        models: Sequence[str],
        *,
        meter: UsageMeter | None = None,
        timeout: float = 60.0,
        provider_options: dict[str, Any] | None = None,
    ) -> None:
        if not models:
            raise ValueError("at least one model is required")
        register_builtin_providers(**(provider_options or {}))
        self.models = list(models)
        self.meter = meter or UsageMeter()
        self.timeout = timeout

    def complete(
        self,
        task: str,
        inputs: dict[str, Any],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int = 1500,
        temperature: float = 0.2,
    ) -> LLMResult:
        """Render prompt `task` with `inputs`, call the models, validate against `schema`."""
        messages = render_prompt(task, inputs, schema=schema)
        text, model = self._call(messages, max_tokens=max_tokens, temperature=temperature)
        if schema is None:
            return LLMResult(text=text.strip(), model=model)
        try:
            return LLMResult(text=text, model=model, data=parse_structured(text, schema))
        except ValueError as first_error:
            repair = messages + [
                {"role": "assistant", "content": text},
                {
                    "role": "user",
                    "content": f"That answer is invalid: {first_error}. Reply again with only "
                    "a JSON value that matches the schema, nothing else.",
                },
            ]
            text, model = self._call(repair, max_tokens=max_tokens, temperature=0.0)
            try:
                return LLMResult(text=text, model=model, data=parse_structured(text, schema))
            except ValueError as second_error:
                raise LLMOutputInvalid(
                    f"{task}: structured output invalid after one repair: {second_error}"
                ) from second_error

    def _call(self, messages: list[dict], *, max_tokens: int, temperature: float) -> tuple[str, str]:
        failures = []
        for model in self.models:
            try:
                response = litellm.completion(
                    model=model,
                    messages=messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    timeout=self.timeout,
                    num_retries=0,
                )
            except Exception as error:  # noqa: BLE001 - any provider failure moves to the next model
                logger.warning("model %s failed: %s", model, error)
                failures.append(f"{model}: {type(error).__name__}: {str(error)[:200]}")
                continue
            self._meter(response)
            return response.choices[0].message.content or "", model
        raise LLMError("every model failed: " + "; ".join(failures))

    def _meter(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        try:
            cost = Decimal(str(litellm.completion_cost(completion_response=response) or 0))
        except Exception:  # noqa: BLE001 - models without a price (local, custom) cost nothing
            cost = Decimal("0")
        self.meter.add(prompt, completion, cost)


def parse_structured(text: str, schema: dict[str, Any]) -> Any:
    """Parse a JSON answer (code fences tolerated) and validate it; ValueError says why not."""
    cleaned = _FENCE.sub("", text.strip()).strip()
    try:
        data = json.loads(cleaned)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at position {error.pos})") from error
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise ValueError(f"schema violation at {where}: {error.message}") from error
    return data
