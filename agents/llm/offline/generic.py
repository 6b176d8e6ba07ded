"""Offline prose with no evidence: the sketch journey's sections (no sources, no citations)."""
from __future__ import annotations

from typing import Any

from agents.llm.offline.text import keywords, pick, topic_of

_OPENERS = [
    "This section considers {point}.",
    "A useful starting point is to {point}.",
    "It is necessary to {point}.",
    "The discussion now turns to the need to {point}.",
]
_BODY = [
    "Work on {topic} shows that {kw} cannot be understood in isolation from {kw2}.",
    "In the case of {topic}, the relationship between {kw} and {kw2} is central to the argument.",
    "A careful reading suggests that {kw} shapes how {kw2} is experienced and measured.",
    "Any account of {topic} has to explain why {kw} varies so much between settings.",
    "The balance of the argument therefore depends on how {kw} and {kw2} are defined.",
    "Seen this way, {kw} is less a single cause than a set of interacting conditions.",
    "This matters because decisions about {kw2} rest on assumptions about {kw}.",
    "The point is not settled, and different framings of {topic} lead to different conclusions.",
]


def write_section(inputs: dict[str, Any]) -> str:
    topic = topic_of(inputs["goal"])
    terms = keywords(f"{topic} {' '.join(inputs.get('points', []))}") or ["the topic", "its context"]
    target = int(inputs["words"])
    sentences: list[str] = []
    count = 0
    index = 0
    points = list(inputs.get("points") or [f"examine {topic}"])
    while count < target:
        if index % 4 == 0 and points:
            template = pick(_OPENERS, inputs["heading"], index)
            sentence = template.format(point=points[(index // 4) % len(points)])
        else:
            kw = terms[index % len(terms)]
            kw2 = terms[(index + 1) % len(terms)]
            sentence = pick(_BODY, inputs["heading"], index).format(topic=topic, kw=kw, kw2=kw2)
        sentences.append(sentence[0].upper() + sentence[1:])
        count += len(sentence.split())
        index += 1
    return " ".join(sentences)
