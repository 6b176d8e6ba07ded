"""The one gateway every LLM call goes through (litellm underneath)."""
from agents.llm.gateway import (
    CallRecord,
    LLMError,
    LLMGateway,
    LLMOutputInvalid,
    LLMResult,
    ProvidersUnavailable,
    UsageMeter,
)
from agents.llm.routing import RouterConfig, RouterConfigError, load_router_config
from tools.adaptive_io import BudgetExceeded, RetriesExhausted

__all__ = [
    "BudgetExceeded", "CallRecord", "LLMError", "LLMGateway", "LLMOutputInvalid", "LLMResult", "ProvidersUnavailable",
    "RetriesExhausted", "RouterConfig", "RouterConfigError", "UsageMeter", "load_router_config",
]
