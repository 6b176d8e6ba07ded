"""The built-in offline model: deterministic, no network, no weights.

It answers each prompt from the task block at its end (agents.prompts): structured tasks get
valid JSON built by rules, writing tasks get prose assembled from the material in the input
(goal, points and, where the input carries them, evidence passages). It is a stand-in that keeps
the whole product runnable offline and in tests; it does not understand language. See README.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

_STOP = set(
    "a an the and or of on in to for with by about how why what which that this these those is are be "
    "was were it its as at from into your their our write essay report words word sources source "
    "style apa harvard mla chicago ieee vancouver using use please draft piece assignment".split()
)


def topic_of(goal: str) -> str:
    """The subject of a goal: the text after 'on'/'about', without word counts and styles."""
    text = re.sub(r"\s+", " ", goal).strip().rstrip(".")
    match = re.search(r"\b(?:on|about|regarding|of)\s+(.+)", text, re.IGNORECASE)
    topic = match.group(1) if match else text
    topic = re.split(r",|\bwith\b|\busing\b|\bin (?:apa|harvard|mla)\b", topic, flags=re.IGNORECASE)[0]
    return topic.strip() or text


def keywords(text: str, limit: int = 6) -> list[str]:
    seen: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text.lower()):
        if word not in _STOP and word not in seen:
            seen.append(word)
    return seen[:limit]


def _pick(options: list[str], *seed_parts: Any) -> str:
    digest = hashlib.sha256("|".join(str(part) for part in seed_parts).encode()).digest()
    return options[digest[0] % len(options)]


def plan_outline(inputs: dict[str, Any]) -> str:
    topic = topic_of(inputs["goal"])
    count = max(2, int(inputs.get("sections", 5)))
    words = int(inputs["words"])
    middle = [
        ("Background and key concepts", ["define the central terms", f"situate {topic} in context"]),
        ("Mechanisms and causes", [f"explain what drives {topic}", "distinguish direct and indirect effects"]),
        ("Evidence and debates", ["weigh the main findings", "note where studies disagree"]),
        ("Implications and responses", ["assess practical responses", "identify who is most affected"]),
        ("Limitations and open questions", ["state what remains uncertain", "suggest further research"]),
    ]
    bodies = middle[: count - 2]
    for extra in range(len(bodies), count - 2):  # long pieces: further themes from the goal's terms
        term = (keywords(topic) or ["the topic"])[extra % max(1, len(keywords(topic)))]
        bodies.append((f"Further theme {extra - len(middle) + 1}: {term}", [f"examine {term} in more depth"]))
    sections = [("Introduction", [f"introduce {topic}", "state the aim and structure"])]
    sections += bodies + [("Conclusion", ["summarise the argument", "answer the question posed"])]
    weights = [0.12] + [0.76 / len(bodies)] * len(bodies) + [0.12] if bodies else [0.5, 0.5]
    shares = [weight / sum(weights) for weight in weights]
    outline = {
        "title": topic[:1].upper() + topic[1:],
        "sections": [
            {"heading": heading, "words": max(40, round(words * share)), "points": points}
            for (heading, points), share in zip(sections, shares, strict=True)
        ],
    }
    return json.dumps(outline)


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
            template = _pick(_OPENERS, inputs["heading"], index)
            sentence = template.format(point=points[(index // 4) % len(points)])
        else:
            kw = terms[index % len(terms)]
            kw2 = terms[(index + 1) % len(terms)]
            sentence = _pick(_BODY, inputs["heading"], index).format(topic=topic, kw=kw, kw2=kw2)
        sentences.append(sentence[0].upper() + sentence[1:])
        count += len(sentence.split())
        index += 1
    return " ".join(sentences)


TASKS: dict[str, Callable[[dict[str, Any]], str]] = {
    "plan_outline": plan_outline,
    "write_section": write_section,
}


def answer(task: str, inputs: dict[str, Any]) -> str:
    try:
        handler = TASKS[task]
    except KeyError:
        raise KeyError(f"the offline model has no skill for task {task!r}; it knows {sorted(TASKS)}") from None
    return handler(inputs)
