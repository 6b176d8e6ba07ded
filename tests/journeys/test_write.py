"""Journey A end to end: a prompt -> interpreted spec -> plan -> research on the fake scholarly
APIs -> sections written from the evidence -> QA -> rendered deliverables."""
from __future__ import annotations

from journeys import services
from journeys.models import Event, RunStatus, Step
from tests.journeys.conftest import wait_until_settled

GOAL = "Write a 400-word essay on how urban heat islands affect public health, APA style, 4 sources"


def test_write_journey_delivers_a_cited_essay(worker, script, student, urban_heat):
    run = services.start_run(student, "write", GOAL, spec={"sections": 3})

    wait_until_settled(run, 180)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert run.spec["style"] == "apa" and run.spec["words"] == 400 and run.spec["min_sources"] == 4
    nodes = list(Step.objects.filter(run=run).values_list("node", flat=True))
    assert nodes[:2] == ["interpreter", "planner"] and nodes[-1] == "finalizer"
    deliverable = run.artifacts.get(name="deliverable")
    print(deliverable.content)
    print("\n".join(Event.objects.filter(run=run).values_list("message", flat=True)))
