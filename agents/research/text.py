"""Small text tools the Researcher scores with: terms (lower-case, light stemming), normalised
titles for de-duplication, and stop words. Deliberately simple and deterministic."""

from __future__ import annotations

import re
import unicodedata

# Hyphens separate words: "night-time" and "night time", "public-health" and "public health" meet.
_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    "a an the and or of on in to for with by about how why what which that this these those is are be was were it "
    "its as at from into your their our write essay report words word sources source style apa harvard mla chicago "
    "ieee vancouver using use please draft piece assignment discuss critically evaluate analyse analyze explain "
    "examine consider assess explore describe compare between within among across over under than then there here "
    "do does did has have had can could should would may might must not no yes also more most less least very "
    "uk us eu recent current new study studies".split()
)


def stem(word: str) -> str:
    """Fold the commonest English inflections so 'islands'/'island' and 'staffing'/'staff' meet."""
    for suffix, replacement, minimum in (("ies", "y", 5), ("ing", "", 6), ("ed", "", 5), ("es", "", 5), ("s", "", 4)):
        if len(word) >= minimum and word.endswith(suffix) and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + replacement
    return word


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def words(text: str) -> list[str]:
    return _WORD.findall(ascii_fold(text or "").lower())


def terms(text: str) -> list[str]:
    """Distinct stemmed content words of `text`, in order of first appearance."""
    found = [stem(word) for word in words(text) if word not in STOP_WORDS and not word.isdigit() and len(word) > 1]
    return list(dict.fromkeys(found))


def normalised_title(title: str) -> str:
    """A title reduced for duplicate detection: case, accents, punctuation and spacing removed."""
    return " ".join(words(title))


_TOPIC_LEAD = re.compile(
    r"^(?:please\s+)?(?:write|draft|produce|prepare|create)\b.*?\b(?:on|about|regarding|into|of)\s+", re.IGNORECASE
)


def topic_of(goal: str) -> str:
    """The subject of a goal: 'Write a 1500-word essay on X, using UK sources' -> 'X'."""
    text = " ".join((goal or "").split()).rstrip(".")
    topic = _TOPIC_LEAD.sub("", text, count=1)
    topic = re.split(
        r",|;|\bwith\b|\busing\b|\bin (?:apa|harvard|mla|chicago|ieee)\b|\bcit(?:e|ing)\b", topic, flags=re.IGNORECASE
    )[0]
    return topic.strip() or text


def content_words(text: str, limit: int = 8) -> list[str]:
    """Distinct content words of `text` as written (unstemmed), for building search queries."""
    seen = [word for word in words(text) if word not in STOP_WORDS and not word.isdigit() and len(word) > 2]
    return list(dict.fromkeys(seen))[:limit]
