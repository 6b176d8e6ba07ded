"""Give freed memory back to the operating system in long-lived worker processes.

A thread-pool worker steps runs on ~100 threads; glibc's malloc gives threads their own arenas and
keeps the pages it frees there for reuse, so a worker's resident set creeps up after every busy
period although its live Python heap does not grow (bench/load.py --trace; docs/reliability.md,
"Load"). `malloc_trim(0)` returns the free pages of every arena. A daemon thread calls it every
HW_MALLOC_TRIM_SECONDS (0 turns it off); on a C library without malloc_trim (musl, macOS) it
does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

log = logging.getLogger(__name__)


def malloc_trim() -> bool:
    """Return glibc's free heap pages to the kernel; False where the C library has no malloc_trim."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


def start_trimming(interval: float) -> threading.Thread | None:
    """Trim every `interval` seconds on a daemon thread of this process; None when off."""
    if interval <= 0:
        return None

    def loop() -> None:
        while not stop.wait(interval):
            malloc_trim()

    stop = threading.Event()
    thread = threading.Thread(target=loop, name="malloc-trim", daemon=True)
    thread.start()
    log.info("returning freed heap pages to the OS every %g s (HW_MALLOC_TRIM_SECONDS)", interval)
    return thread
