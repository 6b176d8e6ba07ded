"""What the run page shows, from the run's rows: the draft growing section by section, the plan
as a graph of its steps, the agent loop's decisions, the budget gauges."""
from __future__ import annotations

from journeys.models import Artifact, Run, Step
from tests.portal.people import idle_run

STEPS = [
    {"id": "research", "title": "Find at least 5 sources", "depends_on": [], "status": "done",
     "success": {"text": "at least 5 usable sources"}},
    {"id": "write-0", "title": 'Write "Introduction"', "depends_on": ["research"], "status": "done"},
    {"id": "write-1", "title": 'Write "Evidence"', "depends_on": ["research"], "status": "pending"},
    {"id": "qa", "title": "Check claims", "depends_on": ["write-0", "write-1"], "status": "pending"},
]


def given_a_run_half_written(owner) -> Run:
    run = idle_run(owner)
    for name, version, text in [("section-0", 1, "An old introduction."), ("section-0", 2, "The revised introduction."),
                                ("section-1", 1, "Evidence so far.")]:
        Artifact.objects.create(run=run, name=name, version=version, content=text, size=len(text), sha256="0" * 64, step_seq=1)
    plan = {"title": "Heat", "sections": [{"heading": "Introduction"}, {"heading": "Evidence"}], "steps": STEPS}
    state = {"plan": plan, "artifacts": {"section-0": 2, "section-1": 1}}
    Run.objects.filter(pk=run.pk).update(state=state, seq=3, used_tokens=100_000)
    for seq, (route_in, route) in enumerate([("plan", "act"), ("act", "reflect"), ("reflect", "act")]):
        Step.objects.create(run=run, seq=seq, node=route_in, route_in=route_in, route=route, started_at=run.created_at,
                            finished_at=run.created_at)
    return run


def test_the_page_shows_the_sections_written_so_far_in_their_newest_version(people, client):
    run = given_a_run_half_written(people.owner)
    client.force_login(people.owner)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert "The revised introduction." in page and "An old introduction." not in page
    assert page.index("<h3>Introduction</h3>") < page.index("<h3>Evidence</h3>") < page.index("Evidence so far.")


def test_the_plan_graph_draws_every_step_after_the_steps_it_depends_on(people, client):
    run = given_a_run_half_written(people.owner)
    client.force_login(people.owner)
    page = client.get(f"/runs/{run.pk}/panels/").content.decode()
    assert page.count('class="plan-node status-done"') == 2 and page.count('class="plan-node status-pending"') == 2
    assert "Find at least 5 sources before Write &quot;Introduction&quot;" in page  # an edge, with its text alternative
    assert page.count("<path class=\"edge\"") >= 4 + 3  # plan edges + loop transitions
    assert "plan → act (1×)" in page and "reflect → act (1×)" in page
    assert f'value="{round(100_000 / run.limit_tokens * 100)}"' in page  # the token gauge
