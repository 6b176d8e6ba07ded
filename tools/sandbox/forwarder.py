"""The sandbox's only way out: one Unix-socket forwarder per declared host, run by the launcher.

A sandboxed tool has no network interface but a downed loopback, so it cannot open a TCP
connection anywhere. Each host the tool declared ("host:port") gets a Unix socket in the
sandbox's /net; whatever connects to it is piped, byte for byte, to that host and port and to
nothing else (TLS stays end to end). Bytes per connection and connections are capped.
"""
from __future__ import annotations

import contextlib
import os
import selectors
import socket
import threading


class HostForwarder:
    """Accepts on `path` and pipes each connection to (host, port) until either side closes."""

    def __init__(self, host: str, port: int, path: str, *, max_bytes: int = 32_000_000,
                 max_connections: int = 32, connect_timeout: float = 5.0) -> None:
        self.host, self.port, self.path = host, port, path
        self.max_bytes, self.max_connections, self.connect_timeout = max_bytes, max_connections, connect_timeout
        self.stopping = threading.Event()
        self.connections = 0
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.threads: list[threading.Thread] = []

    def start(self) -> HostForwarder:
        self.listener.bind(self.path)
        os.chmod(self.path, 0o666)  # the sandbox's unprivileged uid must be able to connect
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        thread = threading.Thread(target=self._accept, name=f"forward-{self.host}:{self.port}", daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(1.0)

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            if self.connections > self.max_connections:
                client.close()
                continue
            thread = threading.Thread(target=self._pipe, args=(client,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError:
            client.close()
            return
        moved = 0
        with contextlib.closing(client), contextlib.closing(upstream), selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while not self.stopping.is_set() and moved < self.max_bytes:
                for key, _ in selector.select(0.2):
                    try:
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            return
                        key.data.sendall(data)
                    except OSError:
                        return
                    moved += len(data)
