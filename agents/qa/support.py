"""Whether a passage supports a sentence, by its words (the deterministic half of the claim check;
agents.qa.claims adds the model's judgement and an embedding similarity)."""
from __future__ import annotations

import re

from agents.llm.offline.text import content_words

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def lexical_support(sentence: str, evidence: str) -> tuple[bool, str]:
    """Quotations must occur in the passage word for word; at least half of the rest of the
    sentence's content words must occur in it."""
    plain = re.sub(r"\[@[^\]]+\]", " ", sentence)
    for match in _QUOTED.finditer(plain):
        quoted = match.group(1) or match.group(2)
        if normal(quoted) not in normal(evidence):
            return False, f"the quotation \"{quoted[:60]}\" is not in the cited passage"
    words = content_words(plain)
    if not words:
        return True, "no checkable content"
    shared = len(words & content_words(evidence)) / len(words)
    if shared >= 0.5:
        return True, f"{shared:.0%} of its content words occur in the passage"
    return False, f"only {shared:.0%} of its content words occur in the cited passage"
