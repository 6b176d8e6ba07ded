"""PDF deliverable with reportlab (pure Python; the Vera TrueType fonts ship inside reportlab)."""
from __future__ import annotations

import io
import os
from functools import lru_cache
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agents.rendering.blocks import Block, parse_blocks, parse_inline, table_rows
from agents.rendering.citations import RenderedDocument

FONT = "HWVera"


@lru_cache(maxsize=1)
def _fonts() -> str:
    """Register Vera (wider Unicode coverage than the built-in Helvetica's Latin-1) once."""
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    faces = {FONT: "Vera.ttf", f"{FONT}-Bold": "VeraBd.ttf", f"{FONT}-Italic": "VeraIt.ttf", f"{FONT}-BoldItalic": "VeraBI.ttf"}
    for name, filename in faces.items():
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, filename)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold", italic=f"{FONT}-Italic", boldItalic=f"{FONT}-BoldItalic")
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _fonts()
    sample = getSampleStyleSheet()
    body = ParagraphStyle("hw-body", parent=sample["BodyText"], fontName=font, fontSize=11, leading=15, spaceAfter=6)
    styles = {"body": body, "title": ParagraphStyle("hw-title", parent=sample["Title"], fontName=f"{font}-Bold")}
    for level, size in enumerate((16, 14, 12, 11, 11, 11), start=1):
        styles[f"h{level}"] = ParagraphStyle(f"hw-h{level}", parent=sample["Heading2"], fontName=f"{font}-Bold", fontSize=size)
    # Hanging indent: the first line starts at the margin, the rest sit 1.27 cm in.
    styles["quote"] = ParagraphStyle("hw-quote", parent=body, fontName=f"{font}-Italic", leftIndent=0.8 * cm)
    styles["entry"] = ParagraphStyle("hw-entry", parent=body, leftIndent=1.27 * cm, firstLineIndent=-1.27 * cm)
    return styles


def _markup(text: str) -> str:
    """Inline Markdown as reportlab's mini-markup, with everything else XML-escaped."""
    parts = []
    for run in parse_inline(text):
        piece = escape(run.text)
        if run.bold:
            piece = f"<b>{piece}</b>"
        if run.italic:
            piece = f"<i>{piece}</i>"
        parts.append(piece)
    return "".join(parts)


def _flowables(blocks: list[Block], styles: dict[str, ParagraphStyle]) -> list:
    flowables: list = []
    items: list = []
    list_kind = ""

    def flush_list() -> None:
        if items:
            flowables.append(ListFlowable(list(items), bulletType="bullet" if list_kind == "bullet" else "1"))
            items.clear()

    for block in blocks:
        if block.kind in ("bullet", "numbered"):
            if block.kind != list_kind:
                flush_list()
            list_kind = block.kind
            items.append(ListItem(Paragraph(_markup(block.text), styles["body"])))
            continue
        flush_list()
        if block.kind == "table":
            flowables.append(_table(table_rows(block), styles))
            continue
        style = styles[f"h{block.level}"] if block.kind == "heading" else styles.get(block.kind, styles["body"])
        flowables.append(Paragraph(_markup(block.text), style))
    flush_list()
    return flowables


def _table(rows: list[list[str]], styles: dict[str, ParagraphStyle]) -> Table:
    cell = ParagraphStyle("hw-cell", parent=styles["body"], fontSize=8, leading=10, spaceAfter=0)
    width = max((len(row) for row in rows), default=1)
    data = [[Paragraph(_markup(text), cell) for text in row] + [""] * (width - len(row)) for row in rows]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def to_pdf(rendered: RenderedDocument, title: str) -> bytes:
    """An A4 PDF: title, body, then the bibliography with hanging indents."""
    styles = _styles()
    story = [Paragraph(escape(title), styles["title"]), Spacer(1, 0.3 * cm)]
    story += _flowables(parse_blocks(rendered.body), styles)
    if rendered.bibliography_markdown:
        story.append(Paragraph(escape(rendered.heading), styles["h1"]))
        story += [Paragraph(_markup(entry), styles["entry"]) for entry in rendered.bibliography_markdown]
    buffer = io.BytesIO()
    template = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=2.5 * cm, rightMargin=2.5 * cm)
    template.build(story)
    return buffer.getvalue()
