"""The small Markdown subset our writers emit, parsed into blocks for the DOCX and PDF exporters.

Supported: ATX headings (`#`..`######`), paragraphs (soft line breaks joined), bullet items
(`-`, `*`, `+`), numbered items (`1.`), block quotes (`> `: the deliverable's notes), pipe tables
(`| a | b |`, the separator row skipped: a research pack's claims matrix), and inline
`**bold**` / `*italic*` / `_italic_`. Anything else is kept as paragraph text, so nothing the
writer wrote is ever dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_LITERAL_ASTERISK = "\x02"
_INLINE = re.compile(r"(\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|(?<!\w)_[^_\s][^_]*_(?!\w))")


@dataclass(frozen=True)
class Block:
    """kind is "heading" (with level 1-6), "paragraph", "bullet", "numbered", "quote" or "table"
    (text: the table's lines; `table_rows` splits them into cells)."""

    kind: str
    text: str
    level: int = 0


@dataclass(frozen=True)
class Run:
    """A piece of inline text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


def parse_blocks(markdown: str) -> list[Block]:
    """Split Markdown into blocks; consecutive plain lines form one paragraph."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(line.strip() for line in paragraph)))
            paragraph.clear()

    table: list[str] = []
    for line in markdown.splitlines():
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if line.lstrip().startswith("|"):
            flush()
            table.append(line.strip())
            continue
        if table:
            blocks.append(Block("table", "\n".join(table)))
            table = []
        if not line.strip():
            flush()
        elif heading:
            flush()
            blocks.append(Block("heading", heading.group(2), len(heading.group(1))))
        elif bullet and not line.lstrip().startswith("**"):
            flush()
            blocks.append(Block("bullet", bullet.group(1).strip()))
        elif numbered:
            flush()
            blocks.append(Block("numbered", numbered.group(1).strip()))
        elif quote := _QUOTE.match(line):
            flush()
            blocks.append(Block("quote", quote.group(1).strip()))
        else:
            paragraph.append(line)
    flush()
    if table:
        blocks.append(Block("table", "\n".join(table)))
    return blocks


def table_rows(block: Block) -> list[list[str]]:
    """The cells of a table block, row by row, without the |---| separator row."""
    rows = []
    for line in block.text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", cell) for cell in cells if cell):
            continue
        rows.append(cells)
    return rows


def parse_inline(text: str) -> list[Run]:
    """Split inline Markdown emphasis into runs (no nesting: our writers never nest it)."""
    runs: list[Run] = []
    # An escaped asterisk is text: hide it from the emphasis pattern, restore it in the runs.
    for piece in _INLINE.split(text.replace("\\*", _LITERAL_ASTERISK)):
        if not piece:
            continue
        if (piece.startswith("**") and piece.endswith("**")) or (piece.startswith("__") and piece.endswith("__")):
            run = Run(piece[2:-2], bold=True)
        elif len(piece) > 2 and piece[0] == piece[-1] and piece[0] in "*_" and _INLINE.fullmatch(piece):
            run = Run(piece[1:-1], italic=True)
        else:
            run = Run(piece)
        runs.append(Run(run.text.replace(_LITERAL_ASTERISK, "*"), run.bold, run.italic))
    return runs


def plain_text(text: str) -> str:
    """Inline Markdown with the emphasis marks removed."""
    return "".join(run.text for run in parse_inline(text))
