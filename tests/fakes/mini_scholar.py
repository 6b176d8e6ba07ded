"""A small scholarly upstream on 127.0.0.1 for the tools tests, in the test process (threads).

Routes:
- GET /alpha/works?q=&limit=  and  GET /beta/works?q=&limit=  -> {"results": [work, ...]}
  where each upstream's field names and emptiness are switched at run time (`rename`, `drop`,
  `empty`), to make schema drift and dry sources happen.
- GET /openapi.json[?server=URL] -> an OpenAPI 3 description of the "Mini Scholar API" below
  (served from this server, or naming another server URL).
- GET /api/v1/papers/search?query=&limit= -> {"data": [paper, ...]};  GET /api/v1/papers/{id}.
"""
from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORKS = [
    {"title": "Urban heat islands and heat-related mortality", "year": 2021, "doi": "10.1000/uhi.2021.1",
     "authors": ["Ana Rivera", "Tom Okafor"], "abstract": "Mortality rises with the urban heat island intensity."},
    {"title": "Green roofs as a public health intervention", "year": 2019, "doi": "10.1000/uhi.2019.7",
     "authors": ["Lee Chan"], "abstract": "Green roofs lower indoor temperatures in heatwaves."},
]
PAPERS = [
    {"paperId": "P-17", "title": "Cooling centres and heat vulnerability in older adults", "year": 2022,
     "doi": "10.5555/mini.2022.17", "authors": ["Maria Santos", "Ken Ito"],
     "abstract": "Cooling centres reduce heat illness among older adults living in urban heat islands."},
]


class Upstream:
    """Per-route switches the tests flip: rename a field, drop it, or answer with no results."""

    def __init__(self) -> None:
        self.rename: dict[str, str] = {}
        self.drop: set[str] = set()
        self.empty = False
        self.requests = 0

    def works(self) -> list[dict[str, Any]]:
        if self.empty:
            return []
        shaped = []
        for work in WORKS:
            item = {self.rename.get(key, key): value for key, value in work.items() if key not in self.drop}
            shaped.append(item)
        return shaped


def openapi_document(base: str) -> dict[str, Any]:
    paper = {"$ref": "#/components/schemas/Paper"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Mini Scholar API", "version": "1.0"},
        "servers": [{"url": f"{base}/api/v1"}],
        "paths": {
            "/papers/search": {"get": {
                "operationId": "searchPapers", "summary": "Search papers by keywords",
                "parameters": [
                    {"name": "query", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
                ],
                "responses": {"200": {"description": "papers", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["data"],
                    "properties": {"data": {"type": "array", "items": paper}}}}}}},
            }},
            "/papers/{paper_id}": {"get": {
                "operationId": "getPaper", "summary": "One paper",
                "parameters": [{"name": "paper_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "a paper", "content": {"application/json": {"schema": paper}}}},
            }},
        },
        "components": {"schemas": {"Paper": {
            "type": "object", "required": ["paperId", "title"],
            "properties": {"paperId": {"type": "string"}, "title": {"type": "string"}, "year": {"type": "integer"},
                           "doi": {"type": "string", "nullable": True},
                           "authors": {"type": "array", "items": {"type": "string"}},
                           "abstract": {"type": "string"}}}}},
    }


class MiniScholar:
    def __init__(self) -> None:
        self.upstreams = {"alpha": Upstream(), "beta": Upstream()}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> MiniScholar:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path == "/openapi.json":
            return 200, openapi_document(query.get("server", [self.base])[0])
        if len(parts) == 2 and parts[0] in self.upstreams and parts[1] == "works":
            upstream = self.upstreams[parts[0]]
            upstream.requests += 1
            limit = int(query.get("limit", ["5"])[0])
            return 200, {"results": upstream.works()[:limit], "meta": {"query": query.get("q", [""])[0]}}
        if path == "/api/v1/papers/search":
            return 200, {"data": PAPERS[: int(query.get("limit", ["10"])[0])]}
        if len(parts) == 4 and parts[:3] == ["api", "v1", "papers"]:
            match = [paper for paper in PAPERS if paper["paperId"] == parts[3]]
            return (200, match[0]) if match else (404, {"error": "not found"})
        return 404, {"error": f"no route {path}"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urllib.parse.urlsplit(self.path)
                status, payload = fake.answer(parts.path, urllib.parse.parse_qs(parts.query))
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
