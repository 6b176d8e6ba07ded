"""Text from a DOCX (WordprocessingML) without trusting the archive or its XML.

Before anything is decompressed the ZIP directory is checked: part count, total declared
uncompressed size and per-part compression ratio (zip bombs). The one part we read,
word/document.xml, is read with a hard byte cap (declared sizes can lie) and parsed by defusedxml
with DTDs forbidden, which refuses entity expansion ("billion laughs") and external entities (XXE).
Macros, embedded objects and fields are never run: only w:t text is read.
"""
from __future__ import annotations

import io
import re
import zipfile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from agents.documents.errors import UnsafeDocument, UnsupportedDocument

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_PARTS = 1000
MAX_TOTAL_UNCOMPRESSED = 200 * 1_048_576
MAX_DOCUMENT_XML = 64 * 1_048_576
# Real DOCX XML compresses 5-30x; 100x on a large part is a bomb, not prose.
MAX_RATIO = 100
_HEADING_STYLE = re.compile(r"(?i)^(?:heading|berschrift|titre|titolo|encabezado)\s*(\d)$")


def docx_paragraphs(data: bytes) -> list[str]:
    """The document body's paragraphs in order: headings as `#` lines, table rows as `a | b`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_archive(archive)
        with archive.open("word/document.xml") as part:
            xml = part.read(MAX_DOCUMENT_XML + 1)
    if len(xml) > MAX_DOCUMENT_XML:
        raise UnsafeDocument("the Word document's text part is larger than it declared (a zip bomb?)")
    try:
        root = fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as error:
        raise UnsafeDocument(f"the Word document contains forbidden XML constructs ({type(error).__name__})") from error
    except ParseError as error:
        raise UnsupportedDocument(f"the Word document's XML is damaged ({error})") from error
    body = root.find(f"{W}body")
    return [] if body is None else list(_block_texts(body))


def check_docx_parts(data: bytes) -> None:
    """For readers that parse a DOCX themselves (python-docx, lxml): refuse zip bombs (part count,
    total size, ratio) and any XML part with a DTD, entities or external references (defusedxml),
    before they open it. UnsafeDocument / UnsupportedDocument say why."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive)
            for member in archive.infolist():
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        _check_xml(member.filename, part.read(MAX_DOCUMENT_XML + 1))
    except (zipfile.BadZipFile, ValueError, NotImplementedError) as error:
        if isinstance(error, UnsafeDocument | UnsupportedDocument):
            raise
        raise UnsupportedDocument(f"the Word document is a damaged archive ({error})") from error


def _check_xml(name: str, xml: bytes) -> None:
    if len(xml) > MAX_DOCUMENT_XML:
        raise UnsafeDocument(f"the part {name} is larger than it declared (a zip bomb?)")
    try:
        fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as error:
        raise UnsafeDocument(f"the part {name} contains forbidden XML constructs ({type(error).__name__})") from error
    except ParseError as error:
        raise UnsupportedDocument(f"the part {name} is damaged XML ({error})") from error


def _check_archive(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_PARTS:
        raise UnsafeDocument(f"the Word document has {len(members)} parts (limit {MAX_PARTS})")
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UnsafeDocument(f"the Word document would expand to {total / 1_048_576:.0f} MB (a zip bomb?)")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1_048_576 and ratio > MAX_RATIO:
            raise UnsafeDocument(f"the part {member.filename} is compressed {ratio:.0f}x (a zip bomb?)")


def _block_texts(container):
    """Paragraph texts of body-level blocks: w:p, w:tbl rows, and w:sdt content controls."""
    for element in container:
        if element.tag == f"{W}p":
            text = _run_text(element)
            yield _heading_prefix(element) + text if text else ""
        elif element.tag == f"{W}tbl":
            for row in element.iter(f"{W}tr"):
                cells = [" ".join(_run_text(p) for p in cell.iter(f"{W}p")).strip() for cell in row.iter(f"{W}tc")]
                yield " | ".join(cells)
        elif element.tag == f"{W}sdt":
            content = element.find(f"{W}sdtContent")
            if content is not None:
                yield from _block_texts(content)


def _run_text(paragraph) -> str:
    """w:t text with tabs and breaks; deleted tracked changes (w:delText) are not w:t, so skipped."""
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{W}tab":
            parts.append("\t")
        elif node.tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
    return "".join(parts).strip()


def _heading_prefix(paragraph) -> str:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    value = style.get(f"{W}val", "") if style is not None else ""
    if value.lower() == "title":
        return "# "
    match = _HEADING_STYLE.match(value)
    return "#" * min(int(match.group(1)), 6) + " " if match else ""
