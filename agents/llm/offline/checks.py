"""Offline skills that check a draft: claim support and the argument's shape."""
from __future__ import annotations

import json
from typing import Any

from agents.llm.offline.text import content_words, fold, keywords
from agents.qa.support import lexical_support


def check_claims(inputs: dict[str, Any]) -> str:
    verdicts = []
    for claim in inputs["claims"]:
        supported, reason = lexical_support(claim["sentence"], claim["evidence"])
        verdicts.append({"id": claim["id"], "supported": supported, "reason": reason})
    return json.dumps({"verdicts": verdicts})


def check_argument(inputs: dict[str, Any]) -> str:
    """Structure of the argument: the opening and closing name the topic, no section is empty."""
    topic_terms = {fold(term) for term in keywords(inputs.get("topic") or inputs.get("title", ""), 8)}
    sections = inputs["sections"]
    issues = []
    for index, section in enumerate(sections):
        text = f"{section.get('opening', '')} {section.get('closing', '')}"
        if not text.strip():
            issues.append({"section": index, "problem": "the section is empty", "severity": "major"})
    if sections and topic_terms:
        first = content_words(f"{sections[0].get('opening', '')} {sections[0].get('closing', '')}")
        last = content_words(f"{sections[-1].get('opening', '')} {sections[-1].get('closing', '')}")
        if not first & topic_terms:
            issues.append({"section": 0, "problem": "the opening does not name the topic", "severity": "minor"})
        if len(sections) > 1 and not last & topic_terms:
            issues.append({"section": len(sections) - 1, "problem": "the close does not return to the topic",
                           "severity": "minor"})
    return json.dumps({"issues": issues})
