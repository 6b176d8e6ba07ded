"""What every scholarly search client shares: the Work it returns, the filters it takes, its
configuration, its errors, one polite GET with bounded retries, and CSL-JSON helpers.

Library code: no Django, no Celery. Configuration is passed in (journeys builds it from settings).
"""

from __future__ import annotations

import html
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

# The real public endpoints. Tests and the evaluation harness point these at a local server.
DEFAULT_BASE_URLS: dict[str, str] = {
    "openalex": "https://api.openalex.org",
    "crossref": "https://api.crossref.org",
    "semantic_scholar": "https://api.semanticscholar.org",
    "arxiv": "https://export.arxiv.org",
    "europe_pmc": "https://www.ebi.ac.uk/europepmc",
}


@dataclass(frozen=True)
class Work:
    """One work a provider returned, as CSL-JSON plus what the Researcher scores it on.

    `csl` holds standard CSL-JSON variables only (title, author, issued, DOI, URL, type,
    container-title, publisher, abstract ...), so citation rendering can read it as it is.
    `countries` are ISO 3166-1 alpha-2 codes of author affiliations where the provider states
    them (OpenAlex) and empty where it does not; `affiliations` are the raw affiliation strings.
    """

    provider: str
    provider_id: str
    csl: dict[str, Any]
    full_text_url: str = ""
    cited_by: int | None = None
    countries: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()

    @property
    def doi(self) -> str:
        return self.csl.get("DOI", "")

    @property
    def title(self) -> str:
        return self.csl.get("title", "")

    @property
    def abstract(self) -> str:
        return self.csl.get("abstract", "")

    @property
    def year(self) -> int | None:
        try:
            return int(self.csl["issued"]["date-parts"][0][0])
        except (KeyError, IndexError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class SearchFilters:
    """Publication years are inclusive; None means unbounded. `limit` caps the results asked for."""

    year_from: int | None = None
    year_to: int | None = None
    limit: int = 10


@dataclass(frozen=True)
class ScholarlyConfig:
    """How to reach the providers. `base_urls` overrides DEFAULT_BASE_URLS per provider."""

    base_urls: Mapping[str, str] = field(default_factory=dict)
    mailto: str = ""
    user_agent: str = "HandyWriterz/0.1"
    timeout: float = 10.0
    max_retries: int = 2
    retry_after_cap: float = 5.0
    api_keys: Mapping[str, str] = field(default_factory=dict)

    def base_url(self, provider: str) -> str:
        return (self.base_urls.get(provider) or DEFAULT_BASE_URLS[provider]).rstrip("/")

    def headers(self) -> dict[str, str]:
        agent = f"{self.user_agent} (mailto:{self.mailto})" if self.mailto else self.user_agent
        return {"User-Agent": agent, "Accept": "application/json, application/atom+xml;q=0.9, */*;q=0.1"}


class ProviderError(RuntimeError):
    """A provider could not answer. `transient` errors (timeouts, 429, 5xx) may succeed later;
    permanent ones (4xx, unreadable answers) will not."""

    def __init__(self, provider: str, message: str, *, transient: bool) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.transient = transient


def retry_after_seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None  # an HTTP date: treat as unknown and use our own backoff


def polite_get(
    http: httpx.Client,
    provider: str,
    url: str,
    params: Mapping[str, Any],
    config: ScholarlyConfig,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """GET with bounded retries of transient failures (timeouts, 429, 5xx), honouring
    Retry-After up to `config.retry_after_cap`; a longer wait is not waited for but reported."""
    problem = ""
    for attempt in range(config.max_retries + 1):
        delay = min(config.retry_after_cap, 0.25 * 2**attempt) * (0.5 + random.random() / 2)
        try:
            response = http.get(url, params=params, headers=headers)
        except httpx.TimeoutException:
            problem = f"timed out after {config.timeout:g} s"
        except httpx.TransportError as error:
            problem = f"connection failed: {type(error).__name__}"
        else:
            status = response.status_code
            if status < 400:
                return response
            if status != 429 and status < 500:
                raise ProviderError(provider, f"HTTP {status}: {response.text[:200]}", transient=False)
            problem = f"HTTP {status}"
            wait = retry_after_seconds(response)
            if wait is not None:
                if wait > config.retry_after_cap:
                    raise ProviderError(provider, f"HTTP {status}, retry after {wait:g} s", transient=True)
                delay = wait
        if attempt < config.max_retries:
            time.sleep(delay)
    raise ProviderError(provider, f"{problem} ({config.max_retries + 1} attempts)", transient=True)


# --- CSL-JSON helpers ---------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(value: str | None) -> str:
    """Markup (JATS, HTML) stripped, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", value))).strip()


def clean_doi(value: str | None) -> str:
    """A bare lower-case DOI ('10.5555/abc') from a DOI, a doi: URI or a doi.org URL."""
    if not value:
        return ""
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.IGNORECASE)
    return doi.lower() if doi.startswith("10.") else ""


def date_parts(year: Any, month: Any = None, day: Any = None) -> dict[str, Any] | None:
    parts = []
    for value in (year, month, day):
        try:
            number = int(value)
        except (TypeError, ValueError):
            break
        parts.append(number)
    return {"date-parts": [parts]} if parts else None


def iso_date(value: str | None) -> dict[str, Any] | None:
    """CSL date from '2021', '2021-03' or '2021-03-04'."""
    if not value:
        return None
    return date_parts(*value[:10].split("-")[:3])


def person(name: str) -> dict[str, str]:
    """CSL name from a display name: 'Jane Q. Doe' -> given 'Jane Q.', family 'Doe'.
    Organisations and single names stay literal."""
    name = _SPACE.sub(" ", name or "").strip()
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return {"family": family, "given": given}
    parts = name.split(" ")
    if len(parts) == 1:
        return {"literal": name}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}


def compact(csl: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values so records carry only what the provider said."""
    return {key: value for key, value in csl.items() if value not in (None, "", [], {})}


def page_range(first: Any, last: Any) -> str:
    if first and last and str(first) != str(last):
        return f"{first}-{last}"
    return str(first or "")
