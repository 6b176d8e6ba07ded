"""Deliverables read back with independent readers: python-docx, pypdf, python-pptx, regex parsers."""

import io
import json
import re

from docx import Document
from pptx import Presentation
from pypdf import PdfReader

from agents.rendering import Slide, render_document, to_bibtex, to_csl_json, to_docx, to_markdown, to_pdf, to_pptx, to_ris
from tests.rendering.test_citations import SOURCES

DRAFT = (
    "# Introduction\n\n"
    "Heat kills in **dense** districts [@smith2019:3]. Green roofs *help* [@doe2021:1].\n\n"
    "## Measures\n\n"
    "- Shade trees\n- Cool roofs\n\n"
    "Night temperatures stay high (Ünïcode – “quoted”) [@doe2021:2].\n"
)


def test_markdown_export_is_the_rendered_markdown_with_its_reference_list():
    rendered = render_document(DRAFT, SOURCES, "apa")

    text = to_markdown(rendered)

    assert text.index("## References") > text.index("Night temperatures")
    assert text.rstrip().endswith("https://example.org/cities-and-heat")


def test_docx_has_headings_paragraphs_lists_and_a_hanging_indent_bibliography():
    rendered = render_document(DRAFT, SOURCES, "apa")

    document = Document(io.BytesIO(to_docx(rendered, "Urban heat")))

    paragraphs = document.paragraphs
    headings = [(p.style.name, p.text) for p in paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [
        ("Title", "Urban heat"),
        ("Heading 1", "Introduction"),
        ("Heading 2", "Measures"),
        ("Heading 1", "References"),
    ]
    body = next(p for p in paragraphs if p.text.startswith("Heat kills"))
    assert body.text == "Heat kills in dense districts (Smith, 2019). Green roofs help (Doe & Roe, 2021)."
    assert [run.text for run in body.runs if run.bold] == ["dense"]
    assert [p.text for p in paragraphs if p.style.name == "List Bullet"] == ["Shade trees", "Cool roofs"]
    entries = paragraphs[-2:]
    assert entries[0].text.startswith("Doe, J., & Roe, R. (2021).")
    assert entries[0].paragraph_format.first_line_indent < 0 < entries[0].paragraph_format.left_indent
    assert any(run.italic and run.text == "Journal of Urban Things" for run in entries[0].runs)


def test_pdf_text_can_be_extracted_including_non_ascii_and_the_bibliography():
    rendered = render_document(DRAFT, SOURCES, "ieee")

    data = to_pdf(rendered, "Urban heat")

    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Urban heat" in text and "Heat kills in dense districts [1]." in text
    assert "Ünïcode – “quoted”" in text
    assert "References" in text and "[2] J. Doe and R. Roe" in text
    assert reader.metadata.title == "Urban heat"


def test_pptx_slides_have_titles_bullets_and_speaker_notes():
    slides = [Slide("Why heat matters", ["Mortality rises", "Nights stay hot"], "Open with the 2003 heatwave."), Slide("Fixes", [])]

    presentation = Presentation(io.BytesIO(to_pptx(slides, "Urban heat")))

    read = list(presentation.slides)
    assert read[0].shapes.title.text == "Urban heat"
    assert read[1].shapes.title.text == "Why heat matters"
    assert [p.text for p in read[1].placeholders[1].text_frame.paragraphs] == ["Mortality rises", "Nights stay hot"]
    assert read[1].notes_slide.notes_text_frame.text == "Open with the 2003 heatwave."
    assert read[2].shapes.title.text == "Fixes" and not read[2].has_notes_slide


def _parse_ris(text: str) -> list[dict[str, list[str]]]:
    records, current = [], {}
    for line in text.splitlines():
        match = re.match(r"^([A-Z][A-Z0-9])  - ?(.*)$", line)
        if not match:
            continue
        tag, value = match.groups()
        if tag == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(tag, []).append(value)
    return records


def test_ris_export_round_trips_the_fields():
    records = _parse_ris(to_ris(list(SOURCES.values())))

    article = records[0]
    assert article["TY"] == ["JOUR"] and article["AU"] == ["Doe, Jane", "Roe, Rick"]
    assert (article["TI"], article["JO"], article["PY"]) == (
        ["Heat and health in fictional cities"],
        ["Journal of Urban Things"],
        ["2021"],
    )
    assert (article["VL"], article["IS"], article["SP"], article["EP"]) == (["12"], ["3"], ["45"], ["67"])
    assert article["DO"] == ["10.5555/fictional.1"]
    assert records[1]["TY"] == ["BOOK"] and records[1]["UR"] == ["https://example.org/cities-and-heat"]
    assert len(records) == 3


def _parse_bibtex(text: str) -> dict[str, dict[str, str]]:
    entries = {}
    for kind, key, body in re.findall(r"@(\w+)\{([^,]+),\n(.*?)\n\}", text, flags=re.S):
        fields = dict(re.findall(r"^\s*(\w+) = \{(.*)\},?$", body, flags=re.M))
        entries[key] = {"type": kind, **fields}
    return entries


def test_bibtex_export_round_trips_the_fields_and_escapes_specials():
    items = [
        *SOURCES.values(),
        {"id": "odd", "type": "report", "title": "R&D at 100% for $5 #1_x", "issued": {"date-parts": [[2020]]}},
    ]

    entries = _parse_bibtex(to_bibtex(items))

    article = entries["doe2021"]
    assert article["type"] == "article" and article["author"] == "Doe, Jane and Roe, Rick"
    assert (article["title"], article["journal"], article["year"]) == (
        "{Heat and health in fictional cities}",
        "Journal of Urban Things",
        "2021",
    )
    assert (article["volume"], article["number"], article["pages"], article["doi"]) == ("12", "3", "45--67", "10.5555/fictional.1")
    assert entries["smith2019"]["type"] == "book" and entries["smith2019"]["publisher"] == "Fiction Press"
    assert entries["odd"]["title"] == r"{R\&D at 100\% for \$5 \#1\_x}" and entries["odd"]["type"] == "techreport"


def test_csl_json_export_is_loadable_and_accepts_a_key_mapping():
    loaded = json.loads(to_csl_json(SOURCES))

    assert [item["id"] for item in loaded] == list(SOURCES)
    assert loaded[0]["DOI"] == "10.5555/fictional.1"
