"""Acceptance, on real workers: a drifting tool repaired mid-run; a tool no patch can save
rolled back while the run continues through another; an OpenAPI description ingested when the
sources run dry, its new tool used and its find cited."""
from __future__ import annotations

import json

from journeys import services as journeys
from journeys.models import Event, Run, RunStatus, Source, Step
from tests.conftest import wait_for
from tests.tools.conftest import search_code, search_tool_data
from tools import services
from tools.models import RepairAttempt, ToolStatus, ToolVersion
from tools.patching import make_diff

GOAL = "Write a research brief on urban heat islands and public health"


def finish(run: Run, timeout: float = 150) -> Run:
    def ended():
        run.refresh_from_db()
        return run.is_terminal

    wait_for(ended, timeout, 0.2, f"run {run.pk} to end (status {run.status}, route {run.route}, seq {run.seq})")
    return run


def nodes_of(run: Run) -> list[str]:
    return list(Step.objects.filter(run=run).order_by("seq").values_list("node", flat=True))


def brief_of(run: Run) -> str:
    return run.artifacts.filter(name="deliverable").latest("version").content


def test_schema_drift_is_flagged_repaired_promoted_and_the_run_finishes(worker, script, student, mini_scholar):
    # given an active search tool whose upstream has renamed "title" to "display_name"
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "alpha"))
    mini_scholar.upstreams["alpha"].rename = {"title": "display_name"}

    # when a run searches with it
    run = finish(journeys.start_run(student, "tool_research", GOAL))

    # then the Critic flagged the drift, the SelfDebugger patched and promoted, the plan resumed
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert nodes_of(run) == ["planner", "tool_researcher", "tool_reviewer", "self_debugger",
                             "tool_researcher", "tool_reviewer", "tool_reporter"]
    verdict = Step.objects.get(run=run, seq=2).verdict
    assert verdict["route"] == "repair" and "schema drift in alpha.search v1" in verdict["reasons"][0]
    old, new = ToolVersion.objects.filter(tool__name="alpha.search").order_by("number")
    assert (old.status, new.status, new.parent_id) == (ToolStatus.RETIRED, ToolStatus.ACTIVE, old.pk)
    assert '+            "title": item.get("display_name"),' in new.diff and new.created_by == "agent:self_debugger"
    assert new.tests[-1]["name"].startswith("regression: drift") and new.run_id == run.pk
    attempt = RepairAttempt.objects.get(run_id=run.pk)
    assert attempt.passed and attempt.outcome == "promoted" and attempt.promoted_version == new and attempt.diff == new.diff
    assert Event.objects.filter(run=run, kind="repair", data__diff=new.diff).exists()

    # and the patched tool's finds are cited
    assert set(Source.objects.filter(run=run).values_list("provider", flat=True)) == {"alpha.search"}
    brief = brief_of(run)
    assert "Urban heat islands and heat-related mortality (2021) [1]" in brief
    assert "https://doi.org/10.1000/uhi.2021.1" in brief


def test_when_no_patch_passes_the_tool_is_rolled_back_and_the_run_continues_through_another(
    worker, script, student, mini_scholar
):
    # given two search tools; alpha's upstream dropped "title" with nothing in its place
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "alpha"))
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "beta"))
    mini_scholar.upstreams["alpha"].drop = {"title"}
    code = search_code(mini_scholar.base, "alpha")
    wrong = make_diff(code, code.replace('item.get("title")', 'item.get("name")'))
    script.push("tool_patch", text=json.dumps({"diff": wrong, "explanation": "perhaps it is called name now"}))

    # when a run searches (the model first proposes a wrong patch, then has no confident one)
    run = finish(journeys.start_run(student, "tool_research", GOAL))

    # then nothing was promoted, alpha is disabled for the run, the Planner re-planned, beta found works
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert nodes_of(run) == ["planner", "tool_researcher", "tool_reviewer", "self_debugger", "planner",
                             "tool_researcher", "tool_reviewer", "tool_reporter"]
    assert list(ToolVersion.objects.filter(tool__name="alpha.search").values_list("number", "status")) == [(1, "active")]
    attempts = list(RepairAttempt.objects.filter(run_id=run.pk).order_by("number").values_list("outcome", "diff"))
    assert attempts == [("tests_failed", wrong.strip()), ("no_patch", "")]
    rollback = Event.objects.get(run=run, kind="rollback")
    assert "alpha.search stays at v1" in rollback.message and "no patch passed" in rollback.message
    assert run.state["tools"]["disabled"] == ["alpha.search"]
    assert set(Source.objects.filter(run=run).values_list("provider", flat=True)) == {"beta.search"}
    assert "[1]" in brief_of(run)


def test_dry_sources_lead_to_ingesting_an_offered_openapi_whose_tool_is_used_and_cited(
    worker, script, student, mini_scholar
):
    # given a search tool whose upstream finds nothing, and an API description offered to the run
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "alpha"))
    mini_scholar.upstreams["alpha"].empty = True
    offer = f"{mini_scholar.base}/openapi.json"

    # when the run searches
    run = finish(journeys.start_run(student, "tool_research", GOAL, spec={"tool_offers": {"openapi": [offer]}}))

    # then it ingested the API as candidates of its own, used the new search tool and cited its find
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert nodes_of(run) == ["planner", "tool_researcher", "tool_reviewer", "tool_ingestor", "tool_reviewer",
                             "tool_researcher", "tool_reviewer", "tool_reporter"]
    candidates = ToolVersion.objects.filter(run_id=run.pk, status=ToolStatus.CANDIDATE)
    assert sorted(candidates.values_list("tool__name", flat=True)) == ["mini_scholar_api.get_paper",
                                                                      "mini_scholar_api.search_papers"]
    assert candidates.first().created_by == "agent:tool_ingestor" and candidates.first().provenance["source"] == offer
    source = Source.objects.get(run=run)
    assert (source.provider, source.doi) == ("mini_scholar_api.search_papers", "10.5555/mini.2022.17")
    brief = brief_of(run)
    assert "Cooling centres and heat vulnerability in older adults (2022) [1]" in brief
    assert "[1] Maria Santos, Ken Ito (2022)" in brief and "https://doi.org/10.5555/mini.2022.17" in brief
