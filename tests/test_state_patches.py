"""Steps are stored as compact merge patches (journeys/state.py): a list that changed in a few
items is stored as those items, so a run's stored steps grow linearly with its length."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys import services
from journeys.models import Step
from journeys.state import LIST_PATCH, check_delta, compact_patch, merge_patch, replay
from tests.test_engine import GOAL, wait_until_ended

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(st.sampled_from("abcd"), inner, max_size=4)), max_leaves=20)
states = st.dictionaries(st.sampled_from("abcd"), json_values, max_size=4)


@st.composite
def state_and_patch(draw):
    """A state and a patch that often edits its lists in place, as nodes do with the plan."""
    state = draw(states)
    patch = draw(states)
    for key, value in state.items():
        if isinstance(value, list) and value and draw(st.booleans()):
            edited = list(value)
            edited[draw(st.integers(0, len(value) - 1))] = draw(json_values)
            patch[key] = edited[draw(st.integers(0, len(value) - 1)):] + draw(st.lists(json_values, max_size=2))
    return state, patch


@settings(max_examples=400, deadline=None)
@given(state_and_patch())
def test_a_compact_patch_applies_exactly_as_the_patch_it_stands_for(case):
    state, patch = case
    assert merge_patch(state, compact_patch(state, patch)) == merge_patch(state, patch)


def test_one_changed_item_of_a_long_list_is_stored_alone():
    # given a plan of 100 steps, and a delta that marks step 42 done (the whole list, as RFC 7386 wants)
    steps = [{"id": f"write-{index}", "status": "pending"} for index in range(100)]
    state = {"plan": {"steps": steps, "title": "T"}}
    done = [dict(step, status="done") if step["id"] == "write-42" else step for step in steps]

    # when it is compacted against the state
    stored = compact_patch(state, {"plan": {"steps": done}, "progress": 0.5})

    # then only step 42 and the list's length are stored, and applying it gives the new plan
    assert stored == {"plan": {"steps": {LIST_PATCH: {"length": 100, "items": {"42": {"id": "write-42", "status": "done"}}}}},
                      "progress": 0.5}
    assert len(json.dumps(stored)) < len(json.dumps(done)) / 20
    assert merge_patch(state, stored)["plan"]["steps"] == done


def test_a_window_that_moved_is_stored_as_its_offset_and_the_newcomers():
    # given the last 8 actions, and a step that pushes the oldest out and appends a new one
    recent = [f"write_section:{index}" for index in range(8)]
    state = {"loop": {"recent": recent}}
    moved = recent[1:] + ["write_section:8"]

    # then only the newcomer and the window's offset are stored
    stored = compact_patch(state, {"loop": {"recent": moved}})
    assert stored == {"loop": {"recent": {LIST_PATCH: {"length": 8, "items": {"7": "write_section:8"}, "offset": 1}}}}
    assert merge_patch(state, stored) == {"loop": {"recent": moved}}


def test_a_list_that_mostly_changed_or_replaces_something_else_is_stored_whole():
    assert compact_patch({"a": [1, 2, 3]}, {"a": [4, 5, 6]}) == {"a": [4, 5, 6]}
    assert compact_patch({"a": "text"}, {"a": [1]}) == {"a": [1]}
    assert compact_patch({}, {"a": {"b": [1, 2]}}) == {"a": {"b": [1, 2]}}


def test_a_node_may_not_use_the_reserved_key():
    check_delta({"plan": {"steps": [{"id": 1}]}})
    with pytest.raises(ValueError, match="reserved key"):
        check_delta({"plan": {LIST_PATCH: {"length": 0, "items": {}}}})


def test_a_long_runs_stored_steps_do_not_grow_with_its_plan(worker, script, student):
    # given a sketch run of 30 sections: every Executor step returns the whole 30-step plan
    run = services.start_run(student, "sketch", GOAL, words=1500, spec={"sections": 30})

    # when the worker drives it to its end
    wait_until_ended(run, timeout=180)

    # then the Executor's stored deltas stay as small late in the run as early, and the stored
    # deltas replay to the run's state
    sizes = [len(json.dumps(delta)) for delta in
             Step.objects.filter(run=run, node="executor").order_by("seq").values_list("delta", flat=True)]
    assert len(sizes) >= 30, sizes
    plan_size = len(json.dumps(run.state["plan"]["steps"]))
    assert max(sizes[1:]) < plan_size / 4, (sizes, plan_size)
    assert replay(list(Step.objects.filter(run=run).order_by("seq").values_list("delta", flat=True))) == run.state
