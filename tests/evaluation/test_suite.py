"""The whole acceptance suite (evaluation/tasks) on the real engine, as CI and the nightly run it.
Slow (several minutes on a 2-core box): deselect with -m 'not slow' for a quick local run."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env

SUITE = ROOT / "evaluation" / "tasks"


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_every_task_of_the_suite_passes(transactional_db, tmp_path):
    out = tmp_path / "suite.json"

    result = subprocess.run([sys.executable, "manage.py", "eval", "run", str(SUITE), "--json", str(out)], cwd=ROOT,
                            env=subprocess_env(), capture_output=True, text=True, timeout=1100)  # fmt: skip

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    payload = json.loads(out.read_text())
    assert payload["passed"] and len(payload["results"]) == len(list(SUITE.glob("*.yaml")))
