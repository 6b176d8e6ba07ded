"""Claim-versus-evidence check and citation audit of the draft's sections.

A cited sentence passes when the model judges that the chunk its marker names supports it AND
the words agree (agents.qa.support: quotations verbatim, most content words shared). Requiring
both means neither a lenient model nor a lexical coincidence passes a claim alone.
The audit: every marker parses, names a Source of the run and a chunk of that source.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.citing import cited_pairs
from agents.llm.offline.text import sentences
from agents.qa.support import lexical_support
from agents.rendering.citations import malformed_markers

CLAIMS_SCHEMA = {
    "type": "object",
    "required": ["verdicts"],
    "properties": {
        "verdicts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "supported"],
                "properties": {"id": {"type": "string"}, "supported": {"type": "boolean"}, "reason": {"type": "string"}},
            },
        }
    },
}
BATCH = 25


@dataclass
class SectionClaims:
    cited: int = 0
    supported: int = 0
    problems: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)


def audit_and_check(
    llm: Any, text: str, chunk_text: dict[tuple[str, int], str], known_keys: set[str], finder: Finder | None = None
) -> SectionClaims:
    """Check one section. `chunk_text` maps (key, ordinal) of the run's chunks to their text.
    `finder(sentence)` (vector memory: the evidence service's search) proposes, for an unsupported
    claim, a passage of the run that does support it, so the repair can cite that one instead."""
    result = SectionClaims()
    for fragment in malformed_markers(text):
        result.orphans.append(fragment)
    claims = []
    for index, sentence in enumerate(sentences(text)):
        pairs = cited_pairs(sentence)
        if not pairs:
            continue
        missing = [f"@{key}:{ordinal}" for key, ordinal in pairs if (key, ordinal) not in chunk_text]
        result.orphans += missing
        evidence = " ".join(chunk_text[pair] for pair in pairs if pair in chunk_text)
        result.cited += 1
        if missing or not evidence:
            result.problems.append(f"citation without a source chunk: {', '.join(missing)}")
            continue
        claims.append({"id": str(index), "sentence": sentence, "evidence": evidence[:3000]})
    verdicts: dict[str, bool] = {}
    for start in range(0, len(claims), BATCH):
        answer = llm.complete("check_claims", {"claims": claims[start : start + BATCH]}, schema=CLAIMS_SCHEMA)
        verdicts.update({item["id"]: bool(item["supported"]) for item in answer.data["verdicts"]})
    for claim in claims:
        lexical, reason = lexical_support(claim["sentence"], claim["evidence"])
        if verdicts.get(claim["id"]) and lexical:
            result.supported += 1
        else:
            why = reason if not lexical else "the model judged the passage does not support it"
            better = supporting_passage(finder, claim["sentence"], known_keys) if finder else ""
            result.problems.append(f"unsupported claim: \"{claim['sentence'][:90]}\" ({why})" + better)
    return result


Finder = Callable[[str], list[dict[str, Any]]]


def supporting_passage(finder: Finder, sentence: str, known_keys: set[str]) -> str:
    """' — [@key:n] supports it: cite that passage instead', or '' when no passage found by
    meaning passes the lexical test either (then the claim itself must change)."""
    cited = set(cited_pairs(sentence))
    for hit in finder(sentence):
        pair = (hit["key"], hit["ordinal"])
        if hit["key"] in known_keys and pair not in cited and lexical_support(sentence, hit["text"])[0]:
            return f" — [@{pair[0]}:{pair[1]}] supports it: cite that passage instead"
    return ""
