"""Reading a Turnitin similarity report exported as PDF.

pypdf checks the structure first (encrypted? how many pages?) because that is cheap; pdfminer.six
then gives every glyph with its position and every filled shape with its colour. A glyph drawn
over a filled, non-white box (or under a /Highlight annotation) is highlighted; Turnitin draws the
matched text of the paper that way, with the matching source's number in a small box in front.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTComponent, LTContainer, LTCurve
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pypdf import PdfReader

from turnitin.reports.errors import ReportRejected
from turnitin.reports.extracted import Extracted, Token, passages_from_tokens

logger = logging.getLogger(__name__)
Colour = tuple[float, ...]


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    colour: Colour

    def holds(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float
    x1: float
    y: float  # vertical centre
    size: float
    colour: Colour | None = None


def read_pdf(data: bytes, max_pages: int) -> Extracted:
    pages = check_structure(data, max_pages)
    tokens: list[list[Token]] = []
    try:
        for glyphs in page_glyphs(data):
            body = median(glyph.size for glyph in glyphs) if glyphs else 0.0
            tokens.extend(line_tokens(line, body) for line in lines_of(glyphs))
    except ReportRejected:
        raise
    except Exception as error:  # noqa: BLE001 - malformed PDFs fail in many ways inside pdfminer
        logger.info("pdfminer could not read an uploaded PDF: %r", error)
        raise ReportRejected(f"the PDF could not be read ({type(error).__name__}); export the report again") from error
    return Extracted(
        kind="pdf",
        pages=pages,
        lines=[" ".join(token.text for token in line) for line in tokens],
        passages=passages_from_tokens(tokens),
    )


def check_structure(data: bytes, max_pages: int) -> int:
    """The page count; refuses encrypted, unreadable and over-long PDFs."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReportRejected("the PDF is password-protected or encrypted; download the report again without protection")
        pages = len(reader.pages)
    except ReportRejected:
        raise
    except Exception as error:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise ReportRejected(
            f"the file starts like a PDF but could not be read ({type(error).__name__}); it may be damaged"
        ) from error
    if pages == 0:
        raise ReportRejected("the PDF has no pages")
    if pages > max_pages:
        raise ReportRejected(
            f"the PDF has {pages} pages; a similarity report here has at most {max_pages}. Is this the right file?"
        )
    return pages


def page_glyphs(data: bytes):
    """Per page: its glyphs, each with the colour of the highlight it sits on (if any)."""
    parser = PDFParser(io.BytesIO(data))
    document = PDFDocument(parser)
    manager = PDFResourceManager()
    # No layout analysis: lines are rebuilt from glyph positions below, which is cheaper.
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    for page in PDFPage.create_pages(document):
        interpreter.process_page(page)
        layout = device.get_result()
        boxes = [*filled_boxes(layout), *annotation_boxes(page)]
        yield [highlighted(glyph, boxes) for glyph in glyphs_of(layout)]


def walk(item: LTComponent):
    yield item
    if isinstance(item, LTContainer):
        for child in item:
            yield from walk(child)


def glyphs_of(layout: LTContainer) -> list[Glyph]:
    return [
        Glyph(item.get_text(), item.x0, item.x1, (item.y0 + item.y1) / 2, item.size)
        for item in walk(layout)
        if isinstance(item, LTChar)
    ]


def filled_boxes(layout: LTContainer) -> list[Box]:
    boxes = []
    for item in walk(layout):
        if isinstance(item, LTCurve) and item.fill:
            colour = rgb(item.non_stroking_color)
            if colour is not None:
                boxes.append(Box(item.x0, item.y0, item.x1, item.y1, colour))
    return boxes


def annotation_boxes(page: PDFPage) -> list[Box]:
    boxes = []
    for annotation in resolve1(page.annots) or []:
        annotation = resolve1(annotation)
        if not isinstance(annotation, dict) or getattr(resolve1(annotation.get("Subtype")), "name", "") != "Highlight":
            continue
        colour = rgb(resolve1(annotation.get("C")) or [1.0, 1.0, 0.0]) or (1.0, 1.0, 0.0)
        points = [float(resolve1(value)) for value in resolve1(annotation.get("QuadPoints")) or []]
        for index in range(0, len(points) - 7, 8):
            xs, ys = points[index : index + 8 : 2], points[index + 1 : index + 8 : 2]
            boxes.append(Box(min(xs), min(ys), max(xs), max(ys), colour))
    return boxes


def rgb(colour: object) -> Colour | None:
    """An RGB triple for a fill colour, or None for white / no usable colour."""
    values = colour if isinstance(colour, list | tuple) else [colour]
    try:
        numbers = [float(value) for value in values]
    except (TypeError, ValueError):
        return None
    if len(numbers) == 1:
        numbers = numbers * 3
    elif len(numbers) == 4:
        c, m, y, k = numbers
        numbers = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    if len(numbers) != 3 or min(numbers) >= 0.95:
        return None
    return tuple(round(number, 2) for number in numbers)


def highlighted(glyph: Glyph, boxes: list[Box]) -> Glyph:
    centre = (glyph.x0 + glyph.x1) / 2
    for box in boxes:
        # A highlight is about one line high; taller filled shapes are backgrounds or figures.
        if box.y1 - box.y0 <= 2.5 * max(glyph.size, 1) and box.holds(centre, glyph.y):
            return Glyph(glyph.text, glyph.x0, glyph.x1, glyph.y, glyph.size, box.colour)
    return glyph


def lines_of(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into lines (close vertical centres), top to bottom, left to right."""
    rows: dict[int, list[Glyph]] = defaultdict(list)
    for glyph in glyphs:
        rows[round(glyph.y / 4)].append(glyph)
    merged: list[list[Glyph]] = []
    for key in sorted(rows, reverse=True):
        if merged and abs(merged[-1][0].y - rows[key][0].y) <= 4:
            merged[-1].extend(rows[key])
        else:
            merged.append(list(rows[key]))
    return [sorted(line, key=lambda glyph: glyph.x0) for line in merged]


def line_tokens(line: list[Glyph], body: float) -> list[Token]:
    """Words of a line; a word in a clearly smaller font than the page's body text made of digits
    is a source label."""
    tokens: list[Token] = []
    word: list[Glyph] = []
    for glyph in [*line, None]:
        gap = glyph is not None and word and glyph.x0 - word[-1].x1 > 0.2 * min(glyph.size, word[-1].size)
        if glyph is None or glyph.text.isspace() or gap or (word and (glyph.size < 0.75 * body) != (word[-1].size < 0.75 * body)):
            if word:
                tokens.append(make_token(word, body))
            word = [] if glyph is None or glyph.text.isspace() else [glyph]
        else:
            word.append(glyph)
    return tokens


def make_token(word: list[Glyph], body: float) -> Token:
    text = "".join(glyph.text for glyph in word)
    colours = [glyph.colour for glyph in word]
    colour = max(set(colours), key=colours.count)
    small = all(glyph.size < 0.75 * body for glyph in word)
    return Token(text=text, colour=colour, label=small and text.isdigit())
