"""What extraction returns: the text, its kind, and anchors (pages or paragraphs) into it."""
from __future__ import annotations

from dataclasses import dataclass, field

from agents.documents.anchors import Anchor
from agents.documents.chunking import ChunkSpec, chunk_text

KINDS = ("pdf", "docx", "markdown", "text")


@dataclass
class ExtractedDocument:
    """Plain text of an upload (DOCX headings as Markdown `#` lines, paragraphs split by blank
    lines), its sniffed `kind` (one of KINDS), page or paragraph `anchors` in text order, and
    `warnings` about anything neutralised (e.g. PDF JavaScript ignored)."""

    text: str
    kind: str
    anchors: list[Anchor] = field(default_factory=list)
    filename: str = ""
    page_count: int = 0
    warnings: list[str] = field(default_factory=list)

    def chunks(self, target_words: int = 350) -> list[ChunkSpec]:
        """The text cut into evidence chunks carrying this document's anchors."""
        return chunk_text(self.text, target_words=target_words, anchors=self.anchors)
