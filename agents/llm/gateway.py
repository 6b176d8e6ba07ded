"""LLM gateway on litellm: prompts rendered from templates, deployments chosen by a router
config with shared rate limits, breakers, retries and budget reservations around every call
(tools.adaptive_io), structured output validated against a JSON schema with one repair re-ask,
usage, cost and every try metered per step.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonschema

from agents.llm.providers import register_builtin_providers
from agents.llm.routing import RouterConfig, load_router_config, model_router
from agents.prompts import render_prompt
from tools.adaptive_io import (
    AdaptiveIO,
    AdaptiveIOError,
    BudgetScope,
    CallFailed,
    DependencyUnavailable,
    IOPolicy,
    RetryCaps,
    Target,
    classify,
)

logger = logging.getLogger(__name__)

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


class LLMError(RuntimeError):
    """Every configured model failed (or the request itself is wrong); the message says how."""


class LLMOutputInvalid(LLMError):
    """The model's structured answer did not match the schema, even after one repair re-ask."""


class ProvidersUnavailable(DependencyUnavailable):
    """Every deployment is open, cooling down or rate limited beyond the step's remaining time.
    The engine pauses the run and resumes it when the earliest deployment may be tried."""


@dataclass(frozen=True)
class CallRecord:
    """One try at one deployment, for cost accounting (the engine stores it with the step)."""

    provider: str
    deployment: str
    model: str
    outcome: str  # "ok" or a tools.adaptive_io.ErrorKind value
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    latency_ms: float = 0.0
    error: str = ""
    started_at: float = 0.0  # wall-clock time.time() when the try was sent (after its rate grant)


