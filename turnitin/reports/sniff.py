"""What an uploaded file really is, from its first bytes (its name and declared type are not trusted)."""

from __future__ import annotations

import io
import zipfile

from turnitin.reports.errors import ReportRejected

PDF, HTML, DOCX = "pdf", "html", "docx"
CONTENT_TYPES = {
    PDF: "application/pdf",
    HTML: "text/html",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_KNOWN_OTHERS = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Office (OLE) document"),
    (b"{\\rtf", "an RTF document"),
    (b"PK\x03\x04", "a ZIP archive"),
]


def sniff(data: bytes) -> str:
    """PDF, HTML or DOCX, judged by content; ReportRejected says what the file is otherwise."""
    if not data:
        raise ReportRejected("the file is empty")
    head = data[:1024]
    # PDF readers accept the header anywhere in the first kilobyte; so do we.
    if b"%PDF-" in head:
        return PDF
    if head.startswith(b"PK\x03\x04") and is_docx(data):
        return DOCX
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in data[:4096].lower():
        return HTML
    what = next((name for magic, name in _KNOWN_OTHERS if head.startswith(magic)), None)
    if what is None:
        what = "plain text" if is_text(head) else "an unrecognised binary file"
    raise ReportRejected(f"the file is {what}, not a PDF or HTML export of a Turnitin report, whatever its name says")


def is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head
