"""Where a step's CPU goes (issue 9): CPU ms, SQL queries and wall ms per step, and a profile.

    python bench/step_profile.py [--sections 40] [--profile 25] [--worker-steps 300]

In-process part: drives one `sketch` run step by step with `journeys.engine.advance` in this
process (the step messages it enqueues go to this benchmark's own queues, purged at the end), and
measures per step the CPU time of this process (time.process_time), the number of SQL queries
(django.test.utils.CaptureQueriesContext) and the wall time; `--profile N` prints cProfile's top N
functions by cumulative time. Worker part: one prefork worker process runs a `--worker-steps` run
and the CPU time its processes used (utime + stime from /proc, through psutil) is divided by the
steps. CPU time and query counts hardly move with the machine's load; wall time does.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HW_BENCH_QUEUE_PREFIX", "hwprof")

from common import median, percentile, print_table, setup_django, start_worker, stop_worker  # noqa: E402

setup_django()

import psutil  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from journeys import engine, services  # noqa: E402
from journeys.models import Run  # noqa: E402

GOAL = "Write an essay on profiled rivers and their floodplains"


def start(sections: int) -> Run:
    user = services.get_user("bench")
    return services.start_run(user, "sketch", GOAL, words=max(200, 40 * sections), spec={"sections": sections})


def drive(run: Run, profiler: cProfile.Profile | None, show: set[str] | None = None) -> list[tuple[float, int, float, str]]:
    """Advance the run in this process until it ends: (cpu ms, queries, wall ms, route) per step.
    Prints the SQL of the first step of each route in `show`."""
    samples, shown = [], set()
    while True:
        run.refresh_from_db(fields=["seq", "status", "route"])
        if run.status not in {"queued", "running"}:
            return samples
        route, cpu, wall = run.route, time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            if profiler:
                profiler.enable()
            result = engine.advance(run.pk, run.seq)
            if profiler:
                profiler.disable()
        if show is not None and route in show and route not in shown and run.seq > 2:
            shown.add(route)
            print(f"--- SQL of step {run.seq} ({route}): {len(queries)} queries")
            for query in queries.captured_queries:
                print(" ", query["sql"][:220])
        samples.append(((time.process_time() - cpu) * 1000, len(queries), (time.perf_counter() - wall) * 1000, route))
        if result != "done":
            raise SystemExit(f"step {run.seq} of run {run.pk}: {result}")


def purge_queues() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.HW_QUEUE_PREFIX
    for pattern in (f"{prefix}.*", f"{prefix}:*"):
        keys = list(client.scan_iter(pattern, count=500))
        if keys:
            client.delete(*keys)


def session_cpu_seconds(leader: int) -> float:
    """CPU seconds used so far by every process in the worker's session (main + pool children)."""
    total = 0.0
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getsid(process.pid) == leader:
                times = process.cpu_times()
                total += times.user + times.system
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return total


def worker_cpu_per_step(steps: int) -> tuple[float, float]:
    """(CPU ms per step in one prefork worker process, wall ms per step) for a `steps`-step run."""
    log = Path(tempfile.mkdtemp(prefix="hw-profile-")) / "worker.log"
    worker = start_worker(1, log)
    try:
        time.sleep(1)
        before, began = session_cpu_seconds(worker.pid), time.monotonic()
        run = start(max(1, (steps - 2) // 2))
        while Run.objects.filter(pk=run.pk, finished_at__isnull=True).exists():
            time.sleep(0.1)
        elapsed, used = time.monotonic() - began, session_cpu_seconds(worker.pid) - before
    finally:
        stop_worker(worker)
    run.refresh_from_db()
    return used * 1000 / run.seq, elapsed * 1000 / run.seq


def rows_for(samples: list[tuple[float, int, float, str]]) -> list[list[str]]:
    rows = []
    groups = {"all steps": samples}
    for route in sorted({sample[3] for sample in samples}):
        groups[f"route {route}"] = [sample for sample in samples if sample[3] == route]
    for name, group in groups.items():
        cpu, queries, wall = ([sample[index] for sample in group] for index in range(3))
        rows.append([name, str(len(group)), f"{median(cpu):.2f} / {percentile(cpu, .95):.2f}",
                     f"{sum(queries) / len(queries):.1f}", f"{median(wall):.2f} / {percentile(wall, .95):.2f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N functions")
    parser.add_argument("--show-sql", default="", help="routes whose first step's SQL to print, e.g. act,reflect")
    parser.add_argument("--only", default="", help="restrict the printed profile to paths matching this regex")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime ...)")
    parser.add_argument("--worker-steps", type=int, default=0, help="also measure a worker on a run of N steps")
    options = parser.parse_args()
    profiler = cProfile.Profile() if options.profile else None
    try:
        drive(start(2), None)  # warm-up: imports, policy and template caches, connections
        show = set(filter(None, options.show_sql.split(",")))
        samples = drive(start(options.sections), profiler, show)
    finally:
        purge_queues()
    rows = rows_for(samples)
    if options.worker_steps:
        cpu, wall = worker_cpu_per_step(options.worker_steps)
        rows.append([f"prefork worker, {options.worker_steps}-step run", "-", f"{cpu:.2f} (mean)", "-", f"{wall:.2f} (mean)"])
    print_table("One step, in this process (zero-latency offline model)",
                ["steps", "count", "CPU ms p50 / p95", "queries/step", "wall ms p50 / p95"], rows)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(options.sort).print_stats(
            *([options.only] if options.only else []), options.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
