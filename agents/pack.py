"""Research pack (journey research_pack): the annotated bibliography and the claims matrix; the
synthesis is a section the Writer writes from the same evidence.

- `annotate_step` (action annotate_sources): for each retrieved source (best first), the model
  annotates its most relevant passage (prompt annotate_source); a cited sentence its passage does
  not support is dropped (agents.citing.keep_supported). Artifact `annotations` (Markdown).
- `claims_step` (action claims_matrix): the model proposes the claims the passages share (prompt
  extract_claims); every (claim, passage) cell is then checked by the words (agents.qa.support),
  so a tick in the matrix always means the cited passage states it. Artifact `claims-matrix`.
"""
from __future__ import annotations

import datetime
import re
from typing import Any

from agents.citing import keep_supported
from agents.common import EVIDENCE_CHARS, citable_sources, marker, spec_of
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.integrity import without_instructions
from agents.llm.offline.text import content_words
from agents.qa.support import lexical_support, normal

MAX_ANNOTATED = 15
QUOTED = re.compile(r'"([^"]{12,300})"')
CHUNKS_PER_SOURCE = 3
MAX_CLAIMS = 6
CLAIMS_SCHEMA = {
    "type": "object",
    "required": ["claims"],
    "properties": {"claims": {"type": "array", "maxItems": 12, "items": {
        "type": "object",
        "required": ["claim", "evidence"],
        "properties": {"claim": {"type": "string", "minLength": 3}, "evidence": {"type": "array", "items": {"type": "string"}}},
    }}},
}


def ranked_sources(context: NodeContext) -> list[dict[str, Any]]:
    sources = citable_sources(context)
    return sorted(sources, key=lambda item: (-(item.get("relevance") or 0), item["key"]))[:MAX_ANNOTATED]


def best_chunk(chunks: list[dict[str, Any]], topic: str) -> dict[str, Any]:
    terms = content_words(topic)
    return max(chunks, key=lambda chunk: (len(content_words(chunk["text"]) & terms), -chunk["ordinal"]))


def annotate_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    spec = spec_of(context)
    topic = spec.topic or context.goal
    recent_from = datetime.date.today().year - (spec.recency_years or 5)
    entries, dropped, model, quoted = [], 0, "none", []
    for source in ranked_sources(context):
        chunks = context.services["evidence"].chunks(source["key"])
        if not chunks:
            continue
        chunk = best_chunk(chunks, topic)
        cite = marker(source["key"], chunk["ordinal"])
        title = source["csl"].get("title") or source["key"]
        result = context.llm.complete("annotate_source", {
            "topic": topic, "marker": cite, "key": source["key"], "title": title, "year": source.get("year"),
            "text": without_instructions(chunk["text"])[:EVIDENCE_CHARS], "recent_from": recent_from, "quoted_before": quoted[-20:],
        })
        text, removed = keep_supported(result.text.strip(), {(source["key"], chunk["ordinal"]): chunk["text"]})
        dropped += len(removed)
        quoted += QUOTED.findall(text)
        model = result.model
        year = f" ({source['year']})" if source.get("year") else ""
        entries.append(f"### {title}{year}\n\n{text or 'No statement of this work could be checked against its text.'}")
    message = f"Annotated {len(entries)} sources"
    if dropped:
        message += f"; dropped {dropped} sentence(s) their passage does not support"
    return Outcome(
        route="reflect",
        delta={"pack": {"annotated": len(entries)}},
        events=[EventNote("action", message, {"annotated": len(entries), "dropped": dropped, "model": model})],
        artifacts=[ArtifactOut("annotations", "\n\n".join(entries) + "\n", kind="section")],
        observation={"status": "done" if entries else "failed", "error": "" if entries else "no source has text to annotate",
                     "signature": f"annotated {len(entries)}"},
    )


def passages_of(context: NodeContext, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    passages = []
    for source in sources:
        for chunk in context.services["evidence"].chunks(source["key"])[:CHUNKS_PER_SOURCE]:
            passages.append({"key": source["key"], "ordinal": chunk["ordinal"], "anchor": chunk.get("anchor", ""),
                             "marker": marker(source["key"], chunk["ordinal"]), "text": chunk["text"][:EVIDENCE_CHARS]})
    return passages


def checked_claims(claims: list[dict], passages: dict[str, dict]) -> list[tuple[str, list[dict]]]:
    """Each claim with the passages that really support it (claims no passage supports are left out)."""
    rows = []
    for item in claims:
        claim = " ".join(item["claim"].split())[:300]
        cells = [passages[cited] for cited in dict.fromkeys(item["evidence"])
                 if cited in passages and lexical_support(claim, passages[cited]["text"])[0]]
        # The passage that states the claim word for word (if one does) is the one quoted.
        cells.sort(key=lambda cell: normal(claim.rstrip("…")) not in normal(cell["text"]))
        if cells:
            rows.append((claim, cells))
    return rows[:MAX_CLAIMS]


def matrix_markdown(rows: list[tuple[str, list[dict]]], sources: list[dict[str, Any]]) -> str:
    """Claims x sources: a dot where the source supports the claim, the first passage quoted."""
    columns = [source["key"] for source in sources]
    label = {key: f"S{index + 1}" for index, key in enumerate(columns)}
    lines = ["| Claim | " + " | ".join(label[key] for key in columns) + " | Evidence |",
             "|---|" + "---|" * len(columns) + "---|"]
    for claim, cells in rows:
        supporting = {cell["key"] for cell in cells}
        if normal(claim) in normal(cells[0]["text"]):
            claim = f"\"{claim}\""  # a claim in a source's own words is quoted
        dots = " | ".join("•" if key in supporting else "" for key in columns)
        lines.append(f"| {claim.replace('|', '/')} | {dots} | {len(supporting)} of {len(columns)} sources {cells[0]['marker']} |")
    legend = [f"- {label[key]}: {marker(key, 0)}" for key in columns]
    return "\n".join(lines) + "\n\nSources:\n\n" + "\n".join(legend) + "\n"


def claims_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    spec = spec_of(context)
    sources = ranked_sources(context)
    passages = passages_of(context, sources)
    result = context.llm.complete("extract_claims", {
        "topic": spec.topic or context.goal, "passages": passages, "count": MAX_CLAIMS,
    }, schema=CLAIMS_SCHEMA)
    rows = checked_claims(result.data["claims"], {item["marker"]: item for item in passages})
    cited = [source for source in sources if any(cell["key"] == source["key"] for _, cells in rows for cell in cells)]
    text = matrix_markdown(rows, cited) if rows else "_No claim was supported by two or more passages._\n"
    return Outcome(
        route="reflect",
        delta={"pack": {"claims": len(rows)}},
        events=[EventNote("action", f"Claims matrix: {len(rows)} claims across {len(cited)} sources "
                          f"({len(result.data['claims']) - len(rows)} proposed claims had no supporting passage)",
                          {"claims": len(rows), "model": result.model})],
        artifacts=[ArtifactOut("claims-matrix", text, kind="section")],
        observation={"status": "done", "signature": f"claims {len(rows)}"},
    )
