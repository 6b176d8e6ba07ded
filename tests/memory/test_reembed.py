"""Changing the embedding model: old vectors are never compared with new ones; search keeps
finding passages by their words meanwhile, and the background job re-embeds everything."""
from __future__ import annotations

from django.core.management import call_command

from journeys.evidence import evidence_reader
from journeys.memory import jobs
from journeys.models import Chunk
from tests.memory.conftest import embed_all, start, store_passages
from tests.memory.labelled import PASSAGES

CHOSEN = ("heat-mortality", "nurse-burnout", "coral-bleaching", "flood-suds")


def test_a_model_change_is_re_embedded_in_the_background_while_search_keeps_working(make_student, capsys):
    # given passages embedded by a model that is no longer the configured one
    run = start(make_student("student"))
    store_passages(run, {label: PASSAGES[label] for label in CHOSEN})
    embed_all()
    Chunk.objects.filter(run=run).update(embedding_model="old/embedding-model")
    reader = evidence_reader(run)

    # when a student searches before re-embedding has run
    hits = reader.search("nurses emotional exhaustion")

    # then the old vectors take no part, the passages are still found by their words
    assert hits[0]["key"] == "nurse-burnout" and hits[0]["via"] == "text"
    assert jobs.memory_status()["chunks_pending"] == len(CHOSEN)

    # when the operator's re-embed runs
    call_command("memory", "reembed", "--sync")

    # then every vector is the current model's, and search is by meaning again
    status = jobs.memory_status()
    assert status["chunks_pending"] == 0 and status["chunks_by_model"] == {status["model"]: len(CHOSEN)}
    hits = reader.search("Why do nurses quit their jobs?")
    assert hits[0]["key"] == "nurse-burnout" and "vector" in hits[0]["via"]
    assert "now embedded with" in capsys.readouterr().out
