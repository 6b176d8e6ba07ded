"""Citation markers in the writer's Markdown, rendered through a real CSL processor.

The writer cites evidence as `[@KEY:CHUNK_ID]` or, several in one bracket, `[@KEY1:12; @KEY2:40]`.
`render_document` replaces every marker with the style's in-text citation (citeproc-py) and appends
the bibliography of the cited works only. No citation is ever invented: a marker whose key is not
among the sources raises OrphanCitation, and a bracket that looks like a marker but does not parse
raises MalformedCitation rather than leaking into the deliverable.
"""
from __future__ import annotations

import html
import re
import warnings
from dataclasses import dataclass, field

from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
from citeproc.source.json import CiteProcJSON

from agents.rendering.styles import StyleInfo, load_style, style_info

KEY_PATTERN = r"[a-z0-9_-]+"
_ONE = rf"@({KEY_PATTERN}):(\d+)"
MARKER = re.compile(rf"\[\s*{_ONE}(?:\s*;\s*{_ONE})*\s*\]")
_ONE_IN_BRACKET = re.compile(_ONE)
# Anything that starts like a marker; whatever of it MARKER does not match is malformed.
_MARKER_LIKE = re.compile(r"\[\s*@[^\]\n]*\]")


class CitationError(ValueError):
    """Base class: the document cannot be rendered without inventing or dropping a citation."""


class OrphanCitation(CitationError):
    """A marker names a source key that is not among the retrieved sources."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        super().__init__(f"citation markers name unknown sources: {', '.join(keys)}")


class MalformedCitation(CitationError):
    """Text shaped like a marker (`[@...]`) that is not `[@key:chunk_id; ...]`."""

    def __init__(self, fragments: list[str]):
        self.fragments = fragments
        super().__init__(f"malformed citation markers (expected [@key:chunk_id]): {', '.join(fragments[:5])}")


@dataclass(frozen=True)
class CitationMarker:
    """One cited (key, chunk) pair; `span` is the (start, end) of its whole bracket in the text."""

    key: str
    chunk_id: int
    span: tuple[int, int]


@dataclass
class RenderedDocument:
    """A rendered deliverable.

    `markdown` is the body with citations rendered plus the bibliography section under `heading`;
    `body` is the same without that section; `bibliography` holds plain-text entries in the style's
    order, `bibliography_markdown` the same entries with *italics*; `cited_keys` lists keys in order
    of first citation; `chunk_ids` maps each key to the evidence chunks cited for it.
    """

    markdown: str
    body: str
    bibliography: list[str]
    bibliography_markdown: list[str]
    cited_keys: list[str]
    style: str
    heading: str
    chunk_ids: dict[str, list[int]] = field(default_factory=dict)


def parse_citations(text: str) -> list[CitationMarker]:
    """Every (key, chunk_id) in well-formed markers, in document order; brackets share a span."""
    markers: list[CitationMarker] = []
    for match in MARKER.finditer(text):
        for key, chunk_id in _ONE_IN_BRACKET.findall(match.group(0)):
            markers.append(CitationMarker(key, int(chunk_id), match.span()))
    return markers


def malformed_markers(text: str) -> list[str]:
    """Marker-shaped fragments that do not parse (e.g. `[@Doe2021]`, `[@doe:p4]`)."""
    return [match.group(0) for match in _MARKER_LIKE.finditer(text) if not MARKER.fullmatch(match.group(0))]


def render_document(markdown: str, sources: dict[str, dict], style: str) -> RenderedDocument:
    """Render `markdown`'s markers in `style` with the CSL-JSON items in `sources` (key -> item).

    Raises UnknownStyle, MalformedCitation or OrphanCitation; never renders a work not cited.
    """
    info = style_info(style)
    bad = malformed_markers(markdown)
    if bad:
        raise MalformedCitation(bad)
    brackets = _brackets(markdown)
    orphans = sorted({key for keys in brackets.values() for key in keys} - set(sources))
    if orphans:
        raise OrphanCitation(orphans)
    cited_keys = list(dict.fromkeys(key for keys in brackets.values() for key in keys))
    texts, entries = _run_processor(info, [keys for keys in brackets.values()], {key: sources[key] for key in cited_keys})
    body = _replace_brackets(markdown, list(brackets), texts)
    bibliography_markdown = [_numbered_label_spacing(_html_to_markdown(entry)) for entry in entries]
    bibliography = [_numbered_label_spacing(_html_to_plain(entry)) for entry in entries]
    return RenderedDocument(
        markdown=_with_bibliography(body, info.heading, bibliography_markdown),
        body=body,
        bibliography=bibliography,
        bibliography_markdown=bibliography_markdown,
        cited_keys=cited_keys,
        style=info.name,
        heading=info.heading,
        chunk_ids=_chunk_ids(markdown),
    )


def _brackets(markdown: str) -> dict[tuple[int, int], list[str]]:
    """Span of each marker bracket -> its distinct keys in order (one bracket is one citation)."""
    brackets: dict[tuple[int, int], list[str]] = {}
    for marker in parse_citations(markdown):
        keys = brackets.setdefault(marker.span, [])
        if marker.key not in keys:
            keys.append(marker.key)
    return brackets


def _chunk_ids(markdown: str) -> dict[str, list[int]]:
    chunk_ids: dict[str, list[int]] = {}
    for marker in parse_citations(markdown):
        ids = chunk_ids.setdefault(marker.key, [])
        if marker.chunk_id not in ids:
            ids.append(marker.chunk_id)
    return chunk_ids


def _run_processor(info: StyleInfo, citations: list[list[str]], items: dict[str, dict]) -> tuple[list[str], list[str]]:
    """Cite each group of keys in document order; return in-text Markdown strings and the
    bibliography entries as citeproc's HTML."""
    csl_items = [_prepared_item(key, item) for key, item in items.items()]
    with warnings.catch_warnings():
        # citeproc-py warns on CSL-JSON fields it does not know; they are simply not rendered.
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(load_style(info), CiteProcJSON(csl_items), formatter.html)
        prepared = [Citation([CitationItem(key) for key in keys]) for keys in citations]
        for citation in prepared:  # register all first so numeric styles number by first citation
            bibliography.register(citation)
        bibliography.sort()  # the style's <sort> (alphabetical for author-date); a no-op for numeric
        texts = [_html_to_markdown(str(bibliography.cite(citation, _raise_missing))) for citation in prepared]
        entries = [str(entry) for entry in bibliography.bibliography()] if prepared else []
    return texts, entries


