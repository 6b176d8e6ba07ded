"""Originality guard: flags passages of a draft that repeat a source's words without quotation.

Word shingles (n-grams) of length n (policy quality.copied_run_words) are taken from the draft
with quoted passages and citation markers removed (a quotation with its citation is legitimate
use) and intersected exactly with each chunk's shingles: the shared ones give the copied runs and
the section's copied share. Exact sets rather than MinHash estimates: a run's evidence is a few
hundred chunks at most, and an estimate would miss the short copied runs that matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_MARKER = re.compile(r"\[@[^\]]+\]")
_TOKEN = re.compile(r"[a-z0-9]+")
def tokens(text: str, drop_quotes: bool) -> list[str]:
    text = _MARKER.sub(" ", text)
    if drop_quotes:
        text = _QUOTED.sub(" | ", text)
    return _TOKEN.findall(text.lower().replace("|", " qqbreakqq "))


def shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    windows = (tuple(words[index : index + size]) for index in range(len(words) - size + 1))
    return {window for window in windows if "qqbreakqq" not in window}


@dataclass
class OriginalityReport:
    share: float = 0.0
    passages: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def check(text: str, chunks: list[dict], size: int) -> OriginalityReport:
    """`chunks`: [{"key", "text"}] of the run's retrieved sources (not the student's uploads)."""
    own = tokens(text, drop_quotes=True)
    mine = shingles(own, size)
    report = OriginalityReport()
    if not mine:
        return report
    copied: set[tuple[str, ...]] = set()
    for chunk in chunks:
        shared = mine & shingles(tokens(chunk["text"], drop_quotes=False), size)
        if shared:
            copied |= shared
            report.sources.append(chunk["key"])
    report.share = round(len(copied) / len(mine), 4)
    report.passages = _runs(own, copied, size)[:5]
    report.sources = sorted(set(report.sources))
    return report


def _runs(words: list[str], copied: set[tuple[str, ...]], size: int) -> list[str]:
    """The maximal runs of the draft covered by copied shingles, as text."""
    covered = [False] * len(words)
    for index in range(len(words) - size + 1):
        if tuple(words[index : index + size]) in copied:
            for offset in range(size):
                covered[index + offset] = True
    runs, current = [], []
    for word, flag in zip(words, covered, strict=True):
        if flag:
            current.append(word)
        elif current:
            runs.append(" ".join(current))
            current = []
    if current:
        runs.append(" ".join(current))
    return runs
