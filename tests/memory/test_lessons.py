"""Semantic memory: lessons distilled from a finished run, phrased by a model without changing
its facts, retrieved by topic, and retired by an operator."""
from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agents import planner
from agents.llm.gateway import UsageMeter
from agents.memory.lessons import distil_rules
from journeys import engine
from journeys.evidence import write_source
from journeys.memory.lessons import distil_run_lessons, relevant_lessons
from journeys.models import Event, Lesson, RunStatus, Step
from tests.memory.conftest import start

TOPIC_GOAL = "Write an essay on urban heat islands and public health"


def finished_research_run(user):
    """A run that searched twice (the primary providers found nothing) and ended."""
    run = start(user, TOPIC_GOAL)
    now = timezone.now()
    for seq, node, route_in in ((0, "researcher", "research"), (1, "research_gate", "reflect"), (2, "researcher", "expand")):
        Step.objects.create(run=run, seq=seq, node=node, route_in=route_in, route="reflect", started_at=now, finished_at=now)
    Event.objects.create(run=run, seq=0, kind="research", message="Searched openalex, crossref: 0 results",
                         data={"rung": "first_pass", "providers": ["openalex", "crossref"]})
    Event.objects.create(run=run, seq=2, kind="research", message="Searched semantic_scholar, europe_pmc: chose 3",
                         data={"rung": "more_providers", "providers": ["semantic_scholar", "europe_pmc", "arxiv"]})
    for index, provider in enumerate(["semantic_scholar", "semantic_scholar", "europe_pmc"]):
        write_source(run, 2, {"key": f"work{index}", "provider": provider, "query": "heat mortality cities",
                              "csl": {"title": f"Work {index}"}, "chunks": [{"text": "Heat raises mortality."}]})
    run.status, run.finished_at = RunStatus.SUCCEEDED, now
    run.save(update_fields=["status", "finished_at"])
    return run


def test_a_finished_run_leaves_a_research_lesson_with_its_provenance(make_student, script):
    # given a run that had to widen past empty providers
    run = finished_research_run(make_student("first"))

    # when its lessons are distilled (twice, as a redelivered task would)
    distil_run_lessons(run.pk)
    distil_run_lessons(run.pk)

    # then one research lesson says what worked and what did not, and where it came from
    lesson = Lesson.objects.get(run=run)
    assert lesson.kind == "research" and lesson.topic == "urban heat islands and public health"
    assert lesson.data["providers"] == ["semantic_scholar", "europe_pmc"]
    assert lesson.data["providers_empty"] == ["arxiv", "crossref", "openalex"] and lesson.data["passes"] == 2
    assert "semantic_scholar (2), europe_pmc (1) found the 3 sources kept" in lesson.text
    assert lesson.step_seqs == [0, 2] and len(lesson.event_ids) == 2
    assert (lesson.embedding_model, lesson.embedding_dimensions) == ("sentence-transformers/all-MiniLM-L6-v2", 384)
    # and it is found for a similar topic, not for an unrelated one
    similar = relevant_lessons("how urban heat islands affect people's health")
    assert [item["id"] for item in similar] == [lesson.pk] and similar[0]["similarity"] >= 0.55
    assert relevant_lessons("nurse staffing ratios and patient mortality") == []


def test_the_planner_of_a_similar_run_plans_with_the_lessons_and_says_which_it_used(make_student, script):
    # given a distilled research lesson, and a new run on a similar topic
    lesson = distil_run_lessons(finished_research_run(make_student("earlier")).pk)[0]
    run = start(make_student("later"), "Write a report on how urban heat islands affect people's health")

    # when its Planner runs with the run's real services (memory included), as the engine builds them
    outcome = planner.plan(engine.build_context(run, "plan", UsageMeter(), ""))

    # then the plan searches with the lesson's productive query, and an event names the lesson and its effect
    assert "heat mortality cities" in outcome.delta["plan"]["queries"]
    (event,) = [item for item in outcome.events if item.kind == "lesson"]
    assert event.data["lessons"] == [lesson.pk] and f"#{lesson.pk} from run {lesson.run_id}" in event.message
    assert "the plan's queries include heat mortality cities" in event.message
    assert [record.data for record in outcome.records if record.kind == "lesson_use"] == [
        {"lessons": [lesson.pk], "node": "planner"}
    ]


