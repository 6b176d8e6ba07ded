"""A minimal, valid PDF with text pages (Helvetica), built by hand so the fake server needs no
PDF library. Pages split at form feeds, else every 45 lines of text."""

from __future__ import annotations

import textwrap

LINES_PER_PAGE = 45


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace").decode("latin-1")


def page_lines(title: str, text: str) -> list[list[str]]:
    pages: list[list[str]] = []
    for index, block in enumerate(text.split("\f")):
        lines = [title, ""] if index == 0 else []
        for paragraph in block.split("\n\n"):
            lines += textwrap.wrap(" ".join(paragraph.split()), 90) + [""]
        pages += [lines[start : start + LINES_PER_PAGE] for start in range(0, len(lines), LINES_PER_PAGE)]
    return pages or [[title]]


def minimal_pdf(title: str, text: str) -> bytes:
    pages = page_lines(title, text)
    count = len(pages)
    # Objects: 1 catalog, 2 page tree, 3 font, then (page, content) pairs.
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [" + " ".join(f"{4 + 2 * index} 0 R" for index in range(count)) + f"] /Count {count} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, lines in enumerate(pages):
        stream = "BT /F1 10 Tf 12 TL 50 790 Td " + " ".join(f"({_escape(line)}) Tj T*" for line in lines) + " ET"
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * index} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream")
    output = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    output += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    output += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(output)
