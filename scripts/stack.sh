#!/usr/bin/env bash
# make stack: docker-compose.yml's production shape as local processes, without Docker.
#   the Temporal server (built from the Go module proxy at the version compose pins) on
#   PostgreSQL with STACK_SHARDS history shards, its schema made and upgraded by
#   temporal-sql-tool, the namespace registered, the Web UI (if its server built), the TVP
#   migrations, two `tvp worker` processes and `tvp api`, and the demo data (once).
# State: .dev/stack/ (config, secrets, logs) and three databases on the PostgreSQL it finds
# (the machine's on 127.0.0.1:5432, else a private cluster in .dev/stack/pg). Ctrl-C stops
# everything it started; the next start finds the same data.
#   scripts/stack.sh         start (and stay in the foreground)
#   scripts/stack.sh clean   forget the stack: drop its databases, remove .dev/stack
#   scripts/stack.sh temporal-stop | temporal-start
#                            stop a running stack's Temporal server (the rest keeps running),
#                            and start it again with its state in PostgreSQL (the chaos tests)
#   scripts/stack.sh postgres-stop | postgres-start
#                            stop the PostgreSQL under a running stack, and start it again
#                            (the chaos tests; only a private cluster: TVP_PRIVATE_PG=1)
# Settings (environment): STACK_SHARDS (16; fixed at the first start), STACK_DIR,
# STACK_DB_PREFIX (tvp_stack), STACK_TEMPORAL_PORT (7400; the server uses it to +16),
# STACK_HTTP_PORT (8480: the API; +1 the development OpenID provider, +2 the Web UI),
# STACK_RETENTION (the namespace's retention of closed workflows, 7d).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

STACK="${STACK_DIR:-$ROOT/.dev/stack}"
SHARDS="${STACK_SHARDS:-16}"
PREFIX="${STACK_DB_PREFIX:-tvp_stack}"
DB_TVP="$PREFIX"
DB_TEMPORAL="${PREFIX}_temporal"
DB_VISIBILITY="${PREFIX}_temporal_visibility"
TPORT="${STACK_TEMPORAL_PORT:-7400}"
HPORT="${STACK_HTTP_PORT:-8480}"
RETENTION="${STACK_RETENTION:-7d}"
NAMESPACE=default
TEMPORAL_SERVER_VERSION=v1.29.1 # docker-compose.yml's temporalio/server

case "$SHARDS" in '' | *[!0-9]* | 0*) log "STACK_SHARDS must be a positive number, got '$SHARDS'"; exit 2 ;; esac
case "$PREFIX" in *[!a-z0-9_]*) log "STACK_DB_PREFIX must be lower-case letters, digits and _"; exit 2 ;; esac

