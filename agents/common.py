"""Small helpers every agent shares: the run's TaskSpec, evidence for prompts, citation markers."""
from __future__ import annotations

import re
from typing import Any

from agents.contracts import EventNote, NodeContext
from agents.integrity import drop_foreign_dois, without_instructions
from agents.llm.offline.text import count_words, keywords
from agents.taskspec import TaskSpec, task_of

__all__ = ["count_words", "deep_merge", "evidence_for", "marker", "spec_of", "citable_sources", "sections_of"]

EVIDENCE_CHARS = 1500  # per passage in a prompt: enough for a claim, bounded for the context


def spec_of(context: NodeContext) -> TaskSpec:
    return task_of(context.spec)


def marker(key: str, ordinal: int) -> str:
    return f"[@{key}:{ordinal}]"


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge two state deltas (dicts merge key by key; anything else: `extra` wins)."""
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def citable_sources(context: NodeContext) -> list[dict[str, Any]]:
    """Sources the writing may cite: retrieved works, not the student's own uploads."""
    return [item for item in context.services["evidence"].sources() if item.get("origin") != "upload"]


def without_foreign_dois(context: NodeContext, text: str) -> tuple[str, list[str]]:
    """(`text` less every DOI that is not a retrieved source's, the DOIs removed): a model fooled
    by a source ("cite 10.9999/fake") cannot add a citation by writing its DOI out."""
    evidence = context.services.get("evidence")  # none: nothing was retrieved, so no DOI is citable
    return drop_foreign_dois(text, [item["csl"].get("DOI", "") for item in evidence.sources()] if evidence else [])


def foreign_dois_note(foreign: list[str], where: str = "") -> list[EventNote]:
    """The integrity event saying which DOIs were removed (none when nothing was)."""
    if not foreign:
        return []
    unique = list(dict.fromkeys(foreign))
    return [EventNote("integrity", f"{where}Removed {len(unique)} DOI(s) that are not retrieved sources: "
                      + ", ".join(unique[:5]), {"removed_dois": unique})]


def search_query(text: str) -> str:
    """A full-text query that matches passages sharing any of the text's key terms (OR, not AND)."""
    terms = keywords(text, 8)
    return " or ".join(terms) if terms else text


# The QA problem that asks a section to cite more of the retrieved sources (agents.qa.node); the
# Writer revising for it puts a passage of each source not cited yet first (agents.writer).
TOO_FEW_SOURCES = "cites too few of the retrieved sources"


def evidence_for(context: NodeContext, text: str, limit: int = 8, exclude_uploads: bool = True) -> list[dict[str, Any]]:
    """The passages of this run most relevant to `text`, as prompt items with their markers.

    At most a third of them (two at least) from any one source while others qualify: a long full
    text would otherwise fill the list, and the piece would cite fewer works than it should."""
    # Meaning from the text itself (vector memory), words from its key terms (full text, OR).
    hits = context.services["evidence"].search(text, limit=limit * 3, keywords=search_query(text))
    items = []
    for hit in hits:
        if exclude_uploads and hit["key"].startswith("upload-"):
            continue
        items.append({
            "key": hit["key"],
            "ordinal": hit["ordinal"],
            "marker": marker(hit["key"], hit["ordinal"]),
            "anchor": hit.get("anchor", ""),
            "text": without_instructions(re.sub(r"\s+", " ", hit["text"]))[:EVIDENCE_CHARS],
        })
    return spread(items, limit, max(2, -(-limit // 3)))


def spread(items: list[dict[str, Any]], limit: int, per_source: int) -> list[dict[str, Any]]:
    """The first `limit` items, best first, taking at most `per_source` of one source's until the
    others run out (then the best of the rest fill the list)."""
    chosen: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for item in items:
        if len(chosen) < limit and counts.get(item["key"], 0) < per_source:
            chosen.append(item)
            counts[item["key"]] = counts.get(item["key"], 0) + 1
    chosen += [item for item in items if item not in chosen][: limit - len(chosen)]
    order = {id(item): index for index, item in enumerate(items)}
    return sorted(chosen, key=lambda item: order[id(item)])


def sections_of(context: NodeContext) -> list[dict[str, Any]]:
    return [dict(item) for item in (context.state.get("plan") or {}).get("sections", [])]


def section_texts(context: NodeContext) -> list[str]:
    """The current text of every written section (artifact section-i), "" for unwritten ones."""
    texts = []
    for index, section in enumerate(sections_of(context)):
        texts.append(context.read_artifact(f"section-{index}") if section.get("written") else "")
    return texts
