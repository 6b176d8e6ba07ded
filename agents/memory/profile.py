"""Per-student writing fingerprint from their own drafts, and the guidance the Writer follows.

`fingerprint(text)` measures what a reader notices about a student's prose: sentence length
(mean and spread), vocabulary level (word length, share of long words, lexical variety), and
voice (first person, passive constructions, contractions, hedging). `combine` folds a new draft
into a stored fingerprint weighted by words, so the profile tracks the student as they write more.
`guidance(fingerprint, level)` turns it into plain instructions for the writing prompt.
Pure functions over text: no model, no network.
"""
from __future__ import annotations

import math
import re
from typing import Any

MIN_WORDS = 80  # below this a draft says too little about its writer to measure
VARIETY_WINDOW = 100  # moving-window type-token ratio: independent of the draft's length
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_FIRST_PERSON = frozenset("i me my mine myself we us our ours ourselves".split())
_BE = frozenset("is are was were be been being am".split())
_IRREGULAR_PARTICIPLES = frozenset(
    "shown known given taken made found seen done written held brought thought built chosen drawn grown "
    "kept led left lost meant paid put read run said sent set spent told understood won".split()
)
_HEDGES = frozenset("may might could perhaps possibly likely suggests suggest appears appear seems seem arguably".split())
_CITATION = re.compile(r"\[@[^\]]*\]|\([A-Z][^()]{0,80}\d{4}[a-z]?\)")

MEASURES = (
    "sentence_words_mean", "sentence_words_sd", "word_chars_mean", "long_word_share", "variety",
    "first_person_per_1000", "passive_share", "contractions_per_1000", "hedges_per_1000",
)


def sentences_of(text: str) -> list[str]:
    plain = _CITATION.sub("", text)
    paragraphs = [paragraph for paragraph in re.split(r"\n\s*\n", plain) if paragraph.strip()]
    found = []
    for paragraph in paragraphs:
        if paragraph.lstrip().startswith("#"):  # headings are not sentences
            continue
        found += [piece.strip() for piece in _SENTENCE.split(" ".join(paragraph.split())) if piece.strip()]
    return found


def fingerprint(text: str) -> dict[str, Any] | None:
    """The measures of one draft, or None when it has fewer than MIN_WORDS words."""
    sentences = sentences_of(text)
    words_per_sentence = [len(_WORD.findall(sentence)) for sentence in sentences]
    words = [word.lower() for sentence in sentences for word in _WORD.findall(sentence)]
    if len(words) < MIN_WORDS:
        return None
    mean = sum(words_per_sentence) / len(words_per_sentence)
    spread = math.sqrt(sum((count - mean) ** 2 for count in words_per_sentence) / len(words_per_sentence))
    per_1000 = 1000 / len(words)
    passive = sum(1 for sentence in sentences if is_passive(sentence))
    return {
        "words": len(words),
        "sentences": len(sentences),
        "sentence_words_mean": round(mean, 2),
        "sentence_words_sd": round(spread, 2),
        "word_chars_mean": round(sum(len(word) for word in words) / len(words), 3),
        "long_word_share": round(sum(1 for word in words if len(word) >= 9) / len(words), 4),
        "variety": round(moving_variety(words), 4),
        "first_person_per_1000": round(sum(1 for word in words if word in _FIRST_PERSON) * per_1000, 2),
        "passive_share": round(passive / len(sentences), 4),
        "contractions_per_1000": round(sum(1 for word in words if "'" in word or "’" in word) * per_1000, 2),
        "hedges_per_1000": round(sum(1 for word in words if word in _HEDGES) * per_1000, 2),
    }


def moving_variety(words: list[str]) -> float:
    """Mean type-token ratio over windows of VARIETY_WINDOW words (MATTR)."""
    if len(words) <= VARIETY_WINDOW:
        return len(set(words)) / len(words)
    ratios = [len(set(words[start : start + VARIETY_WINDOW])) / VARIETY_WINDOW
              for start in range(0, len(words) - VARIETY_WINDOW + 1, VARIETY_WINDOW // 4)]
    return sum(ratios) / len(ratios)


def is_passive(sentence: str) -> bool:
    """A form of 'be' followed (within one word) by a past participle: a heuristic, good enough
    to tell a draft written mostly in the passive from one written mostly in the active."""
    words = [word.lower() for word in _WORD.findall(sentence)]
    for index, word in enumerate(words[:-1]):
        if word not in _BE:
            continue
        for following in words[index + 1 : index + 3]:
            if (following.endswith("ed") and len(following) > 4) or following in _IRREGULAR_PARTICIPLES:
                return True
    return False


def combine(stored: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Fold a new draft's fingerprint into the stored one, each weighted by its words."""
    if not stored or not stored.get("words"):
        return dict(new)
    total = stored["words"] + new["words"]
    merged = {name: round((stored[name] * stored["words"] + new[name] * new["words"]) / total, 4) for name in MEASURES}
    return {**merged, "words": total, "sentences": stored.get("sentences", 0) + new["sentences"]}


def vocabulary_level(fp: dict[str, Any]) -> str:
    if fp["word_chars_mean"] >= 5.3 or fp["long_word_share"] >= 0.16:
        return "advanced"
    if fp["word_chars_mean"] >= 4.7 or fp["long_word_share"] >= 0.10:
        return "academic"
    return "plain"


def guidance(fp: dict[str, Any] | None, level: str = "") -> str:
    """Instructions for the Writer that make the text sound like the student, or "" without a fingerprint."""
    if not fp:
        return ""
    mean, spread = fp["sentence_words_mean"], fp["sentence_words_sd"]
    low, high = max(4, round(mean - spread)), round(mean + spread)
    vocabulary = {
        "plain": "plain, everyday vocabulary; prefer short words",
        "academic": "a standard academic vocabulary, neither plain nor ornate",
        "advanced": "a rich academic vocabulary with precise technical terms",
    }[vocabulary_level(fp)]
    person = "first person is natural for this student (I / we)" if fp["first_person_per_1000"] >= 5 else "avoid the first person"
    voice = "a good share of passive constructions" if fp["passive_share"] >= 0.3 else "mostly the active voice"
    parts = [
        f"Write as this student writes: sentences of about {round(mean)} words (most between {low} and {high})",
        vocabulary,
        person,
        voice,
        "contractions are fine" if fp["contractions_per_1000"] >= 3 else "no contractions",
        "hedge claims as they do (may, suggests)" if fp["hedges_per_1000"] >= 6 else "state claims directly",
    ]
    if level:
        parts.append(f"pitched at {level} level")
    return "; ".join(parts) + "."
