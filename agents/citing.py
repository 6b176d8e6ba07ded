"""Citation markers in drafts: which (key, chunk) pairs a text cites, and keeping only real ones.

Markers are `[@key:ordinal]` or `[@k1:3; @k2:0]` (agents.rendering parses them the same way); the
ordinal is the chunk's position in its source, so a marker survives copying a source with its
chunks into another run (an assignment's parts into the parent).
"""
from __future__ import annotations

import re

from agents.llm.offline.text import sentences
from agents.qa.support import lexical_support

# The same grammar as agents.rendering.citations, kept here so writing a section does not load
# the CSL processor and the document libraries (a worker's first step stays quick).
_ONE = r"@([a-z0-9_-]+):(\d+)"
MARKER = re.compile(rf"\[\s*{_ONE}(?:\s*;\s*{_ONE})*\s*\]")
_MARKER_LIKE = re.compile(r"\[\s*@[^\]\n]*\]")
_PAIR = re.compile(_ONE)


def malformed_markers(text: str) -> list[str]:
    return [match.group(0) for match in _MARKER_LIKE.finditer(text) if not MARKER.fullmatch(match.group(0))]


def cited_pairs(text: str) -> list[tuple[str, int]]:
    return [(key, int(ordinal)) for match in MARKER.finditer(text) for key, ordinal in _PAIR.findall(match.group(0))]


def keep_known(text: str, allowed: set[tuple[str, int]]) -> tuple[str, list[str]]:
    """The text with every marker pair not in `allowed` (and every malformed marker) removed;
    also the list of what was removed. This is how a model's invented citation never survives."""
    removed: list[str] = []

    def rebuild(match: re.Match) -> str:
        pairs = [(key, int(ordinal)) for key, ordinal in _PAIR.findall(match.group(0))]
        kept = [pair for pair in pairs if pair in allowed]
        removed.extend(f"@{key}:{ordinal}" for key, ordinal in pairs if (key, ordinal) not in allowed)
        return "[" + "; ".join(f"@{key}:{ordinal}" for key, ordinal in kept) + "]" if kept else ""

    cleaned = MARKER.sub(rebuild, text)
    for fragment in malformed_markers(cleaned):
        removed.append(fragment)
        cleaned = cleaned.replace(fragment, "")
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)
    return re.sub(r"[ \t]{2,}", " ", cleaned), removed


def keep_supported(text: str, passages: dict[tuple[str, int], str]) -> tuple[str, list[str]]:
    """The text without the cited sentences their passages do not support by their words (and
    without any marker outside `passages`); also the sentences dropped. For short cited pieces a
    model writes outside the section QA (annotations, slides, a claims matrix): a claim whose
    passage does not back it is left out rather than shipped with a citation it does not earn."""
    text, _ = keep_known(text, set(passages))
    dropped: list[str] = []
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text):
        kept = []
        for sentence in sentences(paragraph):
            pairs = cited_pairs(sentence)
            if pairs and not all(lexical_support(sentence, passages[pair])[0] for pair in pairs):
                dropped.append(sentence)
                continue
            kept.append(sentence)
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs), dropped
