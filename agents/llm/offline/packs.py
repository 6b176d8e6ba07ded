"""Offline skills for research packs and slide decks: annotate a source, outline slides."""
from __future__ import annotations

import json
from typing import Any

from agents.llm.offline.text import content_words, fold, fragment, join_list, keywords, phrases, sentences


def annotate_source(inputs: dict[str, Any]) -> str:
    """An annotation of about 70 words: what the work examines, its finding, relevance, weight."""
    marker, text, topic = inputs["marker"], inputs["text"], inputs["topic"]
    terms = {fold(word) for word in keywords(topic, 8)}
    found = sentences(text) or [text]
    best = max(found, key=lambda sentence: len(content_words(sentence) & terms))
    subject = phrases(found[0], 3) or keywords(found[0], 3)
    quoted = fragment(best, terms | content_words(best), 10)
    quoted = quoted[:1].lower() + quoted[1:] if not quoted[:2].isupper() else quoted
    overlap = [word for word in keywords(text, 12) if fold(word) in terms][:2] or keywords(topic, 2)
    year = inputs.get("year")
    weight = (
        f"As work published in {year}, it is recent enough to inform current debates"
        if year and int(year) >= int(inputs.get("recent_from") or 0)
        else "It offers established rather than current evidence"
    )
    return (
        f"This work examines {join_list(subject)} {marker}. Its central finding is that \"{quoted}\" {marker}. "
        f"It bears on {topic} through its attention to {join_list(overlap)}. "
        f"{weight}, and its scope should be weighed against the other sources listed here."
    )


def slide_outline(inputs: dict[str, Any]) -> str:
    """One slide per main point (merged when there are more points than slides), bullets from the
    point's own text and the evidence, speaker notes that say it in full sentences."""
    points = inputs["points"]
    limit = max(1, int(inputs["slides"]) - 2)
    groups = [list(range(index, len(points), limit)) for index in range(min(limit, len(points)))]
    evidence = inputs.get("evidence") or []
    slides = [{
        "title": inputs["title"],
        "bullets": [f"Why {inputs['topic']} matters", f"{len(points)} main points"],
        "notes": f"This talk covers {inputs['topic']} in {len(points)} main points, each backed by the sources cited.",
        "covers": [],
    }]
    for group in groups:
        slides.append(_point_slide([points[index] for index in group], group, evidence))
    slides.append({
        "title": "Conclusions",
        "bullets": [point["heading"] for point in points][:5],
        "notes": "To conclude, the main points were: " + join_list([point["heading"] for point in points]) + ".",
        "covers": [],
    })
    return json.dumps({"slides": slides})


def _point_slide(points: list[dict[str, Any]], indexes: list[int], evidence: list[dict[str, Any]]) -> dict[str, Any]:
    text = " ".join(point.get("text", "") for point in points)
    terms = content_words(text + " " + " ".join(point["heading"] for point in points))
    bullets = [join_list(phrases(sentence, 3)) for sentence in sentences(text)[:3]]
    bullets = [bullet[:1].upper() + bullet[1:] for bullet in bullets if bullet]
    notes = [f"This slide covers {join_list([point['heading'] for point in points])}."]
    ranked = sorted(evidence, key=lambda item: -len(content_words(item["text"]) & terms))[:2]
    for item in ranked:
        best = max(sentences(item["text"]) or [item["text"]], key=lambda sentence: len(content_words(sentence) & terms))
        quote = fragment(best, terms, 9)
        bullets.append(f"{join_list(phrases(best, 2)).capitalize()} {item['marker']}")
        notes.append(f"One source puts it this way: \"{quote}\" {item['marker']}.")
    return {
        "title": " and ".join(point["heading"] for point in points)[:90],
        "bullets": bullets[:5] or [point["heading"] for point in points],
        "notes": " ".join(notes),
        "covers": indexes,
    }
