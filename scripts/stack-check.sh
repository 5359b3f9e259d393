#!/usr/bin/env bash
# make stack-check: shows that make stack comes up from nothing, serves the demo data, and
# keeps it over a restart. On a stack of its own (.dev/stack-check, the databases
# tvp_stack_check*, Temporal on 7440, the API on 8490), so make stack's data is not touched:
#   1. forget any earlier check's data (empty databases, empty state folder);
#   2. start the stack in the background, wait until it is up, read the demo course and plan
#      through the API with a token, and refer a citizen;
#   3. stop it (SIGTERM, as Ctrl-C), check that every process and port is gone;
#   4. start it again: no schema setup, no namespace registration, no demo load; read the
#      same course, plan and referral; then refuse another shard count;
#   5. stop it, and drop its data (KEEP=1 keeps it).
# Slow (two starts of the Temporal server); not part of make test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

export STACK_DIR="$ROOT/.dev/stack-check" STACK_DB_PREFIX=tvp_stack_check
export STACK_TEMPORAL_PORT="${CHECK_TEMPORAL_PORT:-7440}" STACK_HTTP_PORT="${CHECK_HTTP_PORT:-8490}"
export STACK_SHARDS="${STACK_SHARDS:-16}"
START_TIMEOUT="${CHECK_START_TIMEOUT:-900}" # the first start may build the Temporal server
API="http://127.0.0.1:$STACK_HTTP_PORT"
export TVP_DEV_IDP_ADDR="127.0.0.1:$((STACK_HTTP_PORT + 1))"
OUT="$ROOT/.dev/stack-check-logs"
rm -rf "$OUT"
mkdir -p "$OUT"

stack_pid=""
stop_stack() {
  [ -n "$stack_pid" ] || return 0
  kill -TERM "$stack_pid" 2>/dev/null || true
  local i
  for i in $(seq 1 120); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$stack_pid" 2>/dev/null; then
    log "FAIL: the stack did not stop within 60s of SIGTERM; killing its process group"
    kill -KILL -- "-$stack_pid" 2>/dev/null || true
    stack_pid=""
    return 1
  fi
  wait "$stack_pid" 2>/dev/null || true
  stack_pid=""
}
finish() {
  local rc=$?
  trap - EXIT
  stop_stack || rc=1
  # Nothing of the check's may outlive it: its process group, if anything is left.
  [ -n "${pgid:-}" ] && kill -KILL -- "-$pgid" 2>/dev/null || true
  [ -d "$STACK_DIR/logs" ] && rm -rf "$OUT/stack-logs" && cp -r "$STACK_DIR/logs" "$OUT/stack-logs"
  if [ "${KEEP:-}" != 1 ]; then ./scripts/stack.sh clean >/dev/null 2>&1 || true; fi
  if [ $rc = 0 ]; then log "PASS: make stack came up from nothing, served the demo data, and kept it over a restart"; else log "FAIL (logs: $OUT, $STACK_DIR/logs)"; fi
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

die() { log "FAIL: $*"; exit 1; }

# start N: starts the stack in its own session (so its whole group can be stopped) and waits
# until it says it is up.
start() {
  local n="$1" t0 i
  t0=$(date +%s)
  : >"$OUT/start-$n.log" # before the start, so an earlier check's log is never read
  setsid ./scripts/stack.sh >"$OUT/start-$n.log" 2>&1 &
  stack_pid=$! pgid=$!
  for i in $(seq 1 "$START_TIMEOUT"); do
    grep -q '\] up in ' "$OUT/start-$n.log" && break
    kill -0 "$stack_pid" 2>/dev/null || { tail -30 "$OUT/start-$n.log" >&2; die "start $n: make stack exited"; }
    sleep 1
  done
  grep -q '\] up in ' "$OUT/start-$n.log" || { tail -30 "$OUT/start-$n.log" >&2; die "start $n: not up within ${START_TIMEOUT}s"; }
  log "start $n: up in $(( $(date +%s) - t0 ))s ($(grep -o 'up in [0-9]*s' "$OUT/start-$n.log"), after the builds)"
}

# get USER PATH: the answer's body; fails unless 200 within 60 s (the first reads after a
# start may wait for a worker to take the workflow's query).
get() {
  local user="$1" path="$2" tok code i
  tok="$(bin/tvp token "$user")" || die "no token for $user from the development provider at $TVP_DEV_IDP_ADDR"
  for i in $(seq 1 60); do
    code=$(curl -s -o "$OUT/body" -w '%{http_code}' -m 15 -H "Authorization: Bearer $tok" "$API$path" || true)
    [ "$code" = 200 ] && { cat "$OUT/body"; return 0; }
    sleep 1
  done
  cat "$OUT/body" >&2 || true
  die "GET $path as $user: HTTP $code"
}

# expect WHAT JSON FIELD VALUE
expect() {
  local got
  got="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$2" "$3")" \
    || die "$1: no field $3 in $2"
  [ "$got" = "$4" ] || die "$1: $3 is '$got', want '$4'"
  log "  $1: $3 = $got"
}

