"""Offline writing skills: a section from evidence (extractive synthesis) and a paragraph rewrite.

The synthesis is honest about what it is: it reuses the retrieved passages' own key phrases and
short quotations (in quotation marks), each sentence carrying the marker of the chunk it came
from, inside frames of its own words. It never copies a long run of a source's words unquoted,
so the QA originality guard passes on it; it does not understand the passages.
"""
from __future__ import annotations

import re
from typing import Any

from agents.llm.offline.generic import write_section as write_without_evidence
from agents.llm.offline.text import (
    STOP,
    content_words,
    count_words,
    fold,
    fragment,
    join_list,
    keywords,
    phrases,
    pick,
    sentences,
    topic_of,
    word_tokens,
)

_QUOTE_FRAMES = [
    "One study reports that", "As one account puts it,", "The literature notes that",
    "Researchers observe that", "A further analysis finds that", "Field work records that",
]
_SUMMARY_FRAMES = [
    "Evidence here links", "Further work connects", "Another study draws attention to",
    "Related findings concern", "One analysis relates", "The research also highlights",
]
_OPENERS = [
    "This section considers how to {point}.", "A first task is to {point}.",
    "The discussion now turns to the need to {point}.", "It is also necessary to {point}.",
]
_RETURNS = [
    "The evidence bears further on the need to {point}.", "More can be said on the need to {point}.",
]
_ANGLE_OPENERS = {
    "problem": "{topic_cap} matters because its effects fall unevenly and are often overlooked.",
    "evidence": "Recent studies of {topic} offer a consistent picture that this {deliverable} examines.",
}
_LINKS = [
    "Taken together, these findings suggest that {kw} and {kw2} are closely connected.",
    "This pattern matters for how {kw} is understood in relation to {kw2}.",
    "The evidence therefore points to {kw} as a recurring theme alongside {kw2}.",
    "Read side by side, the studies show why {kw} cannot be separated from {kw2}.",
]


# Sentences about the record rather than its findings (the demo corpus marks every work as
# invented; real abstracts have "data available on request" lines): never evidence for a claim.
_DISCLAIMER = re.compile(r"\b(test data|fictional|fictitious|invented|fixture|for demonstration|available on request)\b", re.I)


def readable(sentence: str) -> bool:
    """A sentence worth quoting: prose, not a keyword list. Real sentences carry function words
    (a fifth or more of their words); an index line such as "examines urban heat mortality older
    adults night-time temperatures" carries almost none."""
    words = word_tokens(sentence)
    if _DISCLAIMER.search(sentence):
        return False
    return len(words) >= 6 and sum(1 for word in words if word in STOP) >= 0.2 * len(words)


def _pool(evidence: list[dict[str, Any]], terms: set[str], avoid: list[str] = ()) -> list[tuple[dict[str, Any], str]]:
    """Evidence sentences, best first, taking turns between sources so citations spread out.
    Sentences an earlier section already quoted (`avoid`) go last, keyword lists are left out."""
    seen = [normal(text) for text in avoid if text]
    by_key: dict[str, list[tuple[float, int, dict[str, Any], str]]] = {}
    taken: set[str] = set()  # the same sentence in two works is used once (the first one's)
    for order, item in enumerate(evidence):
        for sentence in sentences(item["text"]):
            size = len(sentence.split())
            if 6 <= size <= 80 and readable(sentence) and normal(sentence) not in taken:
                taken.add(normal(sentence))
                score = len(content_words(sentence) & terms) + 1.0 / (1 + order)
                if any(text in normal(sentence) for text in seen):
                    score -= 100
                by_key.setdefault(item["key"], []).append((-score, order, item, sentence))
    queues = [sorted(rows, key=lambda row: row[:2]) for rows in by_key.values()]
    queues.sort(key=lambda rows: rows[0][:2])
    ordered: list[tuple[dict[str, Any], str]] = []
    while any(queues):
        for rows in queues:
            if rows:
                _, _, item, sentence = rows.pop(0)
                ordered.append((item, sentence))
    if not ordered:  # only keyword lists: better those (cited) than nothing
        ordered = [(item, sentence) for item in evidence for sentence in sentences(item["text"])[:2]]
    return ordered


def normal(text: str) -> str:
    return " ".join(word_tokens(text))


def evidence_sentence(item: dict[str, Any], sentence: str, terms: set[str], index: int) -> str:
    marker = item["marker"]
    # A summary names the passage's noun phrases; single words ("caution", "best") make a list
    # that reads as noise, so without two real phrases the sentence quotes instead.
    found = [phrase for phrase in phrases(sentence, 4) if len(phrase.split()) > 1][:3]
    if index % 2 == 0 or len(found) < 2:
        quoted = fragment(sentence, terms | content_words(sentence), 9)
        quoted = quoted[:1].lower() + quoted[1:] if not quoted[:2].isupper() else quoted
        return f"{pick(_QUOTE_FRAMES, marker, index)} \"{quoted}\" {marker}."
    return f"{pick(_SUMMARY_FRAMES, marker, index)} {join_list(found)} {marker}."


