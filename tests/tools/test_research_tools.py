"""Acceptance through the real Researcher and its gate (journey research_probe, real workers):
registry tools searched alongside the providers, drift repaired by the SelfDebugger, a broken
tool rolled back while another carries the run, and an offered OpenAPI ingested when every
provider and widening rung came up empty."""
from __future__ import annotations

import json

from journeys import services as journeys
from journeys.models import Event, RunStatus, Source, Step
from tests.tools.conftest import search_code, search_tool_data
from tests.tools.test_tool_journeys import finish, nodes_of
from tools import services
from tools.models import RepairAttempt, ToolStatus, ToolVersion
from tools.patching import make_diff

GOAL = "Write an essay on urban heat islands and public health"


def bibliography(run) -> str:
    return run.artifacts.filter(name="deliverable").latest("version").content


def test_the_researcher_meets_drift_the_gate_routes_to_repair_and_the_patched_tool_finds_sources(
    worker, script, student, mini_scholar, quiet_providers
):
    # given providers that find nothing and a registry search tool whose upstream renamed "title"
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "alpha"))
    mini_scholar.upstreams["alpha"].rename = {"title": "display_name"}

    # when a research probe runs
    run = finish(journeys.start_run(student, "research_probe", GOAL, spec={"min_sources": 1}))

    # then: researcher (drift) -> gate (repair) -> SelfDebugger (promoted) -> researcher (finds) -> ...
    # (the probe's minimum of 6 sources makes it widen on before delivering what the tool found)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    nodes = nodes_of(run)
    assert nodes[:5] == ["researcher", "research_gate", "self_debugger", "researcher", "research_gate"]
    assert nodes[-1] == "bibliography"
    gate = Step.objects.get(run=run, seq=1).verdict
    assert gate["route"] == "repair" and "schema drift in alpha.search v1" in gate["reasons"][0]
    assert ToolVersion.objects.get(tool__name="alpha.search", status=ToolStatus.ACTIVE).number == 2
    assert RepairAttempt.objects.get(run_id=run.pk).outcome == "promoted"
    assert run.state["research"]["tools_tried"] == ["alpha.search@1", "alpha.search@2"]
    assert Event.objects.filter(run=run, seq=3, kind="evidence", message__contains="found by alpha.search").count() == 2
    sources = Source.objects.filter(run=run)
    assert sources.exists() and set(sources.values_list("provider", flat=True)) == {"alpha.search"}
    assert "Urban heat islands and heat-related mortality" in bibliography(run)


def test_a_tool_no_patch_saves_is_rolled_back_while_another_tool_carries_the_research(
    worker, script, student, mini_scholar, quiet_providers
):
    # given two registry search tools; alpha's upstream dropped "title" altogether
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "alpha"))
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "beta"))
    mini_scholar.upstreams["alpha"].drop = {"title"}
    code = search_code(mini_scholar.base, "alpha")
    wrong = make_diff(code, code.replace('item.get("title")', 'item.get("label")'))
    script.push("tool_patch", text=json.dumps({"diff": wrong, "explanation": "a guess"}))

    # when a research probe runs
    run = finish(journeys.start_run(student, "research_probe", GOAL, spec={"min_sources": 1}))

    # then the repair failed, alpha stayed at v1 and was disabled, and beta's sources were delivered
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    nodes = nodes_of(run)
    assert nodes[:4] == ["researcher", "research_gate", "self_debugger", "research_gate"] and nodes[-1] == "bibliography"
    assert "self_debugger" not in nodes[3:]
    assert [item.outcome for item in RepairAttempt.objects.filter(run_id=run.pk).order_by("number")] == ["tests_failed", "no_patch"]
    assert list(ToolVersion.objects.filter(tool__name="alpha.search").values_list("number", "status")) == [(1, "active")]
    assert Event.objects.filter(run=run, kind="rollback").exists() and run.state["tools"]["disabled"] == ["alpha.search"]
    assert set(Source.objects.filter(run=run).values_list("provider", flat=True)) == {"beta.search"}


def test_when_every_provider_and_rung_is_dry_an_offered_openapi_is_ingested_searched_and_listed(
    worker, script, student, mini_scholar, quiet_providers
):
    # given providers that find nothing, no registry search tool, and an API description on offer
    offer = f"{mini_scholar.base}/openapi.json"

    # when a research probe runs
    run = finish(journeys.start_run(student, "research_probe", GOAL,
                                    spec={"min_sources": 1, "tool_offers": {"openapi": [offer]}}), timeout=240)

    # then after the widening ladder ran out it ingested the API, searched with the new tool, listed the find
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    nodes = nodes_of(run)
    assert nodes[-6:] == ["research_gate", "tool_ingestor", "research_gate", "researcher", "research_gate", "bibliography"]
    verdicts = [event.message for event in Event.objects.filter(run=run, kind="verdict").order_by("seq")]
    assert verdicts[-3].startswith("-> ingest: sources ran dry") and "newly ingested tools" in verdicts[-2]
    source = Source.objects.get(run=run)
    assert (source.provider, source.doi) == ("mini_scholar_api.search_papers", "10.5555/mini.2022.17")
    assert "Cooling centres and heat vulnerability in older adults" in bibliography(run)
    assert ToolVersion.objects.filter(run_id=run.pk, status=ToolStatus.CANDIDATE).count() == 2
