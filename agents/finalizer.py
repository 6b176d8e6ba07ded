"""Finalizer: the deliverable, with citations and bibliography rendered by a real CSL processor.

The draft (title + sections with citation markers) is stored as artifact "draft"; agents.rendering
(citeproc-py with the official CSL styles) turns the markers into in-text citations and appends
the bibliography of the works actually cited. Exports: Markdown, DOCX, PDF, and the bibliography
as RIS, BibTeX and CSL-JSON. A deliverable built from the bundled demo corpus says so at the top.

It is also the node the engine runs when a budget runs out: then it makes no model call and
delivers the best draft there is, with an honest note saying what is missing.
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from agents.citing import cited_pairs
from agents.common import spec_of
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.deliverables import build_for, extra_files
from agents.rendering import RenderedDocument, render_document, to_bibtex, to_csl_json, to_docx, to_pdf, to_ris

DEMO_NOTE = (
    "> Built offline from the bundled demo corpus: the works cited are fictitious records (DOIs "
    "10.5555) for demonstration only; configure a scholarly provider for real sources."
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def ending_note(context: NodeContext, missing: int) -> str:
    ending = context.services.get("ending")
    if not ending:
        return ""
    if missing:
        return f"\n> Note: this run stopped early ({ending}); {missing} planned section(s) are missing.\n"
    return f"\n> Note: this run stopped early ({ending}) after every section was written.\n"


def notes_for(context: NodeContext, sources: dict[str, dict[str, Any]], cited: set[str]) -> list[str]:
    notes = []
    if any(sources[key].get("provider") == "corpus" for key in cited if key in sources):
        notes.append(DEMO_NOTE)
    plan = context.state.get("plan") or {}
    if plan.get("accepted_sources") is not None:
        notes.append(f"> Note: only {plan['accepted_sources']} suitable sources were found; "
                     f"{spec_of(context).min_sources} were asked for.")
    for warning in (context.state.get("warnings") or [])[:8]:
        notes.append(f"> Open issue: {warning}")
    # Notes the gates left for the student (e.g. a similarity target not met), said plainly.
    notes.extend(f"> Note: {note}" for note in context.state.get("delivery_notes", []))
    notes += journey_notes(context)
    return notes


def journey_notes(context: NodeContext) -> list[str]:
    """What a rewrite changed that the student must know, and the parts' own notes (assignment)."""
    notes = []
    rewrite = context.state.get("rewrite") or {}
    unmatched = list(dict.fromkeys(item for entry in rewrite.values() for item in entry.get("unmatched", [])))
    if unmatched:
        notes.append("> Note: these citations of the draft match no source that could be retrieved and were removed; "
                      "add them back with their references if they are right: " + "; ".join(unmatched[:12]) + ".")
    reverted = [f"section {int(index) + 1} paragraph(s) {entry['reverted']}" for index, entry in sorted(rewrite.items())
                if entry.get("reverted")]
    if reverted:
        notes.append("> Note: where a rewrite changed the meaning the original wording was kept: " + "; ".join(reverted) + ".")
    notes += [f"> Note from {note}" for note in ((context.state.get("plan") or {}).get("notes") or [])[:8]]
    return notes


def finalize(context: NodeContext) -> Outcome:
    spec = spec_of(context)
    title, draft, words, missing = build_for(context)
    sources = {item["key"]: item for item in context.services["evidence"].sources()}
    cited = {key for key, _ in cited_pairs(draft)}
    notes = notes_for(context, sources, cited)
    marked = draft.replace("\n\n", "\n\n" + "\n\n".join(notes) + "\n\n", 1) if notes else draft
    marked += ending_note(context, missing)
    rendered = render_document(marked, {key: sources[key]["csl"] for key in cited}, spec.style)
    stem = {"research_pack": "research-pack"}.get(spec.deliverable, spec.deliverable)
    items = [sources[key]["csl"] for key in rendered.cited_keys]
    artifacts = [ArtifactOut("draft", marked, kind="draft")] + exports(rendered, title, stem, items)
    artifacts += extra_files(context, rendered, title)
    events = [EventNote(
        "deliverable",
        f"Delivered {stem}.md/.docx/.pdf ({words} words, {len(rendered.cited_keys)} sources cited in {rendered.style})",
        {"words": words, "missing": missing, "cited": rendered.cited_keys, "style": rendered.style},
    )]
    return Outcome(
        route="done",
        delta={"progress": 1.0, "deliverable": {"words": words, "missing_sections": missing, "cited": len(rendered.cited_keys),
                                                "style": rendered.style}},
        events=events,
        artifacts=artifacts,
        status="succeeded",
    )


def without_title(rendered: RenderedDocument, title: str) -> tuple[RenderedDocument, str]:
    """The document for DOCX and PDF, whose exporters print the title themselves (the draft's
    own first line, "# title", would print it twice), and that title."""
    head, _, rest = rendered.body.partition("\n")
    if head.startswith("# "):
        return replace(rendered, body=rest.lstrip("\n")), head[2:].strip() or title
    return rendered, title


def exports(rendered: RenderedDocument, title: str, stem: str, items: list[dict]) -> list[ArtifactOut]:
    document, title = without_title(rendered, title)
    return [
        ArtifactOut("deliverable", rendered.markdown, kind="deliverable", export_as=f"{stem}.md"),
        ArtifactOut("deliverable-docx", "", kind="deliverable", content_type=DOCX, export_as=f"{stem}.docx",
                    binary=to_docx(document, title)),
        ArtifactOut("deliverable-pdf", "", kind="deliverable", content_type="application/pdf", export_as=f"{stem}.pdf",
                    binary=to_pdf(document, title)),
        ArtifactOut("references-ris", to_ris(items), kind="bibliography", content_type="application/x-research-info-systems",
                    export_as="references.ris"),
        ArtifactOut("references-bibtex", to_bibtex(items), kind="bibliography", content_type="application/x-bibtex",
                    export_as="references.bib"),
        ArtifactOut("references-csl", to_csl_json(items), kind="bibliography", content_type="application/json",
                    export_as="references.json"),
        ArtifactOut("citations", json.dumps(rendered.chunk_ids, sort_keys=True), kind="citations", content_type="application/json"),
    ]


