"""Sentences and paragraphs of a section's text as character spans.

Flagged passages are located in, and revised in, the exact text of a section artifact; spans keep
the offsets into that text so a revision replaces precisely the flagged sentences and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) before
# whitespace; abbreviations are rare in generated academic prose and only cost a split.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+|$)")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def paragraphs(text: str) -> list[Span]:
    """Non-empty paragraphs (separated by blank lines), trimmed, with their offsets."""
    spans: list[Span] = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(_trimmed(text, position, end))
        position = match.end() if match else len(text)
    return spans


def sentences(text: str) -> list[Span]:
    """Sentences of every paragraph, trimmed, in order, with their offsets in `text`."""
    spans: list[Span] = []
    for paragraph in paragraphs(text):
        position = paragraph.start
        for match in _SENTENCE_END.finditer(text, paragraph.start, paragraph.end):
            spans.extend(_trimmed(text, position, match.end()))
            position = match.end()
        spans.extend(_trimmed(text, position, paragraph.end))
    return spans


def snap_to_sentences(text: str, start: int, end: int, min_overlap: float = 0.3) -> tuple[int, int]:
    """Widen [start, end) to the whole sentences it covers: a sentence counts when at least
    `min_overlap` of it lies inside the span. Falls back to the span itself."""
    covered = [
        span
        for span in sentences(text)
        if min(end, span.end) - max(start, span.start) >= min_overlap * max(1, span.end - span.start)
    ]
    if not covered:
        return start, end
    return covered[0].start, covered[-1].end


def replace_spans(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """`text` with each [start, end) replaced; spans must not overlap."""
    ordered = sorted(replacements, key=lambda item: item[0])
    for (_, end, _), (start, _, _) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            raise ValueError("replacement spans overlap")
    for start, end, new in reversed(ordered):
        text = text[:start] + new + text[end:]
    return text


def word_count(text: str) -> int:
    return len(text.split())


def _trimmed(text: str, start: int, end: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end, text[start:end])] if end > start else []
