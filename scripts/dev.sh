#!/usr/bin/env bash
# make dev: the whole system on this machine. The Temporal dev server (file-backed, with its
# Web UI), a PostgreSQL (the configured one if reachable, else a private cluster), then
# `tvp dev` (migrations, demo data, worker and API). All local state lives under .dev/.
# Ctrl-C stops everything this script started; the next run finds the same data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

export TVP_HTTP_ADDR="${TVP_HTTP_ADDR:-127.0.0.1:8080}"
export TVP_PUBLIC_URL="${TVP_PUBLIC_URL:-http://$TVP_HTTP_ADDR}"
# tvp dev runs the development OpenID provider here (internal/dev/idp): the pages log in there.
export TVP_DEV_IDP_ADDR="${TVP_DEV_IDP_ADDR:-127.0.0.1:8081}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
export TVP_TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
export TVP_TEMPORAL_UI_URL="http://127.0.0.1:$TEMPORAL_UI_PORT"
DEV="$ROOT/.dev"
mkdir -p "$DEV/temporal"

TEMPORAL="$("$ROOT/scripts/temporal-cli.sh")"
export TEMPORAL

pids=()
private_pg=""
cleanup() {
  trap - INT TERM EXIT
  log "stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$private_pg" ] && pg_private_stop "$private_pg"
  log "stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

for port in "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" "${TVP_HTTP_ADDR##*:}" "${TVP_DEV_IDP_ADDR##*:}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port on 127.0.0.1 is in use: is another make dev running? (ports: TEMPORAL_PORT, TEMPORAL_UI_PORT, TVP_HTTP_ADDR, TVP_DEV_IDP_ADDR)"
    exit 1
  fi
done

log "starting the Temporal dev server on 127.0.0.1:$TEMPORAL_PORT (UI on $TEMPORAL_UI_PORT), data in .dev/temporal"
"$TEMPORAL" server start-dev "${TEMPORAL_DEV_FLAGS[@]}" --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
  --db-filename "$DEV/temporal/temporal.db" --ui-codec-endpoint "$TVP_PUBLIC_URL/codec" --log-level warn >"$DEV/temporal/server.log" 2>&1 &
pids+=($!)
temporal_wait "$TVP_TEMPORAL_ADDRESS"

# PostgreSQL: the configured server if it answers, else a private cluster under .dev/pg.
if [ -z "${TVP_DATABASE_URL:-}" ]; then
  if pg_reachable 127.0.0.1 5432; then
    export TVP_DATABASE_URL="postgres://postgres@127.0.0.1:5432/tvp?sslmode=disable"
    psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='tvp'" | grep -q 1 \
      || psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "CREATE DATABASE tvp" >/dev/null
    log "using PostgreSQL on 127.0.0.1:5432, database tvp"
  else
    PG_PORT="${PG_PORT:-55432}"
    private_pg="$DEV/pg"
    pg_private_start "$private_pg" "$PG_PORT"
    "$PGBIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='tvp'" | grep -q 1 \
      || "$PGBIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE tvp" >/dev/null
    export TVP_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/tvp?sslmode=disable"
    log "using the private PostgreSQL in .dev/pg on 127.0.0.1:$PG_PORT"
  fi
fi

# tvp dev migrates as the URL's login (postgres, the schema's owner), then runs the worker
# and the API as the role tvp_app (TVP_DATABASE_ROLE), which may only append to the audit log.
log "building tvp"
go build -o "$ROOT/bin/tvp" ./cmd/tvp
log "the pages: $TVP_PUBLIC_URL, log in at the development provider (http://$TVP_DEV_IDP_ADDR) as a demo staff member (e.g. konsulent.anna), password ${TVP_DEV_PASSWORD:-demo}; an API token: bin/tvp token konsulent.anna"
"$ROOT/bin/tvp" dev &
pids+=($!)
wait "${pids[-1]}"