# PostgreSQL: the machine's on 127.0.0.1:5432 if it answers, else a private cluster.
private_pg=""
PGPORT=5432
pg_choose() {
  if pg_reachable 127.0.0.1 5432; then
    PGPORT=5432
  else
    PGPORT="${STACK_PG_PORT:-55433}"
    private_pg="$STACK/pg"
  fi
}
psql_() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }
db_exists() { [ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$1'")" = 1 ]; }

# pg_start starts the private cluster unless it runs (for a stack running beside this
# command): own_pg says whether this command started it, and so stops it.
own_pg=""
pg_start() {
  [ -n "$private_pg" ] || return 0
  if ! as_postgres "$PGBIN/pg_ctl" -D "$private_pg/data" status >/dev/null 2>&1; then
    own_pg=1
  fi
  pg_private_start "$private_pg" "$PGPORT"
}

if [ "${1:-}" = clean ]; then
  if [ -s "$STACK/temporal.pid" ] && kill -0 "$(cat "$STACK/temporal.pid")" 2>/dev/null; then
    log "the stack in $STACK is running: stop it first"
    exit 1
  fi
  pg_choose
  pg_start
  for db in "$DB_TVP" "$DB_TEMPORAL" "$DB_VISIBILITY"; do
    psql_ -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  done
  [ -n "$own_pg" ] && pg_private_stop "$private_pg"
  rm -rf "$STACK"
  log "dropped $DB_TVP, $DB_TEMPORAL and $DB_VISIBILITY; removed $STACK"
  exit 0
fi

FE=$TPORT FE_HTTP=$((TPORT + 1)) HISTORY=$((TPORT + 2)) MATCHING=$((TPORT + 3)) WORKER=$((TPORT + 4))
M_FE=$((TPORT + 10)) M_HISTORY=$((TPORT + 11)) M_MATCHING=$((TPORT + 12)) M_WORKER=$((TPORT + 13))
PPROF=$((TPORT + 15)) METRICS=$((TPORT + 16))
API=$HPORT IDP=$((HPORT + 1)) UI=$((HPORT + 2))
# Stopping and starting a running stack's Temporal server: the stack's own loop (below) starts
# it again once released.
case "${1:-}" in
  temporal-stop)
    [ -s "$STACK/temporal.pid" ] && kill -0 "$(cat "$STACK/temporal.pid")" 2>/dev/null \
      || { log "no Temporal server of a running stack in $STACK"; exit 1; }
    rm -f "$STACK/temporal.release"; : >"$STACK/temporal.held"
    tpid="$(cat "$STACK/temporal.pid")"
    kill -TERM "$tpid"
    for _ in $(seq 1 300); do kill -0 "$tpid" 2>/dev/null || { log "the Temporal server is stopped"; exit 0; }; sleep 0.2; done
    kill -KILL "$tpid" 2>/dev/null || true
    log "the Temporal server did not stop within 60s: killed"
    exit 0 ;;
  temporal-start)
    [ -f "$STACK/temporal.held" ] || { log "the Temporal server was not stopped by temporal-stop"; exit 1; }
    mv "$STACK/temporal.held" "$STACK/temporal.release"
    TEMPORAL="$("$ROOT/scripts/temporal-cli.sh")"
    temporal_wait "127.0.0.1:$FE" && temporal_wait "127.0.0.1:$FE" || exit 1
    log "the Temporal server is up again"
    exit 0 ;;
  postgres-stop | postgres-start)
    pg_choose
    if [ -z "$private_pg" ]; then
      log "the stack runs on the machine's PostgreSQL, which this script does not stop: start the stack with TVP_PRIVATE_PG=1 (and give it here too) for a cluster of its own"
      exit 1
    fi
    if [ "$1" = postgres-stop ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$private_pg/data" -m fast -w stop >/dev/null
      log "the stack's PostgreSQL is stopped"
    else
      pg_private_start "$private_pg" "$PGPORT"
      log "the stack's PostgreSQL is up again"
    fi
    exit 0 ;;
  "") ;;
  *) log "usage: scripts/stack.sh [clean | temporal-stop | temporal-start | postgres-stop | postgres-start]"; exit 2 ;;
esac

for port in $FE $FE_HTTP $HISTORY $MATCHING $WORKER $M_FE $M_HISTORY $M_MATCHING $M_WORKER $PPROF $METRICS $API $IDP $UI; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port on 127.0.0.1 is in use: is another make stack running? (ports: STACK_TEMPORAL_PORT to +16, STACK_HTTP_PORT to +2)"
    exit 1
  fi
done

