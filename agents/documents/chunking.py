"""Cut text into evidence chunks of about `target_words` words on sentence and paragraph boundaries.

Contract: a chunk never ends mid-sentence and never splits a citation marker or any short
[bracketed] span; chunks prefer to end at paragraph breaks; each chunk carries the page or paragraph
anchor(s) it spans. The one exception: a single "sentence" longer than twice the target (a table
dump, a run-on list with no full stops) is cut between words, markers kept whole, because one
unbounded chunk would be useless for retrieval.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agents.documents.anchors import Anchor, span_label

ABBREVIATIONS = frozenset(
    "al approx cf ch co dr ed eds eg e.g eq etc fig figs ie i.e inc jr ltd mr mrs ms no nos p pp prof sr st vol vols vs".split()
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! ? … (plus closing quotes / brackets and any citation markers right after
# it), then whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*(?:\s*\[@[^\]\n]*\])*(?=\s+[\"'“‘(\[#*\-•]?[A-Z0-9À-Ý])")
_LINE_START = re.compile(r"\n(?=[ \t]*(?:#{1,6}\s|[-*•]\s|\d+[.)]\s))")
_BRACKETED = re.compile(r"\[[^\[\]\n]{0,300}\]|\([^()\n]{0,300}\)")
_WORD_TOKEN = re.compile(r"\[@[^\]\n]*\]|\S+")


@dataclass(frozen=True)
class ChunkSpec:
    """One chunk: its text, its anchor label ("p. 3", "pp. 3–4", "para. 2", ...), and its
    character span [start, end) in the source text."""

    text: str
    anchor: str
    start: int = 0
    end: int = 0

    @property
    def words(self) -> int:
        return len(self.text.split())

    def as_record(self) -> dict[str, str]:
        """The shape the evidence record writer stores: {"text", "anchor"}."""
        return {"text": self.text, "anchor": self.anchor}


def chunk_text(text: str, target_words: int = 350, anchors: list[Anchor] | None = None) -> list[ChunkSpec]:
    """Chunks of about `target_words` words. Without `anchors`, paragraphs are numbered."""
    if target_words < 1:
        raise ValueError("target_words must be at least 1")
    if anchors is None:
        anchors = _paragraph_anchors_of(text)
    units = [unit for paragraph in _paragraphs(text) for unit in _sentences(text, *paragraph)]
    chunks = []
    for start, end in _pack(text, units, target_words):
        chunks.append(ChunkSpec(text[start:end], span_label(anchors, start, end), start, end))
    return chunks


def _paragraph_anchors_of(text: str) -> list[Anchor]:
    return [Anchor(start, "paragraph", number) for number, (start, _end) in enumerate(_paragraphs(text), start=1)]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, whitespace trimmed, empty ones dropped."""
    spans, position = [], 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[position:end]
        if piece.strip():
            leading = len(piece) - len(piece.lstrip())
            spans.append((position + leading, position + len(piece.rstrip())))
        position = match.end() if match else len(text)
    return spans


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(start, end, role) of each sentence in text[start:end]; role is "heading" for a Markdown
    heading line, "opening" for a paragraph's first sentence, "" otherwise."""
    paragraph = text[start:end]
    protected = [match.span() for match in _BRACKETED.finditer(paragraph)]
    cuts = {match.end() for match in _BOUNDARY.finditer(paragraph) if _ends_sentence(paragraph, match, protected)}
    cuts |= {match.start() for match in _LINE_START.finditer(paragraph)}
    if paragraph.lstrip().startswith("#") and "\n" in paragraph:  # a heading line stands alone
        cuts.add(paragraph.index("\n"))
    spans, position = [], 0
    for cut in sorted(cuts | {len(paragraph)}):
        piece = paragraph[position:cut]
        if piece.strip():
            leading = len(piece) - len(piece.lstrip())
            role = "heading" if piece.lstrip().startswith("#") else "" if spans else "opening"
            spans.append((start + position + leading, start + position + len(piece.rstrip()), role))
        position = cut
    return spans


def _ends_sentence(paragraph: str, match: re.Match, protected: list[tuple[int, int]]) -> bool:
    """False for abbreviations, initials ("J. Doe"), decimals and full stops inside brackets."""
    if any(low < match.start() < high - 1 for low, high in protected):
        return False
    if paragraph[match.start()] != ".":
        return True
    word = re.search(r"([\w.]+)$", paragraph[: match.start()])
    token = word.group(1).lower() if word else ""
    return token not in ABBREVIATIONS and not re.fullmatch(r"[a-z]", token)


def _pack(text: str, units: list[tuple[int, int, str]], target: int) -> list[tuple[int, int]]:
    """Greedily group sentences into spans near `target` words; a heading always opens a chunk
    and a paragraph opens one once the current chunk holds three quarters of the target."""
    spans: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    words = 0
    for start, end, role in units:
        size = len(text[start:end].split())
        if size > 2 * target:
            spans += [(current[0][0], current[-1][1])] if current else []
            spans += _split_long(text, start, end, target)
            current, words = [], 0
            continue
        full = words + size > target or role == "heading" or (role == "opening" and words >= 0.75 * target)
        if current and full:
            spans.append((current[0][0], current[-1][1]))
            current, words = [], 0
        current.append((start, end))
        words += size
    if current:
        spans.append((current[0][0], current[-1][1]))
    return spans


def _split_long(text: str, start: int, end: int, target: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence between words into pieces of `target` words, markers whole."""
    tokens = [match.span() for match in _WORD_TOKEN.finditer(text, start, end)]
    return [(tokens[index][0], tokens[min(index + target, len(tokens)) - 1][1]) for index in range(0, len(tokens), target)]

