"""Model routing: a validated model list -> a litellm Router, and the targets of one call.

The config (settings.HW_LLM_ROUTER, JSON or a YAML/JSON file; or the simple HW_LLM_MODELS list)
names deployments, each serving one logical model (`model_name`) through one provider, with its
own limits and price; `fallbacks` name other logical models to try when every deployment of one
has failed, `context_window_fallbacks` larger-context models used only when a prompt does not fit.
`providers` override the retry / breaker / limit defaults per provider.

litellm's Router holds the deployments (clients, parameters) and makes each call, addressed by
deployment id, with its own retries, fallbacks and cooldowns switched off: those are done once,
for every process together, by tools.adaptive_io around it (see docs/adaptive_io.md).
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import cache
from typing import Any

import litellm
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tools.adaptive_io import IOPolicy, Target, merge_policy
from tools.adaptive_io.ratelimit import Bucket

# Providers that run in this process (agents.llm.providers): retrying or breaking them is pointless,
# and tests script their failures one step at a time.
LOCAL_PROVIDERS = frozenset({"handywriterz", "scripted"})
LOCAL_POLICY = {"retry": {"max_attempts": 1}, "breaker": {"enabled": False}}
_ID = re.compile(r"^[A-Za-z0-9_.:/@-]{1,120}$")


class RouterConfigError(ValueError):
    """The model-list configuration is invalid; the message says where."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeploymentConfig(Strict):
    id: str = Field(description="Unique and stable: rate buckets, breakers and cost rows are keyed on it.")
    model_name: str = Field(description="The logical model this deployment serves, e.g. 'default'.")
    litellm_params: dict[str, Any] = Field(description="Passed to litellm: model, api_base, api_key ...")
    provider: str | None = Field(None, description="Breaker and provider-limit group; default: the model's prefix.")
    rpm: float | None = Field(None, gt=0, description="This deployment's requests per minute (shared).")
    tpm: float | None = Field(None, gt=0, description="This deployment's tokens per minute (shared).")
    max_input_tokens: int | None = Field(None, gt=0, description="Context window for the prompt.")
    input_cost_per_token: Decimal | None = Field(None, ge=0)
    output_cost_per_token: Decimal | None = Field(None, ge=0)
    timeout: float | None = Field(None, gt=0)
    chars_per_token: float = Field(3.0, gt=0, description="For the conservative prompt estimate (lower = more).")

    @model_validator(mode="after")
    def _check(self) -> DeploymentConfig:
        if not _ID.match(self.id):
            raise ValueError(f"deployment id {self.id!r} must be 1-120 of letters, digits and _.:/@-")
        if not isinstance(self.litellm_params.get("model"), str):
            raise ValueError(f"deployment {self.id!r}: litellm_params.model is required")
        return self

    @property
    def provider_name(self) -> str:
        return self.provider or self.litellm_params["model"].split("/", 1)[0]


