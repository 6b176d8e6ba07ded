"""Fetching open-access full text: HTML (trafilatura), PDF (pypdf) or plain text, safely.

Safety, because the URLs come from outside (provider metadata, pages we were redirected to):
- only http(s); every hop's host is resolved and refused if any address is private, loopback,
  link-local, multicast, reserved or otherwise not global (SSRF guard), unless the host is on
  the allow-list (tests and the evaluation harness allow 127.0.0.1);
- the connection goes to the address that was checked (the URL is rewritten to the IP with the
  Host header and TLS SNI kept), so a DNS answer that changes between check and connect
  (rebinding) cannot redirect it;
- redirects are followed by hand, each checked the same way, at most `max_redirects`;
- only HTML, PDF and plain text are read, and at most `max_bytes` of them.
"""

from __future__ import annotations

import io
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import trafilatura
from pypdf import PdfReader
from pypdf.errors import PdfReadError

READABLE_TYPES = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain")


class FetchRefused(ValueError):
    """Permanent: the URL is unsafe, or the answer is not readable text (type, size, empty)."""


class FetchFailed(RuntimeError):
    """The fetch did not work this time (network error, HTTP error status)."""


@dataclass(frozen=True)
class FetchPolicy:
    allowed_hosts: frozenset[str] = frozenset()
    max_bytes: int = 5_000_000
    timeout: float = 15.0
    max_redirects: int = 5
    user_agent: str = "HandyWriterz/0.1"


@dataclass(frozen=True)
class FullText:
    """Readable text of a document. `pages` holds the text per page for PDFs (for page anchors)."""

    url: str
    final_url: str
    content_type: str
    text: str
    title: str = ""
    pages: tuple[str, ...] = field(default_factory=tuple)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int) -> str:
    """The first address of `host`, provided every address it resolves to is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchFailed(f"cannot resolve {host!r}: {error}") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    unsafe = [address for address in addresses if not is_public_address(address)]
    if unsafe or not addresses:
        raise FetchRefused(f"refused {host!r}: it resolves to a non-public address ({', '.join(unsafe) or 'none'})")
    return addresses[0]


def pinned_request(url: str, policy: FetchPolicy) -> tuple[str, dict[str, str], dict[str, str]]:
    """(URL to connect to, headers, extensions) for one hop, after the SSRF checks."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchRefused(f"refused {url!r}: only http and https URLs with a host are fetched")
    host = parts.hostname.lower()
    headers = {"User-Agent": policy.user_agent, "Accept": ", ".join(READABLE_TYPES)}
    if host in policy.allowed_hosts:
        return url, headers, {}
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_public(host, port)
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), headers, extensions


def fetch_full_text(url: str, policy: FetchPolicy) -> FullText:
    """Download `url` (following safe redirects) and extract its readable text."""
    current = url
    timeout = httpx.Timeout(policy.timeout, connect=min(policy.timeout, 5.0))
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as http:
        for _hop in range(policy.max_redirects + 1):
            target, headers, extensions = pinned_request(current, policy)
            try:
                with http.stream("GET", target, headers=headers, extensions=extensions) as response:
                    if response.is_redirect and response.headers.get("Location"):
                        current = urljoin(current, response.headers["Location"])
                        continue
                    if response.status_code >= 400:
                        raise FetchFailed(f"HTTP {response.status_code} from {current}")
                    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                    if content_type not in READABLE_TYPES:
                        raise FetchRefused(f"refused {current}: content type {content_type or 'unknown'!r} is not readable text")
                    body = read_capped(response, policy.max_bytes)
            except httpx.HTTPError as error:
                raise FetchFailed(f"fetching {current} failed: {type(error).__name__}: {error}") from error
            return extract(url, current, content_type, body)
    raise FetchRefused(f"refused {url}: more than {policy.max_redirects} redirects")


def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchRefused(f"refused: {declared} bytes is over the {max_bytes}-byte limit")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchRefused(f"refused: the body is over the {max_bytes}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def extract(url: str, final_url: str, content_type: str, body: bytes) -> FullText:
    if content_type == "application/pdf":
        pages = pdf_pages(body)
        text, title = "\n\n".join(pages), ""
    elif content_type == "text/plain":
        pages, text, title = (), body.decode("utf-8", errors="replace"), ""
    else:
        pages = ()
        text, title = html_text(body)
    if not text.strip():
        raise FetchRefused(f"refused {final_url}: no readable text in the {content_type} answer")
    return FullText(url=url, final_url=final_url, content_type=content_type, text=text.strip(), title=title, pages=tuple(pages))


def html_text(body: bytes) -> tuple[str, str]:
    document = trafilatura.bare_extraction(body, include_comments=False, include_tables=False, with_metadata=True)
    if document is None:
        return "", ""
    return document.text or "", document.title or ""


def pdf_pages(body: bytes) -> list[str]:
    try:
        reader = PdfReader(io.BytesIO(body))
        return [(page.extract_text() or "").strip() for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as error:
        raise FetchRefused(f"refused: the PDF cannot be read ({error})") from error
