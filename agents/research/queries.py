"""Query expansion: what the model is asked for, and the goal's core terms relevance is scored on.

Level 1 queries state the topic (with the region's name when one is asked for); level 2 adds
synonyms and the plan's section headings. The model proposes them (prompt expand_queries); the
offline model answers with deterministic keyword expansion (agents.llm.offline.research).
"""

from __future__ import annotations

from typing import Any

from agents.research.text import content_words, terms, topic_of

QUERY_SCHEMA = {
    "type": "object",
    "required": ["queries"],
    "properties": {
        "queries": {"type": "array", "minItems": 1, "maxItems": 8, "items": {"type": "string", "minLength": 2, "maxLength": 300}},
    },
}
GENERIC_HEADINGS = frozenset({"introduction", "conclusion", "conclusions", "references", "abstract", "summary"})


def topic(goal: str, spec: dict[str, Any]) -> str:
    return str(spec.get("topic") or topic_of(goal))


def core_terms(goal: str, spec: dict[str, Any]) -> list[str]:
    """Stemmed terms of the topic and the spec's keywords: what relevance is measured against."""
    keywords = " ".join(str(word) for word in spec.get("keywords") or [])
    return terms(f"{topic(goal, spec)} {keywords}")[:10]


def plan_headings(state: dict[str, Any]) -> list[str]:
    sections = (state.get("plan") or {}).get("sections") or []
    return [item["heading"] for item in sections if item.get("heading", "").strip().lower() not in GENERIC_HEADINGS]


def expansion_inputs(
    goal: str, spec: dict[str, Any], state: dict[str, Any], *, level: int, region: str, tried: list[str]
) -> dict[str, Any]:
    """Inputs of the expand_queries prompt."""
    return {
        "goal": goal,
        "topic": topic(goal, spec),
        "keywords": content_words(f"{topic(goal, spec)} {' '.join(str(word) for word in spec.get('keywords') or [])}"),
        "region": region,
        "level": level,
        "headings": plan_headings(state)[:8],
        "tried": tried[-20:],
        "count": 4,
    }


def clean_queries(proposed: list[str], tried: list[str], limit: int) -> list[str]:
    """Distinct, new, reasonably short queries, in the order proposed."""
    seen = {query.lower() for query in tried}
    queries = []
    for query in proposed:
        query = " ".join(str(query).split())[:200]
        if query and query.lower() not in seen:
            seen.add(query.lower())
            queries.append(query)
    return queries[:limit]


def expansion_terms(proposed: list[str]) -> list[str]:
    """Terms of the pass's queries (synonyms, headings): relevance counts them at half weight."""
    return terms(" ".join(proposed))[:20]
