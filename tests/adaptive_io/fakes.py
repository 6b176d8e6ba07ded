"""Fake LLM providers: real HTTP servers on 127.0.0.1 speaking the OpenAI chat-completions wire
format, which litellm reaches as ``openai/<model>`` with ``api_base`` pointing at them.

Each server answers with the built-in offline model (so real runs succeed) and can be told, from
the test, to answer the next calls with a 429 and a Retry-After, a 500, a context-length error,
to hang, or to be down (its listening socket closed: connection refused). It logs every request
with its arrival and answer times on this process's monotonic clock.
"""
from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agents.llm import offline
from agents.prompts import parse_task_block


@dataclass
class Logged:
    arrived: float
    answered: float
    status: int
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retry_after: float | None = None


def count_tokens(text: str) -> int:
    """The fake's own token count: four characters a token (what the price is charged on)."""
    return max(1, math.ceil(len(text) / 4))


@dataclass
class Behaviour:
    """What the next call gets: ok, 429 (with retry_after), 500, hang (seconds), context."""

    kind: str = "ok"
    retry_after: float | None = None
    seconds: float = 0.0


@dataclass
class FakeProvider:
    name: str
    port: int = 0
    latency: float = 0.0
    # When set, the answer has exactly this many completion tokens (padding the offline text).
    completion_tokens: int | None = None
    max_context_tokens: int | None = None
    default: Behaviour = field(default_factory=Behaviour)
    queue: deque = field(default_factory=deque)
    log: list[Logged] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- control from the test ---------------------------------------------------------------
    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def then(self, kind: str, times: int = 1, **options: Any) -> FakeProvider:
        for _ in range(times):
            self.queue.append(Behaviour(kind, **options))
        return self

    def always(self, kind: str, **options: Any) -> None:
        self.queue.clear()
        self.default = Behaviour(kind, **options)

    def start(self) -> FakeProvider:
        handler = type("Handler", (_Handler,), {"provider": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def down(self) -> None:
        """Close the listening socket: every call now fails with connection refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def up(self) -> None:
        if self._server is None:
            self.start()

    def calls(self, status: int | None = None) -> list[Logged]:
        with self._lock:
            return [item for item in self.log if status is None or item.status == status]

    # --- serving -------------------------------------------------------------------------------
    def next_behaviour(self) -> Behaviour:
        with self._lock:
            return self.queue.popleft() if self.queue else self.default

    def record(self, item: Logged) -> None:
        with self._lock:
            self.log.append(item)

    def answer(self, body: dict) -> tuple[str, int, int]:
        messages = body["messages"]
        prompt_tokens = count_tokens("".join(str(message.get("content") or "") for message in messages))
        try:
            task, inputs = parse_task_block(messages)
            text = offline.answer(task, inputs)
        except (ValueError, KeyError):
            text = "ok"
        completion_tokens = count_tokens(text)
        if self.completion_tokens is not None:
            completion_tokens = self.completion_tokens
        return text, prompt_tokens, completion_tokens


class _Handler(BaseHTTPRequestHandler):
    provider: FakeProvider
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep pytest output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        arrived = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        provider, behaviour = self.provider, self.provider.next_behaviour()
        model = body.get("model", "")
        if provider.latency:
            time.sleep(provider.latency)
        if behaviour.kind == "hang":
            time.sleep(behaviour.seconds)
        text, prompt_tokens, completion_tokens = provider.answer(body)
        if behaviour.kind == "ok" and provider.max_context_tokens and prompt_tokens > provider.max_context_tokens:
            behaviour = Behaviour("context")
        if behaviour.kind in {"ok", "hang"}:
            self._send(200, completion(model, text, prompt_tokens, completion_tokens))
            provider.record(Logged(arrived, time.monotonic(), 200, model, prompt_tokens, completion_tokens))
            return
        status, payload, headers = failure(behaviour, provider.max_context_tokens)
        self._send(status, payload, headers)
        provider.record(Logged(arrived, time.monotonic(), status, model, retry_after=behaviour.retry_after))

    def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): exactly what a hang test provokes


def completion(model: str, text: str, prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def failure(behaviour: Behaviour, max_context: int | None) -> tuple[int, dict, dict]:
    if behaviour.kind == "429":
        headers = {"Retry-After": f"{behaviour.retry_after:g}"} if behaviour.retry_after is not None else {}
        return 429, _error("Rate limit reached for requests", "requests", "rate_limit_exceeded"), headers
    if behaviour.kind == "context":
        message = f"This model's maximum context length is {max_context or 0} tokens. Please reduce the length of the messages."
        return 400, _error(message, "invalid_request_error", "context_length_exceeded"), {}
    if behaviour.kind == "400":
        return 400, _error("Invalid value for 'temperature'", "invalid_request_error", "invalid_value"), {}
    if behaviour.kind == "401":
        return 401, _error("Incorrect API key provided", "invalid_request_error", "invalid_api_key"), {}
    return 500, _error("The server had an error while processing your request", "server_error", None), {}


def _error(message: str, kind: str, code: str | None) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
