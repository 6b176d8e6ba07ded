"""The task-file loader: the issue's format accepted as written; unknown keys, unknown fault
kinds, targets that take no such fault and missing paths refused with one line naming the file,
the field and the allowed values."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluation.faults import tool_behaviours
from evaluation.taskfile import TaskFileError, load_task, load_tasks

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpora" / "urban_heat"
# The example of issue 10, with paths that exist in tmp_path.
EXAMPLE = """
name: rate_limit_resilience
journey: write                 # write | rewrite | research_pack | slides | assignment
goal: "Write a 600-word essay on urban heat islands with 4 sources, APA style"
spec: {words: 600, style: apa, min_sources: 4}
inputs: {draft: drafts/heat.docx}
seed: 7
model: offline
corpus: corpora/heat
faults:
  - {target: "tool:scholar_search", kind: rate_limit, calls: 5, retry_after: 1}
  - {target: "tool:scholar_search", kind: schema_drift, rename: {title: display_title}}
  - {target: "tool:*", kind: empty_results}
  - {target: "provider:primary", kind: down}
  - {target: "provider:primary", kind: latency, seconds: 2}
  - {target: worker, kind: kill, at_step: 5}
  - {target: openapi, kind: offer, spec: apis/extra.yaml}
human:
  clarify: ["UK sources only", "second-year undergraduate"]
  turnitin:
    - {similarity: 34, ai: 10, flag: 3}
    - {similarity: 9, ai: 5, flag: 0}
expect:
  status: succeeded
  words: [540, 660]
  min_sources: 4
  all_citations_resolve: true
  max_similarity: 15
  routes_include: [expand, repair]
  max_steps: 80
  max_turnitin_cycles: 3
