"""Anchors: where each page or paragraph begins in extracted text, and labels for spans of it."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    """Where a page or paragraph begins: `offset` is a character index into the extracted text."""

    offset: int
    kind: str  # "page" or "paragraph"
    number: int

    @property
    def label(self) -> str:
        return f"p. {self.number}" if self.kind == "page" else f"para. {self.number}"


def span_label(anchors: list[Anchor], start: int, end: int) -> str:
    """The citation anchor for text[start:end]: "p. 3", "pp. 3–4", "para. 2", "paras. 2–5" or ""."""
    if not anchors or end <= start:
        return ""
    offsets = [anchor.offset for anchor in anchors]
    first_index = max(bisect_right(offsets, start) - 1, 0)
    last_index = max(bisect_right(offsets, end - 1) - 1, 0)
    first, last = anchors[first_index], anchors[last_index]
    if first.number == last.number:
        return first.label
    plural = "pp." if first.kind == "page" else "paras."
    return f"{plural} {first.number}–{last.number}"


def paragraph_anchors(paragraphs: list[str], separator: str = "\n\n") -> tuple[str, list[Anchor]]:
    """Join paragraphs with `separator` and anchor each one (numbered from 1)."""
    anchors, offset, kept = [], 0, []
    for paragraph in paragraphs:
        if not paragraph.strip():
            continue
        if kept:
            offset += len(separator)
        anchors.append(Anchor(offset, "paragraph", len(kept) + 1))
        kept.append(paragraph)
        offset += len(paragraph)
    return separator.join(kept), anchors
