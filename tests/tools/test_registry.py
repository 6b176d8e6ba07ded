"""The registry: built-ins, database versions, validation of arguments and results, drift,
promotion and the operators' revert."""
from __future__ import annotations

import json

import pytest

from agents.llm.offline.repair import tool_patch
from tests.tools.conftest import search_code, search_tool_data
from tools import services
from tools.models import ToolStatus, ToolVersion
from tools.patching import apply_diff
from tools.registry import ToolArgumentsInvalid, ToolFailed, ToolRegistry, ToolSchemaDrift, UnknownTool
from tools.spec import InvalidSpec, ToolSpec


def test_built_in_tools_are_listed_and_called_with_validation():
    registry = ToolRegistry()
    assert "text.extract_dois" in registry.names()
    answer = registry.call("text.extract_dois", {"text": "see doi 10.1000/abc.9, and 10.1000/abc.9"})
    assert answer.result == {"dois": ["10.1000/abc.9"]}
    with pytest.raises(ToolArgumentsInvalid, match="'text' is a required property"):
        registry.call("text.word_count", {"txt": "typo"})
    with pytest.raises(UnknownTool, match="known tools: text.extract_dois, text.word_count"):
        registry.call("text.nothing", {})


def test_a_spec_with_a_bad_name_or_schema_is_refused():
    with pytest.raises(InvalidSpec, match="must look like"):
        ToolSpec.from_dict({"name": "NoDots", "arguments": {}, "result": {}})
    with pytest.raises(InvalidSpec, match="invalid JSON schema"):
        ToolSpec.from_dict({"name": "a.b", "arguments": {"type": "objekt"}, "result": {}})


def test_a_renamed_upstream_field_is_schema_drift_with_the_evidence(db, mini_scholar):
    # given an active sandboxed search tool and an upstream that renamed "title"
    services.write_tool_version(None, None, search_tool_data(mini_scholar, "alpha"))
    registry = services.registry_for_run(type("RunStub", (), {"pk": -1})())
    assert registry.call("alpha.search", {"query": "heat"}).result["works"][0]["title"].startswith("Urban heat")
    mini_scholar.upstreams["alpha"].rename = {"title": "display_name"}

    # when the tool is called
    with pytest.raises(ToolSchemaDrift) as caught:
        registry.call("alpha.search", {"query": "heat"})

    # then the observation carries the call, the spec problems and what the upstream sent
    observation = caught.value.observation
    assert observation["kind"] == "drift" and observation["tool"] == "alpha.search" and observation["version"] == 1
    assert observation["arguments"] == {"query": "heat"}
    assert "works/0/title: None is not of type 'string'" in observation["problems"]
    assert '"display_name"' in observation["trace"][0]["body"]


def test_the_offline_model_patches_a_renamed_field_and_only_that(mini_scholar):
    code = search_code(mini_scholar.base, "alpha")
    trace = [{"body": json.dumps({"results": [{"display_name": "T", "year": 2020, "doi": None, "abstract": "", "authors": []}]})}]
    answer = json.loads(tool_patch({"code": code, "failure": {"trace": trace}}))
    patched = apply_diff(code, answer["diff"])
    assert '"title": item.get("display_name")' in patched and patched.count("display_name") == 1
    assert answer["diff"].count("\n-") == 1 and "renamed 'title' to 'display_name'" in answer["explanation"]

    dropped = [{"body": json.dumps({"results": [{"year": 2020, "doi": None, "abstract": "", "authors": []}]})}]
    assert json.loads(tool_patch({"code": code, "failure": {"trace": dropped}}))["diff"] == ""


def test_a_failing_tool_is_an_error_not_drift(db, mini_scholar):
    data = search_tool_data(mini_scholar, "alpha")
    data["code"] = data["code"].replace('payload["results"]', 'payload["items"]')
    services.write_tool_version(None, None, data)
    registry = services.registry_for_run(type("RunStub", (), {"pk": -1})())
    with pytest.raises(ToolFailed, match="KeyError: 'items'"):
        registry.call("alpha.search", {"query": "heat"})


def test_operators_revert_to_an_older_version_from_the_admin(admin_client, mini_scholar):
    # given v1 active, then v2 promoted over it
    first = services.write_tool_version(None, None, search_tool_data(mini_scholar, "alpha"))
    second = services.write_tool_version(None, None, {**search_tool_data(mini_scholar, "alpha"), "parent": 1, "why": "v2"})
    first.refresh_from_db()
    assert (first.status, second.status) == (ToolStatus.RETIRED, ToolStatus.ACTIVE)

    # when an operator runs "revert to this version" on v1
    form = {"action": "revert_to_version", "index": 0, "_selected_action": [first.pk]}
    response = admin_client.post("/admin/tools/toolversion/", form, follow=True)

    # then v1 is active again and v2 retired, with who did it
    assert response.status_code == 200 and "Alpha.search v1 is now active" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ToolStatus.ACTIVE, ToolStatus.RETIRED)
    assert "operator:admin" in first.status_note
    assert ToolVersion.objects.filter(tool__name="alpha.search", status=ToolStatus.ACTIVE).count() == 1
