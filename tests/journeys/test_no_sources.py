"""When every search comes back empty — the usual providers, each widening and the broader search —
the write journey does not write an essay on no evidence: the Critic breaks the expand/replan
cycle after its bounded rungs and asks the student (the eval suite's loop_trap task)."""
from __future__ import annotations

from journeys import services
from journeys.models import Event, RunStatus, Source, Step
from tests.journeys.conftest import wait_until_settled

GOAL = "Write a 300-word essay on urban heat islands and public health, APA style"


def test_searches_that_all_come_back_empty_end_in_a_question_not_an_unsupported_essay(worker, script, student, urban_heat):
    # given scholarly providers that answer every query with nothing
    urban_heat.behave("*", empty=True)

    # when a write run asks for 3 sources
    run = services.start_run(student, "write", GOAL, spec={"sections": 3, "min_sources": 3})
    wait_until_settled(run, 180)

    # then it widened twice, searched more broadly once, and then asked the student, writing nothing
    assert run.status == RunStatus.WAITING_HUMAN, run.status_reason
    routes = list(Step.objects.filter(run=run).order_by("seq").values_list("route", flat=True))
    assert routes.count("expand") == 2 and "plan" in routes[routes.index("expand"):]
    nodes = list(Step.objects.filter(run=run).order_by("seq").values_list("node", flat=True))
    assert nodes[-1] == "critic" and len(nodes) <= 15, " ".join(f"{n}>{r}" for n, r in zip(nodes, routes, strict=True))
    human = run.state["human"]
    assert human["kind"] == "no_sources" and human["resume_route"] == "finalize"
    assert "every search came back empty" in human["questions"][0]
    assert not Source.objects.filter(run=run).exists()
    assert not any(section.get("written") for section in run.state["plan"]["sections"])
    verdict = Event.objects.filter(run=run, kind="verdict").latest("id").message
    assert verdict.startswith("-> ask the student:") and "no sources after 2 widening(s) and a broader search" in verdict
