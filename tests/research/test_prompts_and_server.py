"""The research prompt renders for both expansion levels and has an offline skill; the fake
server can be started from the shell, as the evaluation harness does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from agents.llm.offline import TASKS
from agents.prompts import known_prompts, render_prompt
from journeys import services
from journeys.research import scholarly_service

ROOT = Path(__file__).resolve().parents[2]


def test_the_expand_queries_prompt_renders_at_both_levels_and_runs_offline():
    inputs = {
        "goal": "Write on urban heat",
        "topic": "urban heat",
        "keywords": ["urban", "heat"],
        "region": "UK",
        "level": 1,
        "headings": ["Causes"],
        "tried": [],
        "count": 4,
    }
    assert "expand_queries" in known_prompts() and "expand_queries" in TASKS
    first = render_prompt("expand_queries", inputs)[1]["content"]
    second = render_prompt("expand_queries", {**inputs, "level": 2, "tried": ["urban heat UK"]})[1]["content"]
    assert "one of them naming the region" in first
    assert "widen" in second and "urban heat UK" in second
    assert json.loads(TASKS["expand_queries"](inputs))["queries"]


def test_the_fake_server_runs_from_the_command_line(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evaluation.fakes.scholarly_server",
            "--corpus",
            str(ROOT / "tests/fixtures/corpora/ai_assessment"),
            "--port",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        announced = json.loads(process.stdout.readline())
        base_urls = json.loads(announced["HW_SCHOLARLY_BASE_URLS"])
        answer = httpx.get(f"{base_urls['crossref']}/works", params={"query": "oral examinations generative"}, timeout=5)
        items = answer.json()["message"]["items"]
        assert items[0]["title"] == ["Oral examinations as a response to generative AI"]
        assert announced["HW_FETCH_ALLOWED_HOSTS"] == "127.0.0.1"
    finally:
        process.terminate()
        process.wait(10)


def test_an_unknown_provider_in_settings_is_a_configuration_error(settings, student):
    settings.HW_SCHOLARLY_PROVIDERS = ["openalex", "scopus"]
    run = services.start_run(student, "research_probe", "Write about urban heat")
    with pytest.raises(ImproperlyConfigured, match=r"unknown providers \['scopus'\]"):
        scholarly_service(run)
