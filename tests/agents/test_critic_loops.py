"""The Critic notices when the agents go round in circles (the same action with the same outcome,
thresholds in the policy) and breaks the loop by replanning, then by asking the student, never by
spinning. Nodes run on the real contract (NodeContext) with the built-in offline model; the state
evolves by the deltas they return, as the engine applies them."""
from __future__ import annotations

from agents import critic, planner
from agents.contracts import BudgetView, NodeContext, Outcome
from agents.llm import LLMGateway
from journeys.policies import load_policy
from journeys.state import merge_patch

POLICY = load_policy("sketch").model_dump(mode="json")
LIMITS = POLICY["loops"]


def context(state: dict, route: str, seq: int) -> NodeContext:
    return NodeContext(
        run_id=7, seq=seq, attempt=1, route=route, journey="sketch", goal="Write an essay on canals and towns",
        spec={"deliverable": "essay", "words": 300, "sections": 3}, state=state, policy=POLICY,
        budget=BudgetView({"tokens": 10_000, "seconds": 60, "usd": 1}, {"tokens": 0, "seconds": 0, "usd": 0}),
        llm=LLMGateway(["handywriterz/offline"]), read_artifact=lambda name, version=None: "",
    )  # fmt: skip


class Run:
    """A run's state as the engine keeps it: each node's delta merged in, one seq per node."""

    def __init__(self) -> None:
        self.state: dict = {}
        self.seq = 0
        self.step(planner.plan, "plan")

    def step(self, node, route: str) -> Outcome:
        outcome = node(context(self.state, route, self.seq))
        self.state = merge_patch(self.state, outcome.delta)
        self.seq += 1
        return outcome

    def acted(self, step: str, outcome: str) -> None:
        """What the Executor records after running `step` (the Critic's loop detector reads it)."""
        action = {"step": step, "action": "write_section", "seq": self.seq, "key": f"write_section:{step}", "outcome": outcome}
        self.state = merge_patch(self.state, {"last_action": action})
        self.seq += 1

    def next_step(self) -> str:
        return next(item["id"] for item in self.state["plan"]["steps"] if item["status"] == "pending")


def test_the_same_action_and_outcome_repeating_is_a_loop_the_planner_breaks():
    # given a run whose first section keeps failing the same way (a different outcome in between)
    run = Run()
    looping = run.next_step()
    routes = []
    for outcome in ["failed: too short", "failed: off topic", "failed: too short", "failed: too short"]:
        run.acted(looping, outcome)
        routes.append(run.step(critic.reflect, "reflect").route)

    # when the same outcome comes a third time in a row
    run.acted(looping, "failed: too short")
    verdict = run.step(critic.reflect, "reflect")

    # then only the run of three counts as a loop; the Critic asks the Planner to break it
    assert routes == ["act"] * 4
    assert verdict.route == "plan"
    threshold = LIMITS["repeat_threshold"]
    assert verdict.verdict["reasons"][0] == f'loop: "write_section:{looping}|failed: too short" happened {threshold} times in a row'
    assert run.state["critic"]["needs"] == [{"kind": "loop", "step": looping}]

    # and the new plan skips the looping step, so the run moves on to the next one
    replanned = run.step(planner.plan, "plan")
    assert f"step {looping} kept repeating with the same outcome: skipped" in replanned.events[0].message
    assert run.next_step() != looping
    assert run.step(critic.reflect, "reflect").route == "act"


def test_a_loop_that_survives_every_replan_asks_the_student_instead_of_spinning():
    # given a loop that comes back after each replan
    run = Run()
    looping = run.next_step()
    verdicts = []
    for _ in range(LIMITS["max_replans"] + 1):
        for _ in range(LIMITS["repeat_threshold"]):
            run.acted(looping, "failed: too short")
            verdict = run.step(critic.reflect, "reflect")
        verdicts.append(verdict)
        if verdict.route == "plan":
            run.step(planner.plan, "plan")

    # then the Critic replanned max_replans times, and the next time it stopped and asked the student
    assert [item.route for item in verdicts[:-1]] == ["plan"] * LIMITS["max_replans"]
    last = verdicts[-1]
    assert (last.status, last.route) == ("waiting_human", "finalize")
    assert "replanned too often: asking the student" in last.verdict["reasons"]
    human = run.state["human"]
    assert human["pending"] and human["kind"] == "loop" and human["resume_route"] == "finalize"
    assert "Reply 'finish' to receive the draft as it is" in human["questions"][0]
