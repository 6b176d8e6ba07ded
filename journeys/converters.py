"""URL converters. Ids are bounded to 18 digits so an absurd id in a URL is a 404, not a
database integer overflow (a 500)."""
from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
