"""The two graphs of the run page, laid out here for inline SVG (no JavaScript, no library):

- the plan: the planner's steps as a DAG (columns by dependency depth), coloured by status;
- the agent loop: the policy's routes, with the transitions the run actually took and how often.
"""
from __future__ import annotations

from typing import Any

from journeys.models import TERMINAL_STATUSES, Run, Step

STEP_WIDTH, STEP_HEIGHT, COLUMN_GAP, ROW_GAP, MARGIN = 150, 44, 46, 14, 10


def plan_graph(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The plan's steps in columns by dependency depth, with an edge per dependency."""
    if not steps or not all(isinstance(item, dict) and item.get("id") for item in steps):
        return None
    by_id = {str(item["id"]): item for item in steps}
    depth: dict[str, int] = {}

    def depth_of(step_id: str, seen: frozenset = frozenset()) -> int:
        if step_id not in depth:
            declared = [str(parent) for parent in by_id[step_id].get("depends_on") or []]
            parents = [parent for parent in declared if parent in by_id and parent not in seen]
            depth[step_id] = 1 + max((depth_of(parent, seen | {step_id}) for parent in parents), default=-1)
        return depth[step_id]

    rows: dict[int, int] = {}
    nodes = {}
    for step_id, item in by_id.items():
        column = depth_of(step_id)
        row = rows.get(column, 0)
        rows[column] = row + 1
        title = str(item.get("title") or step_id)
        nodes[step_id] = {
            "id": step_id, "title": title, "short": title if len(title) <= 21 else title[:20] + "…",
            "status": str(item.get("status") or "pending"), "goal": str((item.get("success") or {}).get("text") or ""),
            "x": MARGIN + column * (STEP_WIDTH + COLUMN_GAP), "y": MARGIN + row * (STEP_HEIGHT + ROW_GAP),
        }
    edges = [
        {"d": link(nodes[str(parent)], node), "text": f"{nodes[str(parent)]['title']} before {node['title']}"}
        for node in nodes.values()
        for parent in by_id[node["id"]].get("depends_on") or []
        if str(parent) in nodes
    ]
    columns, tallest = max(rows) + 1, max(rows.values())
    return {
        "nodes": list(nodes.values()), "edges": edges, "width": 2 * MARGIN + columns * (STEP_WIDTH + COLUMN_GAP) - COLUMN_GAP,
        "height": 2 * MARGIN + tallest * (STEP_HEIGHT + ROW_GAP) - ROW_GAP, "node_width": STEP_WIDTH, "node_height": STEP_HEIGHT,
    }


def link(source: dict[str, Any], target: dict[str, Any]) -> str:
    x1, y1 = source["x"] + STEP_WIDTH, source["y"] + STEP_HEIGHT / 2
    x2, y2 = target["x"] - 4, target["y"] + STEP_HEIGHT / 2
    middle = (x1 + x2) / 2
    return f"M {x1} {y1} C {middle} {y1}, {middle} {y2}, {x2} {y2}"


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


