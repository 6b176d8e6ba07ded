"""Reading uploaded Turnitin similarity reports (PDF or HTML export) and highlighted DOCX files.

`parse_report` checks size and real type (magic bytes), refuses encrypted and over-long PDFs, and
returns the overall similarity, the AI-writing indicator (shown, never a target), the matched
sources with their share, the highlighted passages and any draft reference codes the report
quotes. Every refusal is a ReportRejected whose message is meant for the checker.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.documents.pdftext import active_content
from turnitin.reports.docx import highlighted_passages
from turnitin.reports.errors import ReportRejected
from turnitin.reports.extracted import Passage
from turnitin.reports.figures import read_figures
from turnitin.reports.html import read_html
from turnitin.reports.pdf import read_pdf
from turnitin.reports.sniff import CONTENT_TYPES, DOCX, PDF, sniff

__all__ = ["CONTENT_TYPES", "ParsedReport", "Passage", "ReportRejected", "check_size", "parse_highlighted_docx", "parse_report"]


@dataclass(frozen=True)
class ParsedReport:
    kind: str
    content_type: str
    pages: int
    similarity: float
    ai_writing: float | None
    ai_display: str
    sources: list[dict]
    passages: list[Passage]
    references: list[tuple[int, int]]
    submission_id: str


def check_size(data: bytes, max_bytes: int, what: str = "the report") -> None:
    if len(data) > max_bytes:
        raise ReportRejected(f"{what} is {len(data) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.1f} MB")


def parse_report(data: bytes, *, max_bytes: int, max_pages: int) -> ParsedReport:
    check_size(data, max_bytes)
    kind = sniff(data)
    if kind == DOCX:
        raise ReportRejected(
            "this is a Word document; upload the Turnitin report as PDF or HTML (a highlighted DOCX goes in its own field)"
        )
    if kind == PDF:
        refuse_active_content(data)
    extracted = read_pdf(data, max_pages) if kind == PDF else read_html(data)
    figures = read_figures(extracted.lines)
    return ParsedReport(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        pages=extracted.pages,
        similarity=figures.similarity,
        ai_writing=figures.ai_writing,
        ai_display=figures.ai_display,
        sources=figures.sources,
        passages=extracted.passages,
        references=figures.references,
        submission_id=figures.submission_id,
    )


def refuse_active_content(data: bytes) -> None:
    """A Turnitin export holds no scripts, launch actions or embedded files: one that does was
    made to attack a reader, so it is refused (drafts are neutralised instead: agents.documents)."""
    found = [name for name in active_content(data) if name != "automatic actions"]
    if found:
        raise ReportRejected(f"the PDF contains {', '.join(found)}, which a Turnitin report never does; "
                             "export the report from Turnitin again")


def parse_highlighted_docx(data: bytes, *, max_bytes: int) -> list[Passage]:
    check_size(data, max_bytes, "the highlighted DOCX")
    if sniff(data) != DOCX:
        raise ReportRejected("the highlighted file is not a Word (DOCX) document")
    return highlighted_passages(data)
