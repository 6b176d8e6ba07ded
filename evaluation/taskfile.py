"""The evaluation task format (docs/evaluation.md): one YAML file per task, validated on load.

Unknown keys, unknown fault kinds and missing files are refused with one line that names the
file, the field and the allowed values, e.g.
    "unknown key 'fautls' in tasks/x.yaml; allowed: corpus, expect, faults, ..."
Paths (inputs, corpus, offered API specs) are resolved relative to the task file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

JOURNEYS = ("write", "rewrite", "research_pack", "slides", "assignment")
END_STATUSES = ("succeeded", "failed", "budget_exhausted", "waiting_human", "aborted")
# "tool:<name>": the scholarly search providers the harness serves (tools.scholarly.registry);
# "scholar_search" and "*" mean all of them.
TOOL_TARGETS = ("scholar_search", "*", "openalex", "crossref", "semantic_scholar", "arxiv", "europe_pmc")
PROVIDER_TARGETS = ("primary", "secondary")
TOOL_KINDS = ("rate_limit", "schema_drift", "empty_results", "down", "latency")
PROVIDER_KINDS = ("down", "latency")


class TaskFileError(ValueError):
    """A task file that cannot be used; the message is one line for the person who wrote it."""


class Strict(BaseModel):
    """Refuses unknown keys with the list of allowed ones (pydantic's own message lists none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def known_keys_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [str(key) for key in data if key not in cls.model_fields]
            if unknown:
                allowed = ", ".join(sorted(cls.model_fields))
                raise ValueError(f"unknown key {unknown[0]!r}; allowed: {allowed}")
        return data


class FaultBase(Strict):
    target: str = Field(description="tool:<provider|scholar_search|*>, provider:primary, worker or openapi.")


class RateLimit(FaultBase):
    """The tool answers 429 with Retry-After for its first `calls` requests."""

    kind: Literal["rate_limit"]
    calls: int = Field(ge=1, le=1000)
    retry_after: float = Field(1.0, ge=0, le=60)


class SchemaDrift(FaultBase):
    """The tool's records carry renamed fields (old name -> new name) for the whole task."""

    kind: Literal["schema_drift"]
    rename: dict[str, str] = Field(min_length=1)


class EmptyResults(FaultBase):
    """The tool answers every search with no results."""

    kind: Literal["empty_results"]


class Down(FaultBase):
    """Every call fails (a tool: HTTP 503; a model provider: 503 from the provider)."""

    kind: Literal["down"]


class Latency(FaultBase):
    """Every call takes `seconds` longer."""

    kind: Literal["latency"]
    seconds: float = Field(gt=0, le=60)


class Kill(FaultBase):
    """SIGKILL the worker while it runs step `at_step`, then start a new worker."""

    kind: Literal["kill"]
    at_step: int = Field(ge=0, le=10_000)


class Offer(FaultBase):
    """Serve the OpenAPI document `spec` and offer its URL to the run (spec.tool_offers)."""

    kind: Literal["offer"]
    spec: Path


Fault = Annotated[RateLimit | SchemaDrift | EmptyResults | Down | Latency | Kill | Offer, Field(discriminator="kind")]
FAULT_KINDS = ("rate_limit", "schema_drift", "empty_results", "down", "latency", "kill", "offer")


class TurnitinReport(Strict):
    similarity: float = Field(ge=0, le=100, description="Overall similarity (%) the report shows.")
    ai: float | None = Field(None, ge=0, le=100, description="AI-writing indicator (%), shown, never targeted.")
    flag: int = Field(0, ge=0, le=200, description="Passages of the draft sent that the report highlights.")


class Human(Strict):
    clarify: list[str] = Field(default_factory=list, description="Answers to clarifying questions, in order.")
    turnitin: list[TurnitinReport] = Field(default_factory=list, description="Reports uploaded in order, one a check.")


class Budgets(Strict):
    """The run's limits (journeys.services.BudgetRequest); unset: the journey policy's defaults."""

    tokens: int | None = Field(None, ge=0)
    seconds: float | None = Field(None, ge=0)
    usd: float | None = Field(None, ge=0)


class Expect(Strict):
    status: Literal["succeeded", "failed", "budget_exhausted", "waiting_human", "aborted"] = "succeeded"
    words: tuple[int, int] | None = None
    min_sources: int | None = Field(None, ge=0)
    all_citations_resolve: bool | None = None
    max_similarity: float | None = Field(None, ge=0, le=100)
    routes_include: list[str] = Field(default_factory=list)
    max_steps: int | None = Field(None, ge=1)
    max_turnitin_cycles: int | None = Field(None, ge=0)

    @field_validator("words")
    @classmethod
    def ordered(cls, words: tuple[int, int] | None) -> tuple[int, int] | None:
        if words is not None and not 0 <= words[0] <= words[1]:
            raise ValueError(f"words must be [low, high] with 0 <= low <= high, got {list(words)}")
        return words


class EvalTask(Strict):
    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.-]+$")
    journey: Literal["write", "rewrite", "research_pack", "slides", "assignment"]
    goal: str = Field(min_length=1)
    spec: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, Path] = Field(default_factory=dict)
    seed: int = 0
    model: str = "offline"
    corpus: Path | None = None
    faults: list[Fault] = Field(default_factory=list)
    human: Human = Field(default_factory=Human)
    budgets: Budgets = Field(default_factory=Budgets)
    expect: Expect = Field(default_factory=Expect)
    _path: Path = PrivateAttr(default=Path("."))

    @property
    def path(self) -> Path:
        """The file the task was loaded from (set by the loader)."""
        return self._path

    @model_validator(mode="after")
    def targets_fit_kinds(self) -> EvalTask:
        for index, fault in enumerate(self.faults):
            problem = target_problem(fault.target, fault.kind, self.model)
            if problem:
                raise ValueError(f"faults[{index}]: {problem}")  # the message may end with "; allowed: ..."
        return self

    def faults_of(self, kind: str) -> list[Any]:
        return [fault for fault in self.faults if fault.kind == kind]


