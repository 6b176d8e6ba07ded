"""Text from a PDF with pypdf, page by page.

Encrypted PDFs: opened only when the empty user password works (owner-restricted "no copy" PDFs
are common and readable); a PDF that needs a password is refused, never cracked.
JavaScript / launch actions: NEUTRALISED, not refused. pypdf only decodes content streams to text
and has no script engine, so nothing is ever executed; we detect scripts (catalog /Names
/JavaScript, /OpenAction, /AA, and /JS or /JavaScript anywhere in the file) and report it as a
warning so the caller can tell the student.
"""
from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from agents.documents.anchors import Anchor
from agents.documents.errors import EncryptedDocument, UnsupportedDocument

MAX_PAGES = 2000
MAX_TEXT_CHARS = 20_000_000
_SCRIPT_TOKEN = re.compile(rb"/(?:JavaScript|JS|Launch)(?![A-Za-z])")
JAVASCRIPT_WARNING = "the PDF contains JavaScript or launch actions; they were ignored (text was extracted, nothing was run)"


def pdf_pages(data: bytes) -> tuple[str, list[Anchor], int, list[str]]:
    """(text, page anchors, page count, warnings). Pages are joined by blank lines."""
    reader = _open(data)
    warnings = [JAVASCRIPT_WARNING] if _has_scripts(reader, data) else []
    pages = reader.pages
    if len(pages) > MAX_PAGES:
        raise UnsupportedDocument(f"the PDF has {len(pages)} pages (limit {MAX_PAGES})")
    texts, anchors, offset = [], [], 0
    for number, page in enumerate(pages, start=1):
        page_text = _page_text(page)
        if not page_text:
            continue
        if texts:
            offset += 2
        anchors.append(Anchor(offset, "page", number))
        texts.append(page_text)
        offset += len(page_text)
        if offset > MAX_TEXT_CHARS:
            raise UnsupportedDocument(f"the PDF holds more than {MAX_TEXT_CHARS:,} characters of text")
    if not texts:
        raise UnsupportedDocument("the PDF has no extractable text (a scanned image? OCR is not offered)")
    return "\n\n".join(texts), anchors, len(pages), warnings


def _open(data: bytes) -> PdfReader:
    # pypdf logs every recoverable oddity of real-world PDFs; they are not our errors.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedDocument("the PDF is password-protected; upload an unprotected copy")
        return reader
    except EncryptedDocument:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as error:
        raise UnsupportedDocument(f"the PDF is damaged and cannot be read ({error})") from error
    except NotImplementedError as error:  # an encryption algorithm pypdf does not support
        raise EncryptedDocument(f"the PDF uses unsupported encryption ({error})") from error


def _page_text(page) -> str:
    try:
        text = page.extract_text() or ""
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError):
        return ""  # one damaged page should not cost the student the rest of the document
    # Blank lines inside a page are layout, not paragraphs we can trust; keep single line breaks.
    lines = [line.rstrip() for line in text.replace("\r", "\n").splitlines()]
    return "\n".join(line for line in lines if line.strip()).strip()


def _has_scripts(reader: PdfReader, data: bytes) -> bool:
    """Scripts named in the catalog, or the tokens anywhere in the raw (uncompressed) bytes."""
    if _SCRIPT_TOKEN.search(data):
        return True
    try:
        root = reader.trailer["/Root"]
        names = root.get("/Names")
        return bool((names is not None and "/JavaScript" in names.get_object()) or "/OpenAction" in root or "/AA" in root)
    except (PdfReadError, PyPdfError, KeyError, AttributeError, TypeError):
        return True  # cannot inspect the catalog: assume the worst, the text path is safe anyway