def write_section(inputs: dict[str, Any]) -> str:
    evidence = inputs.get("evidence") or []
    if not evidence:
        return write_without_evidence(inputs)
    topic = inputs.get("topic") or topic_of(inputs["goal"])
    points = list(inputs.get("points") or [f"examine {topic}"])
    terms = {fold(word) for word in keywords(f"{topic} {inputs['heading']} {' '.join(points)}", 12)}
    # Link sentences pair the topic's phrases with the points' multi-word phrases ("indirect
    # effects"); a lone word taken from a point ("direct", "main") reads as a slip.
    topic_phrases = phrases(topic, 3)
    link_terms = topic_phrases + [phrase for point in points for phrase in phrases(point, 2)
                                  if phrase not in topic_phrases and len(phrase.split()) > 1]
    link_terms = link_terms or ["the topic", "its context"]
    pool = _pool(evidence, terms, inputs.get("quoted_before") or [])
    seed = (inputs["heading"], (inputs.get("revise") or {}).get("round", 0))
    target = int(inputs["words"])
    paragraphs: list[list[str]] = []
    used = words = 0
    while words < target - 4 and len(paragraphs) < 60:
        index = len(paragraphs)
        paragraph = [_opener(inputs, topic, points, index, seed)]
        for _ in range(3):
            item, sentence = pool[used % len(pool)]
            paragraph.append(evidence_sentence(item, sentence, terms, used + seed[1]))
            used += 1
            if words + count_words(" ".join(paragraph)) >= target - 4:
                break
        else:
            kw, kw2 = link_terms[index % len(link_terms)], link_terms[(index + 1) % len(link_terms)]
            if kw != kw2:
                paragraph.append(pick(_LINKS, seed, index).format(kw=kw, kw2=kw2))
        paragraphs.append(paragraph)
        words += count_words(" ".join(paragraph))
    return _fit(paragraphs, target)


def _opener(inputs: dict[str, Any], topic: str, points: list[str], index: int, seed: tuple) -> str:
    angle = (inputs.get("angle") or "").split(":")[0].split("-")[0].strip().lower()
    if index == 0 and angle in _ANGLE_OPENERS:
        return _ANGLE_OPENERS[angle].format(
            topic=topic, topic_cap=topic[:1].upper() + topic[1:], deliverable=inputs.get("deliverable", "piece")
        )
    point = points[index % len(points)]
    options = _OPENERS if index < len(points) else _RETURNS  # a point met again is "returned to"
    sentence = pick(options, seed, index).format(point=point.rstrip("."))
    return sentence[0].upper() + sentence[1:]


def _fit(paragraphs: list[list[str]], target: int) -> str:
    """The prefix of the sentences closest to the target, never ending on a paragraph that is only
    its opening sentence (an opener promises evidence that then does not come)."""
    best: tuple[int, int, int] | None = None
    running = 0
    for index, paragraph in enumerate(paragraphs):
        for cut in range(1, len(paragraph) + 1):
            running += count_words(paragraph[cut - 1])
            if cut >= 2 or len(paragraph) == 1 and index == 0:
                distance = abs(running - target)
                if best is None or distance < best[0]:
                    best = (distance, index, cut)
    if best is None:
        return "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)
    _, last, cut = best
    kept = paragraphs[:last] + [paragraphs[last][:cut]]
    return "\n\n".join(" ".join(paragraph) for paragraph in kept)


_CONTRACTIONS = {
    "don't": "do not", "doesn't": "does not", "can't": "cannot", "won't": "will not", "isn't": "is not",
    "aren't": "are not", "it's": "it is", "there's": "there is", "that's": "that is", "didn't": "did not",
    "wasn't": "was not", "weren't": "were not", "hasn't": "has not", "haven't": "have not", "shouldn't": "should not",
}
_REGISTER = {
    r"\ba lot of\b": "a great deal of", r"\blots of\b": "many", r"\ba lot\b": "much", r"\breally\s+": "",
    r"\bkids\b": "children", r"\bbig\b": "substantial", r"\bbasically,?\s*": "", r"\bpretty\s+": "",
    r"\bget compared\b": "are compared", r"\bstuff\b": "material",
}
# A sentence about the text itself ("This essay looks at ...") states no fact a source could back.
_ABOUT_THE_TEXT = re.compile(r"\b(this|the present|my|our) (essay|report|paper|section|assignment|review|draft)\b|\b(I|we)\b", re.I)


def rewrite_paragraph(inputs: dict[str, Any]) -> str:
    """Formal register and citation markers for one paragraph of a student's draft; meaning kept.

    The draft's own citations become the markers given; a sentence with none gets the marker of a
    passage that shares at least half its content words (and three or more), unless it speaks
    about the text itself."""
    text = re.sub(r"\s+", " ", inputs["paragraph"]).strip()
    for short, full in _CONTRACTIONS.items():
        text = re.sub(rf"\b{re.escape(short)}\b", full, text, flags=re.IGNORECASE)
    for pattern, replacement in _REGISTER.items():
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    for citation in inputs.get("citations", []):
        text = text.replace(citation["text"], citation.get("marker") or "")
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    # Removing a word at a sentence's start ("Basically, cities ...") leaves it in lower case.
    text = re.sub(r"(^|[.!?]\s+)([a-z])", lambda match: match.group(1) + match.group(2).upper(), text)
    evidence = inputs.get("evidence") or []
    out = []
    for sentence in sentences(text):
        if "[@" not in sentence and evidence and not _ABOUT_THE_TEXT.search(sentence):
            words = content_words(sentence)
            best = max(evidence, key=lambda item: len(words & content_words(item["text"])))
            shared = len(words & content_words(best["text"]))
            if words and shared >= 3 and shared / len(words) >= 0.5:
                sentence = re.sub(r"([.!?])$", rf" {best['marker']}\1", sentence)
        out.append(sentence[:1].upper() + sentence[1:])
    return re.sub(r"\s+([.,;:])", r"\1", " ".join(out))
