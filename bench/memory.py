"""Memory benchmark: embedding throughput, pgvector query latency, episodic prompt size.

    python bench/memory.py [--chunks 64] [--sizes 10000,100000] [--queries 200] [--skip-embedding]

1. Embedding: chunks of ~350 words embedded by the offline model the way the background job does
   it (each chunk as the mean of its 180-word windows), chunks/s on this machine.
2. pgvector: random unit vectors (numpy) bulk-loaded with binary COPY into a table of a dedicated
   database (handywriterz_bench_memory, dropped and recreated): uniform ("random") and grouped
   around topics ("clustered", the structure real embeddings have). Then top-10 cosine queries, p50 /
   p95 latency without an index (exact scan) and with the HNSW index the product uses (m=16,
   ef_construction=64, vector_cosine_ops, ef_search 80), plus the HNSW build time and its recall
   against the exact answer.
3. Episodic memory: prompt context of a synthetic run of 20 / 200 / 2,000 steps with and without
   summarisation (characters and ~tokens at 4 characters per token).
Prints one table per part. Uses the database server of DATABASE_URL, never its database.
"""
from __future__ import annotations

import argparse
import os
import time
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from common import median, percentile, print_table, setup_django
from synthetic_run import synthetic_steps

setup_django(needs_schema=False)  # its own database, never the project's tables

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from pgvector.psycopg import register_vector  # noqa: E402

from agents.memory.embedder import embedder_for  # noqa: E402
from agents.memory.episodic import RECENT_STEPS, episode_context, full_log, older_summary  # noqa: E402
from journeys.memory.vectors import embed_texts  # noqa: E402

BENCH_DATABASE = "handywriterz_bench_memory"
DIMENSIONS = 384
SENTENCES = [
    "Night-time temperatures in dense districts stayed high during the heatwave and mortality rose among older residents.",
    "Vegetated roofs and street trees lowered surface temperatures, although the effect varied with building height.",
    "Studies disagree on how far cooling interventions reduce hospital admissions during extreme heat.",
    "Socioeconomic deprivation compounds exposure, since poorer households have less access to air conditioning.",
    "Urban planners increasingly treat heat as a public health hazard rather than a question of comfort alone.",
]


def chunk_of(index: int, words: int = 350) -> str:
    text, position = [], index
    while len(" ".join(text).split()) < words:
        text.append(SENTENCES[position % len(SENTENCES)] + f" (case {index}.{position})")
        position += 1
    return " ".join(" ".join(text).split()[:words])


def embedding_throughput(count: int) -> list[list[str]]:
    embedder = embedder_for(settings.HW_EMBEDDING_MODEL)
    embedder.embed(["warm up: load the model"])
    chunks = [chunk_of(index) for index in range(count)]
    started = time.perf_counter()
    embed_texts(embedder, chunks)
    windowed = time.perf_counter() - started
    started = time.perf_counter()
    embedder.embed(chunks)  # one pass, truncated at 256 tokens: the floor
    single = time.perf_counter() - started
    return [
        [f"{count} chunks x 350 words, windows averaged (as stored)", f"{count / windowed:.2f} chunks/s", f"{windowed:.1f} s"],
        [f"{count} chunks x 350 words, one 256-token pass", f"{count / single:.2f} chunks/s", f"{single:.1f} s"],
    ]


