"""Engine benchmark: per-step latency, throughput and storage, next to a raw Celery hop.

    python bench/engine.py [--concurrency 2] [--steps 300] [--runs 50] [--run-steps 30]

Uses the configured database and Redis (isolated queues `hwbench.*`), the built-in offline
model with zero latency, and worker subprocesses it starts and stops itself. Prints one table.
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from common import median, percentile, print_table, setup_django, start_worker, stop_worker

setup_django()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from journeys import services  # noqa: E402
from journeys.models import Run, Step  # noqa: E402

GOAL = "Write an essay on benchmark rivers and their floodplains"


def sections_for(steps: int) -> int:
    """The write journey takes 1 + 2 * sections + 1 steps."""
    return max(1, (steps - 2) // 2)


def wait_runs(run_ids: list[int], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while Run.objects.filter(pk__in=run_ids, finished_at__isnull=True).exists():
        if time.monotonic() > deadline:
            raise SystemExit("benchmark runs did not finish in time")
        time.sleep(0.2)


def engine_latency(user, steps: int) -> tuple[list[float], Run]:
    sections = sections_for(steps)
    run = services.start_run(user, "sketch", GOAL, words=max(200, 40 * sections), spec={"sections": sections})
    wait_runs([run.pk])
    run.refresh_from_db()
    assert run.status == "succeeded", run.status_reason
    starts = list(Step.objects.filter(run=run).order_by("seq").values_list("started_at", flat=True))
    return [(later - earlier).total_seconds() * 1000 for earlier, later in zip(starts, starts[1:], strict=False)], run


def engine_throughput(user, runs: int, steps: int) -> tuple[float, int]:
    sections = sections_for(steps)
    began = time.monotonic()
    ids = [services.start_run(user, "sketch", f"{GOAL} {index}", words=40 * sections, spec={"sections": sections}).pk
           for index in range(runs)]
    wait_runs(ids)
    elapsed = time.monotonic() - began
    total = Step.objects.filter(run_id__in=ids).count()
    return total / elapsed, total


def floor_hops(chains: int, hops: int) -> tuple[list[float], float]:
    from bench.floor import hop_task

    client = redis.Redis.from_url(settings.REDIS_URL)
    queue = f"{settings.HW_QUEUE_PREFIX}.lane.0"
    names = [uuid.uuid4().hex for _ in range(chains)]
    began = time.time()
    for name in names:
        hop_task.apply_async((name, hops, queue), queue=queue)
    deadline = time.monotonic() + 600
    while sum(client.llen(f"hwbench:hops:{name}") for name in names) < chains * hops:
        if time.monotonic() > deadline:
            raise SystemExit("raw Celery hops did not finish")
        time.sleep(0.05)
    stamps = [[float(value) for value in client.lrange(f"hwbench:hops:{name}", 0, -1)] for name in names]
    client.delete(*[f"hwbench:hops:{name}" for name in names])
    gaps = [(later - earlier) * 1000 for chain in stamps for earlier, later in zip(chain, chain[1:], strict=False)]
    return gaps, chains * hops / (max(max(chain) for chain in stamps) - began)


def bytes_per_step(run: Run) -> tuple[float, float]:
    """Bytes of the run's step rows per step, and of everything it stored (steps, events,
    artifacts) per step, as PostgreSQL stores the rows (pg_column_size of the row)."""
    with connection.cursor() as cursor:
        totals = []
        for table in ("journeys_step", "journeys_event", "journeys_artifact"):
            cursor.execute(f"SELECT COALESCE(SUM(pg_column_size(t.*)), 0) FROM {table} t WHERE run_id = %s", [run.pk])
            totals.append(cursor.fetchone()[0])
    return totals[0] / run.seq, sum(totals) / run.seq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--run-steps", type=int, default=30)
    options = parser.parse_args()
    user = services.get_user("bench")
    log = Path(tempfile.mkdtemp(prefix="hw-bench-")) / "worker.log"
    worker = start_worker(options.concurrency, log)
    try:
        latencies, long_run = engine_latency(user, options.steps)
        throughput, total_steps = engine_throughput(user, options.runs, options.run_steps)
        hop_gaps, _ = floor_hops(1, options.steps)
        _, hop_throughput = floor_hops(options.runs, options.run_steps)
    finally:
        stop_worker(worker)
    step_bytes, stored_bytes = bytes_per_step(long_run)
    print_table(
        f"Engine vs raw Celery hop ({options.concurrency} worker processes, zero-latency model)",
        ["measure", "engine", "raw Celery hop"],
        [
            [f"ms per step p50 ({long_run.seq}-step run)", f"{median(latencies):.2f}", f"{median(hop_gaps):.2f}"],
            [f"ms per step p95 ({long_run.seq}-step run)", f"{percentile(latencies, 0.95):.2f}",
             f"{percentile(hop_gaps, 0.95):.2f}"],
            [f"steps/s, {options.runs} runs x {options.run_steps} steps", f"{throughput:.1f} ({total_steps} steps)",
             f"{hop_throughput:.1f}"],
            ["bytes stored per step (step row)", f"{step_bytes:.0f}", "0 (stores nothing)"],
            ["bytes stored per step (steps+events+artifacts)", f"{stored_bytes:.0f}", "0 (stores nothing)"],
        ],
    )


if __name__ == "__main__":
    main()
