"""Offline skills for research packs and slide decks: annotate a source, extract claims, outline slides."""
from __future__ import annotations

import json
import re
from typing import Any

from agents.llm.offline.text import STOP, content_words, fold, fragment, join_list, keywords, phrases, sentences
from agents.llm.offline.writing import readable


def _readable(text: str) -> list[str]:
    from_text = sentences(text) or [text]
    return [sentence for sentence in from_text if readable(sentence)] or from_text


def annotate_source(inputs: dict[str, Any]) -> str:
    """An annotation of about 70 words: what the work examines (from its title), its central
    finding (a short quotation with the marker), its bearing on the topic, its weight."""
    marker, text, topic = inputs["marker"], inputs["text"], inputs["topic"]
    terms = {fold(word) for word in keywords(topic, 8)}
    found = _readable(text)
    avoid = {" ".join(sentence.lower().split()) for sentence in inputs.get("quoted_before") or []}
    # A finding another annotation already quoted goes last (works share sentences in the demo corpus).
    best = max(found, key=lambda sentence: (not any(quote in " ".join(sentence.lower().split()) for quote in avoid),
                                            len(content_words(sentence) & terms)))
    subject = phrases(inputs.get("title") or found[0], 3) or keywords(found[0], 3)
    quoted = fragment(best, terms | content_words(best), 10)
    quoted = quoted[:1].lower() + quoted[1:] if not quoted[:2].isupper() else quoted
    overlap = [phrase for phrase in phrases(best, 4) if content_words(phrase) & terms][:2] or phrases(topic, 2)
    year = inputs.get("year")
    weight = (
        f"As work published in {year}, it is recent enough to inform current debates"
        if year and int(year) >= int(inputs.get("recent_from") or 0)
        else "It offers established rather than current evidence"
    )
    return (
        f"This work examines {join_list(subject)}. Its central finding is that \"{quoted}\" {marker}. "
        f"It bears on {topic} through its attention to {join_list(overlap)}. "
        f"{weight}, and its scope should be weighed against the other sources listed here."
    )


def extract_claims(inputs: dict[str, Any]) -> str:
    """Claims several passages make: key phrases (two or more words) found in the most works,
    each stated by the clause of a passage that carries it, with the markers of every passage
    that contains the phrase."""
    passages = inputs["passages"]
    holders: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for item in passages:
        for sentence in _readable(item["text"]):
            for phrase in phrases(sentence, 4):
                if len(phrase.split()) > 1:
                    holders.setdefault(phrase, {}).setdefault(item["key"], []).append({**item, "sentence": sentence})
    ranked = sorted(holders.items(), key=lambda entry: (-len(entry[1]), entry[0]))
    claims, used = [], set()
    for _phrase, by_key in ranked:
        first = next(iter(by_key.values()))[0]
        statement = _bullet(first["sentence"], 22)
        if statement.lower() in used:
            continue
        used.add(statement.lower())
        markers = [items[0]["marker"] for items in by_key.values()]
        claims.append({"claim": statement[:1].upper() + statement[1:], "evidence": markers})
        if len(claims) >= int(inputs.get("count", 6)):
            break
    return json.dumps({"claims": claims})


_CLOSING = re.compile(r"^(conclusions?|summary|closing|final thoughts)\b", re.I)


def slide_outline(inputs: dict[str, Any]) -> str:
    """A title slide, one slide per main point (neighbouring points share one when there are more
    points than slides), and a closing slide unless the last point is already the conclusion.
    Bullets: the point's own clauses, then a short quotation of the best passage with its marker;
    speaker notes: the point in the student's words, then what the sources say."""
    points = inputs["points"]
    closing = not (points and _CLOSING.match(points[-1]["heading"].strip()))
    room = max(1, int(inputs["slides"]) - 1 - int(closing))
    size = -(-len(points) // room) if points else 1
    groups = [list(range(start, min(start + size, len(points)))) for start in range(0, len(points), size)]
    evidence = inputs.get("evidence") or []
    headings = [point["heading"] for point in points]
    slides = [{
        "title": inputs["title"],
        "bullets": [f"Why {inputs['topic']} matters", *headings[:4]],
        "notes": f"This talk covers {inputs['topic']} in {len(points)} parts: {join_list(headings)}.",
        "covers": [],
    }]
    used: set[str] = set()
    deck_keys: set[str] = set()
    for group in groups:
        slides.append(_point_slide([points[index] for index in group], group, evidence, used, deck_keys))
    if closing:
        slides.append({
            "title": "Conclusions", "bullets": headings[:5],
            "notes": "To conclude, the main points were: " + join_list(headings) + ".", "covers": [],
        })
    return json.dumps({"slides": slides})


def _bullet(sentence: str, limit: int = 14) -> str:
    """A sentence as a bullet: whole when short, else its opening clauses (at least five words)."""
    words = sentence.rstrip(" .;:!?").split()
    if len(words) > limit:
        pieces, taken = re.split(r"(?<=[,;])\s+", " ".join(words)), []
        for piece in pieces:
            taken.append(piece)
            if len(" ".join(taken).split()) >= 5:
                break
        cut = " ".join(taken).rstrip(",;").split()
        words = cut[:limit]
        while len(words) > 3 and words[-1].lower().strip(",;") in STOP:  # never end on "and", "the" ...
            words.pop()
        if len(words) < len(" ".join(sentence.split()).split()):
            words[-1] = words[-1].rstrip(",;") + "…"
    clause = " ".join(words)
    return clause[:1].upper() + clause[1:]


def _point_slide(points: list[dict[str, Any]], indexes: list[int], evidence: list[dict[str, Any]], used: set[str],
                 deck_keys: set[str]) -> dict:
    """One point's slide. A relevant passage of a source the deck does not cite yet goes before a
    more relevant one of a source it already cites, so the deck draws on as many works as it can."""
    text = " ".join(point.get("text", "") for point in points)
    own = sentences(text)
    terms = content_words(text + " " + " ".join(point["heading"] for point in points))
    bullets = [_bullet(sentence) for sentence in own[:3]]
    notes = [" ".join(own[:2]) or f"This part is about {join_list([point['heading'] for point in points])}."]
    candidates = [(item, sentence) for item in evidence for sentence in _readable(item["text"]) if sentence not in used]
    ranked = sorted(candidates, key=lambda pair: (pair[0]["key"] in deck_keys, -len(content_words(pair[1]) & terms)))
    cited: set[str] = set()
    for item, sentence in ranked:
        if len(cited) == 2:
            break
        if not content_words(sentence) & terms:
            continue
        if item["key"] in cited or sentence in used:  # the same sentence in two works is used once
            continue
        cited.add(item["key"])
        used.add(sentence)
        # A source's words on a slide are quoted: a short span, in quotation marks, with its marker.
        quote = fragment(sentence, terms, 9).strip(" .;:,")
        bullets.append(f"\"{quote[:1].upper() + quote[1:]}\" {item['marker']}")
        notes.append(f"One source puts it this way: \"{quote}\" {item['marker']}.")
    deck_keys |= cited
    return {
        "title": " and ".join(point["heading"] for point in points)[:90],
        "bullets": [bullet for bullet in bullets if bullet][:5] or [point["heading"] for point in points],
        "notes": " ".join(notes),
        "covers": indexes,
    }
