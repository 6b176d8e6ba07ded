"""DOCX, PPTX and Markdown deliverables from a RenderedDocument (python-docx, python-pptx)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from docx import Document
from docx.shared import Cm, Pt
from pptx import Presentation

from agents.rendering.blocks import Block, parse_blocks, parse_inline, table_rows
from agents.rendering.citations import RenderedDocument

HANGING_INDENT = Cm(1.27)  # half an inch: the indent APA, MLA and Chicago ask for


def to_markdown(rendered: RenderedDocument) -> str:
    """The Markdown deliverable: body with rendered citations plus the bibliography section."""
    return rendered.markdown


def to_docx(rendered: RenderedDocument, title: str) -> bytes:
    """A Word document: title, the body's headings / paragraphs / lists, then the bibliography
    under the style's heading with a hanging indent on every entry."""
    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for block in parse_blocks(rendered.body):
        _add_block(document, block)
    if rendered.bibliography_markdown:
        document.add_heading(rendered.heading, level=1)
        for entry in rendered.bibliography_markdown:
            paragraph = document.add_paragraph()
            _add_runs(paragraph, entry)
            paragraph.paragraph_format.left_indent = HANGING_INDENT
            paragraph.paragraph_format.first_line_indent = -HANGING_INDENT
            paragraph.paragraph_format.space_after = Pt(6)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_block(document, block: Block) -> None:
    if block.kind == "heading":
        # The title is level 0; Markdown "#" sections become Heading 1 and so on.
        document.add_heading("".join(run.text for run in parse_inline(block.text)), level=min(block.level, 9))
        return
    if block.kind == "table":
        _add_table(document, table_rows(block))
        return
    style = {"bullet": "List Bullet", "numbered": "List Number", "quote": "Quote"}.get(block.kind)
    paragraph = document.add_paragraph(style=style)
    _add_runs(paragraph, block.text)


def _add_table(document, rows: list[list[str]]) -> None:
    width = max((len(row) for row in rows), default=0)
    if not width:
        return
    table = document.add_table(rows=len(rows), cols=width, style="Table Grid")
    for row_index, row in enumerate(rows):
        for column, text in enumerate(row):
            cell = table.cell(row_index, column)
            _add_runs(cell.paragraphs[0], text)
            if row_index == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def _add_runs(paragraph, text: str) -> None:
    for run in parse_inline(text):
        added = paragraph.add_run(run.text)
        added.bold = run.bold or None
        added.italic = run.italic or None


@dataclass
class Slide:
    """One slide: a title, its bullet points and the speaker's notes."""

    title: str
    bullets: list[str] = field(default_factory=list)
    notes: str = ""


def to_pptx(slides: list[Slide], title: str) -> bytes:
    """A presentation: a title slide, then one "Title and Content" slide per Slide with notes."""
    presentation = Presentation()
    title_slide = presentation.slides.add_slide(presentation.slide_layouts[0])
    title_slide.shapes.title.text = title
    for slide in slides:
        added = presentation.slides.add_slide(presentation.slide_layouts[1])
        added.shapes.title.text = slide.title
        body = added.placeholders[1].text_frame
        for index, bullet in enumerate(slide.bullets):
            paragraph = body.paragraphs[0] if index == 0 else body.add_paragraph()
            paragraph.text = bullet
        if slide.notes:
            added.notes_slide.notes_text_frame.text = slide.notes
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()