def bench_url(database: str) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:54329/handywriterz")
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def fresh_database() -> psycopg.Connection:
    with psycopg.connect(bench_url("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    connection = psycopg.connect(bench_url(BENCH_DATABASE), autocommit=True)
    connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
    register_vector(connection)
    return connection


def unit_vectors(count: int, generator: np.random.Generator, centroids: np.ndarray | None = None) -> np.ndarray:
    """Uniform random unit vectors or, with `centroids`, unit vectors around random centroids
    (cosine ~0.7 to their centroid, ~0.5 to each other): the structure real text embeddings have,
    where related passages are near and unrelated ones far."""
    vectors = generator.standard_normal((count, DIMENSIONS)).astype(np.float32)
    if centroids is not None:
        vectors = centroids[generator.integers(0, len(centroids), count)] + vectors / np.sqrt(DIMENSIONS)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def load(connection: psycopg.Connection, size: int, generator: np.random.Generator, centroids: np.ndarray | None) -> None:
    connection.execute("DROP TABLE IF EXISTS bench_chunks")
    connection.execute(f"CREATE TABLE bench_chunks (id bigserial PRIMARY KEY, embedding vector({DIMENSIONS}) NOT NULL)")
    with connection.cursor() as cursor, cursor.copy("COPY bench_chunks (embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["vector"])
        for start in range(0, size, 10_000):
            for vector in unit_vectors(min(10_000, size - start), generator, centroids):
                copy.write_row([vector])
    connection.execute("VACUUM ANALYZE bench_chunks")


def query_latencies(connection: psycopg.Connection, queries: np.ndarray) -> tuple[list[float], list[list[int]]]:
    timings, answers = [], []
    with connection.cursor() as cursor:
        for query in queries:
            started = time.perf_counter()
            cursor.execute("SELECT id FROM bench_chunks ORDER BY embedding <=> %s LIMIT 10", (query,))
            answers.append([row[0] for row in cursor.fetchall()])
            timings.append((time.perf_counter() - started) * 1000)
    return timings, answers


def pgvector_latency(sizes: list[int], query_count: int, datasets: list[str]) -> list[list[str]]:
    generator = np.random.default_rng(7)
    connection = fresh_database()
    rows = []
    try:
        for dataset in datasets:
            for size in sizes:
                centroids = unit_vectors(max(10, size // 50), generator) if dataset == "clustered" else None
                load(connection, size, generator, centroids)
                rows += measure(connection, f"{size:,} {dataset}", unit_vectors(query_count, generator, centroids))
    finally:
        connection.close()
        with psycopg.connect(bench_url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    return rows


def measure(connection: psycopg.Connection, label: str, queries: np.ndarray) -> list[list[str]]:
    """Exact scan, then the HNSW index built and the same queries again; recall against exact."""
    exact_ms, exact = query_latencies(connection, queries)
    connection.execute("SET maintenance_work_mem = '1GB'")
    started = time.perf_counter()
    connection.execute("CREATE INDEX ON bench_chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
    build = time.perf_counter() - started
    connection.execute("SET hnsw.ef_search = 80")
    hnsw_ms, approximate = query_latencies(connection, queries)
    recall = np.mean([len(set(found) & set(true)) / 10 for found, true in zip(approximate, exact, strict=True)])
    return [
        [label, "exact scan (no index)", f"{median(exact_ms):.1f}", f"{percentile(exact_ms, 0.95):.1f}", "1.000", "-"],
        [label, "HNSW m=16 ef_search=80", f"{median(hnsw_ms):.1f}", f"{percentile(hnsw_ms, 0.95):.1f}", f"{recall:.3f}",
         f"{build:.0f} s"],
    ]


def prompt_sizes(lengths: tuple[int, ...] = (20, 200, 2000)) -> list[list[str]]:
    rows = []
    for count in lengths:
        steps = synthetic_steps(count)
        full = full_log(steps)
        cut = max(0, count - RECENT_STEPS)
        episode = episode_context(older_summary(steps[:cut]), steps[cut:], settings.HW_EPISODE_CONTEXT_CHARS)
        rows.append([f"{count} steps", f"{len(full):,} chars (~{len(full) // 4:,} tokens)",
                     f"{episode.chars:,} chars (~{episode.chars // 4:,} tokens)", f"{len(full) / max(1, episode.chars):.1f}x"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=64)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--skip-pgvector", action="store_true")
    parser.add_argument("--datasets", default="random,clustered", help="random, clustered (around size/50 topics)")
    options = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print_table("Episodic memory: prompt context of a run", ["run", "without summarisation", "with summarisation", "ratio"],
                prompt_sizes())
    if not options.skip_embedding:
        print_table("Embedding throughput (offline all-MiniLM-L6-v2, numpy, 1 BLAS thread)", ["what", "rate", "time"],
                    embedding_throughput(options.chunks))
    if not options.skip_pgvector:
        sizes = [int(size) for size in options.sizes.split(",") if size.strip()]
        datasets = [name for name in options.datasets.split(",") if name.strip()]
        print_table(f"pgvector top-10 cosine query, {options.queries} queries, 384-dim unit vectors",
                    ["chunks", "search", "p50 ms", "p95 ms", "recall@10", "index build"],
                    pgvector_latency(sizes, options.queries, datasets))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
