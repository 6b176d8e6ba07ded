"""Turnitin-style similarity reports built with reportlab, for the tests and the bench.

The layout follows Turnitin's PDF export: a cover page (file name, submission id, word count), an
integrity overview (overall similarity, top sources with numbered colour boxes, the AI-writing
indicator) and the paper itself, where each matched passage is drawn over a coloured highlight
with its source's number in a small box in front of it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

PALETTE = [Color(0.99, 0.42, 0.42), Color(0.36, 0.62, 0.98), Color(0.98, 0.78, 0.2), Color(0.5, 0.85, 0.45), Color(0.8, 0.5, 0.95)]
FONT, SIZE, LABEL_SIZE = "Helvetica", 10, 6
MARGIN, LEADING = 56, 15


@dataclass
class Source:
    name: str
    kind: str  # "Internet", "Publication", "Submitted works"
    share: float


@dataclass
class Report:
    similarity: float | str
    sources: list[Source] = field(default_factory=list)
    # The paper: paragraphs, each a list of (text, source number or None) segments.
    paper: list[list[tuple[str, int | None]]] = field(default_factory=list)
    ai_writing: float | str | None = None
    file_name: str = "draft.docx"
    submission_id: str = "trn:oid:::3618:90210"
    filler_pages: int = 0


def build_pdf(report: Report, *, user_password: str | None = None) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, encrypt=user_password)
    cover_page(canvas, report)
    overview_page(canvas, report)
    paper_pages(canvas, report)
    for page in range(report.filler_pages):
        canvas.setFont(FONT, SIZE)
        canvas.drawString(MARGIN, A4[1] - MARGIN, f"Appendix page {page + 1}: lorem ipsum dolor sit amet.")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def cover_page(canvas: Canvas, report: Report) -> None:
    lines = [
        ("Helvetica-Bold", 16, "turnitin  Similarity Report"),
        (FONT, SIZE, f"Submission ID  {report.submission_id}"),
        (FONT, SIZE, f"File name  {report.file_name}"),
        (FONT, SIZE, f"Word count  {sum(len(text.split()) for paragraph in report.paper for text, _ in paragraph)}"),
    ]
    y = A4[1] - MARGIN
    for font, size, text in lines:
        canvas.setFont(font, size)
        canvas.drawString(MARGIN, y, text)
        y -= 2 * LEADING
    canvas.showPage()


def overview_page(canvas: Canvas, report: Report) -> None:
    y = A4[1] - MARGIN
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, y, f"{report.similarity}% Overall Similarity")
    canvas.setFont(FONT, SIZE)
    y -= LEADING
    canvas.drawString(MARGIN, y, "The combined total of all matches, including overlapping sources, for each database.")
    if report.ai_writing is not None:
        y -= 2 * LEADING
        canvas.drawString(MARGIN, y, f"AI Writing Overview: {report.ai_writing}% detected as AI")
    y -= 2 * LEADING
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(MARGIN, y, "Top Sources")
    for number, source in enumerate(report.sources, start=1):
        y -= LEADING
        label(canvas, MARGIN, y, number)
        canvas.setFillColor(black)
        canvas.setFont(FONT, SIZE)
        canvas.drawString(MARGIN + 16, y, f"{source.kind}   {source.name}   {format_share(source.share)}")
    canvas.showPage()


def format_share(share: float) -> str:
    return "<1%" if share < 1 else f"{share:g}%"


def label(canvas: Canvas, x: float, y: float, number: int) -> float:
    """A source number in a small coloured box; returns its width."""
    text = str(number)
    width = stringWidth(text, FONT, LABEL_SIZE) + 4
    canvas.setFillColor(PALETTE[(number - 1) % len(PALETTE)])
    canvas.rect(x, y - 2, width, LABEL_SIZE + 4, fill=1, stroke=0)
    canvas.setFillColor(white)
    canvas.setFont(FONT, LABEL_SIZE)
    canvas.drawString(x + 2, y + 1, text)
    return width + 2


def paper_pages(canvas: Canvas, report: Report) -> None:
    """The paper, wrapped into lines; each run of words with one source on a line is drawn as one
    string (as Turnitin's export does), over its source's colour when matched."""
    cursor = {"x": float(MARGIN), "y": A4[1] - MARGIN}
    for paragraph in report.paper:
        cursor["x"] = float(MARGIN)
        for text, source in paragraph:
            if source is not None:
                cursor["x"] += label(canvas, cursor["x"], cursor["y"], source)
            pending: list[str] = []
            for word in text.split():
                width = stringWidth(" ".join([*pending, word]) + " ", FONT, SIZE)
                if pending and cursor["x"] + width > A4[0] - MARGIN:
                    draw_run(canvas, cursor, pending, source)
                    next_line(canvas, cursor)
                    pending = []
                pending.append(word)
            draw_run(canvas, cursor, pending, source)
        next_line(canvas, cursor, blank=True)
    canvas.showPage()


def draw_run(canvas: Canvas, cursor: dict, words: list[str], source: int | None) -> None:
    if not words:
        return
    text = " ".join(words) + " "
    width = stringWidth(text, FONT, SIZE)
    if source is not None:
        canvas.setFillColor(PALETTE[(source - 1) % len(PALETTE)])
        canvas.rect(cursor["x"] - 1, cursor["y"] - 3, width, SIZE + 3, fill=1, stroke=0)
    canvas.setFillColor(black)
    canvas.setFont(FONT, SIZE)
    canvas.drawString(cursor["x"], cursor["y"], text)
    cursor["x"] += width


def next_line(canvas: Canvas, cursor: dict, blank: bool = False) -> None:
    cursor["x"] = float(MARGIN)
    cursor["y"] -= LEADING * (2 if blank else 1)
    if cursor["y"] < MARGIN:
        canvas.showPage()
        cursor["y"] = A4[1] - MARGIN


def paper_from_sections(sections: list[str], flagged: dict[str, int]) -> list[list[tuple[str, int | None]]]:
    """The paper of a report on `sections`, with each text in `flagged` highlighted for its source."""
    paper = []
    for text in sections:
        segments: list[tuple[str, int | None]] = [(text, None)]
        for passage, source in flagged.items():
            split: list[tuple[str, int | None]] = []
            for segment, current in segments:
                if current is None and passage in segment:
                    before, after = segment.split(passage, 1)
                    split += [(before, None), (passage, source), (after, None)]
                else:
                    split.append((segment, current))
            segments = [item for item in split if item[0].strip()]
        paper.append(segments)
    return paper
