"""Which hosts a run may point ingestion at: public addresses only, unless allow-listed.

A run's spec is user input. Without this check an offered "API description" could make the
worker fetch from, and register tools calling, loopback, private or link-local addresses
(Redis, PostgreSQL, cloud metadata). Operators' own ingestion (CLI, admin) is not restricted.
Not a guarantee against DNS rebinding between this check and the request (docs/tools.md).
"""
from __future__ import annotations

import ipaddress
import socket
import urllib.parse


def refusal(url: str, allowed_hosts: list[str] | tuple[str, ...] = ()) -> str:
    """"" if `url` may be fetched on a run's behalf; otherwise the reason it may not."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"{url!r} is not an http(s) URL"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.hostname in allowed_hosts or f"{parts.hostname}:{port}" in allowed_hosts:
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except OSError as error:
        return f"{parts.hostname} does not resolve: {error}"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return f"{parts.hostname} resolves to {ip}, a non-public address; runs may only ingest public APIs"
    return ""
