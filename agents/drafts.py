"""Reading a student's document: its sections (headings and paragraphs) and its own citations."""
from __future__ import annotations

import re
from typing import Any

from agents.contracts import NodeContext
from agents.llm.offline.text import count_words

_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
# Author-date citations as students write them: (Smith, 2020), (Smith and Jones, 2019, p. 4),
# (Smith et al., 2021; Lee, 2018), Smith (2020).
AUTHOR_DATE = re.compile(
    r"\((?P<inner>[A-Z][A-Za-z'’-]+(?: (?:and|&) [A-Z][A-Za-z'’-]+| et al\.)?,? \d{4}[a-z]?(?:, p+\. ?\d+(?:-\d+)?)?"
    r"(?:; ?[A-Z][A-Za-z'’-]+(?: (?:and|&) [A-Z][A-Za-z'’-]+| et al\.)?,? \d{4}[a-z]?)*)\)"
    r"|(?P<narrative>[A-Z][A-Za-z'’-]+(?: et al\.)? \((?P<year>\d{4})[a-z]?\))"
)
_ONE_CITE = re.compile(r"(?P<author>[A-Z][A-Za-z'’-]+)(?: (?:and|&) [A-Z][A-Za-z'’-]+| et al\.)?,? (?P<year>\d{4})")
_REFERENCES = re.compile(r"^\s*#*\s*(references|bibliography|works cited|reference list)\s*:?\s*$", re.I | re.M)


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 10 and not line.rstrip().endswith((".", ",", ";", ":", "?")) and line[:1].isupper()


def body_and_references(text: str) -> tuple[str, str]:
    """The draft without its reference list, and the list (which the rewrite replaces)."""
    match = _REFERENCES.search(text)
    if not match:
        return text, ""
    return text[: match.start()], text[match.end():]


def split_draft(text: str, fallback_sections: int = 3) -> list[dict[str, Any]]:
    """Sections of a document: by its headings, else its paragraphs in `fallback_sections` groups.

    Each: {"heading", "paragraphs": [str], "words"}."""
    body, _ = body_and_references(text)
    sections: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for block in [part.strip() for part in re.split(r"\n\s*\n", body) if part.strip()]:
        first_line = block.splitlines()[0].strip()
        heading = _MARKDOWN_HEADING.match(first_line)
        if heading or (_looks_like_heading(first_line) and len(block.splitlines()) == 1):
            current = {"heading": (heading.group(1) if heading else first_line).strip(), "paragraphs": []}
            sections.append(current)
            continue
        if current is None:
            current = {"heading": "", "paragraphs": []}
            sections.append(current)
        current["paragraphs"].append(re.sub(r"\s+", " ", block))
    sections = [section for section in sections if section["paragraphs"]]
    if len(sections) == 1 and not sections[0]["heading"]:
        sections = _group(sections[0]["paragraphs"], fallback_sections)
    for index, section in enumerate(sections):
        section["heading"] = section["heading"] or f"Part {index + 1}"
        section["words"] = sum(count_words(paragraph) for paragraph in section["paragraphs"])
    return sections


def _group(paragraphs: list[str], count: int) -> list[dict[str, Any]]:
    size = max(1, -(-len(paragraphs) // max(1, count)))
    return [{"heading": "", "paragraphs": paragraphs[start : start + size]} for start in range(0, len(paragraphs), size)]


def citations_in(text: str) -> list[dict[str, Any]]:
    """Each author-date citation in the text: its exact text and the (author, year) pairs in it."""
    found = []
    for match in AUTHOR_DATE.finditer(text):
        if match.group("narrative"):
            # "Smith (2020) argues": the name stays in the sentence, only "(2020)" becomes a marker.
            narrative = match.group("narrative")
            found.append({"text": narrative[narrative.index("("):], "works": [(narrative.split()[0], int(match.group("year")))]})
            continue
        works = [(cite.group("author"), int(cite.group("year"))) for cite in _ONE_CITE.finditer(match.group(0))]
        if works:
            found.append({"text": match.group(0), "works": works})
    return found


def uploaded_parts(context: NodeContext) -> list[dict[str, Any]]:
    """The sections of the run's first uploaded document (split_draft); [] without an upload."""
    keys = list(context.spec.get("uploads") or [])
    return split_draft(context.services["uploads"].text(keys[0])) if keys else []


def draft_citations(context: NodeContext) -> list[tuple[str, int]]:
    """Every distinct (author, year) the uploaded draft's body cites, in order."""
    found: list[tuple[str, int]] = []
    for part in uploaded_parts(context):
        for paragraph in part["paragraphs"]:
            found += [work for citation in citations_in(paragraph) for work in citation["works"]]
    return list(dict.fromkeys(found))
