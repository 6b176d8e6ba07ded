"""Uploads read by their bytes: real DOCX / PDF / text files in, hostile or broken ones refused."""

import io
import random
import zipfile

import pytest
from docx import Document
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from agents.documents import (
    DocumentTooLarge,
    EncryptedDocument,
    UnsafeDocument,
    UnsupportedDocument,
    extract_text,
    extract_text_from_stream,
)


def make_docx() -> bytes:
    document = Document()
    document.add_heading("Urban heat", level=1)
    document.add_paragraph("Night-time temperatures stay high. They raise mortality.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "City", "Deaths"
    document.add_paragraph("")
    document.add_paragraph("Green roofs lower surface temperature.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(pages: list[str]) -> bytes:
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    for text in pages:
        for line_number, line in enumerate(text.splitlines()):
            drawing.drawString(72, 760 - 16 * line_number, line)
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def rewrite_pdf(data: bytes, change) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_with_document_xml(xml: bytes, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def test_docx_text_keeps_headings_tables_and_paragraph_anchors():
    document = extract_text(make_docx(), "essay.docx")

    assert document.kind == "docx"
    assert document.text == (
        "# Urban heat\n\nNight-time temperatures stay high. They raise mortality.\n\nCity | Deaths\n\n"
        "Green roofs lower surface temperature."
    )
    assert [anchor.label for anchor in document.anchors] == ["para. 1", "para. 2", "para. 3", "para. 4"]
    assert document.text[document.anchors[3].offset :].startswith("Green roofs")


def test_pdf_text_comes_with_page_anchors():
    data = make_pdf(["Page one says heat kills.", "Page two says roofs help."])

    document = extract_text(data, "paper.pdf")

    assert (document.kind, document.page_count, document.warnings) == ("pdf", 2, [])
    assert [anchor.label for anchor in document.anchors] == ["p. 1", "p. 2"]
    assert document.text[document.anchors[1].offset :] == "Page two says roofs help."
    assert [chunk.anchor for chunk in document.chunks(target_words=5)] == ["p. 1", "p. 2"]


def test_type_is_sniffed_from_bytes_not_the_name():
    document = extract_text(make_pdf(["Really a PDF."]), "essay.docx")

    assert document.kind == "pdf"
    assert "named 'essay.docx' but its content is PDF" in document.warnings[0]


def test_text_and_markdown_decode_utf8_utf16_and_windows_1252():
    assert extract_text("# Title\n\nBody – ü.".encode(), "notes.md").kind == "markdown"
    assert extract_text("Body – ü.".encode("utf-16"), "notes.txt").text == "Body – ü."
    assert extract_text("Café – naïve".encode("cp1252"), "notes.txt").text == "Café – naïve"


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf\n\n"])
def test_empty_files_are_refused(data):
    with pytest.raises(UnsupportedDocument, match="empty"):
        extract_text(data, "essay.txt")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (random.Random(7).randbytes(4096), "binary data"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG image"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "executable"),
        (b"{\\rtf1\\ansi Hello}", "RTF"),
    ],
)
def test_binary_junk_and_other_formats_are_refused_whatever_the_name(data, message):
    with pytest.raises(UnsupportedDocument, match=message):
        extract_text(data, "essay.docx")


def test_a_zip_that_is_not_a_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")

    with pytest.raises(UnsupportedDocument, match="not a Word"):
        extract_text(buffer.getvalue(), "essay.docx")


def test_legacy_or_password_protected_word_files_are_refused():
    with pytest.raises(EncryptedDocument, match="password-protected Word"):
        extract_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "essay.docx")


def test_oversize_bytes_are_refused():
    with pytest.raises(DocumentTooLarge, match="limit is 1 MB"):
        extract_text(b"a" * (1_048_576 + 1), "big.txt", max_bytes=1_048_576)


class EndlessUpload(io.RawIOBase):
    """A 200 MB upload produced on demand, counting what the reader pulled from it."""

    def __init__(self, size: int):
        self.remaining, self.read_bytes = size, 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = self.remaining if size < 0 else min(size, self.remaining)
        self.remaining -= size
        self.read_bytes += size
        return b"a" * size


def test_a_200_mb_stream_is_refused_after_reading_just_past_the_limit():
    upload = EndlessUpload(200 * 1_048_576)

    with pytest.raises(DocumentTooLarge):
        extract_text_from_stream(upload, "huge.txt")

    assert upload.read_bytes == 20 * 1_048_576 + 1


def test_a_stream_declaring_its_size_is_refused_without_reading():
    upload = EndlessUpload(200 * 1_048_576)
    upload.size = 200 * 1_048_576

    with pytest.raises(DocumentTooLarge, match="200.0 MB"):
        extract_text_from_stream(upload, "huge.txt")

    assert upload.read_bytes == 0


def test_a_small_stream_is_extracted():
    assert extract_text_from_stream(io.BytesIO(make_docx()), "essay.docx").text.startswith("# Urban heat")


def test_a_zip_bomb_docx_is_refused_before_decompressing():
    bomb = docx_with_document_xml(b"<a>" + b"A" * 50 * 1_048_576 + b"</a>")
    assert len(bomb) < 200_000

    with pytest.raises(UnsafeDocument, match="zip bomb"):
        extract_text(bomb, "essay.docx")


def test_a_docx_with_too_many_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<d/>")
        for index in range(1001):
            archive.writestr(f"word/media/{index}.bin", b"")

    with pytest.raises(UnsafeDocument, match="parts"):
        extract_text(buffer.getvalue(), "essay.docx")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&secret;</w:t></w:r></w:p></w:body></w:document>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""


@pytest.mark.parametrize("xml", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_xml_entity_attacks_in_a_docx_are_refused(xml):
    with pytest.raises(UnsafeDocument, match="forbidden XML"):
        extract_text(docx_with_document_xml(xml), "essay.docx")


def test_damaged_files_are_refused_clearly():
    with pytest.raises(UnsupportedDocument, match="damaged"):
        extract_text(docx_with_document_xml(b"<w:document><unclosed>"), "essay.docx")
    with pytest.raises(UnsupportedDocument):
        extract_text(b"%PDF-1.7\n garbage without objects", "paper.pdf")


def test_a_password_protected_pdf_is_refused():
    locked = rewrite_pdf(make_pdf(["Secret text."]), lambda writer: writer.encrypt("student-password", algorithm="AES-256"))

    with pytest.raises(EncryptedDocument, match="password-protected"):
        extract_text(locked, "paper.pdf")


def test_an_owner_restricted_pdf_with_an_empty_user_password_is_read():
    restricted = rewrite_pdf(
        make_pdf(["Readable text."]), lambda writer: writer.encrypt("", owner_password="owner", algorithm="AES-128")
    )

    assert extract_text(restricted, "paper.pdf").text == "Readable text."


def test_pdf_javascript_is_neutralised_text_only_and_reported():
    scripted = rewrite_pdf(make_pdf(["Ordinary text."]), lambda writer: writer.add_open_action(JavaScript("app.alert('hi');")))

    document = extract_text(scripted, "paper.pdf")

    assert document.text == "Ordinary text."
    assert len(document.warnings) == 1 and document.warnings[0].startswith("the PDF contains JavaScript")
    assert "nothing was run" in document.warnings[0]


def test_a_pdf_with_no_text_layer_is_refused():
    with pytest.raises(UnsupportedDocument, match="no extractable text"):
        extract_text(make_pdf([""]), "scan.pdf")
