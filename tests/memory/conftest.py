"""Fixtures of the memory tests: students, runs and evidence written through the real services
and record writers, and embeddings made by the real offline model (kept small: a few dozen
short passages per test)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from evaluation.fakes.scholarly_server import ScholarlyServer
from journeys import services
from journeys.evidence import write_source
from journeys.memory.vectors import embed_pending_chunks
from journeys.models import Run
from tests.conftest import CORPORA, serving


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


# The shared test environment turns background memory work off (tests/testenv.py) so the other
# areas' tests do not pay for embeddings; the memory tests' worker turns it back on.
@pytest.fixture
def memory_worker(workers, transactional_db, request):
    """The session's worker pool, running one worker with memory's background work on:
    lesson distillation always, chunk embedding on write when the test is marked
    `@pytest.mark.parametrize("memory_worker", ["embed"], indirect=True)`."""
    env = {"HW_DISTIL_LESSONS": "true", "HW_EMBED_CHUNKS_ON_WRITE": str(getattr(request, "param", "") == "embed").lower()}
    workers.stop_all()
    workers.start(extra_env=env)
    yield workers
    workers.stop_all()  # the next test's `worker` fixture starts a plain one


@pytest.fixture
def fake_scholarly(scholarly_server: ScholarlyServer, settings) -> ScholarlyServer:
    """The fake scholarly APIs with the urban_heat corpus, reset around the test."""
    yield from serving(scholarly_server, settings, CORPORA / "urban_heat")