class RouterConfig(Strict):
    deployments: list[DeploymentConfig] = Field(min_length=1)
    default_model: str | None = None
    fallbacks: dict[str, list[str]] = {}
    context_window_fallbacks: dict[str, list[str]] = {}
    providers: dict[str, dict[str, Any]] = Field({}, description="Provider name -> IOPolicy overrides.")

    @model_validator(mode="after")
    def _check(self) -> RouterConfig:
        ids = [item.id for item in self.deployments]
        duplicates = sorted({name for name in ids if ids.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate deployment ids: {duplicates}")
        names = {item.model_name for item in self.deployments}
        wanted = {self.default_model} if self.default_model else set()
        for table in (self.fallbacks, self.context_window_fallbacks):
            for source, chain in table.items():
                wanted |= {source, *chain}
        unknown = sorted(wanted - names)
        if unknown:
            raise ValueError(f"unknown models {unknown}; models served by deployments: {sorted(names)}")
        for provider, override in self.providers.items():
            try:
                merge_policy(IOPolicy(), override)
            except ValidationError as error:
                raise ValueError(f"providers.{provider}: {error}") from error
        return self

    @property
    def primary(self) -> str:
        return self.default_model or self.deployments[0].model_name


def simple_config(models: list[str]) -> dict[str, Any]:
    """HW_LLM_MODELS (litellm model strings, in order) as one logical model 'default'."""
    return {"deployments": [{"id": model, "model_name": "default", "litellm_params": {"model": model}} for model in models]}


def load_router_config(raw: dict[str, Any] | None, simple_models: list[str]) -> RouterConfig:
    """The validated config: `raw` when given (HW_LLM_ROUTER), else the simple list."""
    data = raw if raw else simple_config(simple_models)
    try:
        return RouterConfig.model_validate(data)
    except ValidationError as error:
        raise RouterConfigError(f"the model router configuration is invalid: {error}") from error


def estimate_prompt_tokens(messages: list[dict], chars_per_token: float = 3.0) -> int:
    """An upper estimate of the prompt's tokens: budgets reserve on it, so it errs high."""
    chars = sum(len(str(message.get("content") or "")) for message in messages)
    return math.ceil(chars / chars_per_token) + 4 * len(messages) + 3


class ModelRouter:
    """The deployments of one config, the litellm Router over them, and their policies."""

    def __init__(self, config: RouterConfig, defaults: IOPolicy) -> None:
        self.config = config
        self.deployments = {item.id: item for item in config.deployments}
        self.router = litellm.Router(
            model_list=[self._litellm_entry(item) for item in config.deployments],
            num_retries=0,  # our loop is the only retry loop
            retry_after=0,
            disable_cooldowns=True,  # litellm's cooldowns are per process; ours are shared in Redis
            fallbacks=[],
            context_window_fallbacks=[],
        )
        self.policies = {name: self._policy(name, defaults) for name in {d.provider_name for d in config.deployments}}

    @staticmethod
    def _litellm_entry(item: DeploymentConfig) -> dict[str, Any]:
        params = dict(item.litellm_params)
        params.setdefault("max_retries", 0)  # no hidden retries in the provider SDK either
        return {"model_name": item.model_name, "litellm_params": params, "model_info": {"id": item.id}}

    def _policy(self, provider: str, defaults: IOPolicy) -> IOPolicy:
        policy = merge_policy(defaults, LOCAL_POLICY) if provider in LOCAL_PROVIDERS else defaults
        return merge_policy(policy, self.config.providers.get(provider))

    def chain(self, model: str | None) -> tuple[list[str], list[str]]:
        """The logical models to try in order, and the larger-context ones kept in standby."""
        primary = model or self.config.primary
        if primary not in {item.model_name for item in self.config.deployments}:
            raise RouterConfigError(f"unknown model {primary!r}; known: {sorted({d.model_name for d in self.config.deployments})}")
        order = [primary] + [name for name in self.config.fallbacks.get(primary, []) if name != primary]
        standby = [name for name in self.config.context_window_fallbacks.get(primary, []) if name not in order]
        return order, standby

    def targets(self, model: str | None, messages: list[dict]) -> tuple[list[Target], bool, dict[str, int]]:
        """Targets in order, whether the prompt already overflows every primary one, and the
        prompt estimate per deployment id."""
        order, standby = self.chain(model)
        targets: list[Target] = []
        estimates: dict[str, int] = {}
        overflowing = 0
        for names, is_standby in ((order, False), (standby, True)):
            for name in names:
                for item in (d for d in self.config.deployments if d.model_name == name):
                    estimates[item.id] = estimate_prompt_tokens(messages, item.chars_per_token)
                    if item.max_input_tokens and estimates[item.id] > item.max_input_tokens:
                        overflowing += not is_standby
                        continue
                    targets.append(self._target(item, is_standby))
        primaries = sum(1 for name in order for d in self.config.deployments if d.model_name == name)
        return targets, overflowing == primaries, estimates

    def _target(self, item: DeploymentConfig, standby: bool) -> Target:
        provider = item.provider_name
        policy = self.policies[provider]
        if item.timeout:
            policy = policy.model_copy(update={"timeout": item.timeout})
        burst = policy.burst_seconds
        requests, tokens = [], []
        for scope, rpm, tpm in ((f"deployment:{item.id}", item.rpm, item.tpm), (f"provider:{provider}", policy.rpm, policy.tpm)):
            if rpm:
                requests.append(Bucket.per_minute(f"{scope}:rpm", rpm, burst))
            if tpm:
                tokens.append(Bucket.per_minute(f"{scope}:tpm", tpm, burst))
        return Target(f"llm:{item.id}", f"provider:{provider}", policy, tuple(requests), tuple(tokens), standby, item)

    def prices(self, item: DeploymentConfig) -> tuple[Decimal, Decimal]:
        """USD per input and output token: the config's, else litellm's price list, else zero."""
        if item.input_cost_per_token is not None or item.output_cost_per_token is not None:
            return item.input_cost_per_token or Decimal(0), item.output_cost_per_token or Decimal(0)
        return _listed_prices(item.litellm_params["model"])

    def cost(self, item: DeploymentConfig, prompt_tokens: int, completion_tokens: int) -> Decimal:
        price_in, price_out = self.prices(item)
        return price_in * prompt_tokens + price_out * completion_tokens

    def complete(self, item: DeploymentConfig, messages: list[dict], *, timeout: float, **options: Any) -> Any:
        return self.router.completion(model=item.id, messages=messages, timeout=timeout, num_retries=0, **options)


@cache
def _listed_prices(model: str) -> tuple[Decimal, Decimal]:
    try:
        info = litellm.get_model_info(model)
    except Exception:  # noqa: BLE001 - unknown to litellm's price list (local, custom, fake): free
        return Decimal(0), Decimal(0)
    return Decimal(str(info.get("input_cost_per_token") or 0)), Decimal(str(info.get("output_cost_per_token") or 0))


@cache
def _cached_router(config_json: str, defaults_json: str) -> ModelRouter:
    return ModelRouter(RouterConfig.model_validate_json(config_json), IOPolicy.model_validate_json(defaults_json))


def model_router(config: RouterConfig, defaults: IOPolicy) -> ModelRouter:
    """One ModelRouter (and litellm Router) per process per configuration."""
    return _cached_router(config.model_dump_json(), defaults.model_dump_json())