"""


@pytest.fixture
def task_dir(tmp_path: Path) -> Path:
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "heat.docx").write_bytes(b"not really a docx")
    (tmp_path / "corpora" / "heat").mkdir(parents=True)
    (tmp_path / "corpora" / "heat" / "w1.json").write_text((CORPUS / "uhi-001.json").read_text())
    (tmp_path / "apis").mkdir()
    (tmp_path / "apis" / "extra.yaml").write_text("openapi: 3.0.3\n")
    (tmp_path / "tasks").mkdir()
    return tmp_path


def write(directory: Path, changes: dict | None = None, text: str | None = None, name: str = "x.yaml") -> Path:
    data = yaml.safe_load(EXAMPLE)
    data.update(changes or {})
    path = directory / name
    path.write_text(text if text is not None else yaml.safe_dump(data))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(TaskFileError) as caught:
        load_task(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_issue_example_loads_with_paths_resolved_relative_to_the_file(task_dir):
    # given the example of the issue, verbatim
    path = task_dir / "x.yaml"
    path.write_text(EXAMPLE)

    # when it is loaded
    task = load_task(path)

    # then every key is read, paths are absolute and exist
    assert (task.name, task.journey, task.seed, task.model) == ("rate_limit_resilience", "write", 7, "offline")
    assert task.spec == {"words": 600, "style": "apa", "min_sources": 4}
    assert task.inputs["draft"] == task_dir / "drafts" / "heat.docx"
    assert task.corpus == task_dir / "corpora" / "heat"
    assert [fault.kind for fault in task.faults] == ["rate_limit", "schema_drift", "empty_results", "down", "latency",
                                                     "kill", "offer"]
    assert task.faults[0].calls == 5 and task.faults[0].retry_after == 1
    assert task.faults[5].at_step == 5 and task.faults[6].spec == task_dir / "apis" / "extra.yaml"
    assert [report.flag for report in task.human.turnitin] == [3, 0]
    assert task.expect.words == (540, 660) and task.expect.routes_include == ["expand", "repair"]
    assert task.path == path


def test_an_unknown_key_names_the_file_and_the_allowed_keys(task_dir):
    message = refusal(write(task_dir, {"fautls": []}))

    assert message.startswith(f"unknown key 'fautls' in {task_dir / 'x.yaml'}; allowed: ")
    assert "corpus, expect, faults, goal, human, inputs, journey, model, name, seed, spec" in message


def test_an_unknown_key_inside_a_fault_names_the_fault_and_its_fields(task_dir):
    message = refusal(write(task_dir, {"faults": [{"target": "worker", "kind": "kill", "at_step": 1, "at_stpe": 2}]}))

    assert message == f"unknown key 'at_stpe' at faults[0] in {task_dir / 'x.yaml'}; allowed: at_step, kind, target"


def test_an_unknown_fault_kind_lists_the_kinds(task_dir):
    message = refusal(write(task_dir, {"faults": [{"target": "worker", "kind": "explode"}]}))

    assert "unknown fault kind 'explode' at faults[0]" in message
    assert message.endswith("allowed: rate_limit, schema_drift, empty_results, down, latency, kill, offer")


def test_a_fault_without_its_field_and_a_target_that_takes_no_such_kind_are_refused(task_dir):
    assert "missing key 'faults[0].calls'" in refusal(write(task_dir, {"faults": [{"target": "tool:*", "kind": "rate_limit"}]}))
    message = refusal(write(task_dir, {"faults": [{"target": "worker", "kind": "latency", "seconds": 1}]}))
    assert "target 'worker' takes no 'latency' fault" in message and "worker -> kill" in message
    message = refusal(write(task_dir, {"faults": [{"target": "tool:google", "kind": "down"}]}))
    assert "unknown tool 'google'" in message and "scholar_search" in message


def test_a_bad_journey_lists_the_journeys(task_dir):
    message = refusal(write(task_dir, {"journey": "essay"}))

    assert "bad value 'essay' at journey" in message and "'write', 'rewrite', 'research_pack', 'slides'" in message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"corpus": "corpora/missing"}, "corpus: no such directory corpora/missing"),
        ({"inputs": {"draft": "drafts/missing.docx"}}, "inputs.draft: no such file drafts/missing.docx"),
        ({"faults": [{"target": "openapi", "kind": "offer", "spec": "apis/missing.yaml"}]},
         "faults[0].spec: no such file apis/missing.yaml"),
    ],
)
def test_a_missing_path_names_the_field_and_the_file(task_dir, changes, field):
    message = refusal(write(task_dir, changes))

    assert message.startswith(field) and str(task_dir / "x.yaml") in message


def test_invalid_yaml_and_missing_files_are_one_line(task_dir):
    assert refusal(write(task_dir, text="name: [unclosed")).startswith(f"invalid YAML in {task_dir / 'x.yaml'} at line")
    with pytest.raises(TaskFileError, match="no such task file or directory: nowhere.yaml"):
        load_tasks(["nowhere.yaml"])
    with pytest.raises(TaskFileError, match="holds no task files"):
        load_tasks([str(task_dir / "tasks")])


def test_a_directory_stands_for_its_task_files_and_names_must_be_unique(task_dir):
    write(task_dir / "tasks", {"corpus": "../corpora/heat", "inputs": {}, "faults": [], "name": "one"}, name="a.yaml")
    write(task_dir / "tasks", {"corpus": "../corpora/heat", "inputs": {}, "faults": [], "name": "two"}, name="b.yaml")

    assert [task.name for task in load_tasks([str(task_dir / "tasks")])] == ["one", "two"]

    write(task_dir / "tasks", {"corpus": "../corpora/heat", "inputs": {}, "faults": [], "name": "one"}, name="c.yaml")
    with pytest.raises(TaskFileError, match="task name 'one' is used by both"):
        load_tasks([str(task_dir / "tasks")])


def test_tool_faults_of_one_target_combine_into_the_fake_servers_knobs(task_dir):
    task = load_task(write(task_dir, {"faults": [
        {"target": "tool:openalex", "kind": "rate_limit", "calls": 2, "retry_after": 1},
        {"target": "tool:openalex", "kind": "schema_drift", "rename": {"title": "display_title"}},
        {"target": "tool:*", "kind": "latency", "seconds": 0.5},
    ]}))  # fmt: skip

    knobs = tool_behaviours(task)

    assert knobs["openalex"] == {"status": 429, "retry_after": 1, "fail_first": 2, "rename": {"title": "display_title"},
                                 "delay": 0.5}
    assert knobs["crossref"] == {"delay": 0.5} and knobs["registry"] == {"delay": 0.5}
