"""The one gateway every LLM call goes through (litellm underneath)."""
from agents.llm.gateway import LLMError, LLMGateway, LLMOutputInvalid, LLMResult, UsageMeter

__all__ = ["LLMError", "LLMGateway", "LLMOutputInvalid", "LLMResult", "UsageMeter"]
