"""Running a pass's searches: one thread per provider, its queries one after another (polite:
one request at a time per provider), a provider that fails transiently is not asked again in
the same pass (its other queries would most likely fail too, each costing retries)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tools.scholarly import ProviderError, SearchFilters, Work


@dataclass
class SearchReport:
    found: list[tuple[str, str, Work]] = field(default_factory=list)  # (provider, query, work)
    requests: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # provider -> why it failed
    hits: dict[str, int] = field(default_factory=dict)  # provider -> works returned


def _one_provider(scholarly: Any, provider: str, queries: list[str], filters: SearchFilters) -> tuple[list, int, str]:
    found, requests = [], 0
    for query in queries:
        requests += 1
        try:
            works = scholarly.search(provider, query, filters)
        except ProviderError as error:
            reason = str(error) if error.transient else f"{error} (permanent)"
            return found, requests, reason
        found.extend((provider, query, work) for work in works)
    return found, requests, ""


def run_searches(scholarly: Any, providers: list[str], queries: list[str], filters: SearchFilters) -> SearchReport:
    """Every query at every provider; results in a stable order (query, then provider order)."""
    report = SearchReport()
    if not providers or not queries:
        return report
    with ThreadPoolExecutor(max_workers=len(providers), thread_name_prefix="research") as pool:
        futures = {provider: pool.submit(_one_provider, scholarly, provider, queries, filters) for provider in providers}
        results = {provider: future.result() for provider, future in futures.items()}
    for provider, (found, requests, error) in results.items():
        report.requests += requests
        report.hits[provider] = len(found)
        if error:
            report.errors[provider] = error
    rank = {query: index for index, query in enumerate(queries)}
    order = {provider: index for index, provider in enumerate(providers)}
    everything = [item for found, _requests, _error in results.values() for item in found]
    report.found = sorted(everything, key=lambda item: (rank[item[1]], order[item[0]]))
    return report
