"""The clarifying-question path on real workers: a goal too vague to act on -> the interpreter
asks (waiting_human, at most 5 questions) -> the student answers through services.answer_run ->
the run continues from `interpret` with the answers and delivers."""
from __future__ import annotations

from journeys import services
from journeys.models import Event, RunStatus, Step
from tests.journeys.citations import assert_citations_resolve
from tests.journeys.conftest import wait_until_settled

ANSWERS = {
    "topic": "How urban heat islands affect public health",
    "words": "About 300 words",
    "style": "APA, please",
}


def answer_for(question: str) -> str:
    lowered = question.lower()
    if "how many words" in lowered:
        return ANSWERS["words"]
    if "citation style" in lowered:
        return ANSWERS["style"]
    return ANSWERS["topic"]


def test_a_vague_goal_waits_for_answers_then_continues_to_a_deliverable(worker, script, student, urban_heat):
    # given a goal with no identifiable topic
    run = services.start_run(student, "write", "Help me with my homework please", spec={"sections": 3, "min_sources": 3})

    # when the interpreter has looked at it
    wait_until_settled(run, 120)

    # then the run waits for the student with up to 5 questions, and has not planned anything
    assert run.status == RunStatus.WAITING_HUMAN, run.status_reason
    human = run.state["human"]
    assert human["pending"] and human["kind"] == "clarify" and human["resume_route"] == "interpret"
    assert 1 <= len(human["questions"]) <= 5
    assert "plan" not in run.state
    assert Event.objects.filter(run=run, kind="question").exists()

    # when the student answers every question
    services.answer_run(run.pk, {question: answer_for(question) for question in human["questions"]})
    wait_until_settled(run, 240)

    # then the run resumed at interpret with the answers, took the topic, length and style from them, and delivered
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    nodes = list(Step.objects.filter(run=run).order_by("seq").values_list("node", flat=True))
    assert nodes[:4] == ["interpreter", "human", "interpreter", "planner"]
    assert run.spec["words"] == 300 and run.spec["style"] == "apa"
    assert "urban heat" in run.spec["topic"].lower()
    assert Event.objects.filter(run=run, kind="answered").exists()
    assert_citations_resolve(run)
    assert "## References" in run.artifacts.get(name="deliverable").content
