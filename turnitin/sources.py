"""Which of a run's retrieved sources a report's matched source is, if any.

A match against a retrieved source means the draft may quote and cite it; a match against
anything else (another student's paper, a web page we never retrieved) can only be rewritten or
replaced, because only retrieved source records may be cited.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rapidfuzz import fuzz

from journeys.models import Source

TITLE_MATCH = 90


def host(url: str) -> str:
    name = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return name.removeprefix("www.")


def match_sources(sources: list[dict], run_id: int) -> list[dict]:
    """The report's sources, each with "key" set to the matching retrieved source (or None)."""
    records = list(Source.objects.filter(run_id=run_id).values("key", "url", "doi", "title"))
    return [{**source, "key": matching_key(source, records)} for source in sources]


def matching_key(source: dict, records: list[dict]) -> str | None:
    if source.get("kind") == "student_paper":
        return None
    name = source["name"].strip()
    if "." in name and " " not in name:
        wanted = host(name)
        for record in records:
            if record["url"] and host(record["url"]) == wanted:
                return record["key"]
            if record["doi"] and record["doi"].lower() in name.lower():
                return record["key"]
        return None
    best = max(records, key=lambda record: fuzz.token_set_ratio(name, record["title"]), default=None)
    if best is not None and fuzz.token_set_ratio(name, best["title"]) >= TITLE_MATCH:
        return best["key"]
    return None
