"""The Researcher on the real engine: research_probe runs on real workers against the fake
scholarly APIs, widening when the first searches find nothing."""
from __future__ import annotations

from journeys import services
from journeys.models import Chunk, Event, Run, RunStatus, Source, Step
from journeys.state import replay
from tests.conftest import wait_for

GOAL = "Write an essay on urban heat islands and public health"


def wait_until_ended(run: Run, timeout: float = 90) -> Run:
    def ended():
        run.refresh_from_db()
        return run.is_terminal

    wait_for(ended, timeout, what=f"run {run.pk} to end (status {run.status}, seq {run.seq})")
    return run


def events(run: Run, kind: str) -> list[Event]:
    return list(Event.objects.filter(run=run, kind=kind).order_by("seq", "index"))


def test_a_first_pass_finds_enough_sources_with_chunks_and_evidence_events(worker, script, student, fake_scholarly):
    # given a research probe wanting 6 sources from the last 10 years
    run = services.start_run(student, "research_probe", GOAL, spec={"min_sources": 6})

    # when the worker drives it
    wait_until_ended(run)

    # then one pass was enough, each source is stored with chunks and announced by an event
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert list(Step.objects.filter(run=run).values_list("node", flat=True)) == ["researcher", "research_gate", "bibliography"]
    sources = list(Source.objects.filter(run=run))
    assert len(sources) >= 6
    assert all(source.doi.startswith("10.5555/") and source.year >= 2016 for source in sources if source.doi)
    assert all(Chunk.objects.filter(source=source).exists() for source in sources)
    assert any(source.has_full_text for source in sources)
    assert {event.data["key"] for event in events(run, "evidence")} == {source.key for source in sources}
    research = run.state["research"]
    assert research["rung_name"] == "first_pass" and research["sources"] == len(sources)
    assert "chunks" not in str(research) and "abstract" not in str(research)
    deltas = list(Step.objects.filter(run=run).order_by("seq").values_list("delta", flat=True))
    assert replay(deltas) == run.state
    assert fake_scholarly.searches("semantic_scholar") == []  # the other providers were not needed


def test_when_the_first_searches_find_nothing_the_researcher_widens_and_meets_the_gate(worker, script, student, fake_scholarly):
    # given primary providers that return nothing at all
    fake_scholarly.behave("openalex", empty=True)
    fake_scholarly.behave("crossref", empty=True)
    run = services.start_run(student, "research_probe", GOAL, spec={"min_sources": 6})

    # when the worker drives it
    wait_until_ended(run)

    # then it widened (more queries, then other providers) and still met its minimum
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert Source.objects.filter(run=run).count() >= 6
    widening = [event.data.get("rung") for event in events(run, "widen")]
    assert widening[:2] == ["more_queries", "more_providers"], widening
    assert "because 0 of the 6 sources needed so far" in events(run, "widen")[0].message
    assert {rung["rung"] for rung in run.state["research"]["widening"]} >= {"more_queries", "more_providers"}
    providers = set(Source.objects.filter(run=run).values_list("provider", flat=True))
    assert providers <= {"semantic_scholar", "europe_pmc", "arxiv"}
    verdicts = [event.message for event in events(run, "verdict")]
    assert verdicts[0].startswith("-> expand") and verdicts[-1].startswith("-> finalize")