def target_problem(target: str, kind: str, model: str) -> str:
    """Why `target` cannot take a fault of `kind` ('' when it can)."""
    family, _, name = target.partition(":")
    if family == "tool" and kind in TOOL_KINDS:
        return "" if name in TOOL_TARGETS else f"unknown tool {name!r}; allowed: {', '.join(TOOL_TARGETS)}"
    if family == "provider" and kind in PROVIDER_KINDS:
        if model != "offline":
            return f"provider faults need model: offline (the harness's scripted providers), not {model!r}"
        return "" if name in PROVIDER_TARGETS else f"unknown provider {name!r}; allowed: {', '.join(PROVIDER_TARGETS)}"
    if (target, kind) in {("worker", "kill"), ("openapi", "offer")}:
        return ""
    allowed = {
        "tool:NAME": TOOL_KINDS, "provider:primary": PROVIDER_KINDS, "worker": ("kill",), "openapi": ("offer",),
    }  # fmt: skip
    choices = "; ".join(f"{name} -> {', '.join(kinds)}" for name, kinds in allowed.items())
    return f"target {target!r} takes no {kind!r} fault; allowed: {choices}"


def field_name(location: tuple[Any, ...]) -> str:
    """pydantic's location as a person writes it: faults[0].at_step (no union tags)."""
    name = ""
    for index, part in enumerate(location):
        if isinstance(part, int):
            name += f"[{part}]"
        elif not (index and isinstance(location[index - 1], int) and part in FAULT_KINDS):
            name += f".{part}" if name else str(part)
    return name


def describe_error(error: dict[str, Any], path: Path) -> str:
    """One pydantic error as 'PROBLEM at FIELD in FILE; allowed: VALUES'."""
    where = field_name(tuple(error["loc"]))
    at = f" at {where}" if where else ""
    kind = error["type"]
    if kind == "union_tag_invalid":
        return f"unknown fault kind {error['input'].get('kind')!r}{at} in {path}; allowed: {', '.join(FAULT_KINDS)}"
    if kind == "union_tag_not_found":
        return f"a fault needs a kind{at} in {path}; allowed: {', '.join(FAULT_KINDS)}"
    if kind == "literal_error":
        return f"bad value {error['input']!r}{at} in {path}; allowed: {error['ctx']['expected']}"
    if kind == "missing":
        return f"missing key {where!r} in {path}"
    message, _, allowed = str(error["msg"]).removeprefix("Value error, ").partition("; allowed: ")
    return f"{message}{at} in {path}" + (f"; allowed: {allowed}" if allowed else "")


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaskFileError(f"cannot read {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise TaskFileError(f"invalid YAML in {path}{where}: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(data, dict):
        raise TaskFileError(f"{path} must hold a YAML mapping (name, journey, goal, ...), got {type(data).__name__}")
    return data


def resolve_paths(task: EvalTask, base: Path) -> EvalTask:
    """The task with every path made absolute (relative to its file) and checked to exist."""

    def existing(value: Path, field: str, directory: bool = False) -> Path:
        resolved = (base / value).resolve()
        if not (resolved.is_dir() if directory else resolved.is_file()):
            what = "directory" if directory else "file"
            raise TaskFileError(f"{field}: no such {what} {value} (resolved to {resolved}) in {task.path}")
        return resolved

    inputs = {name: existing(value, f"inputs.{name}") for name, value in task.inputs.items()}
    corpus = existing(task.corpus, "corpus", directory=True) if task.corpus is not None else None
    if corpus is not None and not any(corpus.glob("*.json")):
        raise TaskFileError(f"corpus: {task.corpus} holds no .json records in {task.path}")
    faults = [
        fault.model_copy(update={"spec": existing(fault.spec, f"faults[{index}].spec")}) if fault.kind == "offer" else fault
        for index, fault in enumerate(task.faults)
    ]
    resolved = task.model_copy(update={"inputs": inputs, "corpus": corpus, "faults": faults})
    resolved._path = task.path
    return resolved


def load_task(path: Path | str) -> EvalTask:
    """Read, validate and resolve one task file; raises TaskFileError with one clear line."""
    path = Path(path)
    data = read_yaml(path)
    try:
        task = EvalTask.model_validate(data)
    except ValidationError as error:
        raise TaskFileError(describe_error(error.errors()[0], path)) from None
    task._path = path
    return resolve_paths(task, path.resolve().parent)


def task_files(arguments: list[str]) -> list[Path]:
    """The YAML files named, a directory standing for its *.yaml / *.yml files (not recursive)."""
    files: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise TaskFileError(f"{path} holds no task files (*.yaml)")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise TaskFileError(f"no such task file or directory: {path}")
    return files


def load_tasks(arguments: list[str]) -> list[EvalTask]:
    """Every task named (files or directories); task names must be unique."""
    tasks = [load_task(path) for path in task_files(arguments)]
    seen: dict[str, Path] = {}
    for task in tasks:
        if task.name in seen:
            raise TaskFileError(f"task name {task.name!r} is used by both {seen[task.name]} and {task.path}")
        seen[task.name] = task.path
    return tasks
