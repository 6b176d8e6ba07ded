"""Uploads in: DOCX, PDF, text and Markdown to plain text with page / paragraph anchors, then chunks.

Public API (a contract with the agents that call it):
    extract_text(data, filename, max_bytes=DEFAULT_MAX_BYTES) -> ExtractedDocument
    extract_text_from_stream(stream, filename, max_bytes=DEFAULT_MAX_BYTES) -> ExtractedDocument
    chunk_text(text, target_words=350, anchors=None) -> list[ChunkSpec]
    errors: DocumentError > UnsupportedDocument (> EncryptedDocument), DocumentTooLarge, UnsafeDocument
The type is sniffed from the bytes; the file name only tells Markdown from plain text.
"""
from __future__ import annotations

import re
from typing import BinaryIO

from agents.documents.anchors import Anchor, paragraph_anchors
from agents.documents.chunking import ChunkSpec, chunk_text
from agents.documents.errors import DocumentError, DocumentTooLarge, EncryptedDocument, UnsafeDocument, UnsupportedDocument
from agents.documents.extracted import KINDS, ExtractedDocument
from agents.documents.pdftext import pdf_pages
from agents.documents.sniff import decode_text, sniff_kind
from agents.documents.wordml import docx_paragraphs

DEFAULT_MAX_BYTES = 20 * 1_048_576
READ_BLOCK = 1_048_576
_PARAGRAPH_SPLIT = re.compile(r"\n[ \t]*\n")

__all__ = [
    "DEFAULT_MAX_BYTES", "KINDS", "Anchor", "ChunkSpec", "DocumentError", "DocumentTooLarge", "EncryptedDocument",
    "ExtractedDocument", "UnsafeDocument", "UnsupportedDocument", "chunk_text", "extract_text", "extract_text_from_stream",
]


def extract_text(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> ExtractedDocument:
    """Plain text and anchors of an upload held in memory; raises a DocumentError subclass."""
    if len(data) > max_bytes:
        raise DocumentTooLarge(len(data), max_bytes)
    kind = sniff_kind(data, filename)
    warnings = _name_warnings(kind, filename)
    if kind == "pdf":
        text, anchors, page_count, pdf_warnings = pdf_pages(data)
        return ExtractedDocument(text, kind, anchors, filename, page_count, warnings + pdf_warnings)
    if kind == "docx":
        paragraphs = docx_paragraphs(data)
    else:
        paragraphs = _PARAGRAPH_SPLIT.split(decode_text(data).replace("\r\n", "\n").replace("\r", "\n"))
    text, anchors = paragraph_anchors([paragraph.strip() for paragraph in paragraphs])
    if not text.strip():
        raise UnsupportedDocument("the document contains no text")
    return ExtractedDocument(text, kind, anchors, filename, 0, warnings)


def extract_text_from_stream(stream: BinaryIO, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> ExtractedDocument:
    """Like extract_text, reading `stream` (a file, a Django UploadedFile) in 1 MB blocks and
    refusing as soon as it passes `max_bytes`, so a 200 MB upload is never held in memory."""
    declared = getattr(stream, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise DocumentTooLarge(declared, max_bytes)
    blocks, total = [], 0
    while True:
        block = stream.read(min(READ_BLOCK, max_bytes + 1 - total))
        if not block:
            break
        blocks.append(block)
        total += len(block)
        if total > max_bytes:
            raise DocumentTooLarge(None, max_bytes)
    return extract_text(b"".join(blocks), filename, max_bytes)


_EXTENSIONS = {"pdf": (".pdf",), "docx": (".docx",), "markdown": (".md", ".markdown", ".mdown"), "text": (".txt", ".text", "")}


def _name_warnings(kind: str, filename: str) -> list[str]:
    """Say so when the name disagrees with the bytes (we trust the bytes)."""
    lowered = filename.lower()
    suffix = lowered[lowered.rfind(".") :] if "." in lowered else ""
    if suffix in _EXTENSIONS[kind] or kind == "text":
        return []
    return [f"the file is named {filename!r} but its content is {kind.upper()}; it was read as {kind.upper()}"]
