"""Fixtures of the memory tests: students, runs and evidence written through the real services
and record writers, and embeddings made by the real offline model (kept small: a few dozen
short passages per test)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from journeys import services
from journeys.evidence import write_source
from journeys.memory.vectors import embed_pending_chunks
from journeys.models import Run


@pytest.fixture
def make_student(db):
    def make(name: str):
        return get_user_model().objects.create_user(name, password="a-long-passphrase-1")

    return make


def start(user, goal: str = "Write an essay on urban heat islands and public health", journey: str = "write") -> Run:
    return services.start_run(user, journey, goal, words=300)


def store_passages(run: Run, passages: dict[str, str], origin: str = "search", seq: int = 1) -> dict[int, str]:
    """One source per passage (key = the passage's label); returns chunk id -> label."""
    for label, text in passages.items():
        write_source(run, seq, {
            "key": label, "origin": origin, "provider": "upload" if origin == "upload" else "fixture",
            "csl": {"id": label, "type": "article-journal", "title": label.replace("-", " ")},
            "chunks": [{"text": text, "anchor": "p. 1"}],
        })
    return {chunk.pk: chunk.source.key for chunk in run.chunks.select_related("source")}


def embed_all() -> int:
    total = 0
    while written := embed_pending_chunks(limit=64):
        total += written
    return total
