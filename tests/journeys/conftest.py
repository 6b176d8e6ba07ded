"""Fixtures of the journey tests: the fake scholarly server on a chosen corpus, and helpers."""
from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.fakes.scholarly_server import ScholarlyServer
from journeys.models import Run
from tests.conftest import wait_for

CORPORA = Path(__file__).resolve().parent.parent / "fixtures" / "corpora"


@pytest.fixture
def urban_heat(scholarly_server: ScholarlyServer, settings) -> ScholarlyServer:
    """The fake scholarly APIs serving the (fictitious) urban heat corpus, reset for this test."""
    scholarly_server.use_corpus(CORPORA / "urban_heat")
    scholarly_server.reset()
    settings.HW_SCHOLARLY_BASE_URLS = scholarly_server.base_urls
    settings.HW_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    yield scholarly_server
    scholarly_server.reset()


def wait_until_settled(run: Run, timeout: float = 120) -> Run:
    """Until the run has ended or waits for a human."""
    def settled():
        run.refresh_from_db()
        return run.is_terminal or run.status == "waiting_human"

    wait_for(settled, timeout, what=f"run {run.pk} to settle (status {run.status}, seq {run.seq}, route {run.route})")
    return run
