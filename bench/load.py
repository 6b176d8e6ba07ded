"""Load benchmark (issue 11): many concurrent runs on one host, no error, memory stable.

    python bench/load.py [--runs 200] [--latency 1.0] [--rounds 4] [--sections 2] [--rss-growth-mib 32]
                         [--trace] [--malloc-arena-max N] [--malloc-trim-seconds S]

Each round starts `--runs` runs at once (4 per user) on the sketch journey with the offline model
answering after `--latency` seconds, and waits until every one has ended. Two thread-pool workers
(100 threads each, pooled DB connections, as bench/scale.py part 3) do the work. After every round
the resident set size (RSS) of each worker process is read from /proc; round 1 warms the caches
(imports, templates, policy and prompt caches, connection pools), so the bound is on the growth
from the end of round 1 to the end of the last round. RSS is read at rest: 2 s after a round ends
plus one trim interval (the workers return freed heap pages that often, handywriterz/allocator.py),
so it is what an idle worker holds, not a phase of its trim cycle. Peak DB connections are sampled
throughout.

Exits non-zero if any run did not succeed, any step recorded an error, a worker logged a
traceback, or any worker's RSS grew by more than `--rss-growth-mib` MiB after the warm-up round.
Use a database of its own (DATABASE_URL) so the connection count is this benchmark's alone.
`--trace` runs the workers under tracemalloc (bench/memtrace.py, slower) and prints where the
Python heap grew between the end of round 1 and the last round; `--malloc-arena-max` sets glibc's
MALLOC_ARENA_MAX in the workers (RSS growth that tracemalloc does not see is the C allocator's);
`--malloc-trim-seconds` sets how often the workers hand freed heap pages back (0: never; default:
the product's HW_MALLOC_TRIM_SECONDS, handywriterz/allocator.py).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import engine as engine_bench
import scale
from common import print_table, start_worker, stop_worker

from journeys.models import Run, Step  # noqa: E402  (engine_bench configured Django)

MIB = 1024 * 1024


def process_tree(pid: int) -> list[int]:
    """The pid and all its descendants (a prefork worker's pool children), from /proc."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            pending.extend(int(child) for child in children)
    return found


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def worker_rss(workers: list) -> dict[str, int]:
    """RSS of every process of every worker, keyed 'w<worker index>:<pid>'."""
    return {f"w{index}:{pid}": rss_bytes(pid) for index, worker in enumerate(workers) for pid in process_tree(worker.pid)}


def run_round(owners: list, per_user: int, sections: int, timeout: float) -> tuple[list[int], float]:
    began = time.monotonic()
    ids = scale.start_runs(owners, per_user, sections)
    engine_bench.wait_runs(ids, timeout=timeout)
    return ids, time.monotonic() - began


def round_failures(ids: list[int]) -> list[str]:
    bad = Run.objects.filter(pk__in=ids).exclude(status="succeeded").values_list("id", "status", "status_reason")
    errors = Step.objects.filter(run_id__in=ids).exclude(error="").values_list("run_id", "seq", "error")
    return [f"run {run_id}: {status} ({reason})" for run_id, status, reason in bad] + [
        f"run {run_id} step {seq}: {error[:200]}" for run_id, seq, error in errors]


def log_failures(logs: list[Path]) -> list[str]:
    return [f"{log.name}: {line.strip()[:200]}" for log in logs
            for line in log.read_text(errors="replace").splitlines() if "Traceback" in line or " ERROR/" in line]


def start_workers(options, trace_dir: str) -> tuple[list, list[Path]]:
    logs = [scale.LOGS / f"load-{index}.log" for index in range(options.workers)]
    env = {**scale.THREAD_WORKER_ENV, "HW_OFFLINE_MODEL_LATENCY": str(options.latency), "HW_BENCH_TRACEMALLOC": trace_dir}
    if options.malloc_arena_max:
        env["MALLOC_ARENA_MAX"] = str(options.malloc_arena_max)
    if options.malloc_trim_seconds is not None:
        env["HW_MALLOC_TRIM_SECONDS"] = str(options.malloc_trim_seconds)
    # The first worker embeds the beat: a step whose message is lost is re-offered by the reaper.
    return [start_worker(100, log, pool="threads", extra_env=env, beat=index == 0, imports="bench.floor,bench.memtrace")
            for index, log in enumerate(logs)], logs


def trim_interval(options) -> float:
    """Seconds between the workers' trims of freed heap pages (0: they do not trim)."""
    if options.malloc_trim_seconds is not None:
        return options.malloc_trim_seconds
    from django.conf import settings

    return settings.HW_MALLOC_TRIM_SECONDS


def snapshot(workers: list, trace_dir: str) -> None:
    if trace_dir:
        for worker in workers:
            os.kill(worker.pid, signal.SIGUSR2)
        time.sleep(5)  # the dump happens in each worker's main thread


def heap_growth(trace_dir: str, rounds: int) -> None:
    """Print, per worker, the 12 source lines whose live Python allocations grew most between the
    snapshot after round 1 and the one after the last round."""
    for first in sorted(Path(trace_dir).glob("snap-*-2.tracemalloc")):
        last = first.with_name(first.name.replace("-2.", f"-{rounds + 1}."))
        if not last.exists():
            continue
        before, after = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(last))
        stats = after.compare_to(before, "lineno")
        total = sum(stat.size_diff for stat in stats) / MIB
        rows = [[f"{stat.size_diff / MIB:+.2f}", f"{stat.count_diff:+d}", str(stat.traceback[0])[-90:]] for stat in stats[:12]]
        print_table(f"Python heap growth after round 1, {first.name.split('-')[1]}: {total:+.1f} MiB traced in all",
                    ["MiB", "blocks", "where"], rows)


