"""Pooled database connections for steps that wait (HW_DB_POOL: thread-pool workers).

A step in a thread-pool worker spends most of its time waiting on a model, a scholarly API or a
tool. Django keeps a thread's connection until the task ends, so a step that read the database
(the Writer reads the run's sections and the student's profile) and then waited 2 s on a model
held one of the pool's few connections all that time: with 12 per process, connections, not
cores, bounded how many steps could wait at once (bench/scale.py (3): 9 % of ideal). Every
outbound wait therefore starts with `release_connection()`; the next query takes a connection
from the pool again.
"""
from __future__ import annotations

import threading

from django.conf import settings
from django.db import close_old_connections, connection


def release_connection() -> None:
    """Give this thread's connection back to the pool, unless a transaction is open on it."""
    if settings.HW_DB_POOL and not connection.in_atomic_block:
        connection.close()


def recycle_connections() -> None:
    """Between two tasks: what Django does between two requests, so a worker keeps its connection
    (CONN_MAX_AGE, health-checked before its next use, dropped after an error).

    Celery's Django fixup would close every connection around every task (unless
    CELERY_DB_REUSE_MAX is set, see settings.py): each step of a prefork worker then opened a new
    connection, and PostgreSQL started a backend process for it. A thread of a thread-pool worker
    still gives its connection back after each task (to the pool with HW_DB_POOL; closed without
    it), so idle threads hold none.
    """
    if threading.current_thread() is threading.main_thread():
        close_old_connections()
    else:
        connection.close()
