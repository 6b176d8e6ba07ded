"""Deploy safety (issue 11): a run started on one code version finishes after a deploy that
changed a node's state contract; a state with no upgrade path fails the run clearly.

"Old" and "new" code are real worker processes started with HW_NODE_OVERRIDES pointing at the
two builds in tests/deploy/nodes.py (journeys.upgrades documents the mechanism)."""
from __future__ import annotations

import json

import pytest

from journeys import engine, services, upgrades
from journeys.models import Event, Run, RunStatus, Step
from journeys.state import diff_patch, merge_patch, replay
from tests.conftest import wait_for
from tests.deploy import nodes

GOAL = "Write an essay on river deltas and the cities built on them"


@pytest.fixture
def deploy(workers, transactional_db):
    """`deploy(overrides)` replaces every running worker by one on that code build; the session's
    default workers come back for later tests (the `worker` fixture restarts them)."""
    def to(overrides: dict) -> None:
        workers.stop_all()
        workers.start(extra_env={"HW_NODE_OVERRIDES": json.dumps(overrides)})

    yield to
    workers.stop_all()


def run_paused_between_steps_on_old_code(deploy, student) -> Run:
    """A run started on build 1, paused after at least one v1 section was written, none in flight."""
    deploy(nodes.build(1))
    run = services.start_run(student, "sketch", GOAL, words=300, spec={"sections": 4})
    wait_for(lambda: Step.objects.filter(run=run, node="executor").exists(), 60, 0.05, "a section written on build 1")
    services.pause_run(run.pk, by="deployer")
    run = wait_for(lambda: Run.objects.filter(pk=run.pk, status=RunStatus.PAUSED, lease_owner="").first(), 60, 0.05,
                   "the run to stop between steps")
    assert run.state["todo"], "the run must still have sections to write after the deploy"
    return run


def wait_until_ended(run: Run) -> Run:
    wait_for(lambda: Run.objects.filter(pk=run.pk, finished_at__isnull=False).exists(), 90, 0.1, "the run to end")
    run.refresh_from_db()
    return run


def test_a_run_started_on_old_code_finishes_after_a_deploy_that_changed_a_node_contract(deploy, student):
    # given a run paused between steps on build 1 (executor contract v1: sections as a list)
    run = run_paused_between_steps_on_old_code(deploy, student)
    paused_seq, old_sections = run.seq, len(run.state["written"])
    assert run.state[upgrades.VERSIONS_KEY]["executor"] == 1

    # when every worker is replaced by build 2 (executor v2, with an upgrader from v1) and the run resumes
    deploy(nodes.build(2))
    services.resume_run(run.pk, by="deployer")

    # then its first step on build 2 upgrades the state, and build 2 finishes the run
    run = wait_until_ended(run)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    upgrade = Step.objects.get(run=run, node=upgrades.UPGRADE_NODE)
    assert upgrade.seq == paused_seq and upgrade.error == ""
    assert upgrade.route == upgrade.route_in  # the run goes on to the node it was due to run
    assert Event.objects.filter(run=run, kind="upgrade", message__contains="executor v1->v2").exists()
    written = run.state["written"]
    assert sorted(written) == sorted(nodes.SECTIONS) and all(section["words"] > 0 for section in written.values())
    builds = list(Step.objects.filter(run=run, node="executor").order_by("seq").values_list("observation__build", flat=True))
    assert builds == [1] * old_sections + [2] * (len(nodes.SECTIONS) - old_sections)
    assert run.state[upgrades.VERSIONS_KEY]["executor"] == 2
    # the upgrade is a delta like any other: replaying the steps still reproduces the state
    deltas = list(Step.objects.filter(run=run).order_by("seq").values_list("delta", flat=True))
    assert replay(deltas) == run.state


def test_a_state_with_no_upgrade_path_fails_the_run_clearly_once(deploy, student):
    # given a run paused between steps on build 1
    run = run_paused_between_steps_on_old_code(deploy, student)
    paused_seq, paused_state = run.seq, run.state

    # when the deployed build runs executor v3 and only knows how to upgrade from v2
    deploy(nodes.build(2, executor_version=3, upgraders={"2": f"{nodes.MODULE}.upgrade_written_v1"}))
    services.resume_run(run.pk, by="deployer")

    # then the run fails at its next step, with a reason naming the missing upgrade, and stops there
    run = wait_until_ended(run)
    assert run.status == RunStatus.FAILED
    assert "no upgrade from contract v1" in run.status_reason and "executor" in run.status_reason
    failed = Step.objects.get(run=run, seq=paused_seq)
    assert failed.node == upgrades.UPGRADE_NODE and failed.attempt == 1 and "v1" in failed.error
    assert Step.objects.filter(run=run).count() == paused_seq + 1  # no retry loop: nothing after the failure
    assert run.state == paused_state  # the v1 state is kept as it was, for an operator to inspect


def test_a_worker_on_older_code_leaves_a_newer_state_alone(transactional_db, student):
    # given a run whose state was written by an executor contract newer than this code's (v1)
    run = services.start_run(student, "sketch", GOAL, words=300, spec={"sections": 2})
    newer = {**upgrades.current_versions(run.policy), "executor": 2}
    Run.objects.filter(pk=run.pk).update(state={upgrades.VERSIONS_KEY: newer}, lease_owner="", lease_expires_at=None)

    # when this (older) code claims its step
    result = engine.advance(run.pk, 0)

    # then it writes nothing and gives the step back for a worker on the new code
    run.refresh_from_db()
    assert result == "deferred"
    assert not Step.objects.filter(run=run).exists()
    assert run.lease_owner == "" and run.seq == 0 and run.attempt == 0 and run.status in {RunStatus.RUNNING, RunStatus.QUEUED}


def test_a_run_written_before_versioning_counts_as_version_one():
    # given the state of a run that had steps before node versions were recorded
    policy = {"routes": {"plan": "planner", "act": "executor"}}

    # when its recorded versions are read at seq 3, and at seq 0 for a new run
    legacy = upgrades.recorded_versions({"plan": {}}, 3, policy)
    fresh = upgrades.recorded_versions({}, 0, policy)

    # then the legacy run is at version 1 of every node, and a new run at this code's versions
    assert legacy == {"executor": 1, "planner": 1}
    assert fresh == upgrades.current_versions(policy)


@pytest.mark.parametrize(("source", "target"), [
    ({"a": 1, "b": {"c": [1, 2], "d": "x"}}, {"b": {"c": [2], "e": {"f": 1}}, "g": []}),
    ({"written": ["a: x"]}, {"written": {"a": {"words": 1}}}),
    ({"n": 1}, {"n": 1.0}),
    ({}, {}),
])
def test_the_diff_of_two_states_is_a_merge_patch_that_turns_one_into_the_other(source, target):
    # given two states, when their diff is applied to the first, then the second comes out
    assert merge_patch(source, diff_patch(source, target)) == target
