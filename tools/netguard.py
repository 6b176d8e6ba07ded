"""The one SSRF guard: every outbound request to a URL that a user, a document or a model chose.

Used by the full-text fetcher (tools.scholarly.fetch), the ToolIngestor's offer checks
(agents.tool_ingestor), the OpenAPI document fetch and every call of an ingested OpenAPI tool
(tools.ingest.openapi). (Sandboxed code reaches only the hosts its spec declares, through the
launcher's forwarders; specs are written by operators, docs/tools.md.)

The promise (docs/security.md, "SSRF"):
- only http(s) URLs with a host;
- the host is resolved and refused if ANY address it resolves to is not global: loopback,
  private, shared (100.64/10), link-local (169.254/16 incl. cloud metadata, fe80::/10),
  unique-local (fc00::/7), multicast, reserved, unspecified, documentation ranges, and the
  IPv4 hidden inside IPv6 (::ffff:a.b.c.d, 6to4, Teredo, NAT64) is judged as IPv4;
- numeric hosts in decimal, octal or hex (http://2130706433/, http://0x7f.1/, http://0177.0.0.1/)
  are decoded as the C resolver would and judged by the address they mean;
- the connection goes to the address that was checked (URL rewritten to the IP, Host header and
  TLS SNI/certificate name kept), so a DNS answer that changes after the check cannot move it;
- redirects are followed by hand and every hop is checked the same way.
Hosts on the policy's allow-list ("host" or "host:port", from settings only) skip the address
check but are still resolved and pinned: that is how tests reach their 127.0.0.1 fake servers.
"""
from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# What inet_aton accepts: 1 to 4 parts, each decimal, 0-octal or 0x-hex.
NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class URLRefused(ValueError):
    """Permanent: the URL may not be fetched on anyone's behalf; the message says why."""


class URLUnresolvable(RuntimeError):
    """The host did not resolve this time (DNS failure)."""


@dataclass(frozen=True)
class NetPolicy:
    """Which hosts may be reached although they are not public, and how many redirects to follow."""

    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    max_redirects: int = 5

    @classmethod
    def allowing(cls, hosts: Iterable[str], max_redirects: int = 5) -> NetPolicy:
        return cls(frozenset(host.strip().lower() for host in hosts if host.strip()), max_redirects)

    def allows(self, host: str, port: int) -> bool:
        return host in self.allowed_hosts or f"{host}:{port}" in self.allowed_hosts


@dataclass(frozen=True)
class Hop:
    """One checked request target: where to connect, and what to tell the server."""

    url: str
    connect_url: str
    address: str
    headers: dict[str, str]
    extensions: dict[str, Any]


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo client, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_kind(ip: IPAddress) -> str:
    """"" for a public unicast address; otherwise the kind of address it is, for the message."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        kind = address_kind(inner)
        return f"{kind}, as IPv4 inside IPv6" if kind else ""
    for kind, flagged in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                          ("link-local, incl. cloud metadata", ip.is_link_local), ("multicast", ip.is_multicast),
                          ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flagged:
            return kind
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    return "" if ip.is_global else "not globally routable"


def is_public_address(address: str) -> bool:
    return not address_kind(ipaddress.ip_address(address.split("%", 1)[0]))


def numeric_host(host: str) -> IPAddress | None:
    """The address a numeric host means (IPv6 literal, or IPv4 in any inet_aton form), else None."""
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise URLRefused(f"refused {host!r}: not a valid numeric address") from None
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    literal = numeric_host(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise URLUnresolvable(f"cannot resolve {host!r}: {error}") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise URLUnresolvable(f"{host!r} resolves to no address")
    return list(dict.fromkeys(addresses))


def check_url(url: str, policy: NetPolicy) -> Hop:
    """The pinned target for `url`, or URLRefused / URLUnresolvable. Does not connect."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise URLRefused(f"refused {url!r}: only http and https URLs with a host are fetched")
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise URLRefused(f"refused {url!r}: the port is not a number from 0 to 65535") from None
    addresses = resolve(host, port)
    if not policy.allows(host, port):
        for ip in addresses:
            kind = address_kind(ip)
            if kind:
                raise URLRefused(f"refused {url!r}: {host} resolves to {ip}, a non-public address ({kind}); "
                                 "only public addresses may be fetched")
    address = str(addresses[0])
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    headers = {"Host": parts.netloc.rsplit("@", 1)[-1]}
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    connect_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    return Hop(url=url, connect_url=connect_url, address=address, headers=headers, extensions=extensions)


def client(timeout: float) -> httpx.Client:
    """An httpx client that follows no redirect by itself and ignores proxy variables."""
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), follow_redirects=False, trust_env=False)


@contextlib.contextmanager
def stream(http: httpx.Client, method: str, url: str, policy: NetPolicy, *, headers: dict[str, str] | None = None,
           follow_redirects: bool = True, **kwargs: Any) -> Iterator[tuple[httpx.Response, str]]:
    """Send `method url` through the guard; yield (response, final URL). Redirects are followed
    (GET only; each hop checked) up to `policy.max_redirects`; URLRefused past that."""
    current = url
    for _hop in range(policy.max_redirects + 1):
        hop = check_url(current, policy)
        with http.stream(method, hop.connect_url, headers={**(headers or {}), **hop.headers},
                         extensions=hop.extensions, **kwargs) as response:
            location = response.headers.get("Location")
            if follow_redirects and method == "GET" and response.status_code in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            yield response, current
            return
    raise URLRefused(f"refused {url!r}: more than {policy.max_redirects} redirects")

