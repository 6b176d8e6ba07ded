"""What the run page shows, computed from the run's rows: the plan graph, the timeline, the
evidence behind citations, the budget gauges and the Turnitin strip. Plain data for templates;
all text is escaped by the templates (or here, before any markup is added)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from journeys import reports
from journeys.models import TERMINAL_STATUSES, Event, Run, RunStatus, Source, Step

TIMELINE_LIMIT = 300
PREVIEW_CHARS = 60_000


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
        detail = f"{raw['written']} words" if raw.get("written") else (f"~{raw['words']} words" if raw.get("words") else "")
        items.append({"title": title, "state": state, "detail": detail})
    return items


NODE_WIDTH, NODE_GAP, NODE_HEIGHT, GRAPH_TOP = 112, 44, 46, 58


def route_graph(run: Run, steps: list[Step]) -> dict[str, Any]:
    """The policy's routes as nodes (visits, current) and the transitions taken as edges, laid
    out left to right for an inline SVG: forward edges arc above, backward ones below."""
    # jsonb does not keep key order: start route first, then routes in the order first taken.
    start = run.policy.get("start_route", "")
    taken = [step.route_in for step in steps] + [step.route for step in steps]
    def order(route: str) -> tuple:
        return (route != start, taken.index(route) if route in taken else len(taken), route)

    routes = sorted(run.policy.get("routes", {}), key=order)
    visits: dict[str, int] = dict.fromkeys(routes, 0)
    edges: dict[tuple[str, str], int] = {}
    for step in steps:
        visits[step.route_in] = visits.get(step.route_in, 0) + 1
        if step.route in visits or step.route in run.policy.get("routes", {}):
            edges[(step.route_in, step.route)] = edges.get((step.route_in, step.route), 0) + 1
    current = "" if run.status in TERMINAL_STATUSES else run.route
    position = {route: index for index, route in enumerate(visits)}
    nodes = [
        {
            "route": route, "node": run.policy.get("routes", {}).get(route, route), "visits": count,
            "current": route == current, "x": 10 + index * (NODE_WIDTH + NODE_GAP), "y": GRAPH_TOP,
        }
        for index, (route, count) in enumerate(visits.items())
    ]
    drawn = [
        edge_path(position[source], position[target], source, target, count)
        for (source, target), count in sorted(edges.items())
        if source in position and target in position
    ]
    width = 20 + len(nodes) * (NODE_WIDTH + NODE_GAP) - NODE_GAP
    return {"nodes": nodes, "edges": drawn, "width": max(width, 200), "height": GRAPH_TOP * 2 + NODE_HEIGHT,
            "node_width": NODE_WIDTH, "node_height": NODE_HEIGHT}


def edge_path(source: int, target: int, source_name: str, target_name: str, count: int) -> dict[str, Any]:
    step = NODE_WIDTH + NODE_GAP
    if source == target:  # a route that chose itself again: a small loop above the node
        x = 10 + source * step + NODE_WIDTH / 2
        d = f"M {x - 14} {GRAPH_TOP} C {x - 30} {GRAPH_TOP - 40}, {x + 30} {GRAPH_TOP - 40}, {x + 14} {GRAPH_TOP}"
        return {"d": d, "label_x": x, "label_y": GRAPH_TOP - 34, "count": count, "text": f"{source_name} again ({count}×)"}
    forward = target > source
    x1 = 10 + source * step + NODE_WIDTH / 2 + (12 if forward else -12)
    x2 = 10 + target * step + NODE_WIDTH / 2 - (12 if forward else -12)
    y = GRAPH_TOP if forward else GRAPH_TOP + NODE_HEIGHT
    bend = min(50, 14 + 10 * abs(target - source))
    control_y = y - bend if forward else y + bend
    middle = (x1 + x2) / 2
    d = f"M {x1} {y} Q {middle} {control_y} {x2} {y}"
    label_y = (y + control_y) / 2 + (-2 if forward else 10)
    return {"d": d, "label_x": middle, "label_y": label_y, "count": count, "text": f"{source_name} → {target_name} ({count}×)"}


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


CITATION = re.compile(r"\[@?([A-Za-z0-9_:.\-]+)((?:[,;][^\]\n]{0,80})?)\]")


def cite_markup(text: str, passages: dict[str, dict[str, str]]) -> SafeString:
    """Escape the text, then turn citations of known sources ([@key] or [key, p. 3]) into focusable
    markers whose tooltip shows the supporting passage. Unknown keys stay plain text."""
    escaped = escape(text)

    def replace(match: re.Match) -> str:
        source = passages.get(match.group(1))
        if source is None:
            return match.group(0)
        tip = escape(source["passage"] or source["title"])
        label = match.group(0)
        return (
            f'<span class="cite" tabindex="0">{label}'
            f'<span class="tip" role="tooltip"><strong>{escape(source["title"])}</strong> {tip}</span></span>'
        )

    return mark_safe(CITATION.sub(replace, escaped))  # noqa: S308 - every piece was escaped above


def preview(run: Run, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest deliverable (or draft) as headings and paragraphs with live citations."""
    artifact = reports.find_artifact(run, "deliverable") or reports.find_artifact(run, "draft")
    if artifact is None or not artifact.content:
        return []
    passages = {
        source["key"]: {"title": source["title"], "passage": source["passages"][0]["text"][:600] if source["passages"] else ""}
        for source in sources
    }
    blocks = []
    for block in artifact.content[:PREVIEW_CHARS].split("\n\n"):
        block = block.strip()
        if not block:
            continue
        heading = re.match(r"^(#{1,4})\s+(.*)$", block)
        if heading:
            blocks.append({"heading": True, "html": cite_markup(heading.group(2), passages)})
        else:
            blocks.append({"heading": False, "html": cite_markup(block, passages)})
    return blocks


def turnitin_strip(run: Run) -> dict[str, Any] | None:
    """Target vs observed similarity and whether a checker is awaited (None: no Turnitin gate)."""
    info = run.state.get("turnitin") or {}
    target = info.get("target") or run.policy.get("gates", {}).get("similarity_target")
    if target is None and not info:
        return None
    human = run.state.get("human") or {}
    waiting = run.status == RunStatus.WAITING_HUMAN and human.get("kind") == "turnitin"
    return {
        "target": target,
        "observed": info.get("observed"),
        "cycle": info.get("cycle"),
        "status": info.get("status") or ("awaiting_report" if waiting else ""),
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
        "gauges": gauges(run),
        "sources": sources,
        "preview": preview(run, sources),
        "deliverables": deliverable_files(run),
        "question": question,
        "questions": reports.question_items(question),
        "turnitin": turnitin_strip(run),
        "progress": round(float(run.state.get("progress", 0.0)) * 100),
    }
