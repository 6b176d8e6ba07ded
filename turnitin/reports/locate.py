"""Finding a report's highlighted passages in the exact draft version that was sent.

Each passage is fuzzy-matched (rapidfuzz partial-ratio alignment) against every section's text
after normalising case, whitespace, quotes and dashes, then widened to whole sentences so that a
revision replaces complete sentences. Overlapping finds in one section are merged.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from agents.text_spans import snap_to_sentences
from turnitin.reports.extracted import Passage

MIN_WORDS = 5
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Located:
    section: int
    start: int
    end: int
    score: float
    source: int | None


def normalised(text: str) -> tuple[str, list[int]]:
    """Folded text with single spaces, and for each of its characters the offset in `text`."""
    chars: list[str] = []
    offsets: list[int] = []
    for offset, char in enumerate(text.translate(_FOLD).lower()):
        if char.isspace():
            if not chars or chars[-1] == " ":
                continue
            char = " "
        chars.append(char)
        offsets.append(offset)
    return "".join(chars), offsets


def locate(passages: list[Passage], sections: list[str], min_score: float) -> tuple[list[dict], list[dict]]:
    """(located, unlocated): located as {id, section, start, end, score, source}, merged per section."""
    prepared = [normalised(text) for text in sections]
    found: list[Located] = []
    unlocated: list[dict] = []
    for passage in passages:
        if len(passage.text.split()) < MIN_WORDS:
            unlocated.append({"text": passage.text[:300], "source": passage.source, "why": f"shorter than {MIN_WORDS} words"})
            continue
        match = best_match(passage, sections, prepared, min_score)
        if match is None:
            unlocated.append({"text": passage.text[:300], "source": passage.source, "why": "not found in the draft that was sent"})
        else:
            found.append(match)
    located = [
        {
            "id": f"p{index}",
            "section": item.section,
            "start": item.start,
            "end": item.end,
            "score": round(item.score, 1),
            "source": item.source,
        }
        for index, item in enumerate(merged(found), start=1)
    ]
    return located, unlocated


def best_match(passage: Passage, sections: list[str], prepared: list[tuple[str, list[int]]], min_score: float) -> Located | None:
    needle, _ = normalised(passage.text)
    best: Located | None = None
    for index, (haystack, offsets) in enumerate(prepared):
        if len(needle) > len(haystack) + 10:
            continue
        alignment = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=min_score)
        if alignment is None or (best is not None and alignment.score <= best.score):
            continue
        start = offsets[alignment.dest_start]
        end = offsets[max(alignment.dest_start, alignment.dest_end - 1)] + 1
        start, end = snap_to_sentences(sections[index], start, end)
        best = Located(index, start, end, alignment.score, passage.source)
    return best


def merged(found: list[Located]) -> list[Located]:
    result: list[Located] = []
    for item in sorted(found, key=lambda item: (item.section, item.start)):
        previous = result[-1] if result else None
        if previous and previous.section == item.section and item.start < previous.end:
            source = previous.source if previous.source is not None else item.source
            result[-1] = Located(item.section, previous.start, max(previous.end, item.end), max(previous.score, item.score), source)
        else:
            result.append(item)
    return result
