"""Fixtures of the research tests: the session's fake scholarly server, reset around each test
and pointed at by this process's settings (the workers got its URLs when they started)."""

from __future__ import annotations

import pytest

from evaluation.fakes.scholarly_server import ScholarlyServer
from tests.conftest import CORPORA, serving
from tools.scholarly import FetchPolicy, Scholarly, ScholarlyConfig


@pytest.fixture
def fake_scholarly(scholarly_server: ScholarlyServer, settings) -> ScholarlyServer:
    """The fake server with the urban_heat corpus and no misbehaviour, for this test only."""
    yield from serving(scholarly_server, settings, CORPORA / "urban_heat")


@pytest.fixture
def tools(fake_scholarly: ScholarlyServer) -> Scholarly:
    """The scholarly tools configured for the fake server, with quick retries."""
    config = ScholarlyConfig(base_urls=fake_scholarly.base_urls, mailto="tests@example.org", timeout=2.0, retry_after_cap=2.0)
    return Scholarly(config=config, fetch_policy=FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), timeout=5.0))
