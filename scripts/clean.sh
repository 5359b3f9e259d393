#!/usr/bin/env bash
# make clean: forget the local state of make dev (Temporal's file, the private PostgreSQL,
# the development issuer's key) and its database on the machine's PostgreSQL, if it used one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
pg_private_stop "$ROOT/.dev/pg"
pg_private_stop "$ROOT/.dev/pg-test"
if pg_reachable 127.0.0.1 5432; then
  "$PGBIN/psql" -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "DROP DATABASE IF EXISTS tvp WITH (FORCE)" >/dev/null \
    && log "dropped the database tvp on 127.0.0.1:5432"
fi
rm -rf .dev bin
