#!/usr/bin/env bash
# Builds the Temporal server and its schema tool (temporal-sql-tool) once, from the Go module
# proxy, at the version docker-compose.yml pins, into .tools/temporal-server-<version>/
# (git-ignored); then tries the Web UI's server (ui-server, the version the pinned CLI
# embeds) into .tools/temporal-ui-server-<version>/. Later calls reuse the binaries; a UI
# that did not build is not tried again (remove its folder to retry). Nothing else is
# downloaded. Prints three lines on stdout: the server, the schema tool, the UI server (or
# an empty line when the UI did not build).
set -euo pipefail
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
TEMPORAL_UI_SERVER_VERSION="${TEMPORAL_UI_SERVER_VERSION:-v2.42.1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/temporal-server-$TEMPORAL_SERVER_VERSION"
uidir="$root/.tools/temporal-ui-server-$TEMPORAL_UI_SERVER_VERSION"

# GOFLAGS=-mod=mod: each is built as its own module, outside this repo's go.mod.
if [ ! -x "$dir/temporal-server" ] || [ ! -x "$dir/temporal-sql-tool" ]; then
  mkdir -p "$dir"
  echo "building the Temporal server $TEMPORAL_SERVER_VERSION and temporal-sql-tool from the Go module proxy (first time only: minutes on 2 cores)..." >&2
  start=$(date +%s)
  (cd "$dir" && GOBIN="$dir" GOFLAGS=-mod=mod go install \
    "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION") >&2
  mv "$dir/server" "$dir/temporal-server"
  mv "$dir/sql" "$dir/temporal-sql-tool"
  echo "built $dir in $(( $(date +%s) - start ))s" >&2
fi

ui=""
if [ -x "$uidir/temporal-ui-server" ]; then
  ui="$uidir/temporal-ui-server"
elif [ ! -f "$uidir/build-failed.log" ]; then
  mkdir -p "$uidir"
  echo "building the Temporal Web UI server $TEMPORAL_UI_SERVER_VERSION from the Go module proxy (first time only)..." >&2
  start=$(date +%s)
  if (cd "$uidir" && GOBIN="$uidir" GOFLAGS=-mod=mod go install \
      "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION") >"$uidir/build.log" 2>&1; then
    mv "$uidir/server" "$uidir/temporal-ui-server"
    ui="$uidir/temporal-ui-server"
    echo "built $ui in $(( $(date +%s) - start ))s" >&2
  else
    mv "$uidir/build.log" "$uidir/build-failed.log"
    echo "the Web UI server did not build (see $uidir/build-failed.log); the stack runs without it" >&2
  fi
fi
echo "$dir/temporal-server"
echo "$dir/temporal-sql-tool"
echo "$ui"
