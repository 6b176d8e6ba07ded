"""How the engine turns adaptive IO's signals into run states, step by step in this process
(no worker): a spent daily budget pauses until tomorrow, an outage pauses and, past its limit,
fails the run with a reason; plus the operator's view of costs and the config check."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from journeys import adaptive, engine, services
from journeys.checks import check_adaptive_io
from journeys.models import ProviderCall, Run, RunStatus
from tests.adaptive_io.conftest import deployment, router_json
from tools.adaptive_io import BreakerPolicy

GOAL = "Write an essay on urban heat islands and public health"


@pytest.fixture
def routed(db, settings, namespace, fake_providers):
    """The test process's engine routed to fake provider 'a' in this test's Redis namespace."""
    (provider,) = fake_providers("a")
    settings.HW_LLM_ROUTER = json.loads(router_json([deployment(provider)]))
    settings.HW_ADAPTIVE_PREFIX = namespace
    caches = (adaptive.router_config, adaptive.adaptive_io, adaptive.io_defaults)
    for cached in caches:
        cached.cache_clear()
    yield provider
    for cached in caches:
        cached.cache_clear()


@pytest.fixture
def writer_user(db):
    return get_user_model().objects.create_user("writer", password="a-long-passphrase-2")


def test_a_spent_daily_budget_pauses_the_run_until_tomorrow(routed, settings, writer_user):
    # given a user whose daily budget cannot cover one call
    settings.HW_USER_DAILY_BUDGET_USD = 0.001
    run = services.start_run(writer_user, "write", GOAL, words=200)

    # when its first step runs
    assert engine.advance(run.pk, 0) == "done"

    # then no call was made and the run waits for the next day (UTC), resumed by the reaper then
    run.refresh_from_db()
    assert run.status == RunStatus.PAUSED and routed.calls() == []
    assert abs((run.resume_at - adaptive.next_midnight()).total_seconds()) < 1
    assert "daily budget of $0.001 per user" in run.status_reason
    assert services.resume_due_runs() == 0
    Run.objects.filter(pk=run.pk).update(resume_at=timezone.now() - timezone.timedelta(seconds=1))
    assert services.resume_due_runs() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.resume_at is None and run.route == run.policy["start_route"]


def test_an_outage_pauses_and_after_its_limit_fails_the_run_with_a_reason(routed, settings, writer_user, io):
    # given the only provider keeps away for longer than a step may wait (HW_IO_MAX_WAIT_SECONDS)
    settings.HW_IO_DEFAULTS = {**settings.HW_IO_DEFAULTS, "max_wait": 5.0}
    adaptive.io_defaults.cache_clear()
    adaptive.adaptive_io().breaker.cool_down("provider:fake-a", 60, BreakerPolicy())
    run = services.start_run(writer_user, "write", GOAL, words=200)

    # when a step runs, the run pauses until the provider may be tried, without an error step
    engine.advance(run.pk, 0)
    run.refresh_from_db()
    assert run.status == RunStatus.PAUSED and routed.calls() == []
    assert 50 < (run.resume_at - timezone.now()).total_seconds() <= 60
    assert run.steps.get(seq=0).error.startswith("ProvidersUnavailable")
    assert run.state["outage"]["pauses"] == 1 and "errors" not in run.state

    # when the outage has lasted longer than HW_PROVIDER_OUTAGE_MAX_SECONDS, the run fails, saying why
    settings.HW_PROVIDER_OUTAGE_MAX_SECONDS = 60
    since = (timezone.now() - timezone.timedelta(minutes=5)).isoformat()
    Run.objects.filter(pk=run.pk).update(state={**run.state, "outage": {"since": since, "pauses": 3}},
                                          resume_at=timezone.now())
    services.resume_due_runs()
    engine.advance(run.pk, 1)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.status_reason.startswith("no LLM provider answered for 5 minutes")


def test_costs_are_visible_per_provider_and_per_user(admin_client, writer_user, capsys):
    run = services.start_run(writer_user, "write", GOAL, words=200)
    now = timezone.now()
    for provider, cost, outcome in (("openai", "0.0105", "ok"), ("openai", "0.0000", "rate_limited"), ("azure", "0.002", "ok")):
        ProviderCall.objects.create(run=run, user=writer_user, seq=0, provider=provider, deployment=f"{provider}-1",
                                    model="m", outcome=outcome, cost_usd=Decimal(cost), started_at=now)

    page = admin_client.get("/admin/journeys/providercall/")
    assert page.status_code == 200
    assert page.context["cost_by_provider"][0] == {
        "key": "openai", "calls": 2, "failed": 1, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": Decimal("0.0105"),
    }
    assert page.context["cost_by_user"][0]["key"] == "writer" and page.context["cost_by_user"][0]["cost_usd"] == Decimal("0.0125")

    call_command("costs", "--by", "user")
    assert "writer" in capsys.readouterr().out
    with pytest.raises(Exception, match="cannot group costs by 'color'"):
        call_command("costs", "--by", "color")


def test_an_invalid_router_config_is_a_clear_check_error(db, settings):
    settings.HW_LLM_ROUTER = {"deployments": [{"id": "a", "model_name": "default", "litellm_params": {"model": "openai/x"}}],
                              "fallbacks": {"default": ["missing"]}}
    adaptive.router_config.cache_clear()
    try:
        errors = check_adaptive_io()
    finally:
        adaptive.router_config.cache_clear()
    assert [error.id for error in errors] == ["journeys.E001"]
    assert "unknown models ['missing']" in errors[0].msg
