"""The LLM gateway through litellm, with the scripted model at the provider edge (Redis-backed)."""
from __future__ import annotations

import pytest
from django.conf import settings

from agents.llm import LLMGateway, LLMOutputInvalid, UsageMeter
from agents.llm.gateway import LLMError
from agents.planner import OUTLINE_SCHEMA

INPUTS = {"goal": "Write about canals", "words": 300, "sections": 3, "deliverable": "essay"}


def gateway(models: list[str] | None = None) -> LLMGateway:
    return LLMGateway(
        models or settings.HW_LLM_MODELS, meter=UsageMeter(), provider_options={"redis_url": settings.REDIS_URL}
    )


def test_structured_output_is_validated_and_repaired_once(script):
    # given a model whose first answer is not JSON
    script.push("plan_outline", text="Sure! Here is an outline: intro, body, end.")
    llm = gateway()

    # when the gateway asks for a schema-shaped answer
    result = llm.complete("plan_outline", INPUTS, schema=OUTLINE_SCHEMA)

    # then it re-asked once (the offline skill answered the repair) and validated the result
    assert [section["heading"] for section in result.data["sections"]][0] == "Introduction"
    assert llm.meter.calls == 2 and llm.meter.tokens > 0


def test_structured_output_invalid_twice_is_a_clear_failure(script):
    script.push("plan_outline", text='{"title": "x"}')
    script.push("plan_outline", text='{"title": "x", "sections": "none"}')

    with pytest.raises(LLMOutputInvalid, match="schema violation at sections"):
        gateway().complete("plan_outline", INPUTS, schema=OUTLINE_SCHEMA)


def test_a_failing_model_falls_over_to_the_next(script):
    script.push("write_section", error=503, message="overloaded")
    llm = gateway([settings.HW_LLM_MODELS[0], "handywriterz/offline"])

    result = llm.complete("write_section", {**INPUTS, "title": "Canals", "heading": "Intro", "points": ["a"], "previous": []})

    assert result.model == "handywriterz/offline" and len(result.text.split()) >= 300


def test_every_model_failing_names_each_failure(script):
    script.push("write_section", error=500, message="boom")
    with pytest.raises(LLMError, match="every model failed: scripted/.*boom"):
        gateway().complete("write_section", {**INPUTS, "title": "C", "heading": "I", "points": [], "previous": []})


def test_unknown_prompt_and_missing_inputs_are_refused():
    from jinja2 import UndefinedError

    from agents.prompts import UnknownPrompt

    with pytest.raises(UnknownPrompt, match="known: "):
        gateway(["handywriterz/offline"]).complete("no_such_task", {})
    with pytest.raises(UndefinedError):
        gateway(["handywriterz/offline"]).complete("plan_outline", {"goal": "x"})
