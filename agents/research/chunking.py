"""Chunks of ~350 words on sentence boundaries, each with an anchor saying where it comes from.

A local stand-in until agents/documents.chunk_text (the documents library) lands on main; the
output shape ({text, anchor}) is what journeys.evidence.write_source stores.
"""

from __future__ import annotations

import re

TARGET_WORDS = 350
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_PARAGRAPH = re.compile(r"\n\s*\n")


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(" ".join(text.split())) if part.strip()]


def pack(units: list[tuple[str, int]], target: int = TARGET_WORDS) -> list[tuple[str, int, int]]:
    """Greedily pack (sentence, locator) units into chunks of about `target` words.
    Returns (text, first locator, last locator) per chunk; a chunk never splits a sentence."""
    chunks: list[tuple[str, int, int]] = []
    current: list[str] = []
    first = last = 0
    count = 0
    for sentence, locator in units:
        size = len(sentence.split())
        if current and count + size > target:
            chunks.append((" ".join(current), first, last))
            current, count = [], 0
        if not current:
            first = locator
        current.append(sentence)
        count += size
        last = locator
    if current:
        chunks.append((" ".join(current), first, last))
    return chunks


def _span(kind: str, first: int, last: int) -> str:
    if kind == "page":
        return f"p. {first}" if first == last else f"pp. {first}-{last}"
    return f"para. {first}" if first == last else f"paras {first}-{last}"


def chunk_abstract(abstract: str) -> list[dict[str, str]]:
    return [{"text": text, "anchor": "abstract"} for text, _first, _last in pack([(s, 0) for s in sentences(abstract)])]


def chunk_full_text(text: str, pages: tuple[str, ...] = (), max_words: int = 6000) -> list[dict[str, str]]:
    """Chunks of a document's text, anchored by page (PDF) or paragraph (HTML, plain text).
    Stops after about `max_words` words: enough evidence to cite without storing whole books."""
    if pages:
        units = [(sentence, number) for number, page in enumerate(pages, start=1) for sentence in sentences(page)]
        kind = "page"
    else:
        paragraphs = [part for part in _PARAGRAPH.split(text) if part.strip()]
        if len(paragraphs) == 1:
            paragraphs = [line for line in text.splitlines() if line.strip()]
        units = [(sentence, number) for number, paragraph in enumerate(paragraphs, start=1) for sentence in sentences(paragraph)]
        kind = "para"
    chunks, total = [], 0
    for chunk, first, last in pack(units):
        chunks.append({"text": chunk, "anchor": _span(kind, first, last)})
        total += len(chunk.split())
        if total >= max_words:
            break
    return chunks