def _prepared_item(key: str, item: dict) -> dict:
    """The item as citeproc-py needs it: id = key, a type, and no empty values (which it cannot
    render). A missing type becomes "webpage" for a bare URL and "article" otherwise."""
    prepared = {name: _escaped(value) for name, value in item.items() if value not in (None, "", [], {})}
    prepared["id"] = key
    if not prepared.get("type"):
        prepared["type"] = "webpage" if prepared.get("URL") and not prepared.get("container-title") else "article"
    return prepared


def _escaped(value):
    """HTML-escape every string: citeproc-py's HTML formatter passes field text through raw, and
    a title containing "<x>" or "*" must come out as text, not as markup."""
    if isinstance(value, str):
        return html.escape(value, quote=False).replace("*", "&#42;").replace("_", "&#95;")
    if isinstance(value, list):
        return [_escaped(element) for element in value]
    if isinstance(value, dict):
        return {name: _escaped(element) for name, element in value.items()}
    return value


def _raise_missing(citation_item) -> None:
    raise OrphanCitation([citation_item.key])


def _replace_brackets(markdown: str, spans: list[tuple[int, int]], texts: list[str]) -> str:
    parts, position = [], 0
    for (start, end), text in zip(spans, texts, strict=True):
        parts.extend([markdown[position:start], text])
        position = end
    parts.append(markdown[position:])
    return "".join(parts)


_TAGS = {"i": "*", "em": "*", "b": "**", "strong": "**"}
_TAG = re.compile(r"</?([a-zA-Z]+)[^>]*>")


def _html_to_markdown(fragment: str) -> str:
    """citeproc's HTML output as Markdown: italics and bold kept, every other tag dropped, and a
    literal asterisk from the data escaped so it never turns into emphasis."""
    marked = _TAG.sub(lambda match: _TAGS.get(match.group(1).lower(), "").replace("*", "\x01"), fragment)
    return html.unescape(marked).replace("*", "\\*").replace("\x01", "*").strip()


def _html_to_plain(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment)).strip()


# Numeric styles put the label in a "left-margin" block; rendered inline it needs a space.
_LABEL = re.compile(r"^(\[\d+\]|\d+\.)(?=\S)")


def _numbered_label_spacing(entry: str) -> str:
    return _LABEL.sub(r"\1 ", entry)


def _with_bibliography(body: str, heading: str, entries: list[str]) -> str:
    if not entries:
        return body
    listing = "\n\n".join(entries)
    return f"{body.rstrip()}\n\n## {heading}\n\n{listing}\n"