def measure(options) -> tuple[list[list[str]], list[dict[str, int]], list[str], int]:
    trace_dir = tempfile.mkdtemp(prefix="hw-load-trace-") if options.trace else ""
    workers, logs = start_workers(options, trace_dir)
    snapshot(workers, trace_dir)
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=scale.peak_connections, args=(stop, peak), daemon=True)
    sampler.start()
    samples, rows, failures = [worker_rss(workers)], [], []
    owners = scale.users("load", max(1, options.runs // 4))
    settle = 2 + max(0.0, trim_interval(options))
    try:
        for number in range(1, options.rounds + 1):
            ids, elapsed = run_round(owners, 4, options.sections, options.timeout)
            failures += round_failures(ids)
            time.sleep(settle)  # the last steps' threads back in the pool, and one trim since
            samples.append(worker_rss(workers))
            snapshot(workers, trace_dir)
            steps = Step.objects.filter(run_id__in=ids).count()
            rows.append([str(number), str(len(ids)), str(steps), f"{elapsed:.1f}", f"{steps / elapsed:.1f}",
                         " / ".join(f"{value / MIB:.0f}" for value in samples[-1].values())])
    finally:
        stop.set()
        for worker in workers:
            stop_worker(worker)
    if trace_dir:
        heap_growth(trace_dir, options.rounds)
    return rows, samples, failures + log_failures(logs), peak[0]


def rss_verdicts(samples: list[dict[str, int]], bound_mib: float) -> tuple[list[list[str]], list[str]]:
    """Per process: RSS at start, after warm-up, after the last round, growth after warm-up."""
    warm, last = samples[1], samples[-1]
    rows, breaches = [], []
    for process, start in samples[0].items():
        growth = (last.get(process, 0) - warm.get(process, 0)) / MIB
        rows.append([process, f"{start / MIB:.1f}", f"{warm.get(process, 0) / MIB:.1f}", f"{last.get(process, 0) / MIB:.1f}",
                     f"{growth:+.1f}", "ok" if growth <= bound_mib else "EXCEEDED"])
        if growth > bound_mib:
            breaches.append(f"{process} grew {growth:.1f} MiB after warm-up (bound {bound_mib} MiB)")
    return rows, breaches


def stop_on_sigterm() -> None:
    """SIGTERM (kill, a CI timeout) ends the benchmark through its `finally`, so its workers stop
    with it instead of living on and consuming the next run's queue."""
    def raise_exit(signum: int, frame: object) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, raise_exit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="concurrent runs per round")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the offline model takes per call")
    parser.add_argument("--rounds", type=int, default=4, help="rounds (the first warms up; at least 2)")
    parser.add_argument("--sections", type=int, default=2, help="sections per run (a run takes 2 * sections + 2 steps)")
    parser.add_argument("--workers", type=int, default=2, help="thread-pool worker processes (100 threads each)")
    parser.add_argument("--rss-growth-mib", type=float, default=32.0, help="allowed RSS growth per process after round 1")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a round may take")
    parser.add_argument("--trace", action="store_true", help="trace the workers' Python heap (tracemalloc)")
    parser.add_argument("--malloc-arena-max", type=int, default=0, help="MALLOC_ARENA_MAX for the workers (0: glibc's default)")
    parser.add_argument("--malloc-trim-seconds", type=float, default=None,
                        help="HW_MALLOC_TRIM_SECONDS for the workers (0: never trim; default: the product's)")
    options = parser.parse_args()
    if options.rounds < 2:
        parser.error("--rounds must be at least 2: the first round only warms up")
    stop_on_sigterm()
    rows, samples, failures, peak = measure(options)
    arenas = f", MALLOC_ARENA_MAX={options.malloc_arena_max}" if options.malloc_arena_max else ""
    if options.malloc_trim_seconds is not None:
        arenas += f", HW_MALLOC_TRIM_SECONDS={options.malloc_trim_seconds:g}"
    print_table(f"Load: {options.runs} concurrent runs per round, {options.latency:g} s model, {options.workers} thread "
                f"workers x 100{arenas}, this host ({os.cpu_count()} cores); peak {peak} DB connections",
                ["round", "runs", "steps", "seconds", "steps/s", "RSS MiB per process"], rows)
    rss_rows, breaches = rss_verdicts(samples, options.rss_growth_mib)
    print_table(f"Worker RSS (MiB): bound {options.rss_growth_mib:g} MiB growth from end of round 1 to end of round "
                f"{options.rounds}", ["process", "start", "after round 1", "after last", "growth", "verdict"], rss_rows)
    for problem in failures[:20] + breaches:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"\n{'FAILED' if failures or breaches else 'OK'}: {len(failures)} failures, {len(breaches)} RSS breaches")
    return 1 if failures or breaches else 0


if __name__ == "__main__":
    sys.exit(main())