pids=()
tpid=""
cleanup() {
  trap - INT TERM EXIT
  log "stopping"
  local i p
  pids[0]="$tpid"
  # The API and the workers first, the Temporal server after them, PostgreSQL last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    p="${pids[$i]}"
    kill -TERM "$p" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  [ -n "$own_pg" ] && pg_private_stop "$private_pg"
  rm -f "$STACK/temporal.pid" "$STACK/temporal.held" "$STACK/temporal.release"
  log "stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# fail MESSAGE [LOG]: says what went wrong, with the end of the log that tells why.
fail() {
  log "$1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then tail -20 "$2" >&2; fi
  exit 1
}

# wait_for WHAT SECONDS PID LOG COMMAND...: waits until COMMAND succeeds, while PID runs.
wait_for() {
  local what="$1" secs="$2" pid="$3" logf="$4" i
  shift 4
  for i in $(seq 1 $((secs * 2))); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || fail "$what exited while starting (log: $logf)" "$logf"
    sleep 0.5
  done
  fail "$what did not become ready within ${secs}s (log: $logf)" "$logf"
}

t0=$(date +%s)
mkdir -p "$STACK/temporal/config" "$STACK/logs"
LOGS="$STACK/logs"

# The binaries: the pinned CLI (namespace, health), the server and its schema tool, the UI.
TEMPORAL="$("$ROOT/scripts/temporal-cli.sh")"
export TEMPORAL
mapfile -t tools < <("$ROOT/scripts/temporal-server.sh")
SERVER="${tools[0]:-}" SQLTOOL="${tools[1]:-}" UISERVER="${tools[2]:-}"
[ -x "$SERVER" ] && [ -x "$SQLTOOL" ] || fail "the Temporal server did not build (scripts/temporal-server.sh)"
log "building tvp"
go build -o "$ROOT/bin/tvp" ./cmd/tvp
TVP="$ROOT/bin/tvp"

pg_choose
if [ -n "$private_pg" ]; then
  pg_start
  log "PostgreSQL: a private cluster in $private_pg on 127.0.0.1:$PGPORT"
else
  log "PostgreSQL: 127.0.0.1:5432"
fi

# The stack's state is .dev/stack and its databases together: the secrets in one encrypt the
# payloads in the other, and the shard count is fixed by the first setup.
SECRETS="$STACK/secrets.env"
have_db=0
db_exists "$DB_TEMPORAL" && have_db=1
if [ "$have_db" = 1 ] && [ ! -f "$SECRETS" ]; then
  fail "the database $DB_TEMPORAL exists but $SECRETS does not: the stack's data cannot be read without its keys. Forget it with: make stack-clean"
fi

# Temporal's schema: the databases if missing, setup-schema once, update-schema every start.
SCHEMA="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION/schema/postgresql/v12"
[ -d "$SCHEMA/temporal/versioned" ] || fail "no schema files at $SCHEMA (the module go.temporal.io/server@$TEMPORAL_SERVER_VERSION is built from the module cache; run scripts/temporal-server.sh)"
sql() { "$SQLTOOL" --plugin postgres12 --ep 127.0.0.1 -p "$PGPORT" -u postgres "$@"; }
for pair in "$DB_TEMPORAL:temporal" "$DB_VISIBILITY:visibility"; do
  db="${pair%%:*}" kind="${pair##*:}"
  if ! db_exists "$db"; then
    psql_ -d postgres -c "CREATE DATABASE $db" >/dev/null
    log "created the database $db"
  fi
  if [ "$(psql_ -d "$db" -tAc "SELECT to_regclass('public.schema_version') IS NOT NULL")" != t ]; then
    sql --db "$db" setup-schema -v 0.0 >"$LOGS/schema-$kind.log" 2>&1 || fail "setup-schema of $db failed" "$LOGS/schema-$kind.log"
  fi
  sql --db "$db" update-schema -d "$SCHEMA/$kind/versioned" >>"$LOGS/schema-$kind.log" 2>&1 \
    || fail "update-schema of $db failed" "$LOGS/schema-$kind.log"
done
log "Temporal's schema: $DB_TEMPORAL $(psql_ -d "$DB_TEMPORAL" -tAc 'SELECT curr_version FROM schema_version'), $DB_VISIBILITY $(psql_ -d "$DB_VISIBILITY" -tAc 'SELECT curr_version FROM schema_version')"

# The shard count lives with the data (a comment on Temporal's database): a history shard
# holds its workflows for good, so the count can never change.
had="$(psql_ -d postgres -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname='$DB_TEMPORAL'")"
case "$had" in
  "tvp stack: "*" history shards")
    had="${had#tvp stack: }"; had="${had% history shards}"
    if [ "$had" != "$SHARDS" ]; then
      fail "STACK_SHARDS=$SHARDS, but the stack's data was set up with $had history shards, and Temporal can never change that. Start with STACK_SHARDS=$had, or forget the data: make stack-clean"
    fi ;;
  *) psql_ -d postgres -c "COMMENT ON DATABASE $DB_TEMPORAL IS 'tvp stack: $SHARDS history shards'" >/dev/null ;;
esac

