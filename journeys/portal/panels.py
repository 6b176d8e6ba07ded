"""What the run page shows, computed from the run's rows: the plan graph, the timeline, the
evidence behind citations, the budget gauges and the Turnitin strip. Plain data for templates;
all text is escaped by the templates (or here, before any markup is added)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from agents.citing import MARKER, cited_pairs
from journeys import reports
from journeys.models import Artifact, Chunk, Event, Run, RunStatus, Source, Step
from journeys.portal.graphs import plan_graph, route_graph
from turnitin.models import TurnitinCycle

TIMELINE_LIMIT = 300
PREVIEW_CHARS = 60_000
MARKER_PAIR = re.compile(r"@([a-z0-9_-]+):(\d+)")


@dataclass(frozen=True)
class Gauge:
    name: str
    used: float
    limit: float
    label: str

    @property
    def fraction(self) -> float:
        return min(1.0, self.used / self.limit) if self.limit else 1.0

    @property
    def percent(self) -> int:
        return round(self.fraction * 100)


def gauges(run: Run) -> list[Gauge]:
    budget = run.budget_view()
    used, limits = budget["used"], budget["limits"]
    return [
        Gauge("Tokens", used["tokens"], limits["tokens"], f"{used['tokens']:,.0f} of {limits['tokens']:,.0f} tokens"),
        Gauge("Time", used["seconds"], limits["seconds"], f"{used['seconds']:,.0f} of {limits['seconds']:,.0f} seconds"),
        Gauge("Cost", used["usd"], limits["usd"], f"${used['usd']:,.4f} of ${limits['usd']:,.2f}"),
    ]


def item_state(raw: dict[str, Any], is_next: bool, run: Run) -> str:
    status = str(raw.get("status") or "").lower()
    if status in {"done", "succeeded", "complete", "completed"} or raw.get("written") or raw.get("done"):
        return "done"
    if status in {"failed", "error"}:
        return "failed"
    if status == "skipped":
        return "skipped"
    if is_next and run.status in {RunStatus.RUNNING, RunStatus.QUEUED}:
        return "active"
    return "pending"


def plan_items(run: Run) -> list[dict[str, str]]:
    """The plan's items with their state, whatever list the planner used (sections, steps, tasks)."""
    plan = run.state.get("plan") or {}
    raw_items = next((plan[key] for key in ("steps", "tasks", "sections") if isinstance(plan.get(key), list)), [])
    items, next_found = [], False
    for index, raw in enumerate(raw_items):
        raw = raw if isinstance(raw, dict) else {"title": str(raw)}
        title = str(raw.get("title") or raw.get("heading") or raw.get("name") or f"Item {index + 1}")
        state = item_state(raw, not next_found, run)
        next_found = next_found or state in {"active", "pending"}
        goal = (raw.get("success") or {}).get("text") if isinstance(raw.get("success"), dict) else ""
        detail = f"{raw['written']} words" if raw.get("written") else (f"~{raw['words']} words" if raw.get("words") else goal or "")
        items.append({"title": title, "state": state, "detail": detail})
    return items


def timeline(run: Run) -> list[dict[str, Any]]:
    events = list(Event.objects.filter(run=run).order_by("-pk")[:TIMELINE_LIMIT])
    events.reverse()
    return [
        {
            "id": event.pk,
            "seq": event.seq,
            "kind": event.kind,
            "message": event.message,
            "reasons": [str(reason) for reason in (event.data or {}).get("reasons", [])][:20],
            "created_at": event.created_at,
        }
        for event in events
    ]


def evidence(run: Run) -> list[dict[str, Any]]:
    sources = Source.objects.filter(run=run).prefetch_related("chunks").order_by("-relevance", "key")[:100]
    return [
        {
            "key": source.key,
            "title": source.title,
            "year": source.year,
            "url": safe_link(source.url) or (f"https://doi.org/{source.doi}" if source.doi else ""),
            "provider": source.provider,
            "passages": [{"anchor": chunk.anchor, "text": chunk.text} for chunk in list(source.chunks.all())[:3]],
        }
        for source in sources
    ]


def safe_link(url: str) -> str:
    """Only web links become hrefs (a source record must never smuggle in a javascript: URL)."""
    return url if url.lower().startswith(("https://", "http://")) else ""


def deliverable_files(run: Run) -> list[dict[str, Any]]:
    return [
        {"name": artifact.name, "filename": reports.artifact_filename(artifact), "content_type": artifact.content_type,
         "size": artifact.size, "version": artifact.version}
        for artifact in reports.latest_artifacts(run, deliverables_only=True)
    ]


def source_label(csl: dict[str, Any], key: str, year: int | None) -> str:
    """'Oke 1982' from a CSL record (first author's family name and year), else the key."""
    authors = csl.get("author") or []
    family = authors[0].get("family") or authors[0].get("literal") if authors and isinstance(authors[0], dict) else ""
    if not family:
        return key
    return f"{family}{' et al.' if len(authors) > 2 else ''} {year or 'n.d.'}"


