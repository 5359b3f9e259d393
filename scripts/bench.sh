#!/usr/bin/env bash
# make bench: TVP against the bare Temporal client, in one run, on a Temporal dev server and
# a PostgreSQL like make dev's (started here on free ports, in memory, and stopped after).
# Prints a Markdown table and writes it to bench/out/results.md.
# BENCH_TEMPORAL=host:port runs against that Temporal server (namespace default) instead of a
# dev server, for example make stack's: BENCH_TEMPORAL=127.0.0.1:7400 (BENCH_TEMPORAL_METRICS=
# host:port names its Prometheus endpoint, make stack's 127.0.0.1:7416).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
mkdir -p "$ROOT/.dev"

pids=()
private_pg=""
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$private_pg" ] && pg_private_stop "$private_pg"
  return 0
}
trap cleanup EXIT

if pg_reachable 127.0.0.1 5432; then
  admin="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"; pgport=5432
else
  pgport="$(free_port)"; private_pg="$ROOT/.dev/pg-bench"
  pg_private_start "$private_pg" "$pgport"
  admin="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"
fi
db="tvp_bench_$$"
"$PGBIN/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
trap '"$PGBIN/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; cleanup' EXIT

TEMPORAL="$("$ROOT/scripts/temporal-cli.sh")"
if [ -n "${BENCH_TEMPORAL:-}" ]; then
  temporal_wait "$BENCH_TEMPORAL"
  export TVP_BENCH_TEMPORAL_ADDRESS="$BENCH_TEMPORAL"
  export TVP_BENCH_TEMPORAL_METRICS="${BENCH_TEMPORAL_METRICS:-}"
  export TVP_BENCH_TEMPORAL_KIND="the Temporal server at $BENCH_TEMPORAL"
else
  TEMPORAL_LOG_LEVEL=error temporal_start_dev "$ROOT/.dev/temporal-bench.log" "${TEMPORAL_DEV_FLAGS[@]}"
  pids+=("$TEMPORAL_PID")
  export TVP_BENCH_TEMPORAL_PID="$TEMPORAL_PID"
  export TVP_BENCH_TEMPORAL_ADDRESS="$TEMPORAL_ADDRESS"
  export TVP_BENCH_TEMPORAL_METRICS="127.0.0.1:$TEMPORAL_METRICS_PORT"
fi

export TVP_BENCH_DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/$db?sslmode=disable"
go run ./bench "$@"
