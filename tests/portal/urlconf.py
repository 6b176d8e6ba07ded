"""Every URL pattern of the URL conf, for the tests that must cover each route."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def every_pattern(patterns=None, namespace: str = "", prefix: str = "") -> Iterator[tuple[str | None, str, Callable]]:
    """(namespace:name or None, full route, view callback) of every URL pattern, admin included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from every_pattern(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = (f"{namespace}:{pattern.name}" if namespace else pattern.name) if pattern.name else None
            yield name, prefix + str(pattern.pattern), pattern.callback
