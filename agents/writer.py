"""Writer: one section of the draft from the evidence the run retrieved.

Contract: section i's text goes to artifact `section-{i}` (Markdown with citation markers) and
state["plan"]["sections"][i]["written"] gets its word count. Every marker in the text names a
passage the writer was given for this section; any other marker a model produces is removed
before the text is stored (and the removal is an event). A step with a `branch` writes the
section both ways and keeps the one with the better evidence coverage; a step with `revise`
rewrites it to fix the problems QA found.
"""
from __future__ import annotations

import re
from typing import Any

from agents.citing import cited_pairs, keep_known
from agents.common import count_words, foreign_dois_note, sections_of, spec_of, without_foreign_dois
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.llm.offline.text import sentences
from agents.qa.support import lexical_support
from agents.source_spread import evidence_preferring, uncited_keys

EVIDENCE_PER_SECTION = 8
QUOTED = re.compile(r'"([^"]{12,300})"')


def write_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    index = int(step["section"])
    sections = sections_of(context)
    section = sections[index]
    evidence = section_evidence(context, section, uncited_keys(context, sections, step)) if needs_evidence(context) else []
    base = section_inputs(context, sections, index, evidence, step)
    events: list[EventNote] = []
    if base["voice"] and not any(item.get("written") for item in sections):  # said once, at the first section
        events.append(EventNote("profile", f"Writing in the student's own voice (profile memory): {base['voice']}"))
    if step.get("branch") and not step.get("revise"):
        text, model, notes = write_branches(context, base, step["branch"], evidence)
        events += notes
    else:
        result = context.llm.complete("write_section", base)
        text, integrity = only_retrieved_citations(context, result.text, evidence)
        model = result.model
        events += integrity
    return section_outcome(sections, index, text, model, events, revising=bool(step.get("revise")))


def needs_evidence(context: NodeContext) -> bool:
    phases = context.policy.get("phases") or []
    return "research" in phases or "assemble" in phases


def section_evidence(context: NodeContext, section: dict[str, Any], prefer: set[str] = frozenset()) -> list[dict[str, Any]]:
    topic = spec_of(context).topic or context.goal
    query = f"{section['heading']} {' '.join(section['points'])} {topic}"
    return evidence_preferring(context, query, EVIDENCE_PER_SECTION, prefer)


def section_inputs(context: NodeContext, sections: list[dict], index: int, evidence: list[dict], step: dict) -> dict[str, Any]:
    spec = spec_of(context)
    section = sections[index]
    revise = dict(step.get("revise") or {})
    if revise and section.get("written"):
        revise["previous"] = context.read_artifact(f"section-{index}")[:6000]
    return {
        "goal": context.goal,
        "topic": spec.topic,
        "title": (context.state.get("plan") or {}).get("title", ""),
        "deliverable": spec.deliverable.replace("_", " "),
        "heading": section["heading"],
        "points": section["points"],
        "words": section["words"],
        "previous": [item["heading"] for item in sections[:index]],
        "evidence": evidence,
        "angle": "",
        "revise": revise,
        "quoted_before": quoted_elsewhere(context, sections, index),
        "voice": student_voice(context),
    }


def quoted_elsewhere(context: NodeContext, sections: list[dict], index: int) -> list[str]:
    """Quotations the other written sections already use, so this one quotes something else."""
    found: list[str] = []
    for other, section in enumerate(sections):
        if other != index and section.get("written"):
            found += QUOTED.findall(context.read_artifact(f"section-{other}"))
    return list(dict.fromkeys(found))[:40]


def student_voice(context: NodeContext) -> str:
    """The student's writing fingerprint as instructions (memory profile), or "" when unknown."""
    memory = context.services.get("memory")
    return memory.profile()["guidance"] if memory is not None else ""


def evidence_coverage(text: str, evidence: list[dict[str, Any]]) -> float:
    """Share of sentences that carry a marker whose passage supports them (the branch metric)."""
    passages = {(item["key"], item["ordinal"]): item["text"] for item in evidence}
    found = sentences(text)
    if not found:
        return 0.0
    supported = 0
    for sentence in found:
        pairs = [pair for pair in cited_pairs(sentence) if pair in passages]
        if pairs and all(lexical_support(sentence, passages[pair])[0] for pair in pairs):
            supported += 1
    return supported / len(found)


def only_retrieved_citations(context: NodeContext, text: str, evidence: list[dict]) -> tuple[str, list[EventNote]]:
    """Drop citation markers of passages the writer was not given and DOIs that are not retrieved
    sources (a model fooled by a source cannot add a citation); say so in integrity events."""
    events = []
    text, removed = keep_known(text, {(item["key"], item["ordinal"]) for item in evidence})
    if removed:
        events.append(EventNote("integrity", f"Removed {len(removed)} citation(s) to passages the writer was not given: "
                                + ", ".join(removed[:5]), {"removed": removed}))
    text, foreign = without_foreign_dois(context, text)
    return text, events + foreign_dois_note(foreign)


def write_branches(context: NodeContext, base: dict, branch: dict, evidence: list[dict]) -> tuple[str, str, list[EventNote]]:
    """Try the section both ways the plan named; keep the better on the branch's metric."""
    tried, notes = [], []
    for label, option in zip("AB", branch["options"], strict=False):
        result = context.llm.complete("write_section", {**base, "angle": option})
        text, integrity = only_retrieved_citations(context, result.text, evidence)
        notes += integrity
        closeness = -abs(count_words(text) - base["words"])
        tried.append((evidence_coverage(text, evidence), closeness, label, option, text, result.model))
    tried.sort(reverse=True)
    score, _, label, option, text, model = tried[0]
    ordered = sorted(tried, key=lambda item: item[2])
    scores = ", ".join(f"{item[2]} {item[0]:.2f}" for item in ordered)
    message = f"Tried section \"{base['heading']}\" two ways ({scores} {branch['metric']}); kept {label}: {option}"
    note = EventNote("branch", message,
                     {"scores": {item[2]: round(item[0], 3) for item in tried}, "kept": label})
    return text, model, [*notes, note]


def section_outcome(sections: list[dict], index: int, text: str, model: str, events: list[EventNote], revising: bool,
                    verb: str = "Wrote") -> Outcome:
    written = count_words(text)
    sections[index]["written"] = written
    citations = len(set(cited_pairs(text)))
    verb = "Revised" if revising else verb
    events.insert(0, EventNote(
        "action", f"{verb} section {index + 1}/{len(sections)} \"{sections[index]['heading']}\" "
                  f"({written} words, {citations} cited passages)",
        {"section": index, "words": written, "citations": citations, "model": model},
    ))
    return Outcome(
        route="reflect",
        delta={"plan": {"sections": sections}},
        events=events,
        artifacts=[ArtifactOut(f"section-{index}", text, kind="section")],
        observation={"status": "done", "section": index, "words": written,
                     "signature": f"section {index}: {written} words, {citations} citations"},
    )
