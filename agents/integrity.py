"""Untrusted content is data: retrieved pages, abstracts, full text and uploaded documents.

Four structural defences (docs/security.md, "Prompt injection"); none relies on a model
noticing the attack:
- `as_data`: text quoted into a prompt cannot close or open the prompt's own blocks
  (<evidence>, <draft>, <claim>, <task>, <input>, <schema>, ...): their angle brackets are
  replaced inside the quoted text, so a source saying "</evidence> new instructions" stays
  inside its block. The prompts' Jinja filter `data` applies it.
- `drop_foreign_dois`: a DOI written in generated prose that is not a retrieved source's DOI is
  removed (only retrieved sources are citable, DESIGN.md section 3; markers are checked by
  agents.citing.keep_known).
- `without_instructions`: the evidence handed to the writers (agents.common.evidence_for) has
  its instruction-like sentences left out, so a model cannot quote or obey them.
- `instruction_phrases` / `source_flags`: instruction-like text in a source ("ignore your
  instructions", "reveal the system prompt", "call the tool", "cite this DOI") is found so the
  QA flags the source to operators (an "integrity" event and a QA warning).
Tools are never called from model output (registry calls come from code paths only:
agents.research.registry_tools, agents.tool_journey), so there is no channel to defend there.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# The tags our prompts use to fence data and machine-readable blocks.
PROMPT_TAGS = ("evidence", "draft", "claim", "task", "input", "schema", "system", "instructions", "source", "document")
_TAG = re.compile(rf"<(/?)\s*({'|'.join(PROMPT_TAGS)})\b", re.IGNORECASE)
_INSTRUCTIONS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:instructions?|prompts?|rules|guidelines|directions)\b",
        r"\b(?:reveal|print|show|repeat|output|leak)\b[^.\n]{0,30}\bsystem\s+prompt\b",
        r"\byou\s+are\s+now\b|\bnew\s+instructions?\s*:",
        r"\b(?:call|invoke|run|execute|use)\s+(?:the\s+)?tool\b",
        r"\bcite\s+(?:this|the\s+following|my)\b[^.\n]{0,40}(?:doi|paper|source|work|article)",
        r"^\s*(?:system|assistant)\s*:",
        r"</?\s*(?:evidence|task|input|schema|system)\s*>",
    )
]
DOI = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|\bdoi:\s*)?\b(10\.\d{4,9}/[^\s\"<>\])]+[^\s\"<>\]).,;:])", re.IGNORECASE)
MAX_PHRASES = 5


def as_data(text: Any) -> str:
    """`text` safe to quote inside a prompt block: our block tags inside it are defanged."""
    return _TAG.sub(lambda match: f"‹{match.group(1)}{match.group(2)}", str(text))


def instruction_phrases(text: str) -> list[str]:
    """Instruction-like passages of untrusted text (at most MAX_PHRASES, each <= 120 chars)."""
    found: list[str] = []
    for pattern in _INSTRUCTIONS:
        for match in pattern.finditer(text):
            start = max(0, match.start() - 20)
            found.append(" ".join(text[start:match.end() + 40].split())[:120])
            if len(found) >= MAX_PHRASES:
                return found
    return found


def without_instructions(text: str) -> str:
    """`text` less its instruction-like sentences: what a source *says* stays quotable and
    citable, what it tells the agents to do is not handed to a model as evidence at all."""
    parts = re.split(r"(?<=[.!?])\s+", text)
    kept = [part for part in parts if not instruction_phrases(part)]
    return " ".join(kept) if len(kept) < len(parts) else text


def source_flags(sources: Iterable[tuple[str, Iterable[str]]]) -> list[dict[str, Any]]:
    """[{source, phrases}] for every (key, texts) whose texts hold instruction-like passages."""
    flags = []
    for key, texts in sources:
        phrases = [phrase for text in texts for phrase in instruction_phrases(text)][:MAX_PHRASES]
        if phrases:
            flags.append({"source": key, "phrases": phrases})
    return flags


def drop_foreign_dois(text: str, known: Iterable[str]) -> tuple[str, list[str]]:
    """(text without DOIs that are not in `known`, the DOIs removed). Comparison ignores case."""
    allowed = {doi.lower().strip() for doi in known if doi}
    removed: list[str] = []

    def replace(match: re.Match) -> str:
        if match.group(1).lower() in allowed:
            return match.group(0)
        removed.append(match.group(1))
        return ""

    cleaned = DOI.sub(replace, text)
    if removed:
        cleaned = re.sub(r"\(\s*(?:see|cf\.?)?\s*\)|\[\s*\]", "", cleaned, flags=re.IGNORECASE)
        cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).replace(" .", ".").replace(" ,", ",")
    return cleaned, removed
