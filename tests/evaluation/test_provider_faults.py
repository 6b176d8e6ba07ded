"""Provider faults of the harness: a standing `down` on the primary scripted provider makes every
call fail over to the secondary; removing it ends the fault (agents/llm/providers.py)."""
from __future__ import annotations

from django.conf import settings

from agents.llm import LLMGateway, UsageMeter

INPUTS = {"goal": "Write about canals", "words": 300, "sections": 3, "deliverable": "essay"}
SECTION = {**INPUTS, "title": "Canals", "heading": "Intro", "points": ["a"], "previous": []}


def gateway(models: list[str]) -> LLMGateway:
    return LLMGateway(models, meter=UsageMeter(), provider_options={"redis_url": settings.REDIS_URL})


def test_a_down_primary_fails_every_call_over_to_the_secondary_until_the_fault_is_cleared(script):
    primary, secondary = f"{settings.HW_LLM_MODELS[0]}-primary", f"{settings.HW_LLM_MODELS[0]}-secondary"
    name = primary.split("/", 1)[1]
    script.client.set(f"hw:scripted:{name}:down", 1)
    llm = gateway([primary, secondary])

    # when two calls are made while the primary is down
    answers = [llm.complete("write_section", SECTION) for _ in range(2)]

    # then both were answered by the secondary
    assert [answer.model for answer in answers] == [secondary, secondary]

    # and once the fault is cleared the primary answers again
    script.client.delete(f"hw:scripted:{name}:down")
    assert gateway([primary, secondary]).complete("write_section", SECTION).model == primary
    for model in (primary, secondary):
        script.client.delete(f"hw:scripted:{model.split('/', 1)[1]}:calls")
