"""A tiny HTTP server on 127.0.0.1 for the security tests (threads in the test process): it
records every request and answers

- GET|POST /redirect?to=URL  -> 302 to URL (to a private address, another scheme, itself ...)
- GET /page                   -> a small HTML article
- anything else               -> 404
"""
from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = ("<html><head><title>Cooling centres</title></head><body><article><h1>Cooling centres</h1>"
           + "<p>Cooling centres reduce heat illness among older adults in dense districts. </p>" * 20
           + "</article></body></html>").encode()


class RecordingServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, name="hostile-http", daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def redirect_to(self, target: str) -> str:
        return f"{self.root}/redirect?to={urllib.parse.quote(target, safe='')}"

    def __enter__(self) -> RecordingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                fake.requests.append((self.command, self.path))
                parts = urllib.parse.urlsplit(self.path)
                target = urllib.parse.parse_qs(parts.query).get("to", [""])[0]
                if parts.path == "/redirect" and target:
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, body = (200, ARTICLE) if parts.path == "/page" else (404, b"no such page")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = answer  # noqa: N815 - http.server's naming
            do_POST = answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        return Handler
