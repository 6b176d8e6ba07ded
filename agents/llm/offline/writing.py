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


def _pool(evidence: list[dict[str, Any]], terms: set[str]) -> list[tuple[dict[str, Any], str]]:
    """Evidence sentences, best first, taking turns between sources so citations spread out."""
    by_key: dict[str, list[tuple[float, int, dict[str, Any], str]]] = {}
    for order, item in enumerate(evidence):
        for sentence in sentences(item["text"]):
            size = len(sentence.split())
            if 6 <= size <= 80:
                score = len(content_words(sentence) & terms) + 1.0 / (1 + order)
                by_key.setdefault(item["key"], []).append((-score, order, item, sentence))
    queues = [sorted(rows, key=lambda row: row[:2]) for rows in by_key.values()]
    queues.sort(key=lambda rows: rows[0][:2])
    ordered: list[tuple[dict[str, Any], str]] = []
    while any(queues):
        for rows in queues:
            if rows:
                _, _, item, sentence = rows.pop(0)
                ordered.append((item, sentence))
    return ordered


def evidence_sentence(item: dict[str, Any], sentence: str, terms: set[str], index: int) -> str:
    marker = item["marker"]
    found = phrases(sentence, 3)
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
    link_terms = phrases(topic, 3) + [phrase for point in points for phrase in phrases(point, 2) if phrase not in phrases(topic, 3)]
    link_terms = link_terms or ["the topic", "its context"]
    pool = _pool(evidence, terms)
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
    sentence = pick(_OPENERS, seed, index).format(point=point.rstrip("."))
    return sentence[0].upper() + sentence[1:]


def _fit(paragraphs: list[list[str]], target: int) -> str:
    """Drop trailing sentences while more than 5% over target; never end on a lone opener."""
    def total() -> int:
        return sum(count_words(" ".join(paragraph)) for paragraph in paragraphs)

    while total() > target * 1.05 and len(paragraphs[-1]) > 1:
        last = count_words(paragraphs[-1][-1])
        if total() - last < target * 0.93:
            break
        paragraphs[-1].pop()
    if len(paragraphs) > 1 and len(paragraphs[-1]) == 1:
        dropped = count_words(paragraphs[-1][0])
        if total() - dropped >= target * 0.92:
            paragraphs.pop()
    return "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)


_CONTRACTIONS = {
    "don't": "do not", "doesn't": "does not", "can't": "cannot", "won't": "will not", "isn't": "is not",
    "aren't": "are not", "it's": "it is", "there's": "there is", "that's": "that is", "didn't": "did not",
    "wasn't": "was not", "weren't": "were not", "hasn't": "has not", "haven't": "have not", "shouldn't": "should not",
}
_REGISTER = {
    r"\ba lot of\b": "a great deal of", r"\blots of\b": "many", r"\breally\s+": "", r"\bkids\b": "children",
    r"\bbig\b": "substantial", r"\bthings\b": "factors", r"\bbasically,?\s*": "", r"\bpretty\s+": "",
}


def rewrite_paragraph(inputs: dict[str, Any]) -> str:
    """Formal register and citation markers for one paragraph of a student's draft; meaning kept."""
    text = re.sub(r"\s+", " ", inputs["paragraph"]).strip()
    for short, full in _CONTRACTIONS.items():
        text = re.sub(rf"\b{re.escape(short)}\b", full, text, flags=re.IGNORECASE)
    for pattern, replacement in _REGISTER.items():
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    for citation in inputs.get("citations", []):
        text = text.replace(citation["text"], citation.get("marker") or "")
    evidence = inputs.get("evidence") or []
    out = []
    for sentence in sentences(text):
        if "[@" not in sentence and evidence:
            words = content_words(sentence)
            best = max(evidence, key=lambda item: len(words & content_words(item["text"])))
            if words and len(words & content_words(best["text"])) / len(words) >= 0.5:
                sentence = re.sub(r"([.!?])$", rf" {best['marker']}\1", sentence)
        out.append(sentence[:1].upper() + sentence[1:])
    return re.sub(r"\s+([.,;:])", r"\1", " ".join(out))
