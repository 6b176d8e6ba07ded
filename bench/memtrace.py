"""Where a worker's memory goes: tracemalloc snapshots on demand (bench/load.py --trace).

Loaded into bench workers with `celery worker -I bench.memtrace`; not part of the product. When
HW_BENCH_TRACEMALLOC names a directory, tracing starts at import and every SIGUSR2 dumps a
snapshot there as snap-<pid>-<n>.tracemalloc (Celery itself uses SIGUSR1, not SIGUSR2).
"""
from __future__ import annotations

import gc
import os
import signal
import tracemalloc
from pathlib import Path

FOLDER = os.environ.get("HW_BENCH_TRACEMALLOC", "")
_dumped = [0]


def dump(signum: int, frame: object) -> None:
    gc.collect()
    _dumped[0] += 1
    tracemalloc.take_snapshot().dump(str(Path(FOLDER) / f"snap-{os.getpid()}-{_dumped[0]}.tracemalloc"))


if FOLDER:
    tracemalloc.start(1)  # one frame: "lineno" statistics need no more, and tracing stays affordable
    signal.signal(signal.SIGUSR2, dump)
