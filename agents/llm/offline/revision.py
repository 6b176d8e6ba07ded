"""The offline model's revision skills (tasks `plan_revision` and `revise_passage`).

Deterministic and rule-based, like the rest of agents.llm.offline. The rewrite is built from the
passage's own content phrases and the material of the other sections (their headings and
points) in new sentence structures: a genuine restatement, never a perturbation of the flagged
sentence (no character swaps, no synonym substitution inside the old structure).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from agents.text_spans import content_phrases

REWRITE_TEMPLATES = [
    "Read alongside the section on {link}, the point here is that {a} and {b} have to be analysed together, not one at a time.",
    "In this essay's own framing, {a} matters chiefly through what it changes about {b}, a link the part on {link} returns to.",
    "Put plainly, the claim is that any explanation of {a} stays incomplete until it accounts for {b}.",
    "This is why the analysis keeps {a} and {b} in view together, which is also what the part on {link} sets out to {point}.",
    "Taken with the aim to {point}, the argument reduces to one claim: how {a} is understood shapes how {b} is judged.",
]


def _pick(options: list[str], *seed_parts: Any) -> str:
    digest = hashlib.sha256("|".join(str(part) for part in seed_parts).encode()).digest()
    return options[digest[0] % len(options)]


def plan_revision(inputs: dict[str, Any]) -> str:
    revisions = []
    for passage in inputs["passages"]:
        source = passage.get("source") or {}
        name, kind = source.get("name") or "an unnamed source", source.get("kind") or ""
        if kind == "student_paper" and passage.get("alternatives"):
            strategy = "replace_source"
            reason = (
                f"it matches {name}, another student's paper, which cannot be cited; "
                f"the claim is grounded in the retrieved source {passage['alternatives'][0]}"
            )
        elif source.get("key") and len(passage["text"].split()) <= 60:
            strategy = "quote_and_cite"
            reason = f"the wording is that of {name}, a source this draft already relies on; a quotation with a citation credits it"
        else:
            strategy = "rewrite"
            reason = (
                f"its wording overlaps {name}, which the draft does not cite; the point is restated in the writer's own synthesis"
            )
        revisions.append({"id": passage["id"], "strategy": strategy, "reason": reason})
    return json.dumps({"revisions": revisions})


def revise_passage(inputs: dict[str, Any]) -> str:
    strategy = inputs["strategy"]
    passage = " ".join(inputs["passage"].split())
    if strategy == "quote_and_cite":
        quoted = passage.rstrip(".").replace('"', "'")
        return f'As {inputs["citation"]["who"]} put it, "{quoted}" {inputs["citation"]["marker"]}.'
    phrases = content_phrases(passage) or content_phrases(inputs["heading"]) or ["the topic"]
    if strategy == "replace_source":
        return regrounded(passage, phrases, inputs["evidence"])
    return rewritten(passage, phrases, inputs["material"])


def rewritten(passage: str, phrases: list[str], material: list[dict[str, Any]]) -> str:
    link = linked_material(material, phrases)
    # One new sentence per flagged sentence (more for long ones), so no part of the claim is dropped.
    count = max(len(re.findall(r"[.!?](?:\s|$)", passage)), round(len(passage.split()) / 22), 1)
    sentences = []
    for index in range(count):
        a, b = phrases[(2 * index) % len(phrases)], phrases[(2 * index + 1) % len(phrases)]
        if a == b:
            b = link["heading"].lower()
        template = _pick(REWRITE_TEMPLATES, passage, index)
        sentence = template.format(a=a, b=b, link=link["heading"].lower(), point=link["point"])
        sentences.append(sentence[0].upper() + sentence[1:])
    return " ".join(sentences)


def linked_material(material: list[dict[str, Any]], phrases: list[str]) -> dict[str, str]:
    """The other section whose heading and points share most words with the passage."""
    if not material:
        return {"heading": "the wider argument", "point": "draw the threads together"}
    words = {word for phrase in phrases for word in phrase.split()}

    def overlap(item: dict[str, Any]) -> int:
        return len(words & set(" ".join([item["heading"], *item["points"]]).lower().split()))

    best = max(material, key=overlap)
    return {"heading": best["heading"], "point": (best["points"] or ["develop the argument"])[0]}


def regrounded(passage: str, phrases: list[str], evidence: dict[str, Any]) -> str:
    found = content_phrases(evidence["text"], limit=12)
    shared = [phrase for phrase in found if set(phrase.split()) & {w for p in phrases for w in p.split()}]
    picked = (shared + [phrase for phrase in found if phrase not in shared])[:2] or phrases[:2]
    topics = " and ".join(picked)
    a = phrases[0]
    b = phrases[1] if len(phrases) > 1 else picked[-1]
    return (
        f"{evidence['who']} examine {topics}, evidence that bears directly on {a} {evidence['marker']}. "
        f"On that basis the essay treats {a} as bound up with {b} rather than as a separate matter."
    )
