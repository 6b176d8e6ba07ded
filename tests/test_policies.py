"""Every policy file loads; a typo or an unknown node is refused with a clear message."""
from __future__ import annotations

import pytest
from django.test import override_settings

from journeys.policies import PolicyError, known_journeys, load_policy
from journeys.state import merge_patch, replay


def test_every_policy_file_is_valid():
    journeys = known_journeys()
    assert "write" in journeys
    for journey in journeys:
        assert load_policy(journey).journey == journey


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("journey: write\ndescription: d\ndeliverable: essay\nroutes: {plan: planner}\nbudgets: {tokens: 1, seconds: 1, usd: 0}\n"
         "start_route: plan\nerror_route: plan\nbudget_exhausted_route: plan\nmax_stepz: 3\n", "max_stepz"),
        ("journey: write\ndescription: d\ndeliverable: essay\nroutes: {plan: nobody}\nbudgets: {tokens: 1, seconds: 1, usd: 0}\n",
         "unknown nodes ['nobody']"),
        ("journey: [unclosed\n", "is invalid"),
    ],
)
def test_a_broken_policy_is_refused(tmp_path, text, message):
    (tmp_path / "write.yaml").write_text(text)
    with override_settings(HW_POLICY_DIR=tmp_path), pytest.raises(PolicyError, match=message.replace("[", r"\[")):
        load_policy("write")


def test_merge_patches_replay_to_the_same_state():
    deltas = [{"plan": {"title": "T", "sections": [1]}}, {"plan": {"sections": [1, 2]}, "x": 1}, {"x": None}]
    assert replay(deltas) == {"plan": {"title": "T", "sections": [1, 2]}}
    original = {"a": {"b": 1}}
    merge_patch(original, {"a": {"b": None}})
    assert original == {"a": {"b": 1}}
