"""Idempotency keys on tool calls with an outside effect (issue 11): a non-idempotent tool's
requests carry the step's key as `Idempotency-Key`, the same on a re-run of the step after a
crash; idempotent (read-only) tools send none. The outside API is a local HTTP server."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.contracts import BudgetView, NodeContext
from tools import services
from tools.registry import ToolRegistry
from tools.spec import ToolDefinition, ToolSpec


class OrdersApi:
    """An outside API that records the Idempotency-Key header of every request it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str | None]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                api.received.append((self.command, self.headers.get("Idempotency-Key")))
                body = json.dumps({"id": "order-1"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def document(self) -> str:
        ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
        return json.dumps({"openapi": "3.0.3", "info": {"title": "Orders", "version": "1"}, "servers": [{"url": self.base}],
                           "paths": {"/orders": {
                               "post": {"operationId": "create_order", "responses": ok, "requestBody": {"content": {
                                   "application/json": {"schema": {"type": "object"}}}}},
                               "get": {"operationId": "list_orders", "responses": ok}}}})


@pytest.fixture
def orders_api():
    api = OrdersApi()
    yield api
    api.server.shutdown()


def context(attempt: int) -> NodeContext:
    return NodeContext(run_id=7, seq=3, attempt=attempt, route="act", journey="sketch", goal="g", spec={}, state={},
                       policy={}, budget=BudgetView({}, {}), llm=None, read_artifact=lambda name, version=None: "")


def test_a_re_run_of_a_step_makes_its_tool_call_with_the_same_key():
    # given the same step claimed a first and (after its worker died) a second time
    first, second = context(attempt=1), context(attempt=2)

    # when each asks for the key of the same tool call
    keys = [step.effect_key("tool", "orders.create_order", {"body": {"item": "x"}}) for step in (first, second)]

    # then the keys are equal, and another call of the step gets another key
    assert keys[0] == keys[1] == first.effect_key("tool", "orders.create_order", {"body": {"item": "x"}})
    assert first.effect_key("tool", "orders.create_order", {"body": {"item": "y"}}) != keys[0]


def test_a_non_idempotent_openapi_operation_sends_the_key_and_a_read_sends_none(db, orders_api):
    # given the Orders API ingested as tools (POST is not idempotent, GET is)
    versions = services.ingest_openapi(document=orders_api.document(), by="operator:test")
    registry = ToolRegistry([services.definition_of(version) for version in versions], limits=services.sandbox_limits())
    names = {version.tool.name.rsplit(".", 1)[1]: version.tool.name for version in versions}
    create, listing = names["create_order"], names["list_orders"]

    # when a step creates an order twice (a re-run after a crash) and lists orders
    key = context(1).effect_key("tool", create, {"body": {"item": "x"}})
    registry.call(create, {"body": {"item": "x"}}, idempotency_key=key)
    registry.call(create, {"body": {"item": "x"}}, idempotency_key=key)
    registry.call(listing, {}, idempotency_key=key)

    # then both POSTs carry the same Idempotency-Key, so the API can drop the repeat; the GET none
    assert orders_api.received == [("POST", key), ("POST", key), ("GET", None)]


def test_sandboxed_tool_code_that_is_not_idempotent_sends_the_key_on_its_requests(orders_api):
    # given tool code (run in the sandbox) that posts to its one declared host
    host = orders_api.base.removeprefix("http://")
    code = ("def run(arguments, http):\n"
            f"    return http.request('POST', '{orders_api.base}/orders', json_body=arguments).json()\n")
    spec = ToolSpec.from_dict({"name": "orders.post", "description": "post an order", "arguments": {"type": "object"},
                               "result": {"type": "object"}, "hosts": [host], "idempotent": False})
    registry = ToolRegistry([ToolDefinition(spec=spec, kind="code", code=code)])

    # when a step calls it with its key
    registry.call("orders.post", {"item": "x"}, idempotency_key="run:7:seq:3:tool:orders.post:abc")

    # then the request the sandbox made carried the key
    assert orders_api.received == [("POST", "run:7:seq:3:tool:orders.post:abc")]
