"""Read-side services for the Researcher (SERVICE_FACTORIES entries):

- "scholarly": tools.scholarly.Scholarly configured from settings (providers, base URLs, contact
  address, timeouts, fetch safety). Settings are read here, at each step, so a test may change
  them; the tools themselves take their configuration as arguments.
- "readings": the student's uploaded readings named in the run's spec["readings"].
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from journeys.evidence import source_dict
from journeys.models import Run, Source
from journeys.models.evidence import SourceOrigin
from tools.scholarly import FetchPolicy, Scholarly, ScholarlyConfig


def scholarly_service(run: Run) -> Scholarly:
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
    return Scholarly(config=config, fetch_policy=fetch_policy, providers=tuple(settings.HW_SCHOLARLY_PROVIDERS))


def corpus_location() -> dict[str, str]:
    return {"corpus": settings.HW_SCHOLARLY_CORPUS} if settings.HW_SCHOLARLY_CORPUS else {}


class ReadingsReader:
    """The student's uploaded readings: Source rows of the run's user with origin "upload".

    spec["readings"] lists them by Source id (an int, or {"source": id}); anything else in the
    list, or a Source of another user, is ignored (never read).
    """

    def __init__(self, run: Run) -> None:
        self.user_id = run.user_id

    def readings(self, references: list[Any]) -> list[dict[str, Any]]:
        ids = [_source_id(reference) for reference in references]
        rows = (
            Source.objects.filter(pk__in=[pk for pk in ids if pk], user_id=self.user_id, origin=SourceOrigin.UPLOAD)
            .prefetch_related("chunks")
            .order_by("pk")
        )
        return [
            {**source_dict(source), "chunks": [{"text": chunk.text, "anchor": chunk.anchor} for chunk in source.chunks.all()]}
            for source in rows
        ]


def _source_id(reference: Any) -> int | None:
    value = reference.get("source") if isinstance(reference, dict) else reference
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def readings_reader(run: Run) -> ReadingsReader:
    return ReadingsReader(run)
