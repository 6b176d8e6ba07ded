"""Vector memory: chunk embeddings in pgvector, embedded in the background, searched by meaning.

- `embed_pending_chunks(run_id=None, limit)`: embeds chunks that have no vector from the current
  model (new ones, or ones embedded by a model since replaced), oldest first, in one batch. Safe
  to run twice at once: each row is written only while it is still pending.
- `hybrid_search(chunks, query, limit)`: the chunks of a queryset nearest in meaning to `query`
  (cosine distance on the HNSW index) fused with full-text matches (reciprocal rank fusion), so a
  chunk not embedded yet is still found by its words, and an exact term still counts.
Vectors are compared only with vectors of the same model: a query is embedded by the current
model and only chunks carrying that model's name take part in the vector half.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from pgvector.django import CosineDistance

from agents.memory.embedder import Embedder, embedder_for
from journeys.models import Chunk

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.): damps the weight of top ranks
WINDOW_WORDS = 180  # ~240 tokens: the model reads 256; a longer chunk is embedded as the mean of its windows
EF_SEARCH = 80


def current_embedder() -> Embedder:
    return embedder_for(settings.HW_EMBEDDING_MODEL, settings.HW_EMBEDDING_TIMEOUT_SECONDS)


def windows(text: str, size: int = WINDOW_WORDS) -> list[str]:
    """The text cut into the fewest equal runs of words of at most `size` words (a 350-word chunk:
    two of 175), so every word is read once and no window is a short leftover."""
    words = text.split()
    if len(words) <= size:
        return [" ".join(words) or text]
    count = -(-len(words) // size)
    length = -(-len(words) // count)
    return [" ".join(words[start : start + length]) for start in range(0, len(words), length)]


def embed_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """One unit vector per text: the mean of its windows' embeddings, renormalised."""
    pieces, owners = [], []
    for index, text in enumerate(texts):
        for piece in windows(text):
            pieces.append(piece)
            owners.append(index)
    vectors = embedder.embed(pieces)
    sums = np.zeros((len(texts), embedder.dimensions), dtype=np.float32)
    np.add.at(sums, np.asarray(owners), vectors)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


def pending_chunks(model: str) -> QuerySet:
    return Chunk.objects.filter(Q(embedding__isnull=True) | ~Q(embedding_model=model))


def embed_pending_chunks(run_id: int | None = None, limit: int | None = None) -> int:
    """Embed up to `limit` pending chunks (of one run, or any); returns how many were written."""
    embedder = current_embedder()
    pending = pending_chunks(embedder.model)
    if run_id is not None:
        pending = pending.filter(run_id=run_id)
    rows = list(pending.order_by("id").values_list("id", "text")[: limit or settings.HW_EMBED_BATCH])
    if not rows:
        return 0
    vectors = embed_texts(embedder, [text for _, text in rows])
    written = 0
    with transaction.atomic():
        for (chunk_id, _), vector in zip(rows, vectors, strict=True):
            # Conditional: a concurrent embedder (or a model change meanwhile) wins nothing twice.
            written += pending_chunks(embedder.model).filter(pk=chunk_id).update(
                embedding=vector.tolist(), embedding_model=embedder.model, embedding_dimensions=embedder.dimensions
            )
    return written


def has_vectors(chunks: QuerySet, model: str) -> bool:
    return chunks.filter(embedding_model=model, embedding__isnull=False).exists()


def vector_ranking(chunks: QuerySet, vector: list[float], model: str, limit: int) -> list[tuple[int, float]]:
    """(chunk id, cosine similarity), nearest first. Iterative HNSW scans keep a filtered search
    (one run, one student's library) from returning fewer than `limit` rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, limit)}")
        rows = list(
            chunks.filter(embedding_model=model, embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance", "id")
            .values_list("id", "distance")[:limit]
        )
    return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in rows]


def text_ranking(chunks: QuerySet, query: str, limit: int) -> list[int]:
    wanted = SearchQuery(query, config="english", search_type="websearch")
    ranked = (
        chunks.annotate(rank=SearchRank(SearchVector("text", config="english"), wanted))
        .filter(rank__gt=0)
        .order_by("-rank", "id")
        .values_list("id", flat=True)[:limit]
    )
    return list(ranked)


def fuse(*rankings: list[int]) -> dict[int, float]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for position, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + position + 1)
    return scores


def hybrid_search(chunks: QuerySet, query: str, limit: int = 8, keywords: str | None = None) -> list[dict[str, Any]]:
    """The chunks of `chunks` best matching `query`: vector and full-text rankings fused. The
    full-text half uses `keywords` (websearch syntax, e.g. "heat or mortality") when given."""
    embedder = current_embedder()
    depth = max(limit * 3, 20)
    nearest: list[tuple[int, float]] = []
    if query.strip() and has_vectors(chunks, embedder.model):
        nearest = vector_ranking(chunks, embedder.embed_one(query).tolist(), embedder.model, depth)
    lexical = text_ranking(chunks, keywords or query, depth) if (keywords or query).strip() else []
    scores = fuse([chunk_id for chunk_id, _ in nearest], lexical)
    if not scores:  # nothing matches at all: the first passages, as before there were vectors
        scores = {chunk_id: 0.0 for chunk_id in chunks.order_by("id").values_list("id", flat=True)[:limit]}
    chosen = sorted(scores, key=lambda chunk_id: (-scores[chunk_id], chunk_id))[:limit]
    similarity = dict(nearest)
    rows = {row["id"]: row for row in Chunk.objects.filter(pk__in=chosen).values(
        "id", "ordinal", "text", "anchor", "source__key", "source__origin", "source_id", "run_id")}
    return [
        {**row_dict(rows[chunk_id]), "score": round(scores[chunk_id], 6), "similarity": similarity.get(chunk_id),
         "via": via(chunk_id, similarity, lexical)}
        for chunk_id in chosen if chunk_id in rows
    ]


def row_dict(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["key"] = row.pop("source__key")
    row["origin"] = row.pop("source__origin")
    return row


def via(chunk_id: int, similarity: dict[int, float], lexical: list[int]) -> str:
    found = [name for name, hit in (("vector", chunk_id in similarity), ("text", chunk_id in lexical)) if hit]
    return "+".join(found) or "fallback"