# The server's configuration: the module's development-postgres12.yaml with the archival
# sections removed, the stack's databases, ports and shard count; an empty dynamic config.
CONF="$STACK/temporal/config/stack.yaml"
DYN="$STACK/temporal/dynamicconfig.yaml"
[ -f "$DYN" ] || : >"$DYN"
awk '/^(archival|namespaceDefaults):/ { skip = 1; next } /^[A-Za-z]/ { skip = 0 } !skip' \
  "$SCHEMA/../../../config/development-postgres12.yaml" | sed \
  -e "s/^\(  level: \)info/\1warn/" \
  -e "s/numHistoryShards: 4\$/numHistoryShards: $SHARDS/" \
  -e "s/databaseName: \"temporal\"/databaseName: \"$DB_TEMPORAL\"/" \
  -e "s/databaseName: \"temporal_visibility\"/databaseName: \"$DB_VISIBILITY\"/" \
  -e "s/connectAddr: \"127.0.0.1:5432\"/connectAddr: \"127.0.0.1:$PGPORT\"/" \
  -e "s/user: \"temporal\"/user: \"postgres\"/" \
  -e "s/password: \"temporal\"/password: \"\"/" \
  -e "s/port: 7936\$/port: $PPROF/" \
  -e "s/127.0.0.1:8000/127.0.0.1:$METRICS/" \
  -e "s/grpcPort: 7233\$/grpcPort: $FE/" -e "s/httpPort: 7243\$/httpPort: $FE_HTTP/" \
  -e "s/grpcPort: 7234\$/grpcPort: $HISTORY/" -e "s/grpcPort: 7235\$/grpcPort: $MATCHING/" \
  -e "s/grpcPort: 7239\$/grpcPort: $WORKER/" \
  -e "s/membershipPort: 6933\$/membershipPort: $M_FE/" -e "s/membershipPort: 6934\$/membershipPort: $M_HISTORY/" \
  -e "s/membershipPort: 6935\$/membershipPort: $M_MATCHING/" -e "s/membershipPort: 6939\$/membershipPort: $M_WORKER/" \
  -e "s/rpcAddress: \"localhost:7233\"/rpcAddress: \"127.0.0.1:$FE\"/" \
  -e "s|filepath: \"config/dynamicconfig/development-sql.yaml\"|filepath: \"$DYN\"|" \
  >"$CONF"
# Every line meant to change did: a later module with another file fails here, not at start.
for want in "numHistoryShards: $SHARDS" "databaseName: \"$DB_TEMPORAL\"" "databaseName: \"$DB_VISIBILITY\"" \
  "grpcPort: $FE" "membershipPort: $M_WORKER" "rpcAddress: \"127.0.0.1:$FE\"" "filepath: \"$DYN\""; do
  grep -qF "$want" "$CONF" || fail "the generated $CONF lacks '$want': development-postgres12.yaml has changed"
done
if grep -nE '^archival|7233|6933|"temporal"|user: "temporal"' "$CONF" >&2; then
  fail "the generated $CONF still has the lines above from development-postgres12.yaml"
fi

# The server is pids[0] (and tpid); temporal-stop and temporal-start find it by its pid file.
start_temporal() {
  "$SERVER" --root "$STACK/temporal" --config config --env stack --allow-no-auth start >>"$LOGS/temporal.log" 2>&1 &
  tpid=$!
  pids[0]=$tpid
  echo "$tpid" >"$STACK/temporal.pid"
}
rm -f "$STACK/temporal.held" "$STACK/temporal.release"
log "starting the Temporal server $TEMPORAL_SERVER_VERSION on 127.0.0.1:$FE ($SHARDS history shards), log $LOGS/temporal.log"
start_temporal
wait_for "the Temporal server" 120 "${pids[-1]}" "$LOGS/temporal.log" \
  "$TEMPORAL" operator cluster health --address "127.0.0.1:$FE"

# The namespace, once; then wait until the frontend serves it (its registry refreshes).
T=("$TEMPORAL" --address "127.0.0.1:$FE")
if ! "${T[@]}" operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  "${T[@]}" operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" >"$LOGS/namespace.log" 2>&1 \
    || fail "could not register the namespace $NAMESPACE" "$LOGS/namespace.log"
  log "registered the namespace $NAMESPACE (retention $RETENTION)"
fi
wait_for "the namespace $NAMESPACE" 60 "${pids[0]}" "$LOGS/temporal.log" \
  "${T[@]}" workflow count --namespace "$NAMESPACE"

# The Web UI, if its server built.
UI_URL=""
if [ -n "$UISERVER" ]; then
  mkdir -p "$STACK/ui/config"
  cat >"$STACK/ui/config/stack.yaml" <<YAML
temporalGrpcAddress: 127.0.0.1:$FE
host: 127.0.0.1
port: $UI
enableUi: true
defaultNamespace: $NAMESPACE
codec:
  endpoint: http://127.0.0.1:$API/codec
YAML
  "$UISERVER" --root "$STACK/ui" --config config --env stack start >>"$LOGS/ui.log" 2>&1 &
  pids+=($!)
  UI_URL="http://127.0.0.1:$UI"
