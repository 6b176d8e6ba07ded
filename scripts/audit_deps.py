#!/usr/bin/env python3
"""Audit the pinned requirements against PyPI's vulnerability data (docs/security.md, "Dependencies").

    python scripts/audit_deps.py requirements.txt requirements-nodeps.txt [--required]

For each `name==version` pin it asks PyPI's JSON API for that release's known vulnerabilities
(`/pypi/<name>/<version>/json`, the source pip-audit's `-s pypi` uses). Where that endpoint is
not served, the project endpoint (`/pypi/<name>/json`) still answers for the *latest* release,
so a pin that is the latest release is checked from it; any other pin is left unchecked.

Exit status: 1 when a pinned release has a known vulnerability with a fixed release above the
pin (upgrade it); 2 when pins could not be checked and --required is given; else 0. A
vulnerability without a fix is a warning; unchecked pins are reported as "dependency audit NOT
RUN" on stderr, so a green run never hides that nothing was looked at.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")
FIXABLE, UNFIXED, CLEAN, UNCHECKED = "fixable", "no fix", "clean", "unchecked"


@dataclass
class Finding:
    name: str
    version: str
    verdict: str = CLEAN
    source: str = ""
    reason: str = ""
    vulnerabilities: list[dict] = field(default_factory=list)


def read_pins(paths: list[Path]) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, version) of every pin; and the requirement lines that are not pinned with ==."""
    pins, loose = [], []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.split("#", 1)[0].strip()
            if not text or text.startswith("-"):
                continue
            match = PIN.match(text)
            if match:
                pins.append((re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(2)))
            else:
                loose.append(f"{path.name}: {text}")
    return pins, loose


# After this many network failures the index counts as unreachable and the remaining pins are
# not asked for: a dead network must cost CI seconds, not a timeout per pin.
MAX_NETWORK_FAILURES = 3
network_failures: list[str] = []


def fetch_json(url: str, timeout: float) -> dict | None:
    """The JSON document at `url`, or None on 404; other failures raise OSError."""
    if len(network_failures) >= MAX_NETWORK_FAILURES:
        raise OSError(f"index unreachable, not asked ({network_failures[0]})")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "handywriterz-audit"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https/http index only
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise OSError(f"HTTP {error.code} from {url}") from error
    except (ValueError, urllib.error.URLError, TimeoutError, OSError) as error:
        network_failures.append(f"{url}: {getattr(error, 'reason', error)}")  # list.append is atomic
        raise OSError(network_failures[-1]) from error


def vulnerabilities_of(index: str, name: str, version: str, timeout: float) -> tuple[list[dict] | None, str, str]:
    """(vulnerabilities or None if unknown, source used, why unknown)."""
    release = fetch_json(f"{index}/pypi/{name}/{version}/json", timeout)
    if release is not None:
        return release.get("vulnerabilities") or [], "release", ""
    project = fetch_json(f"{index}/pypi/{name}/json", timeout)
    if project is None:
        return None, "", f"{name} is not on the index"
    latest = project.get("info", {}).get("version", "")
    if latest == version:
        return project.get("vulnerabilities") or [], "latest", ""
    if version not in project.get("releases", {}):
        return None, "", f"{name} {version} is not a release on the index"
    return None, "", f"the index serves no per-release data, and {version} is not the latest release ({latest})"


def fixed_above(vulnerability: dict, version: str) -> list[str]:
    """The fixed releases newer than the pin (a fix only on an older branch does not help us)."""
    try:
        pinned = Version(version)
    except InvalidVersion:
        return list(vulnerability.get("fixed_in") or [])
    fixes = []
    for fixed in vulnerability.get("fixed_in") or []:
        try:
            if Version(fixed) > pinned:
                fixes.append(fixed)
        except InvalidVersion:
            fixes.append(fixed)
    return fixes


def audit_pin(index: str, name: str, version: str, timeout: float) -> Finding:
    finding = Finding(name, version)
    try:
        found, finding.source, finding.reason = vulnerabilities_of(index, name, version, timeout)
    except OSError as error:
        finding.verdict, finding.reason = UNCHECKED, str(error)
        return finding
    if found is None:
        finding.verdict = UNCHECKED
        return finding
    finding.vulnerabilities = [item for item in found if not item.get("withdrawn")]
    if any(fixed_above(item, version) for item in finding.vulnerabilities):
        finding.verdict = FIXABLE
    elif finding.vulnerabilities:
        finding.verdict = UNFIXED
    return finding


def describe(finding: Finding) -> list[str]:
    lines = []
    for item in finding.vulnerabilities:
        ids = ", ".join([item.get("id", "?"), *item.get("aliases", [])])
        fixes = fixed_above(item, finding.version)
        fix = f"fixed in {', '.join(fixes)}" if fixes else "no fixed release yet"
        summary = (item.get("summary") or item.get("details") or "").strip().splitlines()[:1]
        lines.append(f"  {finding.name}=={finding.version}: {ids}: {fix}. {' '.join(summary)[:160]}")
    return lines


def report(findings: list[Finding], loose: list[str], required: bool) -> int:
    """Prints the table and the verdict; returns the exit status."""
    print(f"{'package':<28} {'pinned':<14} {'checked from':<13} result")
    for item in findings:
        print(f"{item.name:<28} {item.version:<14} {item.source or '-':<13} {item.verdict}")
    for item in findings:
        for line in describe(item):
            print(("FAIL" if item.verdict == FIXABLE else "WARN") + line)
    for line in loose:
        print(f"WARN  not pinned with == (not audited): {line}")
    fixable = [item for item in findings if item.verdict == FIXABLE]
    unchecked = [item for item in findings if item.verdict == UNCHECKED]
    checked = len(findings) - len(unchecked)
    if unchecked:
        scope = "" if checked else " at all"
        print(f"dependency audit NOT RUN{scope} for {len(unchecked)} of {len(findings)} pins: no vulnerability data "
              f"reachable for them ({unchecked[0].name}: {unchecked[0].reason})", file=sys.stderr)
        for item in unchecked[1:]:
            print(f"  unchecked: {item.name}=={item.version}: {item.reason}", file=sys.stderr)
    print(f"audit: {len(findings)} pins, {checked} checked, {len(fixable)} with a fixable vulnerability, "
          f"{sum(item.verdict == UNFIXED for item in findings)} with an unfixed one, {len(unchecked)} unchecked")
    if fixable:
        print("audit FAILED: upgrade " + ", ".join(f"{item.name} (pinned {item.version})" for item in fixable))
        return 1
    if unchecked and required:
        print("audit FAILED: HW_AUDIT_REQUIRED / --required is set and some pins were not checked", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requirements", nargs="+", type=Path, help="requirements files with name==version pins")
    parser.add_argument("--index-url", default="https://pypi.org", help="PyPI (or a mirror of its JSON API)")
    parser.add_argument("--required", action="store_true", help="fail (exit 2) when any pin could not be checked")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--jobs", type=int, default=8, help="requests in parallel")
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.requirements if not path.is_file()]
    if missing:
        parser.error(f"no such requirements file: {', '.join(missing)}")
    pins, loose = read_pins(args.requirements)
    index = args.index_url.rstrip("/")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        findings = list(pool.map(lambda pin: audit_pin(index, pin[0], pin[1], args.timeout), pins))
    return report(findings, loose, args.required)


if __name__ == "__main__":
    sys.exit(main())