@dataclass
class UsageMeter:
    """Token and cost usage of one step, summed over its calls, and every try. Thread-safe."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    calls: int = 0
    records: list[CallRecord] = field(default_factory=list)
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

    def record(self, item: CallRecord) -> None:
        with self._lock:
            self.records.append(item)
            if item.outcome != "ok":
                # A failed try may still be charged (a timeout: the provider did the work).
                self.cost_usd += item.cost_usd


@dataclass(frozen=True)
class LLMResult:
    text: str
    model: str
    data: Any = None


class LLMGateway:
    """Calls models through litellm's Router with adaptive IO around each call.

    One instance per step, bound to that step's meter. Constructed by the engine with a shared
    AdaptiveIO (Redis), the step's budget scopes and deadline; with none of them it still routes,
    retries and fails over, but shares nothing. Agents never read settings: they get this.
    """

    def __init__(
        self,
        models: Sequence[str] | RouterConfig,
        *,
        meter: UsageMeter | None = None,
        timeout: float = 60.0,
        provider_options: dict[str, Any] | None = None,
        io: AdaptiveIO | None = None,
        defaults: IOPolicy | None = None,
        budget: Sequence[BudgetScope] = (),
        deadline: float | None = None,
        caps: RetryCaps | None = None,
        model: str | None = None,
    ) -> None:
        config = models if isinstance(models, RouterConfig) else load_router_config(None, list(models))
        register_builtin_providers(**(provider_options or {}))
        defaults = defaults or IOPolicy()
        if defaults.timeout is None:
            defaults = defaults.model_copy(update={"timeout": timeout})
        self.router = model_router(config, defaults)
        self.models = [item.id for item in config.deployments]
        self.meter = meter or UsageMeter()
        self.timeout = timeout
        self.io = io or AdaptiveIO(None)
        self.budget = tuple(budget)
        self.deadline = deadline
        self.caps = caps or RetryCaps()
        self.model = model

    def complete(
        self,
        task: str,
        inputs: dict[str, Any],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int = 1500,
        temperature: float = 0.2,
    ) -> LLMResult:
        """Render prompt `task` with `inputs`, call the models, validate against `schema`.

        Raises LLMError (LLMOutputInvalid for a bad structured answer), BudgetExceeded when a
        budget has no room for the call, ProvidersUnavailable when no deployment can be tried in
        time, RetriesExhausted when a retry cap is used up."""
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
        targets, overflowing, estimates = self.router.targets(self.model, messages)
        if not targets:
            raise LLMError(f"the prompt (~{max(estimates.values())} tokens) fits no configured model's context window")
        call = _Call(self, messages, max_tokens, temperature, estimates)
        try:
            response, target = self.io.run(
                targets, call.invoke, deadline=self.deadline, tokens=max(estimates.values()) + max_tokens,
                caps=self.caps, context_failed=overflowing, settle_tokens=_total_tokens,
            )
        except DependencyUnavailable as error:
            raise ProvidersUnavailable(error.names, error.wait_seconds, error.reasons) from error
        except CallFailed as error:
            tries = "; ".join(
                f"{item.target.payload.id} (try {item.number}): {item.error}" for item in error.attempts if item.error
            )
            raise LLMError(f"every model failed: {tries or error}") from error.last_error
        except AdaptiveIOError:
            raise
        except Exception as error:  # noqa: BLE001 - a permanent provider error: the request is wrong
            raise LLMError(f"the model refused the request: {type(error).__name__}: {str(error)[:300]}") from error
        return response.choices[0].message.content or "", target.payload.litellm_params["model"]


class _Call:
    """One logical call: reserve the budget, call one deployment, settle and meter it."""

    def __init__(self, gateway: LLMGateway, messages: list[dict], max_tokens: int, temperature: float, estimates: dict) -> None:
        self.gateway = gateway
        self.messages = messages
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.estimates = estimates

    def invoke(self, target: Target, timeout: float) -> Any:
        gateway, deployment = self.gateway, target.payload
        estimate = gateway.router.cost(deployment, self.estimates[deployment.id], self.max_tokens)
        ledger = gateway.io.ledger
        reservation = None
        if ledger is not None and gateway.budget and estimate > 0:
            reservation = ledger.reserve(gateway.budget, estimate, hold_seconds=timeout + 120)
        started, sent_at = time.monotonic(), time.time()
        try:
            response = gateway.router.complete(
                deployment, self.messages, timeout=timeout, max_tokens=self.max_tokens, temperature=self.temperature
            )
        except Exception as error:
            # A timed-out request may still be billed: charge the estimate, never less.
            charged = estimate if _timed_out(error) else Decimal(0)
            if reservation is not None:
                ledger.settle(reservation, charged)
            gateway.meter.record(self._record(target, classify(error).kind.value, started, sent_at, cost=charged, error=error))
            raise
        prompt, completion = _usage(response)
        cost = gateway.router.cost(deployment, prompt, completion)
        if reservation is not None:
            ledger.settle(reservation, cost)
        gateway.meter.add(prompt, completion, cost)
        gateway.meter.record(self._record(target, "ok", started, sent_at, prompt, completion, cost))
        return response

    @staticmethod
    def _record(target: Target, outcome: str, started: float, sent_at: float, prompt: int = 0, completion: int = 0,
                cost: Decimal = Decimal(0), error: BaseException | None = None) -> CallRecord:
        deployment = target.payload
        return CallRecord(
            provider=deployment.provider_name, deployment=deployment.id, model=deployment.litellm_params["model"],
            outcome=outcome, prompt_tokens=prompt, completion_tokens=completion, cost_usd=cost,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            error=f"{type(error).__name__}: {str(error)[:500]}" if error else "", started_at=sent_at,
        )


def _usage(response: Any) -> tuple[int, int]:
    usage = getattr(response, "usage", None)
    return int(getattr(usage, "prompt_tokens", 0) or 0), int(getattr(usage, "completion_tokens", 0) or 0)


def _total_tokens(response: Any) -> float:
    prompt, completion = _usage(response)
    return prompt + completion


def _timed_out(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or any("Timeout" in cls.__name__ for cls in type(error).__mro__)


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
