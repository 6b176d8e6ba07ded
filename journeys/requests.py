"""What a student may ask for when starting a run, shared by the portal form and the API
serializer so both offer the same choices. The services validate the goal and word target; the
agents' TaskSpec validates the spec as a whole."""
from __future__ import annotations

from datetime import date
from typing import Any

CITATION_STYLES = [
    ("apa", "APA 7th"),
    ("harvard", "Harvard"),
    ("mla", "MLA 9th"),
    ("chicago", "Chicago author-date"),
    ("ieee", "IEEE"),
    ("vancouver", "Vancouver"),
]
LEVELS = [
    ("school", "Secondary school"),
    ("undergraduate", "Undergraduate"),
    ("masters", "Master's"),
    ("doctoral", "Doctoral"),
]
MAX_REGION_CHARS = 80
MAX_RECENCY_YEARS = 50
UPLOAD_EXTENSIONS = (".docx", ".pdf", ".txt", ".md")

# Keys copied from a validated request into the run's spec (TaskSpec field names).
SPEC_FIELDS = ("style", "level", "region", "recency", "deadline")


def spec_from_request(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The run spec from validated request fields; empty optional fields are left out."""
    spec: dict[str, Any] = {}
    for name in SPEC_FIELDS:
        value = cleaned.get(name)
        if value in (None, ""):
            continue
        spec[name] = value.isoformat() if isinstance(value, date) else value
    return spec


def upload_problem(name: str, size: int, max_bytes: int) -> str:
    """Why an uploaded file is refused, or '' when it is acceptable."""
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        return f"'{name}' is not a supported file; upload one of: {', '.join(UPLOAD_EXTENSIONS)}"
    if size > max_bytes:
        return f"'{name}' is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB"
    if size == 0:
        return f"'{name}' is empty"
    return ""
