"""Fixtures of the journey tests: the fake scholarly server on a chosen corpus, and helpers."""
from __future__ import annotations

import pytest

from evaluation.fakes.scholarly_server import ScholarlyServer
from journeys.models import Run
from tests.conftest import CORPORA, serving, wait_for


@pytest.fixture
def urban_heat(scholarly_server: ScholarlyServer, settings) -> ScholarlyServer:
    """The fake scholarly APIs serving the (fictitious) urban heat corpus, reset for this test."""
    yield from serving(scholarly_server, settings, CORPORA / "urban_heat")


def wait_until_settled(run: Run, timeout: float = 120) -> Run:
    """Until the run has ended or waits for a human."""
    def settled():
        run.refresh_from_db()
        return run.is_terminal or run.status == "waiting_human"

    wait_for(settled, timeout, what=f"run {run.pk} to settle (status {run.status}, seq {run.seq}, route {run.route})")
    return run
