"""Offline skills that understand a request and plan it: interpret_goal, plan_outline, plan_tasks."""
from __future__ import annotations

import json
import re
from typing import Any

from agents.llm.offline.text import keywords, topic_of

_GENERIC = set(
    "help something anything stuff thing things topic subject homework coursework paper good nice "
    "interesting whatever me need want some short long new great".split()
)
_REGIONS = {
    "uk": "UK", "british": "UK", "united kingdom": "UK", "england": "UK", "us": "US", "usa": "US",
    "american": "US", "united states": "US", "european": "EU", "europe": "EU", "eu": "EU",
    "australian": "Australia", "australia": "Australia", "canadian": "Canada", "canada": "Canada",
    "irish": "Ireland", "ireland": "Ireland", "indian": "India", "india": "India",
}
_LEVELS = {
    "undergraduate": "undergraduate", "bachelor": "undergraduate", "first-year": "undergraduate",
    "master": "postgraduate", "masters": "postgraduate", "postgraduate": "postgraduate", "msc": "postgraduate",
    "phd": "doctoral", "doctoral": "doctoral", "a-level": "secondary", "gcse": "secondary", "school": "secondary",
}
_DELIVERABLES = {"literature review": "literature_review", "report": "report", "essay": "essay"}


def _number(raw: str) -> int:
    return int(raw.replace(",", ""))


def extract_fields(text: str, styles: list[str]) -> dict[str, Any]:
    """What a request states outright: word target, style, sources, recency, region, level, deadline."""
    lowered = text.lower()
    found: dict[str, Any] = {}
    if match := re.search(r"(\d[\d,]*)\s*-?\s*words?\b", lowered):
        found["words"] = _number(match.group(1))
    if style := next((name for name in styles if re.search(rf"\b{name}\b", lowered)), None):
        found["style"] = style
    if match := re.search(r"(\d+)\s+(?:[a-z-]+\s+){0,2}(?:sources|references|citations|studies|papers)", lowered):
        found["min_sources"] = int(match.group(1))
    if match := re.search(r"(?:last|past|previous)\s+(\d+)\s+years", lowered):
        found["recency_years"] = int(match.group(1))
    region_pattern = "|".join(sorted((re.escape(key) for key in _REGIONS), key=len, reverse=True))
    if match := re.search(rf"\b({region_pattern})\b[\s-]+(?:[a-z-]+\s+)?(?:sources|studies|evidence|literature|research)", lowered):
        found["region"] = _REGIONS[match.group(1)]
    elif match := re.search(rf"(?:sources|studies|evidence|research)\s+from\s+(?:the\s+)?({region_pattern})\b", lowered):
        found["region"] = _REGIONS[match.group(1)]
    if level := next((value for key, value in _LEVELS.items() if re.search(rf"\b{re.escape(key)}\b", lowered)), None):
        found["level"] = level
    if deliverable := next((value for key, value in _DELIVERABLES.items() if key in lowered), None):
        found["deliverable"] = deliverable
    if match := re.search(r"\b(?:by|due|before|deadline:?)\s+(\d{4}-\d{2}-\d{2})", lowered):
        found["deadline"] = match.group(1)
    return found


def interpret_goal(inputs: dict[str, Any]) -> str:
    answers = inputs.get("answers") or {}
    answer_text = " ".join(str(value) for value in answers.values())
    text = f"{inputs['goal']} {answer_text}".strip()
    fields = extract_fields(text, list(inputs.get("styles", [])))
    topic = topic_of(inputs["goal"])
    if len([word for word in keywords(topic, 10) if word not in _GENERIC]) < 2 and answer_text:
        topic = topic_of(answer_text)
    questions = []
    meaningful = [word for word in keywords(topic, 10) if word not in _GENERIC]
    if len(meaningful) < 2:
        topic = ""
        questions.append("What topic or question should the piece address? One sentence is enough.")
        if "words" not in fields and "words" not in inputs.get("explicit", {}):
            questions.append("About how many words should it be?")
        if "style" not in fields and "style" not in inputs.get("explicit", {}):
            questions.append("Which citation style does your course use (APA, Harvard, MLA, Chicago, IEEE, Vancouver)?")
    limits = inputs.get("limits", {})
    words = fields.get("words")
    if words is not None and not limits.get("words_min", 0) <= words <= limits.get("words_max", 10**9):
        questions.append(
            f"You asked for {words} words; the range we can write is {limits.get('words_min')} to "
            f"{limits.get('words_max')}. What word target should we use?"
        )
        fields.pop("words")
    constraints = [part.strip() for part in re.findall(r"(?:must|should|avoid|do not|don't)\s+[^.;]+", text, re.I)]
    return json.dumps({"topic": topic, **fields, "constraints": constraints[:5], "questions": questions[:5]})


def plan_outline(inputs: dict[str, Any]) -> str:
    topic = inputs.get("topic") or topic_of(inputs["goal"])
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


def plan_tasks(inputs: dict[str, Any]) -> str:
    """Search queries for the research steps and the uncertain branches worth trying both ways."""
    topic = inputs.get("topic") or topic_of(inputs["goal"])
    terms = keywords(topic, 8)
    queries = [topic]
    if len(terms) >= 3:
        queries.append(" ".join(terms[:3]))
    for section in inputs.get("sections", [])[1:-1][:2]:
        extra = keywords(" ".join(section.get("points", [])), 2)
        if extra:
            queries.append(" ".join(terms[:2] + extra[:1]))
    branches = []
    if inputs.get("sections"):
        first = inputs["sections"][0]["heading"]
        branches.append({
            "section": 0,
            "question": f"how to frame \"{first}\" when the scope of {topic} is open",
            "options": ["problem-led: open with the problem and why it matters",
                        "evidence-led: open with what the studies found"],
            "metric": "evidence_coverage",
        })
    return json.dumps({"queries": list(dict.fromkeys(queries))[:4], "branches": branches})
