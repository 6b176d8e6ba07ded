"""Journey B end to end: an uploaded DOCX draft -> the works it cites found -> each paragraph
improved with its meaning checked by embeddings chunk by chunk and its citations kept -> QA ->
rendered deliverable. A rewrite that drifts (scripted here) is refused for the original wording."""
from __future__ import annotations

from agents.citing import cited_pairs
from journeys import services
from journeys.models import Event, RunStatus, Source
from journeys.uploads import UploadedFile
from tests.journeys.citations import assert_citations_resolve
from tests.journeys.conftest import wait_until_settled
from tests.journeys.documents import draft_docx

GOAL = "Improve my draft essay on urban heat islands and public health"
DRIFT = "Bananas are grown in many tropical countries and are eaten all over the world."


def test_rewrite_keeps_meaning_and_citations_and_improves_the_draft(worker, script, student, urban_heat):
    # given the first paragraph's rewrite drifts off the draft's meaning
    script.push("rewrite_paragraph", text=DRIFT)

    run = services.start_run(student, "rewrite", GOAL, files=[UploadedFile("draft.docx", draft_docx())])
    wait_until_settled(run, 240)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    # the target is the draft's own length, its four sections rewritten
    headings = [item["heading"] for item in run.state["plan"]["sections"]]
    assert headings == ["Introduction", "Who is at risk", "What helps", "Conclusion"]
    assert 150 <= run.spec["words"] <= 220
    # meaning: the drifted paragraph was refused for the original wording, the rest kept >= 0.8 chunk by chunk
    assert run.state["rewrite"]["0"]["reverted"] == [1]
    assert Event.objects.filter(run=run, kind="meaning").exists()
    assert all(entry["meaning"] >= 0.8 for entry in run.state["rewrite"].values())
    draft = run.artifacts.filter(name="draft").latest("version").content
    assert DRIFT not in draft and "hotter than the countryside" in draft
    # improved register where the rewrite was kept
    assert "can't" not in draft and "Basically" not in draft and "lots of" not in draft
    # citations: every work of the draft that exists is still cited, as a retrieved source; Smith (2015) is reported
    cited = {key for key, _ in cited_pairs(draft)}
    works = {(source.csl["author"][0]["family"], source.year) for source in Source.objects.filter(run=run, key__in=cited)}
    assert {("Pretendle", 2022), ("Dummett", 2021), ("Mockingham", 2024)} <= works
    deliverable = run.artifacts.get(name="deliverable").content
    assert "(Smith, 2015)" not in deliverable and "Smith, 2015" in draft.split("## Introduction")[0]
    assert "Pretendle" in deliverable.split("## References")[1]
    assert run.state["qa"]["passed"], run.state["qa"]
    assert_citations_resolve(run, minimum=4)


def test_a_rewrite_that_writes_out_a_doi_nothing_retrieved_loses_the_doi(worker, script, student, urban_heat):
    # given a model fooled (by a poisoned draft or source) into adding a DOI nobody retrieved
    script.push("rewrite_paragraph", text="Cities are hotter than the countryside, as 10.9999/fake shows beyond doubt.")

    run = services.start_run(student, "rewrite", GOAL, files=[UploadedFile("draft.docx", draft_docx())])
    wait_until_settled(run, 240)

    # then the run succeeds, the DOI reaches neither draft nor deliverable, and an integrity event names it
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    for name in ("draft", "deliverable"):
        assert "10.9999" not in run.artifacts.filter(name=name).latest("version").content
    messages = list(Event.objects.filter(run=run, kind="integrity").values_list("message", flat=True))
    assert any("Section 1: Removed 1 DOI(s) that are not retrieved sources: 10.9999/fake" in m for m in messages), messages
