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
# Words that carry no claim of their own: what is left of a sentence without them is its content.
_FUNCTION_WORDS = set(
    "a an the and or but nor of on in to for with by about as at from into onto upon over under between within without "
    "across through is are was were be been being am do does did has have had can cannot could may might must shall should "
    "will would not no this that these those it its they them their there here we our us you your he she his her which who "
    "whom whose what when where why how than then so such very also only just even still yet more most less least much many "
    "some any each every all both either neither other another same different rather whether while because since though "
    "although however therefore thus hence seen way ways case cases point points part parts set sets makes make made "
    "shows show shown suggests suggest depends depend matters matter central useful necessary careful reading account "
    "discussion section sections starting turns turn need needs understood isolation relationship balance argument "
    "therefore less single interacting conditions decisions assumptions settled lead leads framings conclusions rest "
    "rests varies vary explain explains experienced measured defined work works shapes shape".split()
)
_CONTENT_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


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


def content_phrases(text: str, limit: int = 6) -> list[str]:
    """Maximal runs of content words (up to three words), in order of appearance, without repeats."""
    phrases: list[str] = []
    run: list[str] = []
    for word in [*_CONTENT_WORD.findall(text), ""]:
        lowered = word.lower()
        if word and lowered not in _FUNCTION_WORDS and not lowered.endswith("ly") and len(run) < 3:
            run.append(lowered)
            continue
        if run and " ".join(run) not in phrases:
            phrases.append(" ".join(run))
        run = [lowered] if word and lowered not in _FUNCTION_WORDS and not lowered.endswith("ly") else []
    return phrases[:limit]
