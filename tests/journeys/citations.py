"""The cross-journey citation check every journey test ends with: zero orphans.

Every marker in a run's final draft names a Source of THAT run and a chunk of that source, the
cited sentence is supported by the chunk's words, the rendered deliverable keeps no marker, the
`citations` artifact names exactly the chunks cited, and the exported bibliography lists exactly
the works cited.
"""
from __future__ import annotations

import json

from agents.citing import cited_pairs, malformed_markers
from agents.llm.offline.text import sentences
from agents.qa.support import lexical_support
from journeys.models import Chunk, Run


def assert_citations_resolve(run: Run, minimum: int = 3) -> set[tuple[str, int]]:
    draft = run.artifacts.filter(name="draft").latest("version").content
    assert malformed_markers(draft) == []
    pairs: set[tuple[str, int]] = set()
    for sentence in sentences(draft):
        for key, ordinal in cited_pairs(sentence):
            chunk = Chunk.objects.filter(run=run, source__key=key, ordinal=ordinal).first()
            assert chunk is not None, f"orphan citation @{key}:{ordinal} in run {run.pk}: {sentence}"
            assert lexical_support(sentence, chunk.text)[0], (sentence, chunk.text)
            pairs.add((key, ordinal))
    assert len(pairs) >= minimum, f"only {len(pairs)} cited passages"
    deliverable = run.artifacts.filter(name="deliverable").latest("version")
    assert "[@" not in deliverable.content
    chunk_ids = json.loads(run.artifacts.filter(name="citations").latest("version").content)
    assert {(key, ordinal) for key, ordinals in chunk_ids.items() for ordinal in ordinals} == pairs
    exported = json.loads(run.artifacts.filter(name="references-csl").latest("version").content)
    assert sorted(item["id"] for item in exported) == sorted({key for key, _ in pairs})
    return pairs
