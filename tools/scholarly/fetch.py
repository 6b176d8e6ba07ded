"""Fetching open-access full text: HTML (trafilatura), PDF (pypdf) or plain text, safely.

Safety, because the URLs come from outside (provider metadata, pages we were redirected to):
every hop goes through tools.netguard (http(s) only, public addresses only unless allow-listed,
connection pinned to the checked address, each redirect re-checked, at most `max_redirects`);
only HTML, PDF and plain text are read, and at most `max_bytes` of them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import httpx
import trafilatura
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tools import netguard

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


def fetch_full_text(url: str, policy: FetchPolicy) -> FullText:
    """Download `url` through the SSRF guard (following checked redirects) and extract its text."""
    guard = netguard.NetPolicy.allowing(policy.allowed_hosts, policy.max_redirects)
    headers = {"User-Agent": policy.user_agent, "Accept": ", ".join(READABLE_TYPES)}
    current = url
    try:
        with netguard.client(policy.timeout) as http, \
                netguard.stream(http, "GET", url, guard, headers=headers) as (response, current):
            if response.status_code >= 400:
                raise FetchFailed(f"HTTP {response.status_code} from {current}")
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type not in READABLE_TYPES:
                raise FetchRefused(f"refused {current}: content type {content_type or 'unknown'!r} is not readable text")
            body = read_capped(response, policy.max_bytes)
    except netguard.URLRefused as error:
        raise FetchRefused(str(error)) from None
    except netguard.URLUnresolvable as error:
        raise FetchFailed(str(error)) from None
    except httpx.HTTPError as error:
        raise FetchFailed(f"fetching {current} failed: {type(error).__name__}: {error}") from error
    return extract(url, current, content_type, body)


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
