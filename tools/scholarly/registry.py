"""The provider registry: name -> dotted path of `search(http, query, filters, config)`, and the
one entry point the Researcher calls, `search(provider, query, filters, config)`.

An explicit dict (no registration by import side effect); an unknown name fails listing the known ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

import httpx

from tools.scholarly.base import ScholarlyConfig, SearchFilters, Work

PROVIDERS: dict[str, str] = {
    "openalex": "tools.scholarly.openalex.search",
    "crossref": "tools.scholarly.crossref.search",
    "semantic_scholar": "tools.scholarly.semantic_scholar.search",
    "arxiv": "tools.scholarly.arxiv.search",
    "europe_pmc": "tools.scholarly.europe_pmc.search",
    # A local directory of CSL-JSON records (the offline demo corpus); no network.
    "corpus": "tools.scholarly.corpus.search",
}

ProviderSearch = Callable[[httpx.Client, str, SearchFilters, ScholarlyConfig], list[Work]]


class UnknownProvider(LookupError):
    pass


@cache
def provider_search(name: str) -> ProviderSearch:
    try:
        path = PROVIDERS[name]
    except KeyError:
        raise UnknownProvider(f"unknown scholarly provider {name!r}; known: {', '.join(sorted(PROVIDERS))}") from None
    module, function = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), function)


def search(provider: str, query: str, filters: SearchFilters, config: ScholarlyConfig) -> list[Work]:
    """Works matching `query` at `provider`, as CSL-JSON. Raises ProviderError when the provider
    cannot answer (`.transient` says whether trying later may help)."""
    handler = provider_search(provider)
    timeout = httpx.Timeout(config.timeout, connect=min(config.timeout, 5.0))
    with httpx.Client(timeout=timeout, headers=config.headers(), trust_env=False) as http:
        return handler(http, query, filters, config)
