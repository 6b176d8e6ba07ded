"""Scale benchmark (issue 9): one command, one table, every figure measured side by side.

    python bench/scale.py [--parts 1,2,3,4,5] [--quick]

(1) per-step overhead, one 300-step run, zero-latency model; (2) throughput, 50 runs x 30 steps;
(3) 200 concurrent runs with a simulated 2 s model latency on this host, model-call steps/s versus
the ideal (runs / latency); (4) fairness: one user with 100 runs plus 20 users with one run each —
light users' time to first step, unloaded and loaded, and Jain's index of per-user throughput;
(5) bytes stored per step for a run whose draft grows to ~60 kB. (1), (2), (3) and (5) are also
measured for LangGraph with its Postgres checkpointer running the same loop, and (1), (2) for a
raw Celery self-re-enqueue hop. Needs `pip install -r bench/requirements.txt` for LangGraph.
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import UTC
from pathlib import Path

import engine as engine_bench
from common import median, percentile, print_table, start_worker, stop_worker
from django.conf import settings  # noqa: E402  (engine_bench configured Django)
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import override_settings  # noqa: E402

from journeys import dispatch, services  # noqa: E402
from journeys.models import Run, Step  # noqa: E402

LOGS = Path(tempfile.mkdtemp(prefix="hw-scale-"))
THREAD_WORKER_ENV = {"HW_DB_POOL": "true", "HW_DB_POOL_MAX": "12", "HW_USER_STEPS_IN_FLIGHT": "8"}


def users(prefix: str, count: int) -> list:
    return [get_user_model().objects.get_or_create(username=f"{prefix}{index}")[0] for index in range(count)]


def start_runs(owners: list, per_user: int, sections: int, words: int = 80) -> list[int]:
    return [services.start_run(user, "sketch", f"Essay {index} on benchmark rivers", words=max(100, words),
                               spec={"sections": sections}).pk for user in owners for index in range(per_user)]


def peak_connections(stop: threading.Event, peak: list[int]) -> None:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        while not stop.is_set():
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            peak[0] = max(peak[0], cursor.fetchone()[0])
            time.sleep(0.25)


def part3_engine(runs: int, latency: float, sections: int) -> tuple[float, float, int]:
    workers = [start_worker(100, LOGS / f"threads-{index}.log", pool="threads",
                            extra_env={**THREAD_WORKER_ENV, "HW_OFFLINE_MODEL_LATENCY": str(latency)}) for index in range(2)]
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=peak_connections, args=(stop, peak), daemon=True)
    sampler.start()
    try:
        began = time.monotonic()
        ids = start_runs(users("scale", runs // 4), 4, sections)
        engine_bench.wait_runs(ids, timeout=1800)
        elapsed = time.monotonic() - began
    finally:
        stop.set()
        for worker in workers:
            stop_worker(worker)
    model_steps = Step.objects.filter(run_id__in=ids, tokens__gt=0).count()
    return model_steps / elapsed, runs / latency, peak[0]


FAIR_CAP = 2  # runs in flight per user in part (4)


def part4_fairness(heavy_runs: int, light_users: int) -> dict[str, float]:
    worker = start_worker(16, LOGS / "fair.log", pool="threads", extra_env={
        **THREAD_WORKER_ENV, "HW_USER_STEPS_IN_FLIGHT": str(FAIR_CAP), "HW_OFFLINE_MODEL_LATENCY": "0.2"})
    # This process admits the first step of every run it starts (a run keeps its slot until it
    # ends): it must count with the worker's cap, or the heavy user starts with this process's
    # default (4) runs in flight and Jain's index measures the mismatch (0.66-0.71), not the engine.
    same_cap = override_settings(HW_USER_STEPS_IN_FLIGHT=FAIR_CAP)
    same_cap.enable()
    dispatch.admission.cache_clear()
    try:
        # One run first, so neither measurement pays the fresh worker's first calls (imports,
        # the model router, connections).
        engine_bench.wait_runs(start_runs(users("warm-up", 1), 1, 2))
        unloaded = time_to_first_step(users("light-a", light_users))
        heavy = users("heavy", 1)[0]
        heavy_ids = start_runs([heavy], heavy_runs, 4)
        time.sleep(2)
        window_start = time.time()
        light = users("light-b", light_users)
        loaded = time_to_first_step(light)
        light_ids = list(Run.objects.filter(user__in=light).values_list("id", flat=True))
        engine_bench.wait_runs(light_ids)
        window = time.time() - window_start
        jain = jains_index([heavy, *light], window_start, window)
        Run.objects.filter(pk__in=heavy_ids, finished_at__isnull=True).update(status="aborted")
    finally:
        stop_worker(worker)
        same_cap.disable()
        dispatch.admission.cache_clear()
    return {"unloaded_p50": median(unloaded), "unloaded_p95": percentile(unloaded, 0.95),
            "loaded_p50": median(loaded), "loaded_p95": percentile(loaded, 0.95), "jain": jain}


def time_to_first_step(owners: list) -> list[float]:
    ids = start_runs(owners, 1, 2)
    created = dict(Run.objects.filter(pk__in=ids).values_list("id", "created_at"))
    deadline = time.monotonic() + 300
    while Step.objects.filter(run_id__in=ids, seq=0).count() < len(ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    firsts = Step.objects.filter(run_id__in=ids, seq=0).values_list("run_id", "started_at")
    return [(started - created[run_id]).total_seconds() for run_id, started in firsts]


def jains_index(owners: list, start: float, window: float) -> float:
    from datetime import datetime

    since = datetime.fromtimestamp(start, UTC)
    counts = [Step.objects.filter(run__user=user, started_at__gte=since).count() / window for user in owners]
    return sum(counts) ** 2 / (len(counts) * sum(count * count for count in counts)) if any(counts) else float("nan")


def part5_engine(sections: int, words: int) -> tuple[float, int]:
    ids = start_runs(users("storage", 1), 1, sections, words=words)
    engine_bench.wait_runs(ids)
    run = Run.objects.get(pk=ids[0])
    draft = sum(len(text.encode()) for text in run.artifacts.filter(kind="section").values_list("content", flat=True))
    return engine_bench.bytes_per_step(run)[1], draft


def main() -> None:
    parser = argparse.ArgumentParser(description="scale benchmark")
    parser.add_argument("--parts", default="1,2,3,4,5")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    options = parser.parse_args()
    parts = {int(part) for part in options.parts.split(",")}
    size = {"steps": 100 if options.quick else 300, "runs": 10 if options.quick else 50,
            "scale_runs": 40 if options.quick else 200, "heavy": 30 if options.quick else 100}
    rows: list[list[str]] = []
    peer = load_peer()
    bench_user = services.get_user("bench")
    if parts & {1, 2}:
        worker = start_worker(2, LOGS / "prefork.log")
        try:
            if 1 in parts:
                gaps, run = engine_bench.engine_latency(bench_user, size["steps"])
                hops, _ = engine_bench.floor_hops(1, size["steps"])
                lg = peer.run(engine_bench.sections_for(size["steps"]))[1] if peer else []
                rows.append([f"(1) ms/step p50, {run.seq}-step run", f"{median(gaps):.2f}", fmt(lg, median), f"{median(hops):.2f}"])
                rows.append([f"(1) ms/step p95, {run.seq}-step run", f"{percentile(gaps, .95):.2f}",
                             fmt(lg, lambda values: percentile(values, .95)), f"{percentile(hops, .95):.2f}"])
            if 2 in parts:
                ours, total = engine_bench.engine_throughput(bench_user, size["runs"], 30)
                _, hop_rate = engine_bench.floor_hops(size["runs"], 30)
                theirs = peer.throughput(size["runs"], 30) if peer else float("nan")
                rows.append([f"(2) steps/s, {size['runs']} runs x 30 steps", f"{ours:.1f}", f"{theirs:.1f}", f"{hop_rate:.1f}"])
        finally:
            stop_worker(worker)
    if 3 in parts:
        achieved, ideal, connections = part3_engine(size["scale_runs"], 2.0, 6)
        theirs = peer.throughput(size["scale_runs"], 14, latency=2.0) / 2 if peer else float("nan")
        rows.append([f"(3) model steps/s, {size['scale_runs']} runs, 2 s model (ideal {ideal:.0f})",
                     f"{achieved:.1f} ({achieved / ideal:.0%}; peak {connections} DB conns)",
                     f"{theirs:.1f} ({theirs / ideal:.0%})", "-"])
    if 4 in parts:
        fair = part4_fairness(size["heavy"], 20)
        rows.append(["(4) light users' first step p50 / p95 s, unloaded",
                     f"{fair['unloaded_p50']:.2f} / {fair['unloaded_p95']:.2f}", "-", "-"])
        rows.append([f"(4) ... loaded (1 user x {size['heavy']} runs)", f"{fair['loaded_p50']:.2f} / {fair['loaded_p95']:.2f}",
                     "-", "-"])
        rows.append(["(4) Jain's index of per-user steps/s (loaded)", f"{fair['jain']:.3f}", "-", "-"])
    if 5 in parts:
        worker = start_worker(2, LOGS / "storage.log")
        try:
            ours, draft = part5_engine(25, 10_000)
        finally:
            stop_worker(worker)
        theirs = float("nan")
        if peer:
            thread, _ = peer.run(25, words=400)
            theirs = peer.bytes_per_step(thread, 52)
        rows.append([f"(5) bytes stored/step, draft {draft / 1000:.0f} kB", f"{ours:.0f}", f"{theirs:.0f}", "-"])
    print_table("Scale benchmark (this host: 2 cores; PostgreSQL, Redis and workers on one machine)",
                ["measure", "HandyWriterz engine", "LangGraph + PostgresSaver", "raw Celery hop"], rows)


def fmt(values: list[float], statistic) -> str:
    return f"{statistic(values):.2f}" if values else "n/a"


def load_peer():
    try:
        from langgraph_peer import Peer
    except ImportError:
        print("LangGraph not installed (pip install -r bench/requirements.txt); its column stays empty")
        return None
    return Peer(settings.DATABASE_URL.rsplit("/", 1)[0] + "/postgres")


if __name__ == "__main__":
    main()
