"""Slides (action `build_slides`, journey slides): a deck from the student's document or outline,
every main point covered, bullets and speaker notes citing the retrieved evidence.

The main points are the plan's sections (the uploaded document's sections, or the outline's).
The model outlines the deck (prompt slide_outline); then, without trusting it:
- markers it was not given are removed, and a bullet or a note sentence whose passage does not
  support it is dropped (agents.citing.keep_supported);
- coverage is measured (`covered`): a point is covered when a slide says it covers it and that
  slide's words name it; every point left uncovered gets a slide of its own built from the
  student's text, so the deck always covers 100% of the points (`quality.coverage_min` is what
  QA enforces).
Artifacts: `slides` (JSON {"slides": [{title, bullets, notes, covers}]}: the Finalizer's input for
the Markdown and the PPTX) and `section-{i}`, the slides about point i (what QA checks).
"""
from __future__ import annotations

import json
import re
from typing import Any

from agents.citing import keep_supported
from agents.common import count_words, evidence_for, foreign_dois_note, sections_of, spec_of, without_foreign_dois
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.drafts import AUTHOR_DATE, uploaded_parts
from agents.llm.offline.text import content_words, join_list, phrases, sentences

DEFAULT_SLIDES = 8
POINT_CHARS = 1200
SLIDES_SCHEMA = {
    "type": "object",
    "required": ["slides"],
    "properties": {"slides": {"type": "array", "minItems": 1, "maxItems": 60, "items": {
        "type": "object",
        "required": ["title", "bullets", "notes", "covers"],
        "properties": {
            "title": {"type": "string", "minLength": 1},
            "bullets": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
            "notes": {"type": "string"},
            "covers": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        },
    }}},
}


def main_points(context: NodeContext) -> list[dict[str, str]]:
    """[{heading, text}] per plan section: the document's own text when there is one."""
    parts = uploaded_parts(context)
    points = []
    for index, section in enumerate(sections_of(context)):
        # The document's own "(Author, year)" citations are not verified sources: not on a slide.
        text = " ".join(parts[index]["paragraphs"]) if index < len(parts) else ". ".join(section["points"])
        text = re.sub(r"\s+([.,;:])", r"\1", AUTHOR_DATE.sub("", text))
        points.append({"heading": section["heading"], "text": text[:POINT_CHARS]})
    return points


def slide_text(slide: dict[str, Any]) -> str:
    return " ".join([slide["title"], *slide["bullets"], slide["notes"]])


def names(slide: dict[str, Any], point: dict[str, str]) -> bool:
    """The slide's words name the point: half its heading's content words, or two of its text's."""
    words = content_words(slide_text(slide))
    heading = content_words(point["heading"])
    if heading and len(words & heading) >= max(1, len(heading) / 2):
        return True
    text = content_words(point["text"])
    return bool(text) and len(words & text) >= min(2, len(text))


def covered(points: list[dict[str, str]], slides: list[dict[str, Any]]) -> list[bool]:
    return [any(index in slide.get("covers", []) and names(slide, point) for slide in slides)
            for index, point in enumerate(points)]


def clean(slide: dict[str, Any], passages: dict[tuple[str, int], str], count: int) -> tuple[dict[str, Any], int]:
    """The slide with unsupported cited bullets and note sentences dropped; and how many were."""
    bullets, dropped = [], 0
    for bullet in slide["bullets"]:
        kept, removed = keep_supported(bullet.strip(), passages)
        dropped += len(removed)
        if kept:
            bullets.append(kept)
    notes, removed = keep_supported(slide["notes"].strip(), passages)
    covers = sorted({int(index) for index in slide.get("covers", []) if 0 <= int(index) < count})
    return {"title": slide["title"].strip()[:120], "bullets": bullets[:6], "notes": notes, "covers": covers}, dropped + len(removed)


