# Shared helpers for the project's scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"

# TEMPORAL_DEV_FLAGS tune the Temporal dev server that make dev and make bench start. The dev
# server keeps every workflow on one history shard; under many timers its queue monitor takes
# the timer queue's reader for stuck and moves due timers to a slower reader, which made
# reminders fire up to 90 s late in the municipality-year benchmark (p99 25 s; 1.2 s without
# it). Production runs Temporal with many shards, where one reader's load stays small.
TEMPORAL_DEV_FLAGS=(--dynamic-config-value 'history.queueReaderStuckCriticalAttempts=0')

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# free_port prints a TCP port on 127.0.0.1 that is free, and reserved for about a minute: it is
# left in TIME_WAIT (a connection to it closed first on the listening side), so no other bind to
# port 0 gets it (two calls never print the same port, and Temporal's dev server, which picks
# three more ports itself, does not pick it), while a server that binds it with SO_REUSEADDR
# (Temporal, PostgreSQL) still can, as the socket in TIME_WAIT has it too (Linux lets a bind past
# a TIME_WAIT socket only when both have it; internal/testing/testenv.FreeAddr does the same).
free_port() {
  python3 -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0)); l.listen(1)
port = l.getsockname()[1]
c = socket.create_connection(("127.0.0.1", port)); a, _ = l.accept()
a.close(); c.close(); l.close()
print(port)'
}

# ensure_pg_binaries installs Debian's PostgreSQL 15 where it is missing.
ensure_pg_binaries() {
  if [ ! -x "$PGBIN/initdb" ]; then
    log "PostgreSQL 15 binaries missing: installing Debian's postgresql-15"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  fi
}

# as_postgres runs a command as the postgres user when we are root (initdb refuses root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_private_start DIR PORT: starts (initialising if new) a private cluster in DIR on
# 127.0.0.1:PORT with trust auth for the postgres user.
pg_private_start() {
  local dir="$1" port="$2"
  ensure_pg_binaries
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    chown -R postgres "$dir"
  fi
  if [ ! -s "$dir/data/PG_VERSION" ]; then
    log "initialising a private PostgreSQL cluster in $dir"
    as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  if as_postgres "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    return 0
  fi
  log "starting the private PostgreSQL on 127.0.0.1:$port"
  as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=200 -c fsync=off" start >/dev/null \
    || { tail -20 "$dir/postgres.log" >&2; return 1; }
}

# pg_private_stop DIR
pg_private_stop() {
  local dir="$1"
  if [ -s "$dir/data/PG_VERSION" ]; then
    as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# pg_reachable HOST PORT (TVP_PRIVATE_PG=1 pretends none is: the scripts then start their own)
pg_reachable() {
  [ "${TVP_PRIVATE_PG:-}" = 1 ] && return 1
  command -v pg_isready >/dev/null 2>&1 || [ -x "$PGBIN/pg_isready" ] || return 1
  "${PGBIN}/pg_isready" -q -h "$1" -p "$2" -t 3 2>/dev/null
}

# temporal_wait ADDRESS [PID [LOG]]: waits until the Temporal frontend answers (60 s at most);
# with the server's PID it stops waiting when the server has exited, and with its LOG prints
# the log's tail when it did not answer.
temporal_wait() {
  local addr="$1" pid="${2:-}" logfile="${3:-}" i
  for i in $(seq 1 120); do
    if "$TEMPORAL" operator cluster health --address "$addr" >/dev/null 2>&1; then
      return 0
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      log "Temporal at $addr exited before it answered"
      [ -n "$logfile" ] && tail -n 40 "$logfile" >&2
      return 1
    fi
    sleep 0.5
  done
  log "Temporal at $addr did not become healthy"
  [ -n "$logfile" ] && tail -n 40 "$logfile" >&2
  return 1
}

# temporal_start_dev LOG [ARGS...]: starts the dev server on free ports (in memory, or with
# ARGS such as --db-filename), waits until it answers, and sets TEMPORAL_PID, TEMPORAL_ADDRESS
# and TEMPORAL_METRICS_PORT (log level: TEMPORAL_LOG_LEVEL, warn if unset). A server that did not start (a port taken after all) is started again on new
# ports, three times at most; each failure prints its log's tail.
temporal_start_dev() {
  local logfile="$1" try tport hport mport
  shift
  for try in 1 2 3; do
    tport="$(free_port)"; hport="$(free_port)"; mport="$(free_port)"
    "$TEMPORAL" server start-dev --headless --ip 127.0.0.1 --port "$tport" --http-port "$hport" \
      --metrics-port "$mport" --log-level "${TEMPORAL_LOG_LEVEL:-warn}" "$@" >"$logfile" 2>&1 &
    TEMPORAL_PID=$!
    TEMPORAL_ADDRESS="127.0.0.1:$tport"
    TEMPORAL_METRICS_PORT="$mport"
    if temporal_wait "$TEMPORAL_ADDRESS" "$TEMPORAL_PID" "$logfile"; then
      return 0
    fi
    kill -TERM "$TEMPORAL_PID" 2>/dev/null || true
    wait "$TEMPORAL_PID" 2>/dev/null || true
    log "Temporal did not start (try $try of 3)"
  done
  return 1
}
