"""Rewriter (action `rewrite_section`, journey rewrite): one section of the student's uploaded
draft, improved paragraph by paragraph, with its meaning and its citations kept.

For each paragraph of section i of the upload (agents.drafts.split_draft):
1. its own citations, "(Author, year)", become markers of the run's source by that author and
   year (agents.cited found them), on the chunk that best supports the sentence; a citation no
   source matches is dropped and reported, never kept as an unverifiable reference;
2. the model improves the paragraph (prompt rewrite_paragraph) with those markers and the
   passages that may back its other sentences; markers it was not given are removed;
3. the meaning check (agents.meaning: embeddings, chunk by chunk) compares it with the original;
   below `quality.meaning_min` the rewrite is discarded for the original wording with only the
   citations converted, and the event says so.
The section's text goes to artifact `section-{i}` as for the Writer; state["rewrite"][i] keeps
the meaning scores and the dropped citations for QA and the deliverable's notes.
"""
from __future__ import annotations

import re
from typing import Any

from agents.cited import matching_source
from agents.citing import keep_known
from agents.common import citable_sources, evidence_for, foreign_dois_note, marker, sections_of, without_foreign_dois
from agents.contracts import EventNote, NodeContext, Outcome
from agents.drafts import citations_in, uploaded_parts
from agents.llm.offline.text import content_words, sentences
from agents.meaning import compare
from agents.writer import section_outcome

EVIDENCE_PER_PARAGRAPH = 4


def best_chunk(sentence: str, chunks: list[dict[str, Any]]) -> int:
    """The ordinal of the chunk sharing most content words with the sentence (the first on ties)."""
    words = content_words(sentence)
    return max(chunks, key=lambda chunk: (len(words & content_words(chunk["text"])), -chunk["ordinal"]))["ordinal"]


def convert_citations(context: NodeContext, paragraph: str, sources: list[dict]) -> tuple[list[dict], list[str], set]:
    """[{text, marker}] for the paragraph's citations, the ones no source matches, and the
    (key, ordinal) pairs used."""
    converted, unmatched, pairs = [], [], set()
    for citation in citations_in(paragraph):
        sentence = next((item for item in sentences(paragraph) if citation["text"] in item), paragraph)
        found = []
        for author, year in citation["works"]:
            source = matching_source(author, year, sources)
            chunks = context.services["evidence"].chunks(source["key"]) if source else []
            if not chunks:
                unmatched.append(f"{author}, {year}")
                continue
            found.append((source["key"], best_chunk(sentence, chunks)))
        pairs |= set(found)
        text = "[" + "; ".join(marker(key, ordinal)[1:-1] for key, ordinal in found) + "]" if found else ""
        converted.append({"text": citation["text"], "marker": text})
    return converted, unmatched, pairs


def conservative(paragraph: str, citations: list[dict]) -> str:
    """The original wording with only its citations converted (the fallback that keeps meaning)."""
    for citation in citations:
        paragraph = paragraph.replace(citation["text"], citation["marker"])
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", paragraph)).strip()


def rewrite_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    index = int(step["section"])
    sections = sections_of(context)
    paragraphs = uploaded_parts(context)[index]["paragraphs"]
    sources = citable_sources(context)
    problems = list((step.get("revise") or {}).get("problems") or [])
    drafts, fallbacks, unmatched, foreign, model = [], [], [], [], "none"
    for paragraph in paragraphs:
        citations, missing, pairs = convert_citations(context, paragraph, sources)
        unmatched += missing
        evidence = evidence_for(context, paragraph, EVIDENCE_PER_PARAGRAPH)
        result = context.llm.complete("rewrite_paragraph", {
            "paragraph": paragraph, "citations": citations, "evidence": evidence, "problems": problems,
        })
        allowed = pairs | {(item["key"], item["ordinal"]) for item in evidence}
        text, _ = keep_known(result.text.strip(), allowed)
        text, removed = without_foreign_dois(context, text)  # the student's own wording (fallback) is theirs
        foreign += removed
        drafts.append(text or conservative(paragraph, citations))
        fallbacks.append(conservative(paragraph, citations))
        model = result.model
    minimum = float(context.policy.get("quality", {}).get("meaning_min", 0.8))
    reports = compare(list(zip(paragraphs, drafts, strict=True)), minimum)
    kept = [draft if report.kept else fallback for draft, fallback, report in zip(drafts, fallbacks, reports, strict=True)]
    reverted = [number + 1 for number, report in enumerate(reports) if not report.kept]
    events = foreign_dois_note(foreign, f"Section {index + 1}: ")
    if reverted:
        events.append(EventNote("meaning", f"Section {index + 1}: the rewrite of paragraph(s) {reverted} drifted from the "
                                f"original (similarity below {minimum}); kept the student's wording there",
                                {"section": index, "paragraphs": reverted}))
    if unmatched:
        events.append(EventNote("integrity", f"Section {index + 1}: dropped citation(s) no retrieved source matches: "
                                + "; ".join(dict.fromkeys(unmatched)), {"unmatched": unmatched}))
    outcome = section_outcome(sections, index, "\n\n".join(kept), model, events, revising=bool(step.get("revise")),
                              verb="Rewrote")
    scores = [score for report in reports if report.kept for score in report.scores]
    outcome.delta["rewrite"] = {str(index): {
        "meaning": round(min(scores, default=1.0), 4), "reverted": reverted, "unmatched": list(dict.fromkeys(unmatched)),
    }}
    return outcome
