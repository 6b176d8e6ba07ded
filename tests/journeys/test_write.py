"""Journey A end to end: a prompt -> interpreted spec -> plan -> research on the fake scholarly
APIs -> sections written from the evidence -> QA -> rendered deliverables."""
from __future__ import annotations

from pathlib import Path

from evaluation.expectations import prose_words
from journeys import services
from journeys.models import Event, RunStatus, Step
from tests.journeys.citations import assert_citations_resolve
from tests.journeys.conftest import wait_until_settled

GOAL = "Write a 400-word essay on how urban heat islands affect public health, APA style, 4 sources"


def test_write_journey_delivers_a_cited_essay(worker, script, student, urban_heat):
    run = services.start_run(student, "write", GOAL, spec={"sections": 3})

    wait_until_settled(run, 180)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert run.spec["style"] == "apa" and run.spec["words"] == 400 and run.spec["min_sources"] == 4
    nodes = list(Step.objects.filter(run=run).values_list("node", flat=True))
    assert nodes[:2] == ["interpreter", "planner"] and nodes[-1] == "finalizer"
    assert_citations_resolve(run, minimum=4)
    deliverable = run.artifacts.get(name="deliverable")
    assert "## References" in deliverable.content and "[@" not in deliverable.content
    exported = sorted(Path(path).name for path in run.artifacts.exclude(path="").values_list("path", flat=True))
    assert exported == ["essay.docx", "essay.md", "essay.pdf", "references.bib", "references.json", "references.ris"]
    assert Event.objects.filter(run=run, kind="branch").exists() and Event.objects.filter(run=run, kind="qa").exists()
    assert run.state["qa"]["passed"] and run.state["qa"]["checks"]["orphans"] == 0
    written = sum(int(section.get("written") or 0) for section in run.state["plan"]["sections"])
    prose = prose_words(deliverable.content.split("## References")[0])
    assert 360 <= written <= 440 and 360 <= prose <= 440, (written, prose)  # the word target of 400, +-10%


def test_an_essay_citing_fewer_sources_than_asked_is_revised_to_draw_on_the_unused_ones(worker, script, student, urban_heat):
    # given a short essay of three sections asking for 3 sources (the first draft cites 2 of them)
    goal = "Write a 300-word essay on urban heat islands and public health with 3 sources, APA style"
    run = services.start_run(student, "write", goal, spec={"sections": 3, "min_sources": 3})

    # when it runs
    wait_until_settled(run, 180)

    # then QA asked for a revision drawing on the retrieved sources not cited yet, and the essay cites 3
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    replans = [event.message for event in Event.objects.filter(run=run, kind="replan")]
    assert any("cites too few of the retrieved sources: 2 of the 3 asked for; draw on" in message for message in replans), replans
    assert_citations_resolve(run, minimum=3)
    assert not any("distinct sources cited" in warning for warning in run.state.get("warnings") or [])
