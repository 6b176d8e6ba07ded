"""The LLM gateway through litellm's Router against fake OpenAI-compatible servers on 127.0.0.1,
with adaptive IO on real Redis: Retry-After, failover, breakers, context windows, timeouts and
budgets that hold under concurrency."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from agents.llm import BudgetExceeded, LLMError, LLMGateway, ProvidersUnavailable, UsageMeter, load_router_config
from tests.adaptive_io.conftest import deployment
from tools.adaptive_io import BudgetScope, IOPolicy

FAST = IOPolicy(timeout=5.0, retry={"base_delay": 0.05, "max_delay": 0.3}, breaker={"failure_threshold": 3, "open_seconds": 30})
INPUTS = {"goal": "Write on urban heat", "title": "Urban heat", "deliverable": "essay", "heading": "Introduction",
          "points": ["define heat islands"], "words": 120, "previous": []}


def gateway(io, deployments: list[dict], defaults: IOPolicy = FAST, **options) -> LLMGateway:
    extra = {key: options.pop(key) for key in ("fallbacks", "context_window_fallbacks", "providers") if key in options}
    config = load_router_config(json.loads(json.dumps({"deployments": deployments, **extra}, default=str)), [])
    return LLMGateway(config, io=io, defaults=defaults, meter=UsageMeter(), **options)


def test_a_429_with_retry_after_is_waited_out_then_the_call_succeeds(io, fake_providers):
    # given the only provider answers its first three calls with 429 and Retry-After: 1
    (provider,) = fake_providers("a")
    provider.then("429", times=3, retry_after=1)
    llm = gateway(io, [deployment(provider)])

    # when a section is written
    started = time.monotonic()
    result = llm.complete("write_section", INPUTS)

    # then it succeeds on the fourth call and each retry came at least a second after a 429
    assert result.text and len(provider.calls()) == 4
    log = provider.calls()
    gaps = [later.arrived - earlier.answered for earlier, later in zip(log, log[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps), gaps
    assert all(gap < 2.0 for gap in gaps), gaps  # honoured, not padded by a long backoff
    assert time.monotonic() - started < 12
    assert [record.outcome for record in llm.meter.records] == ["rate_limited"] * 3 + ["ok"]


def test_a_failing_provider_fails_over_and_its_breaker_stops_the_hammering(io, fake_providers):
    # given provider a answers 500 to everything, provider b is healthy, both serve 'default'
    a, b = fake_providers("a", "b")
    a.always("500")
    llm = gateway(io, [deployment(a), deployment(b)])

    # when five calls are made one after another
    for _ in range(5):
        llm.complete("write_section", INPUTS)

    # then every call was answered by b, and a was called only until its breaker opened
    assert len(b.calls(200)) == 5
    assert len(a.calls()) == 3  # failure_threshold
    assert io.breaker.snapshot("provider:fake-a")["state"] == "open"


def test_one_retry_loop_no_hidden_retries_and_a_cap(io, fake_providers):
    # given two providers that both fail: the SDK's and the Router's own retries must not add calls
    a, b = fake_providers("a", "b")
    a.always("500")
    b.always("500")
    policy = FAST.model_copy(update={"retry": FAST.retry.model_copy(update={"max_attempts": 2}),
                                     "breaker": FAST.breaker.model_copy(update={"enabled": False})})
    llm = gateway(io, [deployment(a), deployment(b, model_name="backup")], defaults=policy, fallbacks={"default": ["backup"]})

    with pytest.raises(LLMError, match="every model failed: dep-a"):
        llm.complete("write_section", INPUTS)

    # then each deployment got exactly max_attempts calls: a fallback never restarts the cycle
    assert (len(a.calls()), len(b.calls())) == (2, 2)


def test_a_bad_request_is_not_retried_but_a_bad_key_fails_over(io, fake_providers):
    a, b = fake_providers("a", "b")
    a.then("400")
    with pytest.raises(LLMError, match="refused the request"):
        gateway(io, [deployment(a), deployment(b)]).complete("write_section", INPUTS)
    assert (len(a.calls()), len(b.calls())) == (1, 0)
    a.then("401")
    assert gateway(io, [deployment(a), deployment(b)]).complete("write_section", INPUTS).text
    assert (len(a.calls()), len(b.calls())) == (2, 1)


def test_a_prompt_too_long_goes_to_the_larger_context_model(io, fake_providers):
    # given a small model whose server rejects long prompts, and a long-context standby
    small, large = fake_providers("small", "large")
    small.max_context_tokens = 50
    deployments = [deployment(small), deployment(large, model_name="long")]
    llm = gateway(io, deployments, context_window_fallbacks={"default": ["long"]})

    # when the server refuses, the call moves to the larger model (and a short prompt stays small)
    assert llm.complete("write_section", INPUTS).text
    assert [item.status for item in small.calls()] == [400] and len(large.calls(200)) == 1

    # and when the config says the prompt cannot fit, the small model is not even called
    deployments[0]["max_input_tokens"] = 50
    gateway(io, deployments, context_window_fallbacks={"default": ["long"]}).complete("write_section", INPUTS)
    assert len(small.calls()) == 1 and len(large.calls(200)) == 2


def test_a_hanging_provider_times_out_is_charged_the_estimate_and_retried(io, fake_providers):
    (provider,) = fake_providers("a")
    provider.then("hang", seconds=3)
    policy = FAST.model_copy(update={"timeout": 1.0})
    scope = BudgetScope("run", "run:hang", "the run's budget", Decimal("1"))
    llm = gateway(io, [deployment(provider)], defaults=policy, budget=[scope])

    started = time.monotonic()
    assert llm.complete("write_section", INPUTS).text
    assert time.monotonic() - started < 2.8

    timed_out, answered = llm.meter.records
    assert timed_out.outcome == "transient" and timed_out.cost_usd > 0
    assert answered.outcome == "ok"
    assert io.ledger.spent(scope) == (timed_out.cost_usd + answered.cost_usd).quantize(Decimal("0.000001"))


def test_when_every_provider_is_cooling_down_it_waits_for_the_earliest_within_the_deadline(io, fake_providers):
    a, b = fake_providers("a", "b")
    for provider in (a, b):
        io.breaker.cool_down(f"provider:fake-{provider.name}", 0.8 if provider is a else 3.0, FAST.breaker)
    llm = gateway(io, [deployment(a), deployment(b)], deadline=time.monotonic() + 5)

    started = time.monotonic()
    llm.complete("write_section", INPUTS)
    assert 0.75 < time.monotonic() - started < 2.0 and len(a.calls(200)) == 1 and not b.calls()

    # and when the earliest is beyond the step's deadline it says so instead of waiting
    io.breaker.cool_down("provider:fake-a", 10, FAST.breaker)
    io.breaker.cool_down("provider:fake-b", 10, FAST.breaker)
    with pytest.raises(ProvidersUnavailable, match="cooling down"):
        gateway(io, [deployment(a), deployment(b)], deadline=time.monotonic() + 5).complete("write_section", INPUTS)


def test_twenty_concurrent_calls_never_spend_more_than_the_budget(io, fake_providers):
    # given a run budget with room for five calls' reservations
    (provider,) = fake_providers("a", latency=0.3, completion_tokens=200)
    config = [deployment(provider, input_cost_per_token="0.00001", output_cost_per_token="0.00002")]
    probe = gateway(io, config)
    messages_tokens = max(probe.router.targets(None, _messages())[2].values())
    estimate = Decimal("0.00001") * messages_tokens + Decimal("0.00002") * 400
    budget = (estimate * 5).quantize(Decimal("0.01"), rounding="ROUND_UP")
    scope = BudgetScope("run", "run:twenty", f"the run's budget of ${budget}", budget)

    # when twenty calls start at once, each from its own step's gateway
    def call(_: int) -> tuple[str, Decimal]:
        llm = gateway(io, config, budget=[scope])
        try:
            llm.complete("write_section", INPUTS, max_tokens=400)
            return "ok", llm.meter.cost_usd
        except BudgetExceeded:
            return "refused", llm.meter.cost_usd

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(call, range(20)))

    # then no more than the budget was spent, to the micro-dollar, and the ledger agrees
    done = [cost for status, cost in outcomes if status == "ok"]
    spent = sum(done, Decimal(0))
    assert 5 <= len(done) < 20
    assert spent <= budget, (spent, budget)
    assert io.ledger.spent(scope) == spent
    assert io.ledger.reserved(scope) == 0
    assert len(provider.calls()) == len(done)


def _messages() -> list[dict]:
    from agents.prompts import render_prompt

    return render_prompt("write_section", INPUTS)
