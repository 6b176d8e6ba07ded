"""Journey E end to end, with child runs on real workers: an assignment of two parts, each with
its own word target and deadline -> one child run per part (the sooner due, the higher its
priority) -> the parent waits (waiting_children) and is woken when the last part ends -> the parts'
drafts and sources are assembled into one document, checked and delivered."""
from __future__ import annotations

from agents.citing import cited_pairs
from journeys import services
from journeys.models import Event, Run, RunStatus, Source, Step
from tests.journeys.citations import assert_citations_resolve
from tests.journeys.conftest import wait_until_settled

GOAL = "An assignment on urban heat islands and public health in two parts"
PARTS = [
    {"title": "Who is most at risk from urban heat", "words": 150, "deadline": "2026-12-10",
     "goal": "Explain which groups carry the most risk from urban heat islands"},
    {"title": "How cities can cool down", "words": 150, "deadline": "2026-12-03",
     "goal": "Assess cooling measures for urban heat islands such as cool roofs and street trees"},
]


def test_assignment_runs_each_part_as_a_child_and_assembles_them(worker, script, student, urban_heat):
    run = services.start_run(student, "assignment", GOAL, spec={"parts": PARTS, "deadline": "2026-12-15", "min_sources": 3})
    wait_until_settled(run, 300)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    children = list(Run.objects.filter(parent=run).order_by("spec__part"))
    assert [child.journey for child in children] == ["part", "part"]
    assert [child.status for child in children] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]
    assert [child.spec["words"] for child in children] == [150, 150]
    assert [child.spec["deadline"] for child in children] == ["2026-12-10", "2026-12-03"]
    assert children[1].priority > children[0].priority  # due sooner
    assert run.spec["words"] == 300
    # the parent slept while its parts ran, and the last part woke it
    assert Step.objects.filter(run=run, observation__status="pending", node="executor").exists()
    assert Event.objects.filter(run=run, kind="children", message__startswith="Every part has ended").exists()
    assert all(child.finished_at <= run.steps.get(observation__signature__startswith="children ended").finished_at
               for child in children)
    # one document: both parts in order under their own headings, their citations carried over
    deliverable = run.artifacts.get(name="deliverable").content
    order = ("## Who is most at risk", "## How cities can cool down", "## References")
    headings = [deliverable.index(heading) for heading in order]
    assert headings == sorted(headings)
    draft = run.artifacts.filter(name="draft").latest("version").content
    for child in children:
        child_draft = child.artifacts.filter(name="draft").latest("version").content
        assert set(cited_pairs(child_draft)) <= set(cited_pairs(draft))
        assert_citations_resolve(child, minimum=2)
    parent_keys = set(Source.objects.filter(run=run).values_list("key", flat=True))
    assert {key for key, _ in cited_pairs(draft)} <= parent_keys
    assert run.state["qa"]["passed"], run.state["qa"]
    assert_citations_resolve(run, minimum=4)
