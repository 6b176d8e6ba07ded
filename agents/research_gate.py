"""The research_probe journey's reflect and finalize nodes (also what the evaluation harness
runs to measure research alone):

- check_sources (route reflect): enough sources -> finalize; fewer and the ladder not yet
  climbed to the top -> expand; fewer with every rung tried -> finalize, saying so honestly.
- deliver_bibliography (route finalize): a Markdown list of the sources found, each with its
  scores and the research summary. A plain listing, not a styled reference list: citation
  styles belong to the rendering library.
"""

from __future__ import annotations

from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.research.goal import counted_sources, research_goal
from agents.self_debugger import repair_reasons
from agents.tool_ingestor import growth_route


def check_sources(context: NodeContext) -> Outcome:
    goal = research_goal(context.spec, context.policy)
    memory = context.state.get("research") or {}
    have = len(counted_sources(context.services["evidence"].sources(), memory))
    broken = repair_reasons(context.state)
    growth = growth_route(context, "expand")
    if broken and "repair" in context.policy["routes"]:
        route, reason = "repair", "; ".join(broken)
    elif have >= goal.min_sources and memory:
        route, reason = "finalize", f"{have} sources meet the minimum of {goal.min_sources}"
    elif not memory.get("exhausted"):
        route = "expand" if memory else "research"
        reason = f"{have} of {goal.min_sources} sources; widening the search" if memory else "no research yet"
    elif growth:
        route, reason = growth
    else:
        route, reason = "finalize", f"only {have} of {goal.min_sources} sources after every widening rung; delivering what there is"
    return Outcome(
        route=route,
        verdict={"route": route, "reasons": [reason], "sources": have, "min_sources": goal.min_sources},
        events=[EventNote("verdict", f"-> {route}: {reason}", {"route": route, "sources": have})],
    )


def _line(source: dict) -> str:
    csl = source["csl"]
    authors = (
        ", ".join(person.get("family") or person.get("literal") or "" for person in (csl.get("author") or [])[:3]) or "Anonymous"
    )
    if len(csl.get("author") or []) > 3:
        authors += " et al."
    venue = csl.get("container-title") or csl.get("publisher") or ""
    link = f"https://doi.org/{csl['DOI']}" if csl.get("DOI") else csl.get("URL", "")
    return (
        f"- **{source['key']}** — {authors} ({source.get('year') or 'n.d.'}). {csl.get('title', '')}."
        f"{' ' + venue + '.' if venue else ''} {link} "
        f"_(relevance {source['relevance']:.2f}, credibility {source['credibility']:.2f}, "
        f"{source['origin']}, {source['provider']})_"
    )


def deliver_bibliography(context: NodeContext) -> Outcome:
    memory = context.state.get("research") or {}
    sources = counted_sources(context.services["evidence"].sources(), memory)
    goal = research_goal(context.spec, context.policy)
    lines = [f"# Sources for: {context.goal}", ""]
    lines += [_line(source) for source in sources] or ["No sources were found."]
    lines += [
        "",
        f"Searched {', '.join(memory.get('providers') or []) or 'no provider'} with {len(memory.get('queries') or [])} queries; "
        f"widening rungs used: {', '.join(item['rung'] for item in memory.get('widening') or []) or 'none'}.",
    ]
    if len(sources) < goal.min_sources:
        lines.append(f"> Note: fewer sources than the minimum of {goal.min_sources} could be found.")
    return Outcome(
        route="done",
        delta={"progress": 1.0, "deliverable": {"sources": len(sources)}},
        events=[EventNote("deliverable", f"Delivered sources.md ({len(sources)} sources)", {"sources": len(sources)})],
        artifacts=[ArtifactOut("deliverable", "\n".join(lines) + "\n", kind="deliverable", export_as="sources.md")],
        status="succeeded",
    )
