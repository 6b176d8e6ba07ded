"""The cross-journey citation check every journey test ends with: zero orphans.

The rule lives in evaluation/citations.py (the harness's `all_citations_resolve` uses it too).
"""
from __future__ import annotations

from evaluation.citations import check_citations
from journeys.models import Run


def assert_citations_resolve(run: Run, minimum: int = 3) -> set[tuple[str, int]]:
    check = check_citations(run)
    assert check.problems == [], check.problems
    assert len(check.pairs) >= minimum, f"only {len(check.pairs)} cited passages"
    return check.pairs
