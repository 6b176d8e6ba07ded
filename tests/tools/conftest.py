"""Fixtures of the tools tests: the local scholarly upstream and sandboxed search tools on it."""
from __future__ import annotations

import os

import pytest

from tests.fakes.mini_scholar import MiniScholar

# The workers (started later, from this environment) may ingest offers from the local fake API;
# production allows public addresses only (tools.ingest.netguard).
os.environ["HW_TOOL_OFFER_ALLOWED_HOSTS"] = "127.0.0.1"

RESULT_SCHEMA = {
    "type": "object",
    "required": ["works"],
    "properties": {"works": {"type": "array", "items": {
        "type": "object",
        "required": ["title", "year"],
        "properties": {
            "title": {"type": "string", "minLength": 1},
            "year": {"type": "integer"},
            "doi": {"type": ["string", "null"]},
            "abstract": {"type": ["string", "null"]},
            "authors": {"type": "array", "items": {"type": "string"}},
        },
    }}},
}
ARGUMENTS_SCHEMA = {
    "type": "object",
    "required": ["query"],
    "properties": {"query": {"type": "string", "minLength": 1}, "limit": {"type": "integer", "minimum": 1, "maximum": 20}},
    "additionalProperties": False,
}


def search_code(base: str, upstream: str) -> str:
    """The code of a sandboxed search tool over one of MiniScholar's upstreams."""
    return f'''BASE = "{base}/{upstream}"


def run(arguments, http):
    payload = http.get_json(BASE + "/works", params={{"q": arguments["query"], "limit": arguments.get("limit", 5)}})
    works = []
    for item in payload["results"]:
        works.append({{
            "title": item.get("title"),
            "year": item.get("year"),
            "doi": item.get("doi"),
            "abstract": item.get("abstract"),
            "authors": item.get("authors", []),
        }})
    return {{"works": works}}
'''


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
