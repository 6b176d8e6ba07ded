"""Vector memory: retrieval quality on a labelled set, and students' private libraries."""
from __future__ import annotations

from journeys.evidence import evidence_reader
from journeys.memory.vectors import current_embedder, vector_ranking
from journeys.models import Chunk
from tests.memory.conftest import embed_all, start, store_passages
from tests.memory.labelled import PASSAGES, QUERIES


def recall_at(k: int, ranked: list[str], relevant: set[str]) -> float:
    return len(relevant & set(ranked[:k])) / len(relevant)


def test_vector_search_finds_the_relevant_passages_in_its_top_five(make_student):
    # given the labelled passages stored as one run's evidence and embedded in the background job
    run = start(make_student("reader"))
    labels = store_passages(run, PASSAGES)
    assert embed_all() == len(PASSAGES)
    chunks = Chunk.objects.filter(run=run)
    embedder = current_embedder()
    assert set(chunks.values_list("embedding_model", "embedding_dimensions")) == {(embedder.model, 384)}

    # when each query is searched by vector alone, and through the evidence service (hybrid)
    vector_recall, hybrid_recall = [], []
    reader = evidence_reader(run)
    for query, relevant in QUERIES.items():
        nearest = vector_ranking(chunks, embedder.embed_one(query).tolist(), embedder.model, 5)
        vector_recall.append(recall_at(5, [labels[chunk_id] for chunk_id, _ in nearest], relevant))
        hybrid_recall.append(recall_at(5, [hit["key"] for hit in reader.search(query, limit=5)], relevant))

    # then recall@5 is at least 0.9 both ways
    assert sum(vector_recall) / len(QUERIES) >= 0.9, vector_recall
    assert sum(hybrid_recall) / len(QUERIES) >= 0.9, hybrid_recall


def test_a_students_private_library_is_theirs_across_runs_and_nobody_elses(make_student):
    # given Alice's uploaded readings in one run, and Bob's run with evidence on the same subjects
    alice, bob = make_student("alice"), make_student("bob")
    private = {label: PASSAGES[label] for label in ("heat-mortality", "nurse-ratios", "ai-detectors")}
    alice_chunks = set(store_passages(start(alice), private, origin="upload"))
    bob_run = start(bob)
    store_passages(bob_run, {label: PASSAGES[label] for label in ("heat-green-roofs", "nurse-burnout")})
    embed_all()

    # when Bob searches with Alice's own words, in his run and in his library
    bob_reader = evidence_reader(bob_run)
    seen_by_bob = set()
    for text in private.values():
        seen_by_bob |= {hit["id"] for hit in bob_reader.search(text, limit=10) + bob_reader.library(text, limit=10)}

    # then none of Alice's chunks ever reaches him
    assert seen_by_bob and not seen_by_bob & alice_chunks
    # and Alice, in a later run, finds her readings by meaning
    later = evidence_reader(start(alice, "Write a report on heat waves and older people"))
    hits = later.library("Why do elderly city dwellers die in hot summers?", limit=3)
    assert hits[0]["key"] == "heat-mortality" and hits[0]["origin"] == "upload" and hits[0]["id"] in alice_chunks
    assert later.search("Why do elderly city dwellers die in hot summers?") == []  # the new run has no evidence yet
