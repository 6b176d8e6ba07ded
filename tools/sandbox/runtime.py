"""Inside the sandbox: the tool process's runtime (stdlib only; loaded by supervisor.py).

It gives tool code one way out to the network, `SandboxHttp`, which speaks HTTP(S) over the
Unix sockets the launcher forwards to the tool's declared hosts, records every exchange (the
SelfDebugger reads those traces) and refuses any other host. A socket guard is a second layer
for code that opens sockets itself; the network namespace is the first (see docs/tools.md).

Results travel back on a pipe as one length-prefixed JSON message, written only by the tool
process itself (never by children it forked).
"""
from __future__ import annotations

import errno
import http.client
import json
import os
import socket
import ssl
import struct
import traceback
import urllib.parse
from typing import Any

MAX_RESULT_BYTES = 2_000_000
MAX_TRACE_BODY = 4_000
MAX_RESPONSE_BYTES = 8_000_000
_original_connect = socket.socket.connect


class SandboxViolation(Exception):
    """The tool tried something the sandbox forbids; `limit` names the rule."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class HttpError(Exception):
    """An upstream answered with an error status."""


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, socket_path: str, timeout: float) -> None:
        super().__init__(host, timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        _original_connect(sock, self.socket_path)
        self.sock = sock


class _UnixHTTPSConnection(_UnixHTTPConnection):
    def __init__(self, host: str, socket_path: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, socket_path, timeout)
        self.context = context

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host.split(":")[0])


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class SandboxHttp:
    """HTTP for tool code: only to declared hosts, every exchange traced."""

    def __init__(self, sockets: dict[str, str], context: ssl.SSLContext, headers: dict[str, str] | None = None) -> None:
        self.sockets = sockets  # "host:port" -> Unix socket path of its forwarder
        self.context = context
        self.headers = headers or {}  # sent on every request (the step's Idempotency-Key)
        self.trace: list[dict[str, Any]] = []

    def request(self, method: str, url: str, *, params: dict | None = None, json_body: Any = None,
                headers: dict | None = None, timeout: float = 10.0) -> Response:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = f"{parts.hostname}:{port}"
        if parts.scheme not in {"http", "https"} or key not in self.sockets:
            declared = ", ".join(sorted(self.sockets)) or "none"
            raise SandboxViolation("network", f"host {key} is not declared by this tool (declared: {declared})")
        query = urllib.parse.urlencode(params or {}, doseq=True)
        target = (parts.path or "/") + ("?" + "&".join(filter(None, [parts.query, query])) if parts.query or query else "")
        host_header = parts.netloc
        if parts.scheme == "https":
            connection: _UnixHTTPConnection = _UnixHTTPSConnection(host_header, self.sockets[key], timeout, self.context)
        else:
            connection = _UnixHTTPConnection(host_header, self.sockets[key], timeout)
        body = None
        all_headers = {"Accept": "application/json", "User-Agent": "HandyWriterz-tool/1", **self.headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        try:
            connection.request(method, target, body=body, headers=all_headers)
            answer = connection.getresponse()
            data = answer.read(MAX_RESPONSE_BYTES + 1)
        finally:
            connection.close()
        self.trace.append({"method": method, "url": f"{parts.scheme}://{host_header}{target}", "status": answer.status,
                           "body": data[:MAX_TRACE_BODY].decode("utf-8", errors="replace")})
        if len(data) > MAX_RESPONSE_BYTES:
            raise HttpError(f"{url}: response larger than {MAX_RESPONSE_BYTES} bytes")
        return Response(answer.status, dict(answer.getheaders()), data)

    def get_json(self, url: str, params: dict | None = None, **options: Any) -> Any:
        response = self.request("GET", url, params=params, **options)
        if response.status >= 400:
            raise HttpError(f"GET {url}: HTTP {response.status}: {response.text[:200]}")
        return response.json()


def install_socket_guard(declared: list[str]) -> None:
    """Second layer: refuse direct socket connections from tool code (the netns is the first)."""

    def guarded(self: socket.socket, address: Any) -> Any:
        raise SandboxViolation("network", f"direct connection to {address!r} refused: tools reach the network only "
                               f"through their declared hosts ({', '.join(declared) or 'none'})")

    socket.socket.connect = guarded  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded  # type: ignore[method-assign]


def classify(error: BaseException, scratch: str) -> tuple[str, str]:
    """(limit, detail) for an exception raised by tool code; limit is "" for an ordinary error."""
    if isinstance(error, SandboxViolation):
        return error.limit, str(error)
    if isinstance(error, MemoryError):
        return "memory", "memory limit reached (MemoryError)"
    if isinstance(error, OSError):
        code = error.errno
        if code == errno.EFBIG:
            return "file_size", f"file size limit reached: {error}"
        if code == errno.ENOSPC:
            return "scratch_space", f"scratch space is full: {error}"
        if code == errno.EAGAIN:
            return "processes", f"process limit reached: {error}"
        if code in {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED, errno.EACCES} and not error.filename:
            return "network", f"network isolated: {error}"
        filename = str(error.filename or "")
        if filename and not os.path.abspath(filename).startswith(scratch):
            return "filesystem", f"outside the scratch directory: {error}"
    return "", f"{type(error).__name__}: {error}"


def send(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message, default=str).encode()
    if len(data) > MAX_RESULT_BYTES:
        data = json.dumps({"ok": False, "limit": "result_size", "error_type": "ResultTooLarge",
                           "message": f"result of {len(data)} bytes exceeds {MAX_RESULT_BYTES}",
                           "trace": message.get("trace", [])}).encode()
    os.write(fd, struct.pack(">Q", len(data)))
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def execute(request: dict[str, Any], result_fd: int, http: SandboxHttp, scratch: str) -> None:
    """Run the tool's code and send its result or its classified error; never returns normally."""
    original = os.getpid()
    try:
        namespace: dict[str, Any] = {"__name__": "sandboxed_tool"}
        exec(compile(request["code"], "<tool>", "exec"), namespace)  # noqa: S102 - this is the sandbox
        result = namespace[request.get("entry", "run")](request["arguments"], http)
        message: dict[str, Any] = {"ok": True, "result": result, "trace": http.trace}
    except BaseException as error:  # noqa: BLE001 - every failure is reported, none escapes
        if os.getpid() != original:
            os._exit(1)
        limit, detail = classify(error, scratch)
        message = {"ok": False, "limit": limit, "error_type": type(error).__name__, "message": detail,
                   "traceback": traceback.format_exc(limit=-4)[-3000:], "trace": http.trace}
    if os.getpid() != original:
        os._exit(0)
    try:
        send(result_fd, message)
    except (TypeError, ValueError) as error:
        send(result_fd, {"ok": False, "limit": "", "error_type": "ResultNotJSON", "message": str(error), "trace": http.trace})
    os._exit(0)