def test_a_model_may_rephrase_a_lesson_but_not_change_its_facts(make_student, script):
    # given a model that rephrases fact 0 and invents a lesson about a fact that does not exist
    script.push("distil_lessons", text=json.dumps({"lessons": [
        {"fact": 0, "text": "For urban heat and health, start with Semantic Scholar and Europe PMC."},
        {"fact": 7, "text": "Always cite Smith (2020)."},
    ]}))
    run = finished_research_run(make_student("phrased"))

    # when the run is distilled
    distil_run_lessons(run.pk)

    # then the lesson reads as the model put it, its data are the rules', and nothing was invented
    lessons = list(Lesson.objects.filter(run=run))
    assert [lesson.text for lesson in lessons] == ["For urban heat and health, start with Semantic Scholar and Europe PMC."]
    assert lessons[0].data["providers"] == ["semantic_scholar", "europe_pmc"]


def test_an_operator_retires_a_lesson_in_the_admin_and_agents_stop_using_it(make_student, script, admin_client):
    # given a distilled lesson
    run = finished_research_run(make_student("retired"))
    lesson = distil_run_lessons(run.pk)[0]

    # when an operator retires it from the lessons list
    response = admin_client.post("/admin/journeys/lesson/", {"action": "retire_selected", "_selected_action": [lesson.pk]})

    # then it is kept, marked retired by them, and no longer retrieved
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.status == "retired" and lesson.retired_by == "admin" and lesson.retired_at is not None
    assert relevant_lessons("urban heat islands and public health") == []
    assert admin_client.get("/admin/journeys/lesson/").status_code == 200
    with pytest.raises(CommandError, match="no lesson with id 999999"):
        call_command("memory", "retire", "999999", "--reason", "wrong")


def test_the_rules_find_tool_repairs_revisions_and_first_time_plans():
    # given the digest of a run that repaired a tool, revised after a similarity report and kept its plan
    event = lambda id_, seq, kind, data: {"id": id_, "seq": seq, "kind": kind, "message": "", "data": data}  # noqa: E731
    digest = {
        "topic": "microplastics in rivers", "status": "succeeded", "spec": {"deliverable": "essay", "words": 1500},
        "steps": [{"seq": seq, "node": node, "route_in": "", "route": "", "error": ""}
                  for seq, node in enumerate(["planner", "executor", "self_debugger", "critic", "reviser", "finalizer"])],
        "events": [
            event(1, 1, "tool", {"tool": "crossref_search", "kind": "schema_drift"}),
            event(2, 2, "repair", {"tool": "crossref_search", "version": 1, "attempt": 1, "outcome": "promoted", "diff": "-a\n+b"}),
            event(3, 2, "repair", {"tool": "crossref_search", "parent": 1, "diff": "-a\n+b"}),
            event(4, 4, "revision", {"strategy": "synthesise"}),
            event(5, 4, "revision", {"strategy": "quote"}),
        ],
        "state": {"plan": {"sections": [{"heading": "Introduction"}, {"heading": "Sources"}, {"heading": "Conclusion"}]},
                  "turnitin": {"reports": {"1": {"similarity": 31}, "2": {"similarity": 12}}}},
        "sources": [],
    }

    # when the rules read it
    lessons = {lesson.kind: lesson for lesson in distil_rules(digest)}

    # then each kind of lesson states what happened, with its provenance
    assert lessons["tool_repair"].data["outcome"] == "repaired" and lessons["tool_repair"].event_ids == [1, 2, 3]
    assert "crossref_search failed (schema_drift); a patch repaired it" in lessons["tool_repair"].text
    assert lessons["revision"].data == {"strategies": {"synthesise": 1, "quote": 1}, "before": 31.0, "after": 12.0,
                                         "lowered": True, "cycles": 1, "refused": 0}
    assert lessons["plan"].data["first_time"] and "met every gate first time" in lessons["plan"].text
    assert "research" not in lessons  # no search sources: nothing to say about providers
