"""OpenAPI ingestion: a good description served locally becomes callable candidate tools;
hostile or broken documents are refused with a message that says why."""
from __future__ import annotations

import json

import pytest

from agents.tool_ingestor import ingest_offer
from tools import services
from tools.ingest.openapi import IngestLimits, IngestRejected
from tools.models import ToolStatus, ToolVersion
from tools.registry import ToolArgumentsInvalid, ToolRegistry


def minimal(paths: dict | None = None, components: dict | None = None) -> dict:
    default = {"/x": {"get": {"operationId": "x", "responses": {"200": {"description": "ok"}}}}}
    document = {"openapi": "3.0.3", "info": {"title": "Hostile", "version": "1"}, "servers": [{"url": "http://127.0.0.1:9/"}],
                "paths": paths if paths is not None else default}
    if components:
        document["components"] = components
    return document


def test_a_served_openapi_document_becomes_candidate_tools_that_call_the_api(db, mini_scholar):
    # when an operator ingests the API from its URL
    versions = services.ingest_openapi(url=f"{mini_scholar.base}/openapi.json", by="operator:test")

    # then each operation is a candidate with argument schemas taken from its parameters
    names = sorted(version.tool.name for version in versions)
    assert names == ["mini_scholar_api.get_paper", "mini_scholar_api.search_papers"]
    search = ToolVersion.objects.get(tool__name="mini_scholar_api.search_papers")
    assert search.status == ToolStatus.CANDIDATE and search.provenance["source"].endswith("/openapi.json")
    assert search.spec["arguments"]["required"] == ["query"]
    assert search.spec["arguments"]["properties"]["limit"]["maximum"] == 50
    assert search.spec["result"]["properties"]["data"]["items"]["properties"]["doi"]["type"] == ["string", "null"]
    assert search.spec["hosts"] == [f"127.0.0.1:{mini_scholar.port}"]

    # and the tools call the API with validated arguments and results (127.0.0.1 is allow-listed in settings)
    registry = ToolRegistry([services.definition_of(version) for version in ToolVersion.objects.select_related("tool")],
                            limits=services.sandbox_limits())
    found = registry.call("mini_scholar_api.search_papers", {"query": "heat", "limit": 5}).result
    assert found["data"][0]["doi"] == "10.5555/mini.2022.17"
    assert registry.call("mini_scholar_api.get_paper", {"paper_id": "P-17"}).result["year"] == 2022
    with pytest.raises(ToolArgumentsInvalid, match="'query' is a required property"):
        registry.call("mini_scholar_api.search_papers", {"limit": 5})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"x" * 3_000_000, "the limit is 2000000"),
        (json.dumps(minimal(components={"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}}}})), "recursive $ref refused"),
        (json.dumps(minimal(components={"schemas": {
            f"S{n}": {"$ref": f"#/components/schemas/S{n + 1}"} for n in range(30)} | {"S30": {"type": "string"}}})),
         "$ref chain deeper than 12"),
        (json.dumps(minimal(components={"schemas": {"R": {"$ref": "https://evil.example/schema.json"}}})), "remote $ref"),
        (json.dumps(minimal(components={"schemas": {"R": {"$ref": "#/components/schemas/Missing"}}})), "points at nothing"),
        (json.dumps({"openapi": "3.0.3", "paths": {}}), "invalid OpenAPI document"),
        (json.dumps({"swagger": "2.0", "info": {}}), "only OpenAPI 3.x"),
        (json.dumps(minimal(paths={})), "no operations"),
        ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "YAML aliases"),
        ('{"a":' * 200 + "1" + "}" * 200, "nests deeper than 64"),
        ("[" * 100_000 + "]" * 100_000, "nests deeper than 64"),
        (b"\x00\xff not a document: [", "neither JSON nor YAML"),
        (json.dumps(minimal(paths={f"/p{n}": {"get": {"responses": {"200": {"description": "ok"}}}} for n in range(80)})),
         "the limit is 64"),
    ],
    ids=["huge", "recursive", "deep-chain", "remote-ref", "dangling-ref", "invalid", "swagger2", "no-operations",
         "yaml-bomb", "deep-nesting", "deeper-than-the-parser", "garbage", "too-many-operations"],
)
def test_a_hostile_or_broken_document_is_refused_clearly(db, document, message):
    with pytest.raises(IngestRejected) as caught:
        services.ingest_openapi(document=document, by="operator:test")
    assert message in str(caught.value)
    assert not ToolVersion.objects.exists()


def test_a_document_too_big_to_fetch_is_refused_while_streaming(db, mini_scholar, settings):
    settings.HW_OPENAPI_MAX_BYTES = 1000
    with pytest.raises(IngestRejected, match="larger than 1000 bytes"):
        services.ingest_openapi(url=f"{mini_scholar.base}/openapi.json", by="operator:test")
    with pytest.raises(IngestRejected, match="only http"):
        services.ingest_openapi(url="file:///etc/passwd", by="operator:test")


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/openapi.json", "http://10.0.0.1/openapi.json",
                                 "http://169.254.169.254/latest/meta-data", "file:///etc/passwd"])
def test_a_run_cannot_point_ingestion_at_internal_addresses(url):
    with pytest.raises(IngestRejected, match="non-public address|only http and https"):
        ingest_offer(url, IngestLimits(), allowed_hosts=[])


def test_an_allowed_offer_whose_server_is_internal_is_refused(mini_scholar):
    # the document is on an allowed host, but names a server the run may not call
    offer = f"{mini_scholar.base}/openapi.json?server=http://10.0.0.1:8080"
    with pytest.raises(IngestRejected, match="the API's server: .*10.0.0.1 resolves to 10.0.0.1"):
        ingest_offer(offer, IngestLimits(), allowed_hosts=["127.0.0.1"])
    assert ingest_offer(f"{mini_scholar.base}/openapi.json", IngestLimits(), allowed_hosts=["127.0.0.1"])
