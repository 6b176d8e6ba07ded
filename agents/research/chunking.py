"""Evidence chunks of a retrieved work: its abstract and its open-access full text, cut by the
documents library (agents.documents.chunk_text: ~350 words, sentence and paragraph boundaries,
citation markers kept whole) and anchored by page (PDF) or paragraph (HTML, plain text).

Output shape ({text, anchor}) is what journeys.evidence.write_source stores.
"""

from __future__ import annotations

import re

from agents.documents import chunk_text
from agents.documents.anchors import Anchor, paragraph_anchors

TARGET_WORDS = 350
_PARAGRAPH = re.compile(r"\n\s*\n")


def chunk_abstract(abstract: str) -> list[dict[str, str]]:
    text = " ".join((abstract or "").split())
    return [{"text": spec.text, "anchor": "abstract"} for spec in chunk_text(text, TARGET_WORDS, anchors=[])] if text else []


def page_anchors(pages: tuple[str, ...]) -> tuple[str, list[Anchor]]:
    """Pages joined by blank lines, each anchored by its number (empty pages keep their number)."""
    texts, anchors, offset = [], [], 0
    for number, page in enumerate(pages, start=1):
        if not page.strip():
            continue
        if texts:
            offset += 2
        anchors.append(Anchor(offset, "page", number))
        texts.append(page.strip())
        offset += len(page.strip())
    return "\n\n".join(texts), anchors


def chunk_full_text(text: str, pages: tuple[str, ...] = (), max_words: int = 6000) -> list[dict[str, str]]:
    """Chunks of a document's text. Stops after about `max_words` words: enough evidence to cite
    without storing whole books."""
    if pages:
        joined, anchors = page_anchors(pages)
    else:
        paragraphs = [part.strip() for part in _PARAGRAPH.split(text or "") if part.strip()]
        if len(paragraphs) == 1:  # extracted HTML often separates paragraphs by single newlines
            paragraphs = [line.strip() for line in paragraphs[0].splitlines() if line.strip()]
        joined, anchors = paragraph_anchors(paragraphs)
    chunks, total = [], 0
    for spec in chunk_text(joined, TARGET_WORDS, anchors):
        chunks.append(spec.as_record())
        total += spec.words
        if total >= max_words:
            break
    return chunks