else
  log "no Web UI: its server did not build (see .tools/temporal-ui-server-*/build-failed.log)"
fi

# TVP's secrets: made once, kept with the stack (never the development pepper or key).
if [ ! -f "$SECRETS" ]; then
  umask 077
  printf 'TVP_CPR_PEPPER=%s\nTVP_PAYLOAD_KEYS=stack1:%s\n' "$(openssl rand -hex 32)" "$(openssl rand -base64 32)" >"$SECRETS.tmp"
  mv "$SECRETS.tmp" "$SECRETS"
  umask 022
fi
set -a
# shellcheck disable=SC1090
source "$SECRETS"
set +a

# TVP as compose runs it: the migrations as the schema's owner, then the workers and the
# API as the role tvp_app. Development mode only for the login: the development OpenID
# provider runs in the API process, as no real provider is reachable here.
if ! db_exists "$DB_TVP"; then
  psql_ -d postgres -c "CREATE DATABASE $DB_TVP" >/dev/null
  log "created the database $DB_TVP"
fi
export TVP_ENV=development
export TVP_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/$DB_TVP?sslmode=disable"
export TVP_DATABASE_ROLE=tvp_app
export TVP_TEMPORAL_ADDRESS="127.0.0.1:$FE" TVP_TEMPORAL_NAMESPACE="$NAMESPACE" TVP_TASK_QUEUE=tvp
export TVP_HTTP_ADDR="127.0.0.1:$API" TVP_PUBLIC_URL="http://127.0.0.1:$API"
export TVP_TEMPORAL_UI_URL="${UI_URL:-http://127.0.0.1:$UI}"
export TVP_DEV_AUTH=true TVP_DEV_IDP_ADDR="127.0.0.1:$IDP" TVP_DEV_ISSUER_KEY="$STACK/dev-issuer.pem"
export TVP_LOG_LEVEL="${TVP_LOG_LEVEL:-info}"

"$TVP" migrate >"$LOGS/migrate.log" 2>&1 || fail "tvp migrate failed" "$LOGS/migrate.log"
for n in 1 2; do
  "$TVP" worker >>"$LOGS/worker-$n.log" 2>&1 &
  pids+=($!)
done
"$TVP" api >>"$LOGS/api.log" 2>&1 &
pids+=($!)
wait_for "tvp api" 60 "${pids[-1]}" "$LOGS/api.log" curl -fsS "http://127.0.0.1:$API/readyz"

if [ ! -f "$STACK/demo-loaded" ]; then
  "$TVP" demo >"$LOGS/demo.log" 2>&1 || fail "tvp demo failed" "$LOGS/demo.log"
  date -u +%FT%TZ >"$STACK/demo-loaded"
  log "loaded the demo data"
fi

log "up in $(( $(date +%s) - t0 ))s"
cat >&2 <<EOF

The stack is running (Ctrl-C stops it; the next start finds the same data):
  API and pages        http://127.0.0.1:$API   (ready: /readyz, metrics: /metrics)
  log in               http://127.0.0.1:$IDP   (the development OpenID provider; demo staff, password ${TVP_DEV_PASSWORD:-demo})
  a token              TVP_DEV_IDP_ADDR=127.0.0.1:$IDP bin/tvp token konsulent.anna
  Temporal frontend    127.0.0.1:$FE   ($SHARDS history shards, namespace $NAMESPACE)
  Temporal Web UI      ${UI_URL:-(not built)}
  tests on it          TVP_TEST_TEMPORAL_ADDRESS=127.0.0.1:$FE go test ./api/
  logs                 $LOGS/
EOF

# Stay up while every process runs; one that exits stops the stack, but a Temporal server
# stopped by temporal-stop, which is started again when temporal-start releases it.
while :; do
  if ! kill -0 "$tpid" 2>/dev/null; then
    if [ -f "$STACK/temporal.release" ]; then
      wait "$tpid" 2>/dev/null || true
      rm -f "$STACK/temporal.release"
      log "starting the Temporal server again"
      start_temporal
    elif [ -f "$STACK/temporal.held" ]; then
      sleep 0.5
      continue
    fi
  fi
  for p in "${pids[@]}"; do
    if ! kill -0 "$p" 2>/dev/null; then
      sleep 1 # on Ctrl-C the processes see SIGINT too: the trap's stop comes first
      log "a process of the stack exited (pid $p); see $LOGS/"
      exit 1
    fi
  done
  sleep 2
done
