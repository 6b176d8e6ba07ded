"""Did a rewrite keep the meaning? Sentence embeddings (agents.embeddings, all-MiniLM-L6-v2,
offline) compared chunk by chunk.

The original is cut into chunks of whole sentences (about CHUNK_WORDS words: short enough that
the encoder reads all of each, long enough to carry a point); so is the rewrite. Each original
chunk scores the best cosine similarity among the rewrite's chunks at about the same place (one
chunk either side), so a point that was dropped cannot borrow its score from elsewhere in the
text. Citations (markers and author-date) are removed first: they are checked on their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agents.drafts import AUTHOR_DATE
from agents.embeddings import cosine, embed
from agents.llm.offline.text import sentences

CHUNK_WORDS = 80
_MARKER = re.compile(r"\[@[^\]]*\]")


def plain(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", AUTHOR_DATE.sub(" ", _MARKER.sub(" ", text)))).strip()


def chunks(text: str, size: int = CHUNK_WORDS) -> list[str]:
    """Whole sentences grouped into chunks of about `size` words (a long sentence stands alone)."""
    grouped: list[list[str]] = [[]]
    for sentence in sentences(plain(text)):
        if grouped[-1] and sum(len(item.split()) for item in grouped[-1]) + len(sentence.split()) > size:
            grouped.append([])
        grouped[-1].append(sentence)
    return [" ".join(group) for group in grouped if group]


@dataclass(frozen=True)
class MeaningReport:
    scores: list[float]  # one per chunk of the original
    minimum: float

    @property
    def weakest(self) -> float:
        return min(self.scores, default=1.0)

    @property
    def kept(self) -> bool:
        return self.weakest >= self.minimum

    def failing(self) -> list[int]:
        return [index for index, score in enumerate(self.scores) if score < self.minimum]


def compare(pairs: list[tuple[str, str]], minimum: float) -> list[MeaningReport]:
    """For each (original, rewrite): the per-chunk similarity report. One embedding call."""
    cut = [(chunks(original), chunks(rewrite)) for original, rewrite in pairs]
    texts = [text for before, after in cut for text in before + after]
    vectors = embed(texts) if texts else None
    reports, offset = [], 0
    for before, after in cut:
        left = vectors[offset : offset + len(before)] if before else None
        right = vectors[offset + len(before) : offset + len(before) + len(after)] if after else None
        offset += len(before) + len(after)
        if not before:
            reports.append(MeaningReport([], minimum))
            continue
        if not after:
            reports.append(MeaningReport([0.0] * len(before), minimum))
            continue
        matrix = cosine(left, right)
        scores = []
        for index in range(len(before)):
            place = round(index * (len(after) - 1) / max(1, len(before) - 1)) if len(before) > 1 else 0
            window = matrix[index, max(0, place - 1) : place + 2]
            scores.append(round(float(window.max()), 4))
        reports.append(MeaningReport(scores, minimum))
    return reports
