"""The draft of each deliverable type, with citation markers, for the Finalizer to render.

- essay, report, literature review, assignment, rewrite: title + sections (the draft contract);
- research pack: annotated bibliography, claims matrix, synthesis;
- slides: one `##` block per slide (bullets, then speaker notes), and the PPTX built from the
  rendered blocks so the slides carry the same rendered citations as the Markdown.
"""
from __future__ import annotations

import json
import re

from agents.common import count_words
from agents.contracts import ArtifactOut, NodeContext
from agents.rendering import RenderedDocument, Slide, to_pptx

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
NOTES = "Speaker notes:"


def title_of(context: NodeContext) -> str:
    return (context.state.get("plan") or {}).get("title") or context.goal[:120]


def assemble(context: NodeContext) -> tuple[str, int, int]:
    """The Markdown draft (with markers) from the written sections, its word count, sections missing."""
    plan = context.state.get("plan") or {}
    parts = [f"# {title_of(context)}"]
    words = missing = 0
    for index, section in enumerate(plan.get("sections", [])):
        if not section.get("written"):
            missing += 1
            continue
        text = context.read_artifact(f"section-{index}")
        words += count_words(text)
        parts.append(f"## {section['heading']}\n\n{text}")
    return "\n\n".join(parts) + "\n", words, missing


def _artifact(context: NodeContext, name: str) -> str:
    return context.read_artifact(name) if name in (context.state.get("artifacts") or {}) else ""


def research_pack(context: NodeContext) -> tuple[str, int, int]:
    synthesis, words, missing = assemble(context)
    body = synthesis.split("\n\n", 1)[1] if "\n\n" in synthesis else ""
    parts = [f"# {title_of(context)}: research pack"]
    parts.append("## Annotated bibliography\n\n" + (_artifact(context, "annotations") or "_No sources were annotated._"))
    parts.append("## Claims matrix\n\n" + (_artifact(context, "claims-matrix") or "_No claims matrix was built._"))
    parts.append(body.replace("## Synthesis", "## Synthesis", 1) if body else "## Synthesis\n\n_No synthesis was written._")
    return "\n\n".join(parts) + "\n", words, missing


def slides_markdown(context: NodeContext) -> tuple[str, int, int]:
    raw = _artifact(context, "slides")
    slides = json.loads(raw)["slides"] if raw else []
    parts = [f"# {title_of(context)}"]
    for slide in slides:
        bullets = "\n".join(f"- {bullet}" for bullet in slide["bullets"])
        parts.append(f"## {slide['title']}\n\n{bullets}\n\n{NOTES} {slide['notes']}")
    text = "\n\n".join(parts) + "\n"
    return text, count_words(text), 0 if slides else 1


BUILDERS = {"research_pack": research_pack, "slides": slides_markdown}


def build_for(context: NodeContext) -> tuple[str, str, int, int]:
    """(title, draft markdown with markers, words, sections missing) for the run's deliverable."""
    deliverable = context.spec.get("deliverable", "essay")
    draft, words, missing = BUILDERS.get(deliverable, assemble)(context)
    return title_of(context), draft, words, missing


def extra_files(context: NodeContext, rendered: RenderedDocument, title: str) -> list[ArtifactOut]:
    if context.spec.get("deliverable") != "slides":
        return []
    slides = slides_from_markdown(rendered.body)
    if rendered.bibliography:
        slides.append(Slide(title=rendered.heading or "References", bullets=rendered.bibliography[:12], notes=""))
    return [ArtifactOut("deck", "", kind="deliverable", content_type=PPTX, export_as="slides.pptx", binary=to_pptx(slides, title))]


def slides_from_markdown(body: str) -> list[Slide]:
    slides = []
    for block in re.split(r"^## ", body, flags=re.MULTILINE)[1:]:
        heading, _, rest = block.partition("\n")
        bullets = [line[2:].strip() for line in rest.splitlines() if line.startswith("- ")]
        notes = rest.split(NOTES, 1)[1].strip() if NOTES in rest else ""
        if heading.strip().lower() in {"references", "bibliography", "works cited", "reference list"}:
            continue
        slides.append(Slide(title=heading.strip(), bullets=bullets, notes=notes))
    return slides
