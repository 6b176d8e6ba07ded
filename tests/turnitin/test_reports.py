"""Reading Turnitin reports: figures, sources, highlighted passages, location in the draft, and
every kind of bad file refused with a message for the checker."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX

from evaluation.fakes.turnitin_reports import Report, Source, build_pdf, paper_from_sections
from turnitin.reports import ReportRejected, parse_highlighted_docx, parse_report
from turnitin.reports.locate import locate

LIMITS = {"max_bytes": 2_000_000, "max_pages": 60}
SECTIONS = [
    "Urban heat islands raise night-time temperatures. Work on urban heat islands shows that heat cannot be "
    "understood in isolation from health. Trees cool streets.",
    "Older adults face the greatest risk during heatwaves. Cooling centres reduce admissions when residents can "
    "reach them easily. Studies disagree about the size of the effect.",
]
FLAGGED = {
    "Work on urban heat islands shows that heat cannot be understood in isolation from health.": 1,
    "Cooling centres reduce admissions when residents can reach them easily.": 2,
}


def sample_pdf(**overrides) -> bytes:
    report = Report(
        similarity=overrides.pop("similarity", 28),
        ai_writing=overrides.pop("ai_writing", 12),
        sources=[Source("www.heat-health.org", "Internet", 6), Source("Submitted to University of Leeds", "Submitted works", 4)],
        paper=paper_from_sections(SECTIONS, FLAGGED),
        file_name="HW-R7-C1-draft.docx",
        **overrides,
    )
    return build_pdf(report)


def test_a_pdf_report_yields_figures_sources_and_highlighted_passages():
    parsed = parse_report(sample_pdf(), **LIMITS)

    assert (parsed.kind, parsed.similarity, parsed.ai_writing) == ("pdf", 28.0, 12.0)
    assert parsed.sources == [
        {"number": 1, "name": "www.heat-health.org", "kind": "internet", "share": 6.0},
        {"number": 2, "name": "Submitted to University of Leeds", "kind": "student_paper", "share": 4.0},
    ]
    assert [(passage.text, passage.source) for passage in parsed.passages] == list(FLAGGED.items())
    assert parsed.references == [(7, 1)]
    assert parsed.submission_id.startswith("trn:oid")


def test_an_ai_score_below_turnitins_threshold_is_shown_as_such_and_not_a_number():
    parsed = parse_report(sample_pdf(ai_writing="*"), **LIMITS)
    assert parsed.ai_writing is None and parsed.ai_display.startswith("*%")


def test_an_html_export_is_read_the_same_way():
    html = b"""<!DOCTYPE html><html><head><title>Report</title><style>.x{}</style></head><body>
    <h1>31% Overall Similarity</h1><p>AI Writing Overview: 40% detected as AI</p>
    <h2>Top Sources</h2><div>1 Internet www.heat-health.org 8%</div><div>2 Publication Journal of Urban Health &lt;1%</div>
    <p>Plain words. <sup>1</sup><span style="background-color:#ffcccc">Work on urban heat islands shows that heat
    cannot be understood in isolation from health.</span> More plain words.</p>
    <p><mark data-source="2">Cooling centres reduce admissions when residents can reach them easily.</mark></p></body></html>"""

    parsed = parse_report(html, **LIMITS)

    assert (parsed.kind, parsed.similarity, parsed.ai_writing) == ("html", 31.0, 40.0)
    assert parsed.sources[1] == {"number": 2, "name": "Journal of Urban Health", "kind": "publication", "share": 0.5}
    assert [(passage.text, passage.source) for passage in parsed.passages] == list(FLAGGED.items())


def test_highlighted_runs_of_a_docx_are_flagged_passages():
    document = Document()
    paragraph = document.add_paragraph("Urban heat islands raise night-time temperatures. ")
    run = paragraph.add_run("Work on urban heat islands shows that heat cannot be understood in isolation from health.")
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    paragraph.add_run(" Trees cool streets.")
    buffer = io.BytesIO()
    document.save(buffer)

    passages = parse_highlighted_docx(buffer.getvalue(), max_bytes=LIMITS["max_bytes"])

    assert [passage.text for passage in passages] == [next(iter(FLAGGED))]


def test_passages_are_located_in_the_draft_and_widened_to_whole_sentences():
    parsed = parse_report(sample_pdf(), **LIMITS)
    # the report's text differs from the draft in case and spacing, and a passage covers only
    # part of a sentence: it is still found, as the whole sentence
    draft = [SECTIONS[0].replace("Work on urban", "Work  on URBAN"), SECTIONS[1]]
    partial = [
        *parsed.passages[:1],
        type(parsed.passages[0])("admissions when residents can reach them easily. Studies disagree about", None),
    ]

    located, unlocated = locate(partial, draft, min_score=85)

    first, second = located
    assert draft[0][first["start"] : first["end"]].startswith("Work  on URBAN") and draft[0][first["end"] - 1] == "."
    assert draft[1][second["start"] : second["end"]] == (
        "Cooling centres reduce admissions when residents can reach them easily. Studies disagree about the size of the effect."
    )
    assert unlocated == []


def test_text_that_is_not_in_the_draft_is_reported_as_not_located():
    parsed = parse_report(sample_pdf(), **LIMITS)
    located, unlocated = locate(parsed.passages, ["A different essay about coral reefs and ocean warming entirely."], 85)
    assert located == [] and [item["why"] for item in unlocated] == ["not found in the draft that was sent"] * 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "the file is a PNG image, not a PDF"),
        (b"Overall similarity 12% but I am a text file renamed to .pdf", "the file is plain text, not a PDF"),
        (b"", "the file is empty"),
        (b"%PDF-1.7\n1 0 obj garbage without structure", "could not be read"),
    ],
)
def test_files_that_are_not_reports_are_refused_whatever_their_name(data, message):
    with pytest.raises(ReportRejected, match=message):
        parse_report(data, **LIMITS)


def test_an_encrypted_pdf_is_refused_with_a_message():
    encrypted = build_pdf(Report(similarity=20, paper=[[("Some text of the paper here.", None)]]), user_password="secret")
    with pytest.raises(ReportRejected, match="password-protected or encrypted"):
        parse_report(encrypted, **LIMITS)


def test_a_hundred_page_junk_pdf_is_refused_before_it_is_read():
    junk = build_pdf(Report(similarity="no", paper=[[("Junk.", None)]], filler_pages=100))
    with pytest.raises(ReportRejected, match="103 pages; a similarity report here has at most 60"):
        parse_report(junk, **LIMITS)


def test_a_pdf_without_a_similarity_figure_is_not_taken_for_a_report():
    paper_only = build_pdf(Report(similarity="n/a", paper=[[("Just the essay, no report.", None)]], filler_pages=3))
    with pytest.raises(ReportRejected, match="no overall similarity percentage was found"):
        parse_report(paper_only, **LIMITS)


def test_an_oversized_upload_is_refused_by_size():
    with pytest.raises(ReportRejected, match="the limit is"):
        parse_report(b"%PDF-1.7" + b"0" * 3000, max_bytes=1024, max_pages=60)
