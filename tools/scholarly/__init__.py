"""Scholarly search clients (OpenAlex, Crossref, Semantic Scholar, arXiv, Europe PMC) that map
each provider's wire format to CSL-JSON Works, and a safe open-access full-text fetcher.

Public API:
    search(provider, query, filters, config) -> list[Work]      (tools.scholarly.registry)
    PROVIDERS                                                   provider name -> dotted path
    fetch_full_text(url, policy) -> FullText                    (tools.scholarly.fetch)
    Scholarly(config, fetch_policy, providers)                  both, with one configuration
    Work, SearchFilters, ScholarlyConfig, FetchPolicy, FullText
    ProviderError, UnknownProvider, FetchRefused, FetchFailed
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tools.scholarly.base import DEFAULT_BASE_URLS, ProviderError, ScholarlyConfig, SearchFilters, Work
from tools.scholarly.fetch import FetchFailed, FetchPolicy, FetchRefused, FullText, fetch_full_text
from tools.scholarly.registry import PROVIDERS, UnknownProvider, search

__all__ = [
    "DEFAULT_BASE_URLS",
    "PROVIDERS",
    "FetchFailed",
    "FetchPolicy",
    "FetchRefused",
    "FullText",
    "ProviderError",
    "Scholarly",
    "ScholarlyConfig",
    "SearchFilters",
    "UnknownProvider",
    "Work",
    "fetch_full_text",
    "search",
]


@dataclass(frozen=True)
class Scholarly:
    """The scholarly tools with one configuration: what a node gets as services["scholarly"].

    `providers` are the enabled providers in order of preference; the Researcher searches the
    first ones first and widens to the rest. `before_wait` runs before every request (the engine
    gives the step's pooled database connection back: handywriterz.pooling).
    """

    config: ScholarlyConfig = field(default_factory=ScholarlyConfig)
    fetch_policy: FetchPolicy = field(default_factory=FetchPolicy)
    providers: Sequence[str] = tuple(PROVIDERS)
    before_wait: Callable[[], None] = lambda: None

    def search(self, provider: str, query: str, filters: SearchFilters) -> list[Work]:
        self.before_wait()
        return search(provider, query, filters, self.config)

    def fetch_full_text(self, url: str) -> FullText:
        self.before_wait()
        return fetch_full_text(url, self.fetch_policy)
