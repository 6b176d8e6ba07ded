"""The cross-journey citation check: every citation of a run resolves, zero orphans.

Shared by the journey tests (tests/journeys/citations.py) and the harness's
`all_citations_resolve` expectation, so both hold a run to one rule: every marker in the final
draft names a Source of THAT run and a chunk of it, the cited sentence is supported by the
chunk's words, the rendered deliverable keeps no marker, the `citations` artifact names exactly
the chunks cited, and the exported bibliography lists exactly the works cited.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from agents.citing import cited_pairs, malformed_markers
from agents.llm.offline.text import sentences
from agents.qa.support import lexical_support
from journeys.models import Chunk, Run


@dataclass
class CitationCheck:
    pairs: set[tuple[str, int]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def sources(self) -> set[str]:
        return {key for key, _ in self.pairs}


def latest(run: Run, name: str):
    return run.artifacts.filter(name=name).order_by("-version").first()


def check_citations(run: Run) -> CitationCheck:
    """Every problem with the run's citations, in the order found (none: they all resolve)."""
    check = CitationCheck()
    draft = latest(run, "draft")
    if draft is None:
        check.problems.append(f"run {run.pk} has no draft")
        return check
    check.problems += [f"malformed citation marker {marker!r}" for marker in malformed_markers(draft.content)]
    for sentence in sentences(draft.content):
        for key, ordinal in cited_pairs(sentence):
            chunk = Chunk.objects.filter(run=run, source__key=key, ordinal=ordinal).first()
            if chunk is None:
                check.problems.append(f"orphan citation @{key}:{ordinal} in run {run.pk}: {sentence}")
                continue
            if not lexical_support(sentence, chunk.text)[0]:
                check.problems.append(f"@{key}:{ordinal} does not support: {sentence!r} (chunk: {chunk.text[:200]!r})")
            check.pairs.add((key, ordinal))
    check.problems += exported_problems(run, check.pairs)
    return check


def exported_problems(run: Run, pairs: set[tuple[str, int]]) -> list[str]:
    problems = []
    deliverable, citations, exported = (latest(run, name) for name in ("deliverable", "citations", "references-csl"))
    if deliverable is None or "[@" in deliverable.content:
        problems.append("the deliverable is missing" if deliverable is None else "the deliverable keeps a [@...] marker")
    recorded = json.loads(citations.content) if citations else {}
    if {(key, ordinal) for key, ordinals in recorded.items() for ordinal in ordinals} != pairs:
        problems.append("the citations artifact does not name exactly the chunks cited")
    listed = sorted(item["id"] for item in json.loads(exported.content)) if exported else []
    if listed != sorted({key for key, _ in pairs}):
        problems.append(f"the bibliography lists {listed}, not exactly the works cited")
    return problems
