"""Benchmark of adaptive IO: what the shared rate limiter, breaker and budget ledger add to one
call (microseconds), and the throughput several processes get against one shared limit.

    python bench/adaptive_io.py [--redis-url redis://127.0.0.1:6379/15] [--seconds 5]

It talks to Redis only (no Django, no network beyond 127.0.0.1) and deletes its keys after.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.adaptive_io import AdaptiveIO, BudgetScope, IOPolicy, Target, merge_policy  # noqa: E402
from tools.adaptive_io.ratelimit import Bucket  # noqa: E402


def timed(function, iterations: int) -> list[float]:
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def overhead_rows(url: str, prefix: str, iterations: int) -> list[tuple[str, float, float]]:
    io = AdaptiveIO(redis.Redis.from_url(url), prefix=prefix)
    policy = IOPolicy(timeout=10.0)
    bucket = Bucket.per_minute("bench:rpm", 1e9)
    tokens = Bucket.per_minute("bench:tpm", 1e12)
    scope = BudgetScope("run", "bench-run", "bench", Decimal("1000000"))
    bare = Target("bench:bare", "bench:bare", merge_policy(policy, {"breaker": {"enabled": False}}))
    guarded = Target("bench:guarded", "bench:guarded", policy, (bucket,), (tokens,))

    def budgeted(target, timeout):
        reservation = io.ledger.reserve([scope], Decimal("0.001"), hold_seconds=60)
        io.ledger.settle(reservation, Decimal("0.0009"))
        return 1

    cases = [
        ("direct call of the function (baseline)", lambda: (lambda: 1)()),
        ("Redis PING (one round trip, for scale)", io.client.ping),
        ("AdaptiveIO.run, breaker off, no buckets", lambda: io.run([bare], lambda t, s: 1)),
        ("breaker.allow (one Redis script)", lambda: io.breaker.allow("bench:guarded", policy.breaker)),
        ("limiter.try_acquire RPM + TPM (one script)", lambda: io.limiter.try_acquire([(bucket, 1), (tokens, 500)])),
        ("AdaptiveIO.run, breaker + RPM + TPM", lambda: io.run([guarded], lambda t, s: 1, tokens=500, settle_tokens=lambda r: 400)),
        ("... + budget reserve and settle", lambda: io.run([guarded], budgeted, tokens=500, settle_tokens=lambda r: 400)),
    ]
    rows = []
    for name, function in cases:
        timed(function, 200)  # warm up (script load, connection)
        samples = timed(function, iterations)
        rows.append((name, statistics.median(samples), percentile(samples, 0.95)))
    return rows


def hammer(url: str, prefix: str, rate: float, capacity: float, seconds: float, start_at: float, queue) -> None:
    """One process: take one request from the shared bucket as fast as it lets us, until time is up."""
    io = AdaptiveIO(redis.Redis.from_url(url), prefix=prefix)
    bucket = Bucket(f"bench:shared:{rate}", capacity, rate)
    grants = []
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < start_at + seconds:
        wait = io.limiter.try_acquire([(bucket, 1)])
        if wait == 0.0:
            grants.append(time.time())
        else:
            time.sleep(max(0.0, min(wait, start_at + seconds - time.time())))
    queue.put(grants)


def throughput_row(url: str, prefix: str, rate: float, processes: int, seconds: float) -> tuple:
    capacity = max(1.0, rate * 0.1)  # a bucket of a tenth of a second, so bursts stay small
    queue = multiprocessing.Queue()
    start_at = time.time() + 1.0
    workers = [
        multiprocessing.Process(target=hammer, args=(url, prefix, rate, capacity, seconds, start_at, queue))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    grants = sorted(grant for _ in workers for grant in queue.get())
    for worker in workers:
        worker.join()
    achieved = (len(grants) - capacity) / seconds
    worst = max_in_window(grants, 1.0)
    per_process = len(grants) / processes / seconds
    return rate, processes, len(grants), achieved, worst, capacity + rate, per_process


def max_in_window(times: list[float], window: float) -> int:
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rates", default="20,100,500")
    options = parser.parse_args()
    prefix = f"bench:aio:{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(options.redis_url)
    try:
        print(f"Overhead per call ({options.iterations} calls each, Redis at {options.redis_url})")
        print(f"{'what':48} {'median µs':>10} {'p95 µs':>10}")
        for name, median, p95 in overhead_rows(options.redis_url, prefix, options.iterations):
            print(f"{name:48} {median:10.1f} {p95:10.1f}")
        print()
        print(f"Throughput against one shared limit of R requests/s, {options.processes} processes, {options.seconds:g} s")
        header = ("R /s", "procs", "granted", "achieved /s", "max in 1 s", "allowed 1 s", "per proc /s")
        print(" ".join(f"{name:>12}" for name in header))
        for rate in [float(value) for value in options.rates.split(",")]:
            row = throughput_row(options.redis_url, prefix, rate, options.processes, options.seconds)
            print(f"{row[0]:12.0f} {row[1]:12d} {row[2]:12d} {row[3]:12.1f} {row[4]:12d} {row[5]:12.0f} {row[6]:12.1f}")
    finally:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


if __name__ == "__main__":
    main()
