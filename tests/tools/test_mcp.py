"""An MCP server started over stdio by the test: its tools are registered and called."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools import services
from tools.models import ToolStatus, ToolVersion
from tools.registry import ToolArgumentsInvalid, ToolFailed, ToolRegistry

SERVER = Path(__file__).resolve().parent.parent / "fakes" / "mcp_scholar_server.py"


def test_an_mcp_servers_tools_are_registered_and_called(db):
    # when an operator registers the server (the SDK starts it over stdio and lists its tools)
    versions = services.ingest_mcp_server([sys.executable, str(SERVER)], family="mcp_scholar", by="operator:test")

    # then each tool is a candidate with the argument schema the server declared, idempotent
    # only where the server says it is read-only or idempotent
    assert sorted(version.tool.name for version in versions) == [
        "mcp_scholar.fail_always", "mcp_scholar.record_note", "mcp_scholar.search_works"]
    search = ToolVersion.objects.get(tool__name="mcp_scholar.search_works")
    assert search.status == ToolStatus.CANDIDATE and search.spec["arguments"]["required"] == ["query"]
    assert search.spec["idempotent"] is True
    assert ToolVersion.objects.get(tool__name="mcp_scholar.record_note").spec["idempotent"] is False

    # and a call goes through the server, validated on the way in and out
    registry = ToolRegistry([services.definition_of(version) for version in ToolVersion.objects.select_related("tool")])
    works = registry.call("mcp_scholar.search_works", {"query": "urban heat", "limit": 2}).result["works"]
    assert [work["doi"] for work in works] == ["10.4242/mcp.2020.1", "10.4242/mcp.2023.2"]
    with pytest.raises(ToolArgumentsInvalid):
        registry.call("mcp_scholar.search_works", {"limit": "two"})
    with pytest.raises(ToolFailed, match="refused: no reason"):
        registry.call("mcp_scholar.fail_always", {"reason": "no reason"})


def test_a_server_that_does_not_start_is_a_clear_error(db):
    with pytest.raises(services.ToolServiceError, match="could not be listed"):
        services.ingest_mcp_server(["/nonexistent/mcp-server"], family="ghost", by="operator:test")


def test_an_mcp_call_carries_the_steps_idempotency_key_in_its_meta(db):
    # given a registered MCP tool with a side effect
    services.ingest_mcp_server([sys.executable, str(SERVER)], family="mcp_scholar", by="operator:test")
    registry = ToolRegistry([services.definition_of(version) for version in ToolVersion.objects.select_related("tool")])
    key = "run:7:seq:3:tool:mcp_scholar.record_note:abc"

    # when a step's call is made, and made again after a crash (the same key), and once without a key
    first = registry.call("mcp_scholar.record_note", {"text": "hello"}, idempotency_key=key).result
    again = registry.call("mcp_scholar.record_note", {"text": "hello"}, idempotency_key=key).result
    keyless = registry.call("mcp_scholar.record_note", {"text": "hello"}).result

    # then the server received the same key both times (in `_meta`), and none when there was none
    assert first["idempotency_key"] == again["idempotency_key"] == key
    assert keyless["idempotency_key"] is None
