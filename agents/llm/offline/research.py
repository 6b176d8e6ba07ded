"""Offline-model skills for research tasks: deterministic keyword query expansion.

Level 1: the topic's content words (with the region's name), then shorter forms. Level 2:
synonym substitutions from a small thesaurus, the plan's headings combined with the topic's
head terms, and pairs of key terms. Queries already tried are left out.
"""

from __future__ import annotations

import json
from typing import Any

from agents.research.text import content_words

SYNONYMS = {
    "urban": "city",
    "city": "urban",
    "cities": "urban areas",
    "heat": "thermal",
    "health": "wellbeing",
    "mortality": "deaths",
    "students": "learners",
    "student": "learner",
    "university": "higher education",
    "universities": "higher education",
    "assessment": "examination",
    "ai": "artificial intelligence",
    "generative": "large language model",
    "staffing": "workforce",
    "nurse": "nursing",
    "nurses": "nursing staff",
    "patient": "clinical",
    "safety": "adverse events",
    "climate": "global warming",
    "policy": "governance",
    "children": "young people",
    "impact": "effects",
    "effects": "outcomes",
    "poverty": "deprivation",
    "housing": "homes",
    "mental": "psychological",
    "education": "schooling",
    "learning": "teaching",
    "integrity": "cheating",
    "public": "population",
    "islands": "island effect",
}
GENERIC_HEADINGS = {"introduction", "conclusion", "background and key concepts", "limitations and open questions"}


def _first_level(words: list[str], region: str) -> list[str]:
    queries = [" ".join(words[:6])]
    if region:
        queries.insert(0, f"{' '.join(words[:5])} {region}")
    queries += [" ".join(words[:3]), " ".join(words[:2] + words[3:5])]
    return queries


def _second_level(words: list[str], headings: list[str]) -> list[str]:
    queries = []
    for index, word in enumerate(words[:6]):
        if word in SYNONYMS:
            swapped = words[:index] + [SYNONYMS[word]] + words[index + 1 : 5]
            queries.append(" ".join(swapped))
    head = words[:2]
    for heading in headings:
        if heading.strip().lower() not in GENERIC_HEADINGS:
            queries.append(" ".join(head + content_words(heading, 3)))
    queries += [f"{words[0]} {word}" for word in words[1:5]] if words else []
    return queries


def expand_queries(inputs: dict[str, Any]) -> str:
    words = [word for word in inputs.get("keywords") or content_words(inputs.get("topic") or inputs["goal"]) if word]
    if not words:
        words = content_words(inputs["goal"]) or ["research"]
    region = str(inputs.get("region") or "")
    if int(inputs.get("level", 1)) <= 1:
        proposed = _first_level(words, region)
    else:
        proposed = _second_level(words, list(inputs.get("headings") or []))
    tried = {query.lower() for query in inputs.get("tried") or []}
    queries: list[str] = []
    for query in proposed:
        query = " ".join(query.split())
        if query and query.lower() not in tried and query not in queries:
            queries.append(query)
    count = int(inputs.get("count", 4))
    return json.dumps({"queries": queries[:count] or [" ".join(words)]})
