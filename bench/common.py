"""Shared helpers for the benchmarks: Django setup, worker subprocesses, percentiles, tables."""
from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_ENV = {
    # Its own queues, apart from a developer's workers (hw.*) and the tests (hwtest*); set
    # HW_BENCH_QUEUE_PREFIX when two benchmarks share one Redis (each needs its own database too).
    "HW_QUEUE_PREFIX": os.environ.get("HW_BENCH_QUEUE_PREFIX", "hwbench"),
    "HW_LLM_MODELS": "handywriterz/offline",
    "HW_CELERY_TASK_EVENTS": "false",
    "HW_DELIVERABLES_DIR": "/tmp/hw-bench-deliverables",
}


def setup_django(needs_schema: bool = True) -> None:
    """Django on the services' environment; `needs_schema`: the benchmark uses the project's tables."""
    os.environ.update(BENCH_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handywriterz.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        sys.exit(f"{Path(sys.argv[0]).name}: {error}\n"
                 "The benchmarks need the services' environment: set -a; eval \"$(bash scripts/services.sh env)\"; set +a")
    if needs_schema:
        exit_unless_migrated()


def exit_unless_migrated() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        sys.exit(f"{Path(sys.argv[0]).name}: the database at {connection.settings_dict['HOST']}:"
                 f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']} has {len(pending)} "
                 "unapplied migrations: run `make migrate` (or `python manage.py migrate`) first")


def start_worker(concurrency: int, log: Path, extra_env: dict | None = None, pool: str = "prefork",
                 beat: bool = False, imports: str = "bench.floor") -> subprocess.Popen:
    """A worker subprocess; `beat` embeds the beat (lease reaper, resumer) as one production worker
    does; `imports` are the extra modules it loads (comma-separated)."""
    command = [sys.executable, "-m", "celery", "-A", "handywriterz", "worker", "--loglevel=INFO", f"--pool={pool}",
               f"--concurrency={concurrency}", "-I", imports, "--without-mingle", "--without-gossip",
               f"--hostname=bench{time.monotonic_ns()}@%h"]
    if beat:
        command += ["-B", "-s", str(log.with_suffix(".beat-schedule"))]
    env = {**os.environ, **BENCH_ENV, **(extra_env or {})}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker did not start; see {log}")
        time.sleep(0.2)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    line = "+".join("-" * (width + 2) for width in widths)
    print(f"\n{title}\n+{line}+")
    print("| " + " | ".join(str(cell).ljust(width) for cell, width in zip(header, widths, strict=True)) + " |")
    print(f"+{line}+")
    for row in rows:
        print("| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
    print(f"+{line}+")
