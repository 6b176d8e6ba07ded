"""Decide what an upload really is from its bytes; the file name only tells text from Markdown.

Refused here, with the reason: empty files, legacy / password-protected Word (OLE2 containers),
RTF, ZIP archives that are not Word documents, images and executables, HTML pages (a page is not
a draft, and may carry scripts), text that claims to be a binary format by its name (an
"essay.docx" that is really text or HTML), and anything that does not decode as text with
almost no control characters ("binary junk").
"""
from __future__ import annotations

import codecs
import io
import zipfile

from agents.documents.errors import EncryptedDocument, UnsupportedDocument

_KNOWN_BINARY = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "an executable program",
    b"MZ": "a Windows program",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"{\\rtf": "an RTF document (save it as DOCX or PDF)",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
# Names that promise a binary document: text content under them is a disguise, not a draft.
BINARY_SUFFIXES = (".docx", ".doc", ".pdf", ".odt", ".rtf")
_HTML_STARTS = ("<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<svg")
# Share of control characters tolerated in decoded text: a stray form feed is fine, binary is not.
MAX_CONTROL_SHARE = 0.005


def sniff_kind(data: bytes, filename: str) -> str:
    """"pdf", "docx", "markdown" or "text"; UnsupportedDocument (or EncryptedDocument) otherwise."""
    if not data.strip():
        raise UnsupportedDocument("the file is empty")
    if b"%PDF-" in data[:1024]:  # the PDF spec lets readers accept junk before the header
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OLE2):
        # Word 97-2003 files and password-protected DOCX files are both OLE2 containers.
        raise EncryptedDocument(
            "this is a legacy .doc file or a password-protected Word document; save it as an unprotected .docx or PDF"
        )
    for magic, what in _KNOWN_BINARY.items():
        if data.startswith(magic):
            raise UnsupportedDocument(f"this is {what}, not a DOCX, PDF or text document")
    text = decode_text(data)
    if text[:4096].lstrip("\ufeff \t\r\n").lower().startswith(_HTML_STARTS):
        raise UnsupportedDocument("this is an HTML page, not a DOCX, PDF or text document; save it as one of those")
    if filename.lower().endswith(BINARY_SUFFIXES):
        suffix = filename.lower().rsplit(".", 1)[-1].upper()
        raise UnsupportedDocument(f"the file is named as a {suffix} document but its content is plain text; "
                                  "upload the real document, or the text as a .txt file")
    return "markdown" if filename.lower().endswith(MARKDOWN_SUFFIXES) else "text"


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise UnsupportedDocument(f"the file is a damaged ZIP/DOCX archive ({error})") from error
    if "word/document.xml" in names:
        return "docx"
    if "content.xml" in names:
        raise UnsupportedDocument("this is an OpenDocument file; save it as DOCX or PDF")
    raise UnsupportedDocument("this is a ZIP archive, not a Word (.docx) document")


def decode_text(data: bytes) -> str:
    """Text from UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252; refuses binary."""
    text = _decode(data)
    sample = text[:100_000]
    controls = sum(1 for character in sample if (ord(character) < 32 and character not in "\t\n\r\f") or character == "\x7f")
    if controls > MAX_CONTROL_SHARE * len(sample):
        raise UnsupportedDocument("the file looks like binary data, not a DOCX, PDF or text document")
    if not text.strip():
        raise UnsupportedDocument("the file is empty")
    return text


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnsupportedDocument("the file claims to be UTF-16 text but does not decode") from error
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnsupportedDocument("the file looks like binary data, not a DOCX, PDF or text document")