def cited_passages(run: Run, text: str) -> dict[tuple[str, int], dict[str, str]]:
    """The evidence chunk behind every citation marker [@key:ordinal] in `text` (one query)."""
    pairs = set(cited_pairs(text))
    if not pairs:
        return {}
    keys = {key for key, _ in pairs}
    chunks = Chunk.objects.filter(run=run, source__key__in=keys).select_related("source").only(
        "ordinal", "text", "anchor", "source__key", "source__title", "source__csl", "source__year"
    )
    return {
        (chunk.source.key, chunk.ordinal): {
            "label": source_label(chunk.source.csl or {}, chunk.source.key, chunk.source.year),
            "title": chunk.source.title, "passage": chunk.text[:700], "anchor": chunk.anchor,
        }
        for chunk in chunks
        if (chunk.source.key, chunk.ordinal) in pairs
    }


def cite_markup(text: str, passages: dict[tuple[str, int], dict[str, str]]) -> SafeString:
    """Escape the text, then turn each citation marker into readable, focusable citations whose
    tooltip shows the passage the claim rests on. A marker with no known passage stays text."""
    escaped = escape(text)

    def one(key: str, ordinal: str) -> str:
        found = passages.get((key, int(ordinal)))
        if found is None:
            return escape(f"@{key}:{ordinal}")
        where = f" ({escape(found['anchor'])})" if found["anchor"] else ""
        return (
            f'<span class="cite" tabindex="0">{escape(found["label"])}<span class="tip" role="tooltip">'
            f'<strong>{escape(found["title"])}</strong>{where}: {escape(found["passage"])}</span></span>'
        )

    def replace(match: re.Match) -> str:
        return "(" + "; ".join(one(key, ordinal) for key, ordinal in MARKER_PAIR.findall(match.group(0))) + ")"

    return mark_safe(MARKER.sub(replace, escaped))  # noqa: S308 - every piece was escaped above


def sections_so_far(run: Run) -> str:
    """While no draft exists yet: the sections written so far, in plan order (one query), so the
    student watches the text grow."""
    plan = run.state.get("plan") or {}
    references = run.state.get("artifacts") or {}
    wanted = {f"section-{index}": section.get("heading", "") for index, section in enumerate(plan.get("sections") or [])}
    versions = Q()
    for name in wanted:
        if references.get(name):
            versions |= Q(name=name, version=references[name])
    if not versions:
        return ""
    texts = dict(Artifact.objects.filter(versions, run=run).values_list("name", "content"))
    parts = [f"## {heading}\n\n{texts[name]}" for name, heading in wanted.items() if name in texts]
    return "\n\n".join(parts)


def preview(run: Run) -> list[dict[str, Any]]:
    """The newest draft (with citation markers; else the deliverable; else the sections written
    so far) as headings, notes and paragraphs."""
    artifact = reports.find_artifact(run, "draft") or reports.find_artifact(run, "deliverable")
    text = (artifact.content if artifact is not None else sections_so_far(run))[:PREVIEW_CHARS]
    if not text:
        return []
    passages = cited_passages(run, text)
    blocks = []
    for block in text.split("\n\n"):
        block = block.strip()
        if not block:
            continue
        heading = re.match(r"^#{1,4}\s+(.*)$", block)
        quote = block.startswith(">")
        text = heading.group(1) if heading else re.sub(r"^>\s?", "", block, flags=re.M) if quote else block
        blocks.append({"heading": bool(heading), "quote": quote, "html": cite_markup(text, passages)})
    return blocks


CYCLE_WORDS = {
    "pending_upload": "waiting for a checker to take the draft",
    "awaiting_report": "a checker is running the draft through Turnitin",
    "report_ready": "report received; the agents are reading it",
    "iterating": "the agents are revising the flagged passages",
    "done": "checked",
    "expired": "no checker answered in time",
}


def turnitin_strip(run: Run) -> dict[str, Any] | None:
    """Target vs observed similarity of the run's latest Turnitin cycle, and whether the run waits
    for a checker (None when the run has no Turnitin gate and no cycle)."""
    info = run.state.get("turnitin") or {}
    cycle = TurnitinCycle.objects.filter(run=run).order_by("-number").first()
    if cycle is None and not info:
        return None
    human = run.state.get("human") or {}
    waiting = run.status == RunStatus.WAITING_HUMAN and human.get("kind") == "turnitin" and bool(human.get("pending"))
    return {
        "target": cycle.target_similarity if cycle else info.get("target"),
        "observed": cycle.observed_similarity if cycle else None,
        "ai_writing": cycle.ai_writing_score if cycle else None,
        "cycle": cycle.number if cycle else info.get("cycles"),
        "max_cycles": info.get("max_cycles"),
        "status": CYCLE_WORDS.get(cycle.status, cycle.status) if cycle else "",
        "outcome": cycle.outcome if cycle else "",
        "waiting": waiting,
    }


def run_panels(run: Run) -> dict[str, Any]:
    """Everything the live panels of the run page show."""
    steps = list(Step.objects.filter(run=run).only("seq", "route_in", "route", "node").order_by("seq"))
    sources = evidence(run)
    question = reports.pending_question(run)
    return {
        "run": run,
        "is_terminal": run.is_terminal,
        "plan_items": plan_items(run),
        "graph": route_graph(run, steps),
        "plan_graph": plan_graph((run.state.get("plan") or {}).get("steps") or []),
        "gauges": gauges(run),
        "sources": sources,
        "preview": preview(run),
        "deliverables": deliverable_files(run),
        "question": question,
        "questions": reports.question_items(question),
        "turnitin": turnitin_strip(run),
        "progress": round(float(run.state.get("progress", 0.0)) * 100),
    }
