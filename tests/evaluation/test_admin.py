"""The evaluation admin: the runs' changelist with aggregates and charts, a run's results, the
trends page and a task's history render for an operator."""
from __future__ import annotations

from decimal import Decimal

import pytest

from evaluation.expectations import Measures
from evaluation.harness import TaskResult
from evaluation.models import EvalRun, Trigger
from evaluation.services import finish_eval_run, record_result


def store_evaluation(outcomes: dict[str, bool], cost: float = 0.02) -> EvalRun:
    evaluation = EvalRun.objects.create(trigger=Trigger.NIGHTLY, paths=["evaluation/tasks"], tasks_total=len(outcomes))
    for index, (task, passed) in enumerate(outcomes.items()):
        measures = Measures(status="succeeded" if passed else "failed", steps=10 + index, retries=index, tokens=1000,
                            cost_usd=cost, routes=["plan", "act", "finalize"])
        unmet = [] if passed else ["status: expected succeeded, got failed"]
        record_result(evaluation, TaskResult(task, f"evaluation/tasks/{task}.yaml", passed, unmet, measures, 3.5))
    return finish_eval_run(evaluation)


@pytest.fixture
def evaluations(db):
    return [store_evaluation({"rate_limit_resilience": True, "loop_trap": False}),
            store_evaluation({"rate_limit_resilience": True, "loop_trap": True}, cost=0.04)]


def test_the_changelist_shows_each_evaluation_with_its_aggregates_and_charts(admin_client, evaluations):
    page = admin_client.get("/admin/evaluation/evalrun/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "1/2" in html and "2/2" in html and "50%" in html and "100%" in html
    assert "0.040000" in html  # the first: two tasks at $0.02, one success
    assert html.count("class='eval-chart'") == 4 and "Pass rate" in html and "Cost per successful task" in html


def test_an_evaluation_page_lists_its_task_results(admin_client, evaluations):
    page = admin_client.get(f"/admin/evaluation/evalrun/{evaluations[0].pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "loop_trap" in html and "status: expected succeeded, got failed" in html


def test_the_trends_and_task_history_pages_render(admin_client, evaluations):
    trends = admin_client.get("/admin/evaluation/evalrun/trends/")
    history = admin_client.get("/admin/evaluation/evalrun/task/loop_trap/")

    assert trends.status_code == 200 and history.status_code == 200
    assert "loop_trap" in trends.content.decode() and "50%" in trends.content.decode()
    html = history.content.decode()
    assert html.count("class='eval-chart'") == 3 and "FAIL" in html and "pass" in html
    assert f"#{evaluations[1].pk}" in html


def test_the_results_changelist_renders(admin_client, evaluations):
    page = admin_client.get("/admin/evaluation/evalresult/?passed__exact=0")

    assert page.status_code == 200 and "loop_trap" in page.content.decode()
    assert Decimal("0.04") in [row.cost_usd for row in evaluations[1].results.all()]