def slide_without_foreign_dois(context: NodeContext, slide: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The slide's bullets and notes less DOIs that are not retrieved sources'; and those DOIs."""
    bullets, foreign = [], []
    for bullet in slide["bullets"]:
        text, removed = without_foreign_dois(context, bullet)
        bullets.append(text)
        foreign += removed
    notes, removed = without_foreign_dois(context, slide["notes"])
    return {**slide, "bullets": bullets, "notes": notes}, foreign + removed


def point_slide(index: int, point: dict[str, str]) -> dict[str, Any]:
    """A slide for a point the outline missed, from the student's own words (nothing cited)."""
    found = sentences(point["text"])
    bullets = [join_list(phrases(sentence, 3)).capitalize() for sentence in found[:4]]
    slide = {"title": point["heading"], "bullets": [bullet for bullet in bullets if bullet] or [point["heading"]],
             "notes": " ".join(found[:3]) or point["heading"], "covers": [index]}
    if not names(slide, point):  # the words that name the point come later in its text: say it all
        slide["notes"] = " ".join(found) or point["heading"]
    return slide


def ensure_coverage(points: list[dict[str, str]], slides: list[dict[str, Any]]) -> tuple[list[dict], list[int]]:
    missing = [index for index, flag in enumerate(covered(points, slides)) if not flag]
    extra = [point_slide(index, points[index]) for index in missing]
    closing = slides[-1:] if len(slides) > 1 and not slides[-1]["covers"] else []
    return slides[: len(slides) - len(closing)] + extra + closing, missing


def point_texts(slides: list[dict[str, Any]], count: int) -> list[str]:
    """Per point, the Markdown of the slides that cover it (QA reads these as the sections)."""
    texts = []
    for index in range(count):
        blocks = [f"### {slide['title']}\n\n" + "\n".join(f"- {bullet}" for bullet in slide["bullets"]) + f"\n\n{slide['notes']}"
                  for slide in slides if index in slide["covers"]]
        texts.append("\n\n".join(blocks))
    return texts


def slides_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    spec = spec_of(context)
    sections = sections_of(context)
    points = main_points(context)
    topic = spec.topic or context.goal
    evidence = evidence_for(context, f"{topic} {' '.join(point['heading'] for point in points)}", 8)
    title = (context.state.get("plan") or {}).get("title", topic)
    result = context.llm.complete("slide_outline", {
        "title": title, "topic": topic, "slides": spec.slides or DEFAULT_SLIDES, "points": points, "evidence": evidence,
    }, schema=SLIDES_SCHEMA)
    passages = {(item["key"], item["ordinal"]): item["text"] for item in evidence}
    slides, dropped, foreign = [], 0, []
    for raw in result.data["slides"]:
        raw, removed_dois = slide_without_foreign_dois(context, raw)
        foreign += removed_dois
        slide, removed = clean(raw, passages, len(points))
        slides.append(slide)
        dropped += removed
    slides, added = ensure_coverage(points, slides)
    texts = point_texts(slides, len(points))
    for index, text in enumerate(texts):
        sections[index]["written"] = count_words(text)
    message = (f"Outlined {len(slides)} slides covering {len(points)} main points"
               + (f"; added a slide for point(s) {[index + 1 for index in added]} the outline missed" if added else "")
               + (f"; dropped {dropped} cited line(s) their passage does not support" if dropped else ""))
    return Outcome(
        route="reflect",
        delta={"plan": {"sections": sections}, "slides": {"count": len(slides), "added": added, "dropped": dropped}},
        events=[EventNote("action", message, {"slides": len(slides), "added": added, "model": result.model})]
        + foreign_dois_note(foreign, "Slides: "),
        artifacts=[ArtifactOut("slides", json.dumps({"slides": slides}), kind="slides", content_type="application/json")]
        + [ArtifactOut(f"section-{index}", text, kind="section") for index, text in enumerate(texts)],
        observation={"status": "done", "signature": f"slides: {len(slides)}, added {added}"},
    )
