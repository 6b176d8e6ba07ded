"""Fixtures of the tools tests: the local scholarly upstream and sandboxed search tools on it."""
from __future__ import annotations

import os

import pytest

from evaluation.registry_tool import ARGUMENTS_SCHEMA, CODE, RESULT_SCHEMA
from tests.fakes.mini_scholar import MiniScholar

# The workers (started later, from this environment) may ingest offers from the local fake API;
# production allows public addresses only (tools.netguard).
os.environ["HW_TOOL_OFFER_ALLOWED_HOSTS"] = "127.0.0.1"


def search_code(base: str, upstream: str) -> str:
    """The code of a sandboxed search tool over one of MiniScholar's upstreams."""
    return CODE.format(base=f"{base}/{upstream}")


def search_tool_data(server: MiniScholar, upstream: str) -> dict:
    """Tool-version data (tools.services.write_tool_version) of `<upstream>.search`, active."""
    return {
        "name": f"{upstream}.search", "kind": "code", "status": "active", "created_by": "operator:test",
        "why": "a search tool over a local scholarly upstream",
        "spec": {"name": f"{upstream}.search", "description": f"Search the {upstream} index", "arguments": ARGUMENTS_SCHEMA,
                 "result": RESULT_SCHEMA, "hosts": [f"127.0.0.1:{server.port}"], "timeout": 15},
        "code": search_code(server.base, upstream),
        "tests": [{"name": "finds works on heat", "arguments": {"query": "urban heat"},
                   "check": {"properties": {"works": {"minItems": 1}}}}],
        "provenance": {"source": "tests"},
    }


@pytest.fixture(autouse=True)
def local_tool_hosts(settings):
    """This process, too, may fetch from and call the local fake APIs (tools.netguard allow-list)."""
    settings.HW_TOOL_OFFER_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def mini_scholar():
    with MiniScholar() as server:
        yield server


@pytest.fixture
def quiet_providers(scholarly_server):
    """The built-in scholarly providers (the shared fake server) all answer with nothing."""
    scholarly_server.reset()
    scholarly_server.behave("*", empty=True)
    yield scholarly_server
    scholarly_server.reset()
