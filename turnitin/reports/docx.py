"""Flagged passages from a DOCX in which the checker highlighted the matched text.

Runs with a highlight colour (or a shaded background) are flagged; consecutive highlighted runs
of a paragraph form one passage.
"""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from agents.documents import DocumentError
from agents.documents.wordml import check_docx_parts
from turnitin.reports.errors import ReportRejected
from turnitin.reports.extracted import Passage


def highlighted_passages(data: bytes) -> list[Passage]:
    """python-docx parses with lxml, so every part is first checked by defusedxml (no DTD, no
    entities) and the archive for zip bombs (agents.documents.wordml.check_docx_parts)."""
    try:
        check_docx_parts(data)
    except DocumentError as error:
        raise ReportRejected(f"the highlighted DOCX was refused: {error}") from None
    try:
        document = Document(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - python-docx raises several types on broken files
        raise ReportRejected(f"the highlighted DOCX could not be read ({type(error).__name__})") from error
    passages: list[Passage] = []
    for paragraph in document.paragraphs:
        current: list[str] = []
        for run in [*paragraph.runs, None]:
            if run is not None and is_highlighted(run):
                current.append(run.text)
                continue
            text = " ".join("".join(current).split())
            if text:
                passages.append(Passage(text, None))
            current = []
    return passages


def is_highlighted(run) -> bool:
    if run.font.highlight_color is not None:
        return True
    properties = run._r.rPr
    shading = properties.find(qn("w:shd")) if properties is not None else None
    fill = shading.get(qn("w:fill")) if shading is not None else None
    return bool(fill) and fill.lower() not in {"auto", "ffffff"}
