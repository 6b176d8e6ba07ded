#!/usr/bin/env bash
# `make demo`: one real "write" journey end to end, against a Celery worker that lives only
# as long as the demo. Assumes services are up and migrations applied (make demo does both).
# Exits with the journey command's status; the worker is stopped whatever happens.
#   DEMO_GOAL, DEMO_WORDS (600), DEMO_TIMEOUT (1800 s), HW_WORKER_CONCURRENCY (4)
set -euo pipefail

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$PROJECT"
LOG=.hw/worker-demo.log
PIDFILE=.hw/worker-demo.pid
GOAL=${DEMO_GOAL:-Write a 600-word essay on how urban heat islands affect public health, Harvard style}
WORDS=${DEMO_WORDS:-600}

die() { echo "demo.sh: ERROR: $*" >&2; exit 1; }
say() { echo "demo.sh: $*" >&2; }

[[ -x .venv/bin/celery ]] || die ".venv is missing; run: make setup"
mkdir -p .hw
# Same URLs as the Makefile exports, so this also works when run by hand.
set -a; eval "$(bash scripts/services.sh env)"; set +a

worker_alive() {   # the pid file's process, and only if it really is a celery worker
  local pid
  [[ -f $PIDFILE ]] && pid=$(<"$PIDFILE") && [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q celery || return 1
  echo "$pid"
}

stop_worker() {
  local pid
  if pid=$(worker_alive); then
    say "stopping the demo worker (pid $pid)"
    # TERM = warm shutdown (finish the current task); after 15 s QUIT = cold shutdown;
    # finally KILL the whole process group (setsid below) so no prefork child is left.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 10); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

stop_worker   # a leftover from an interrupted earlier demo would compete for tasks

# setsid: own process group, so Ctrl-C goes to the journey command only and the trap
# below decides how the worker stops.
setsid .venv/bin/celery -A handywriterz worker --loglevel=INFO \
    --concurrency="${HW_WORKER_CONCURRENCY:-4}" </dev/null >"$LOG" 2>&1 &
echo $! >"$PIDFILE"
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
say "worker started (pid $(<"$PIDFILE"), log $LOG)"

# Wait for "celery@host ready." so the journey's first task is not queued behind a
# worker that is still importing; fail fast if it dies at startup.
for _ in $(seq 120); do
  grep -q ' ready\.' "$LOG" 2>/dev/null && break
  # kill -0, not worker_alive: until the forked shell has exec'd setsid and celery, its
  # command line is still this script's, and that is no death.
  kill -0 "$(<"$PIDFILE")" 2>/dev/null || { tail -n 20 "$LOG" >&2; die "the celery worker exited during startup; see $LOG"; }
  sleep 0.5
done
grep -q ' ready\.' "$LOG" || say "worker not ready after 60 s; starting the journey anyway (see $LOG)"

set +e
.venv/bin/python manage.py journey start --journey write --goal "$GOAL" --words "$WORDS" \
  --follow --timeout "${DEMO_TIMEOUT:-1800}"
status=$?
set -e
((status == 0)) || say "journey command failed with status $status (worker log: $LOG)"
exit "$status"
