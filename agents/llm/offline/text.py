"""Plain-text helpers the offline model's skills share: topics, keywords, sentences, phrases."""
from __future__ import annotations

import hashlib
import re
from typing import Any

STOP = set(
    "a an the and or of on in to for with by about how why what which that this these those is are be "
    "was were it its as at from into your their our write essay report words word sources source "
    "style apa harvard mla chicago ieee vancouver using use please draft piece assignment been being "
    "has have had not but than then there such also more most may might can could would should will "
    "who whom whose where when while both each other some any all into over under between among per "
    "very much many few one two three its they them we our you he she his her i me my do does did "
    "so if no nor only own same too just about across after before during within without upon".split()
)
# Words the writer's own frames add around evidence; a claim check ignores them.
FRAME_WORDS = set(
    "study studies evidence reports reported report notes noted finds found shows showed suggests suggested "
    "work research authors author describe describes described argue argues argued observe observes observed "
    "record records recorded analysis account literature here one another further connects connect links link "
    "linking relates relate relating draws draw attention turns turn point points according writes written "
    "finding findings stresses stress highlight highlights highlighted concludes concluded paper papers "
    "source puts way".split()
)
# Verbs that make a poor head or tail of a key phrase ("affect public health" -> "public health").
_PHRASE_EDGE = set(
    "affect affects affected shape shapes influence influences drive drives cause causes explain explains "
    "make makes reduce reduces increase increases improve improves examine explore discuss assess evaluate "
    "compare analyse analyze describe provide provides provided show shows lower lowers raise raises distinguish "
    "define situate introduce state summarise summarize answer identify note weigh suggest".split()
)
_WEAK_START = set("are is was were be been being has have had and or but so which that who whom".split())
_OWN_LINE = re.compile(r"^\s*(?:#|[-*+]\s|\d+[.)]\s|\|)")
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z\"'(])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def topic_of(goal: str) -> str:
    """The subject of a goal: the text after 'on'/'about', without word counts and styles."""
    text = re.sub(r"\s+", " ", goal).strip().rstrip(".")
    match = re.search(r"\b(?:on|about|regarding|of)\s+(.+)", text, re.IGNORECASE)
    topic = match.group(1) if match else text
    topic = re.split(
        r",|;|:|\bwith\b|\busing\b|\bin (?:apa|harvard|mla|chicago|ieee|vancouver)\b|\(|\bciting\b|\bfor (?:a|an|my)\b"
        r"|\bin (?:two|three|four|five|six|\d+) (?:parts|sections)\b",
        topic,
        flags=re.IGNORECASE,
    )[0]
    return topic.strip() or text


def word_tokens(text: str) -> list[str]:
    """The words of a text, lower-cased, in order (stop words included)."""
    return [word.lower().strip("'-") for word in _WORD.findall(text)]


def keywords(text: str, limit: int = 6) -> list[str]:
    seen: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word.strip("'-")
        if len(word) > 2 and word not in STOP and word not in seen:
            seen.append(word)
    return seen[:limit]


def content_words(text: str) -> set[str]:
    """Lower-case words that carry meaning (no stop words, no frame words, crude plural folding)."""
    words = set()
    for word in _WORD.findall(text.lower()):
        word = word.strip("'-")
        if len(word) > 2 and word not in STOP and word not in FRAME_WORDS:
            words.add(fold(word))
    return words


def fold(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def sentences(text: str) -> list[str]:
    """The sentences of a text; a paragraph break, a heading, a list item or a table row always
    ends one (a bullet or a row is a statement of its own, even without a full stop)."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip() or _OWN_LINE.match(line):
            blocks += [[line]] if line.strip() else []
            blocks.append([])
        else:
            blocks[-1].append(line)
    found = []
    for block in blocks:
        parts = _SENTENCE.split(re.sub(r"\s+", " ", " ".join(block)).strip())
        found += [part.strip() for part in parts if part.strip()]
    return found


def pick(options: list[str], *seed_parts: Any) -> str:
    """A deterministic choice: the same inputs always give the same option."""
    digest = hashlib.sha256("|".join(str(part) for part in seed_parts).encode()).digest()
    return options[digest[0] % len(options)]


def phrases(sentence: str, limit: int = 3) -> list[str]:
    """Short noun-like phrases: runs of 1-3 adjacent content words, longest first, in order."""
    runs: list[list[str]] = [[]]
    for word in _WORD.findall(sentence):
        lowered = word.lower().strip("'-")
        breaks = lowered in _PHRASE_EDGE or (len(lowered) > 4 and lowered.endswith(("ed", "ly")))
        if len(lowered) > 2 and lowered not in STOP and lowered not in FRAME_WORDS and not breaks:
            runs[-1].append(lowered)
        elif runs[-1]:
            runs.append([])
    pieces = [" ".join(run[:3]) for run in runs if run]
    ranked = sorted(pieces, key=lambda piece: -len(piece.split()))[:limit]
    return [piece for piece in pieces if piece in ranked][:limit]


def fragment(sentence: str, terms: set[str], length: int = 9) -> str:
    """A short span to quote: the clause richest in `terms` if one is 4-14 words long, else the
    window of `length` words richest in them."""
    words = sentence.rstrip(".!?;:").split()
    if len(words) <= length:
        return " ".join(words)
    clauses = [clause.strip() for clause in re.split(r"[,;:]\s+|\s+(?:and|but|while|whereas|which)\s+", sentence.rstrip(".!?;:"))]
    # A clause that starts on a verb or a conjunction ("are offered as ...") cannot follow "that".
    fitting = [clause for clause in clauses
               if 4 <= len(clause.split()) <= 14 and clause.split()[0].lower() not in _WEAK_START]
    if fitting:
        return max(fitting, key=lambda clause: sum(1 for word in clause.split() if fold(word.lower().strip(".,;:'\"()")) in terms))
    best, best_score = 0, -1
    for start in range(0, len(words) - length + 1):
        window = words[start : start + length]
        score = sum(1 for word in window if fold(word.lower().strip(".,;:'\"()")) in terms)
        if score > best_score:
            best, best_score = start, score
    return " ".join(words[best : best + length]).strip(",;:")


def count_words(text: str) -> int:
    """Words as a reader counts them: a citation marker counts as two (it renders as 'Doe, 2021')."""
    markers = len(re.findall(r"\[@[^\]]+\]", text))
    plain = re.sub(r"\[@[^\]]+\]", " ", text)
    plain = re.sub(r"^#+\s.*$", " ", plain, flags=re.MULTILINE)
    return sum(1 for token in plain.split() if any(char.isalnum() for char in token)) + 2 * markers


def join_list(items: list[str]) -> str:
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
