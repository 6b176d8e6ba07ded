"""What a student may ask for when starting a run, shared by the portal form and the API
serializer so both offer the same choices. The services validate the goal and word target; the
agents' TaskSpec validates the spec as a whole."""
from __future__ import annotations

from datetime import date
from typing import Any

from agents import taskspec

STYLE_NAMES = {"apa": "APA 7th", "harvard": "Harvard", "mla": "MLA 9th", "chicago": "Chicago author-date",
               "ieee": "IEEE", "vancouver": "Vancouver"}
LEVEL_NAMES = {"secondary": "Secondary school", "undergraduate": "Undergraduate", "postgraduate": "Postgraduate (Master's)",
               "doctoral": "Doctoral"}
# The values are TaskSpec's own, so a choice offered here is always one the spec accepts.
CITATION_STYLES = [(style, STYLE_NAMES.get(style, style)) for style in taskspec.CITATION_STYLES]
LEVELS = [(level, LEVEL_NAMES.get(level, level)) for level in taskspec.LEVELS]
MAX_REGION_CHARS = 60
MAX_RECENCY_YEARS = 100
MAX_MIN_SOURCES = 100
UPLOAD_EXTENSIONS = (".docx", ".pdf", ".txt", ".md")

# Request field -> TaskSpec field, for the fields copied into the run's spec.
SPEC_FIELDS = {"style": "style", "level": "level", "region": "region", "recency": "recency_years",
               "deadline": "deadline", "min_sources": "min_sources"}


def spec_from_request(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The run spec from validated request fields; empty optional fields are left out."""
    spec: dict[str, Any] = {}
    for name, field in SPEC_FIELDS.items():
        value = cleaned.get(name)
        if value in (None, ""):
            continue
        spec[field] = value.isoformat() if isinstance(value, date) else value
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
