"""Citations and deliverables: markers rendered by a real CSL processor, then exported.

Public API (a contract with the agents that call it):
    parse_citations(text) -> list[CitationMarker]
    render_document(markdown, sources, style) -> RenderedDocument
    to_markdown(rendered) -> str; to_docx(rendered, title) -> bytes; to_pdf(rendered, title) -> bytes
    to_pptx(slides: list[Slide], title) -> bytes
    to_ris(items) -> str; to_bibtex(items) -> str; to_csl_json(items) -> str
    errors: UnknownStyle, OrphanCitation, MalformedCitation (all ValueError subclasses)
"""
from agents.rendering.bibformats import to_bibtex, to_csl_json, to_ris
from agents.rendering.citations import (
    CitationError,
    CitationMarker,
    MalformedCitation,
    OrphanCitation,
    RenderedDocument,
    parse_citations,
    render_document,
)
from agents.rendering.office import Slide, to_docx, to_markdown, to_pptx
from agents.rendering.pdf import to_pdf
from agents.rendering.styles import STYLES, UnknownStyle, style_info

__all__ = [
    "STYLES", "CitationError", "CitationMarker", "MalformedCitation", "OrphanCitation", "RenderedDocument", "Slide",
    "UnknownStyle", "parse_citations", "render_document", "style_info", "to_bibtex", "to_csl_json", "to_docx",
    "to_markdown", "to_pdf", "to_pptx", "to_ris",
]
