"""Offline skills that check a draft: claim support and the argument's shape."""
from __future__ import annotations

import json
import re
from typing import Any

from agents.llm.offline.text import content_words, fold, keywords

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def support(sentence: str, evidence: str) -> tuple[bool, str]:
    """Does `evidence` support `sentence`? Quotations must be in it verbatim; the rest of the
    sentence's content words must mostly occur in it."""
    plain = re.sub(r"\[@[^\]]+\]", " ", sentence)
    for match in _QUOTED.finditer(plain):
        quoted = match.group(1) or match.group(2)
        if _normal(quoted) not in _normal(evidence):
            return False, f"the quotation \"{quoted[:60]}\" is not in the cited passage"
    words = content_words(plain)
    if not words:
        return True, "no checkable content"
    shared = len(words & content_words(evidence)) / len(words)
    if shared >= 0.5:
        return True, f"{shared:.0%} of its content words occur in the passage"
    return False, f"only {shared:.0%} of its content words occur in the cited passage"


def check_claims(inputs: dict[str, Any]) -> str:
    verdicts = []
    for claim in inputs["claims"]:
        supported, reason = support(claim["sentence"], claim["evidence"])
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
