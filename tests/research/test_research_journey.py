"""The Researcher on the real engine: research_probe runs on real workers against the fake
scholarly APIs, widening when the first searches find nothing."""

from __future__ import annotations

from journeys import services
from journeys.models import Chunk, Event, Run, RunStatus, Source, Step
from journeys.state import replay
from journeys.uploads import UploadedFile
from tests.conftest import wait_for

GOAL = "Write an essay on urban heat islands and public health"


def wait_until_ended(run: Run, timeout: float = 150) -> Run:
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


def test_relaxed_recency_is_a_rung_of_its_own_and_says_why(worker, script, student, fake_scholarly):
    # given a recency limit of one year that only one fixture work meets
    run = services.start_run(student, "research_probe", GOAL, spec={"min_sources": 4, "recency_years": 1})

    wait_until_ended(run)

    # then the ladder climbed to relaxed recency before it had enough
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    rungs = [event.data.get("rung") for event in events(run, "widen")]
    assert rungs == ["more_queries", "more_providers", "relax_recency"], rungs
    years = sorted(Source.objects.filter(run=run).values_list("year", flat=True))
    assert years[-1] >= 2025 and years[0] < 2025 and len(years) >= 4


def test_the_students_readings_are_the_last_rung_and_an_empty_search_ends_honestly(
    worker, script, student, fake_scholarly, tmp_path
):
    # given providers that know no work at all, and two readings the student uploaded
    fake_scholarly.use_corpus(tmp_path)
    reader = " ".join(["Heat islands form where dense surfaces store the heat of the day and release it at night."] * 6)
    files = [UploadedFile(f"urban-heat-reader-{n}.txt", reader.encode()) for n in (1, 2)]
    run = services.start_run(student, "research_probe", GOAL, files=files)

    wait_until_ended(run)

    # then every rung was tried (the region rung skipped for a reason), the readings were
    # admitted as evidence, and the run ended saying it is short of the minimum
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    widen = events(run, "widen")
    assert [event.data.get("rung") for event in widen] == [
        "more_queries",
        "more_providers",
        "relax_recency",
        "relax_region",
        "readings",
    ]
    assert widen[3].message == "Skipped the 'relax_region' rung: there is no region limit to relax"
    assert sorted(Source.objects.filter(run=run).values_list("key", "origin")) == [("upload-1", "upload"), ("upload-2", "upload")]
    assert [event.data["key"] for event in events(run, "evidence")] == ["upload-1", "upload-2"]
    assert run.state["research"]["readings"] == ["upload-1", "upload-2"] and run.state["research"]["exhausted"] is True
    last = events(run, "verdict")[-1].message
    assert last == "-> finalize: only 2 of 6 sources after every widening rung; delivering what there is"
    assert "fewer sources than the minimum of 6" in run.artifacts.get(name="deliverable").content


def test_a_failing_provider_is_noted_and_the_others_carry_the_search(worker, script, student, fake_scholarly):
    fake_scholarly.behave("openalex", status=503)

    run = services.start_run(student, "research_probe", GOAL, spec={"min_sources": 4})
    wait_until_ended(run)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    notes = events(run, "provider")
    assert notes and notes[0].message.startswith("openalex could not answer (openalex: HTTP 503 (3 attempts))")
    assert set(Source.objects.filter(run=run).values_list("provider", flat=True)) == {"crossref"}