# first_id USER PATH: the id of the first item a list answers (the demo's course and plan are
# referred and enrolled through the service: their ids are made from their keys).
first_id() {
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["items"][0][sys.argv[2]])' "$(get "$1" "$2")" "$3" \
    || die "no item in $2"
}

read_all() {
  local c p r
  COURSE="$(first_id konsulent.anna "/api/v1/courses?team=ungeteam" id)"
  PLAN="$(first_id tovholder.ida "/api/v1/plans?coordinator=tovholder.ida" id)"
  c="$(get konsulent.anna "/api/v1/courses/$COURSE")"
  expect "the demo course (a workflow query)" "$c" course_id "$COURSE"
  p="$(get tovholder.ida "/api/v1/plans/$PLAN")"
  expect "the demo plan (a workflow query)" "$p" id "$PLAN"
  r="$(get leder.ulla "/api/v1/teams")"
  log "  teams: $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(", ".join(t["id"] for t in d["items"]))' "$r")"
}

command -v setsid >/dev/null || die "setsid (util-linux) is needed"
log "forgetting any earlier check's data ($STACK_DIR, databases ${STACK_DB_PREFIX}*)"
./scripts/stack.sh clean >"$OUT/clean.log" 2>&1 || { cat "$OUT/clean.log" >&2; die "clean"; }
[ ! -e "$STACK_DIR" ] || die "$STACK_DIR is still there"

log "start 1: from nothing, $STACK_SHARDS history shards"
start 1
for what in "created the database ${STACK_DB_PREFIX}_temporal" "registered the namespace" "loaded the demo data"; do
  grep -q "$what" "$OUT/start-1.log" || die "start 1 did not say '$what'"
done
read_all
# The server took every history shard of the configured count (a row per shard it owns).
pgport="$(grep -m1 '\] PostgreSQL: ' "$OUT/start-1.log" | grep -oE '127\.0\.0\.1:[0-9]+' | cut -d: -f2)"
shards="$("$PGBIN/psql" -X -h 127.0.0.1 -p "${pgport:-5432}" -U postgres -d "${STACK_DB_PREFIX}_temporal" -tAc 'SELECT count(*) FROM shards' 2>/dev/null || echo '?')"
[ "$shards" = "$STACK_SHARDS" ] || die "Temporal's table shards has $shards rows, want $STACK_SHARDS"
log "  Temporal owns $shards history shards"
ui="http://127.0.0.1:$((STACK_HTTP_PORT + 2))"
if grep -q 'Temporal Web UI      http' "$OUT/start-1.log"; then
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$ui/api/v1/namespaces/default" || true)
  [ "$code" = 200 ] || die "the Web UI's API at $ui: HTTP $code"
  log "  the Web UI answers at $ui (its API reads the namespace through the frontend)"
else
  log "  no Web UI (its server did not build)"
fi
tok="$(bin/tvp token konsulent.anna)"
code=$(curl -s -o "$OUT/referral.json" -w '%{http_code}' -m 30 -XPOST "$API/api/v1/courses" \
  -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -H 'Idempotency-Key: stack-check-referral' -d '{
  "team_id": "ungeteam", "citizens": [{"cpr": "010203-1234", "name": "Stak Kontrol"}],
  "consultant_ids": ["konsulent.anna"], "start_date": "'"$(date -u +%F)"'",
  "goals": [{"text": "Starte på en uddannelse"}]}')
[ "$code" = 201 ] || [ "$code" = 200 ] || { cat "$OUT/referral.json" >&2; die "the referral: HTTP $code"; }
referral="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT/referral.json")"
log "  referred a citizen: course $referral"

log "stopping (SIGTERM)"
t0=$(date +%s)
stop_stack || die "stop 1"
log "stopped in $(( $(date +%s) - t0 ))s"
for port in "$STACK_TEMPORAL_PORT" "$STACK_HTTP_PORT" "$((STACK_HTTP_PORT + 1))"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port still answers after the stop"; fi
done
if pgrep -g "$pgid" >/dev/null 2>&1; then pgrep -a -g "$pgid" >&2; die "processes of the stack outlived it"; fi

log "start 2: the same data"
start 2
for what in "created the database" "registered the namespace" "loaded the demo data"; do
  if grep -q "$what" "$OUT/start-2.log"; then die "start 2 did '$what' again"; fi
done
read_all
c="$(get konsulent.anna "/api/v1/courses/$referral")"
expect "the referral from before the restart" "$c" course_id "$referral"

log "another shard count against the same data is refused"
if STACK_SHARDS=$((STACK_SHARDS * 2)) STACK_TEMPORAL_PORT=7460 STACK_HTTP_PORT=8510 ./scripts/stack.sh >"$OUT/shards.log" 2>&1; then
  die "STACK_SHARDS=$((STACK_SHARDS * 2)) started"
fi
grep -q "can never change" "$OUT/shards.log" || { cat "$OUT/shards.log" >&2; die "the refusal did not say why"; }
log "  $(grep -o 'STACK_SHARDS=[0-9]*, but.*can never change that' "$OUT/shards.log")"

log "stopping (SIGTERM)"
stop_stack || die "stop 2"
