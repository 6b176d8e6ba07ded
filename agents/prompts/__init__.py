"""Prompt templates (Jinja2, strict undefined): one file per task under templates/.

Every prompt ends with a machine-readable block, the same for every model:

    <task>NAME</task>
    <input>{...json...}</input>
    <schema>{...json schema...}</schema>   (only for structured answers)

Real models read it as part of the instructions; the built-in offline model works from it alone.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from agents.integrity import as_data

TEMPLATE_DIR = Path(__file__).parent / "templates"
_TASK = re.compile(r"<task>(.*?)</task>", re.DOTALL)
_INPUT = re.compile(r"<input>(.*?)</input>", re.DOTALL)


class UnknownPrompt(LookupError):
    pass


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    # `{{ text | data }}`: untrusted text that cannot close or open the prompt's blocks.
    environment.filters["data"] = as_data
    return environment


def known_prompts() -> list[str]:
    """Task prompts; system.j2 and macro files (names starting with "_") are not tasks."""
    return sorted(
        path.name.removesuffix(".j2")
        for path in TEMPLATE_DIR.glob("*.j2")
        if path.name != "system.j2" and not path.name.startswith("_")
    )


def render_prompt(task: str, inputs: dict[str, Any], *, schema: dict | None = None) -> list[dict]:
    """The chat messages for `task`. Unknown task or missing input variables raise."""
    if task not in known_prompts():
        raise UnknownPrompt(f"unknown prompt {task!r}; known: {', '.join(known_prompts())}")
    environment = _environment()
    body = environment.get_template(f"{task}.j2").render(**inputs).strip()
    # "<" is escaped inside the JSON (same value once decoded), so no input text can end the block.
    encoded = json.dumps(inputs, ensure_ascii=False, default=str).replace("<", "\\u003c")
    block = f"<task>{task}</task>\n<input>{encoded}</input>"
    if schema is not None:
        block += f"\n<schema>{json.dumps(schema)}</schema>\nAnswer with JSON only."
    return [
        {"role": "system", "content": environment.get_template("system.j2").render().strip()},
        {"role": "user", "content": f"{body}\n\n{block}"},
    ]


def parse_task_block(messages: list[dict]) -> tuple[str, dict[str, Any]]:
    """The task name and inputs of the newest user message that carries a task block."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content") or ""
        # The machine block is appended last: the last match is ours, whatever quoted text says.
        tasks, payloads = _TASK.findall(content), _INPUT.findall(content)
        if tasks and payloads:
            return tasks[-1].strip(), json.loads(payloads[-1])
    raise ValueError("no <task>/<input> block in the conversation")
