"""Keeps the leases of the steps this process is executing alive.

A step's lease is short (HW_STEP_LEASE_SECONDS) so a dead worker's step is taken over quickly;
a live worker renews the leases of its steps in flight every third of that, from one background
thread per process with one UPDATE for all of them. A step that stops being renewed (process
killed, machine gone) is re-offered by the reaper once its lease expires. A step that hangs is
bounded separately by the task's hard time limit (HW_STEP_TIME_LIMIT_SECONDS).
"""
from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from journeys.models import Run

logger = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(self) -> None:
        self._owners: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, owner: str) -> None:
        with self._lock:
            self._owners.add(owner)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._renew_forever, name="lease-keeper", daemon=True)
                self._thread.start()

    def drop(self, owner: str) -> None:
        with self._lock:
            self._owners.discard(owner)

    def _renew_forever(self) -> None:
        interval = max(0.2, settings.HW_STEP_LEASE_SECONDS / 3)
        while True:
            self._wake.wait(interval)
            with self._lock:
                owners = list(self._owners)
            if owners:
                self._renew(owners)
            else:
                # Idle: hold no connection, so a process that stepped runs only now and then (a
                # test session, a shell) never keeps one open on the database behind its back.
                connection.close()

    def _renew(self, owners: list[str]) -> None:
        try:
            close_old_connections()
            expiry = timezone.now() + timezone.timedelta(seconds=settings.HW_STEP_LEASE_SECONDS)
            Run.objects.filter(lease_owner__in=owners).update(lease_expires_at=expiry)
        except Exception:  # noqa: BLE001 - a missed renewal only risks a takeover, never a double commit
            logger.exception("could not renew %d step leases", len(owners))
            connection.close()


_keeper = LeaseKeeper()


def keeper() -> LeaseKeeper:
    return _keeper
