#!/usr/bin/env bash
# Builds the Temporal CLI (dev server) once, from the Go module proxy, at a pinned version,
# into .tools/bin (git-ignored). Later calls reuse the binary. Nothing else is downloaded.
# Prints the binary's path on stdout.
set -euo pipefail
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/temporal-cli-$TEMPORAL_CLI_VERSION"
bin="$dir/temporal"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  echo "building the Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (first time only: 10-15 minutes on 2 cores)..." >&2
  start=$(date +%s)
  # GOFLAGS=-mod=mod: the CLI is built as its own module, outside this repo's go.mod.
  (cd "$dir" && GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION") >&2
  echo "built $bin in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin"
