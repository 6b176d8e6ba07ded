"""Read-side services for the Researcher (SERVICE_FACTORIES entries):

- "scholarly": tools.scholarly.Scholarly configured from settings (providers, base URLs, contact
  address, timeouts, fetch safety). Settings are read here, at each step, so a test may change
  them; the tools themselves take their configuration as arguments.
- "readings": the student's uploaded readings named in the run's spec["readings"].
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from handywriterz.pooling import release_connection
from journeys.evidence import source_dict
from journeys.models import Run, Source
from journeys.models.evidence import SourceOrigin
from tools.scholarly import PROVIDERS, FetchPolicy, Scholarly, ScholarlyConfig


def scholarly_service(run: Run) -> Scholarly:
    unknown = sorted(set(settings.HW_SCHOLARLY_PROVIDERS) - set(PROVIDERS))
    if unknown:
        raise ImproperlyConfigured(f"HW_SCHOLARLY_PROVIDERS names unknown providers {unknown}; known: {sorted(PROVIDERS)}")
    config = ScholarlyConfig(
        # The "corpus" provider's "base URL" is the directory of its CSL-JSON records.
        base_urls={**settings.HW_SCHOLARLY_BASE_URLS, **corpus_location()},
        mailto=settings.HW_SCHOLARLY_MAILTO,
        user_agent=settings.HW_SCHOLARLY_USER_AGENT,
        timeout=settings.HW_SCHOLARLY_TIMEOUT_SECONDS,
        max_retries=settings.HW_SCHOLARLY_MAX_RETRIES,
        retry_after_cap=settings.HW_SCHOLARLY_RETRY_AFTER_CAP_SECONDS,
        api_keys={"semantic_scholar": settings.HW_SEMANTIC_SCHOLAR_API_KEY} if settings.HW_SEMANTIC_SCHOLAR_API_KEY else {},
    )
    fetch_policy = FetchPolicy(
        allowed_hosts=frozenset(host.lower() for host in settings.HW_FETCH_ALLOWED_HOSTS),
        max_bytes=settings.HW_FETCH_MAX_BYTES,
        timeout=settings.HW_FETCH_TIMEOUT_SECONDS,
        user_agent=settings.HW_SCHOLARLY_USER_AGENT,
    )
    return Scholarly(config=config, fetch_policy=fetch_policy, providers=tuple(settings.HW_SCHOLARLY_PROVIDERS),
                     before_wait=release_connection)


def corpus_location() -> dict[str, str]:
    return {"corpus": settings.HW_SCHOLARLY_CORPUS} if settings.HW_SCHOLARLY_CORPUS else {}


class ReadingsReader:
    """The student's uploaded readings, as plain dicts (key, csl, chunks, origin, in_run).

    References: a Source key (str) names one of this run's own uploads (spec["uploads"], stored
    by journeys.uploads); a Source id (an int, or {"source": id}) names an upload in the student's
    library (a Source with no run). Only Sources of the run's user with origin "upload" are read;
    any other reference is ignored.
    """

    def __init__(self, run: Run) -> None:
        self.run_id = run.pk
        self.user_id = run.user_id

    def readings(self, references: list[Any]) -> list[dict[str, Any]]:
        keys = [reference for reference in references if isinstance(reference, str)]
        ids = [pk for pk in map(_source_id, references) if pk]
        rows = (
            Source.objects.filter(user_id=self.user_id, origin=SourceOrigin.UPLOAD)
            .filter(Q(run_id=self.run_id, key__in=keys) | Q(run__isnull=True, pk__in=ids))
            .prefetch_related("chunks")
            .order_by("pk")
        )
        return [
            {
                **source_dict(source),
                "in_run": source.run_id == self.run_id,
                "chunks": [{"text": chunk.text, "anchor": chunk.anchor} for chunk in source.chunks.all()],
            }
            for source in rows
        ]


def _source_id(reference: Any) -> int | None:
    if isinstance(reference, str):
        return None
    value = reference.get("source") if isinstance(reference, dict) else reference
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def readings_reader(run: Run) -> ReadingsReader:
    return ReadingsReader(run)
