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

from django.conf import settings
from django.db import connection


def release_connection() -> None:
    """Give this thread's connection back to the pool, unless a transaction is open on it."""
    if settings.HW_DB_POOL and not connection.in_atomic_block:
        connection.close()
