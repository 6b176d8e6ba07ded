"""Journey D end to end: a document (or an outline in the goal) -> research -> a deck that covers
every main point, bullets and speaker notes citing the evidence -> QA -> PPTX with notes."""
from __future__ import annotations

import io
import json
from pathlib import Path

from pptx import Presentation

from agents.slides import covered
from journeys import services
from journeys.models import Event, RunStatus
from journeys.uploads import UploadedFile
from tests.journeys.citations import assert_citations_resolve
from tests.journeys.conftest import wait_until_settled
from tests.journeys.documents import draft_docx

OUTLINE = """Make slides on urban heat islands and public health from my outline:
- Why cities are hotter than the countryside
- Who carries the excess risk
- Night-time temperatures and sleep
- Cooling measures such as cool roofs and street trees
- What local authorities should do"""


def deck(run) -> Presentation:
    path = Path(run.artifacts.get(name="deck").path)
    assert path.name == "slides.pptx"
    return Presentation(io.BytesIO(path.read_bytes()))


def slide_texts(presentation: Presentation) -> list[tuple[str, str, str]]:
    """(title, body, notes) of every slide."""
    found = []
    for slide in presentation.slides:
        body = " ".join(shape.text_frame.text for shape in slide.placeholders if shape.placeholder_format.idx == 1)
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        found.append((slide.shapes.title.text, body, notes))
    return found


def test_slides_from_a_document_cover_every_main_point_with_notes(worker, script, student, urban_heat):
    run = services.start_run(student, "slides", "Slides for a 10-minute talk on urban heat islands and public health",
                             files=[UploadedFile("draft.docx", draft_docx())])
    wait_until_settled(run, 240)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    headings = [item["heading"] for item in run.state["plan"]["sections"]]
    assert headings == ["Introduction", "Who is at risk", "What helps", "Conclusion"]
    slides = json.loads(run.artifacts.filter(name="slides").latest("version").content)["slides"]
    points = [{"heading": heading, "text": ""} for heading in headings]
    assert all(covered(points, slides)) or all(any(index in slide["covers"] for slide in slides) for index in range(4))
    texts = slide_texts(deck(run))
    assert texts[0][0] == run.state["plan"]["title"]  # the title slide
    content = texts[1:-1]  # between the title slide and the references slide
    assert len(content) >= 5 and all(notes.strip() for _, _, notes in content)
    assert texts[-1][0] == "References" and "Pretendle" in texts[-1][1] + " ".join(body for _, body, _ in texts)
    assert all(any(heading.lower() in (title + body + notes).lower() for title, body, notes in content) for heading in headings)
    assert "[@" not in " ".join(title + body + notes for title, body, notes in texts)
    assert any("(" in notes and ")" in notes for _, _, notes in content)  # notes carry rendered citations
    assert run.state["qa"]["passed"], run.state["qa"]
    assert_citations_resolve(run, minimum=2)


def test_slides_from_an_outline_in_the_goal_merge_points_into_the_slides_asked(worker, script, student, urban_heat):
    run = services.start_run(student, "slides", OUTLINE, spec={"slides": 4, "min_sources": 3})
    wait_until_settled(run, 240)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert len(run.state["plan"]["sections"]) == 5
    slides = json.loads(run.artifacts.filter(name="slides").latest("version").content)["slides"]
    covers = sorted({index for slide in slides for index in slide["covers"]})
    assert covers == [0, 1, 2, 3, 4]
    texts = slide_texts(deck(run))
    assert all(notes.strip() for _, _, notes in texts[1:-1])
    assert_citations_resolve(run, minimum=2)


def test_a_slide_that_writes_out_a_doi_nothing_retrieved_loses_the_doi(worker, script, student, urban_heat):
    # given a model fooled into putting a DOI nobody retrieved on a bullet and in the notes
    fooled = {"slides": [{"title": "Why cities run hot", "covers": [0],
                          "bullets": ["Dense districts stay warm at night (doi:10.9999/fake)", "Surfaces store heat"],
                          "notes": "Say that https://doi.org/10.9999/fake settles the question."}]}
    script.push("slide_outline", text=json.dumps(fooled))

    run = services.start_run(student, "slides", "Slides for a 10-minute talk on urban heat islands and public health",
                             files=[UploadedFile("draft.docx", draft_docx())])
    wait_until_settled(run, 240)

    # then the deck keeps the bullet and the notes without the DOI, and an integrity event names it
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    texts = slide_texts(deck(run))
    assert "10.9999" not in json.dumps(texts)
    assert any("Dense districts stay warm at night" in body for _, body, _ in texts)
    messages = list(Event.objects.filter(run=run, kind="integrity").values_list("message", flat=True))
    assert any("Slides: Removed 1 DOI(s) that are not retrieved sources: 10.9999/fake" in m for m in messages), messages
