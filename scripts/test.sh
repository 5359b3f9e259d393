#!/usr/bin/env bash
# make test: every check and test of the project, against a real PostgreSQL and a real
# Temporal dev server that this script starts (and stops) itself.
#   gofmt, go vet, Temporal's workflowcheck, then go test over every package.
# Environment: TEST_PKGS (default: every package but ./chaos), GOTEST_FLAGS (extra flags),
# RACE=0 (no race detector; it is on wherever cgo can run),
# ONLY_CHAOS=1 (just the fault tests; with TVP_CHAOS_LONG=1 their long form: make chaos),
# ONLY_FUZZ=1 (just the fuzz targets: make fuzz), FUZZ_DECODE and FUZZ_TEXT (how many inputs each
# target tries: a count such as 20000x, never a duration: go1.26's fuzz coordinator can report its
# own -fuzztime deadline as a failure, golang/go#75804, fixed only in go1.27).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

WORKFLOWCHECK_VERSION=v0.6.0
STATICCHECK_VERSION=v0.8.2 # honnef.co/go/tools
DEADCODE_VERSION=v0.52.0   # golang.org/x/tools
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS" "$ROOT/.dev"

if [ -z "${ONLY_CHAOS:-}${ONLY_FUZZ:-}" ]; then
log "gofmt"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*') 2>/dev/null || true)"
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi

log "go vet"
go vet ./...

log "workflowcheck"
WFC="$TOOLS/workflowcheck-$WORKFLOWCHECK_VERSION/workflowcheck"
if [ ! -x "$WFC" ]; then
  (cd "$TOOLS" && GOBIN="$(dirname "$WFC")" GOFLAGS=-mod=mod go install "go.temporal.io/sdk/contrib/tools/workflowcheck@$WORKFLOWCHECK_VERSION")
fi
"$WFC" ./workflows/...

# tool NAME VERSION PACKAGE: the path of a pinned tool, built once from the Go module proxy into .tools/.
tool() {
  local bin="$TOOLS/$1-$2/$1"
  if [ ! -x "$bin" ]; then
    (cd "$TOOLS" && GOBIN="$(dirname "$bin")" GOFLAGS=-mod=mod go install "$3@$2") >&2
  fi
  echo "$bin"
}

log "staticcheck"
"$(tool staticcheck "$STATICCHECK_VERSION" honnef.co/go/tools/cmd/staticcheck)" ./...

log "deadcode"
# Functions that nothing reaches, from the binary's main or any test: dead code is removed.
dead="$("$(tool deadcode "$DEADCODE_VERSION" golang.org/x/tools/cmd/deadcode)" -test ./...)"
if [ -n "$dead" ]; then
  echo "deadcode: unreachable functions:" >&2; echo "$dead" >&2; exit 1
fi
fi

# The pages are tested in Debian's headless Chromium.
if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian's chromium for the browser tests"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

# The pages are scanned for WCAG 2.1 A/AA by axe-core (from npm, pinned; the same version as
# internal/testing/apptest.AxeVersion), installed once into .tools/ (git-ignored).
AXE_VERSION=4.10.3
if [ ! -f "$TOOLS/axe-core-$AXE_VERSION/node_modules/axe-core/axe.min.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    log "installing Debian's npm for axe-core"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  log "installing axe-core $AXE_VERSION from npm"
  npm install --prefix "$TOOLS/axe-core-$AXE_VERSION" --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null
fi

pids=()
private_pg=""
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$private_pg" ] && pg_private_stop "$private_pg"
  return 0
}
trap cleanup EXIT

# PostgreSQL: the machine's own on 5432 if it answers, else a private cluster for the tests.
if [ -z "${TVP_TEST_DATABASE_URL:-}" ]; then
  if pg_reachable 127.0.0.1 5432; then
    export TVP_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
    log "PostgreSQL: 127.0.0.1:5432"
  else
    port="$(free_port)"
    private_pg="$ROOT/.dev/pg-test"
    pg_private_start "$private_pg" "$port"
    export TVP_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    log "PostgreSQL: private cluster on 127.0.0.1:$port"
  fi
fi

# Temporal: the pinned CLI's dev server, in memory, on free ports.
TEMPORAL="$("$ROOT/scripts/temporal-cli.sh")"
export TEMPORAL TVP_TEST_TEMPORAL_CLI="$TEMPORAL"
if [ -z "${TVP_TEST_TEMPORAL_ADDRESS:-}" ]; then
  temporal_start_dev "$ROOT/.dev/temporal-test.log"
  pids+=("$TEMPORAL_PID")
  export TVP_TEST_TEMPORAL_ADDRESS="$TEMPORAL_ADDRESS"
  log "Temporal: dev server on $TVP_TEST_TEMPORAL_ADDRESS"
fi

# The race detector (it needs cgo and a C compiler): on wherever it can run, so a data race
# fails the suite. RACE=0 turns it off.
race=""
if [ "${RACE:-1}" != 0 ] && [ "$(go env CGO_ENABLED)" = 1 ] && command -v "$(go env CC)" >/dev/null 2>&1; then
  race="-race"
elif [ "${RACE:-1}" != 0 ]; then
  log "no C compiler for cgo: the tests run without the race detector"
fi

if [ -z "${ONLY_CHAOS:-}${ONLY_FUZZ:-}" ]; then
  log "go test ${race}"
  # shellcheck disable=SC2086
  go test $race -count=1 -timeout 20m ${GOTEST_FLAGS:-} ${TEST_PKGS:-$(go list ./... | grep -v '/chaos$')}
fi
if [ -z "${ONLY_CHAOS:-}" ]; then
  for n in "${FUZZ_DECODE:=20000x}" "${FUZZ_TEXT:=3000x}"; do
    case "$n" in *[0-9]x) ;; *) echo "FUZZ_DECODE and FUZZ_TEXT are counts such as 20000x, not $n (golang/go#75804)" >&2; exit 2;; esac
  done
  log "fuzz (request decoding, $FUZZ_DECODE inputs)"
  go test -run='^$' -fuzz=FuzzDecodeRequest -fuzztime="$FUZZ_DECODE" ./api/
  log "fuzz (the service's text inputs, $FUZZ_TEXT inputs)"
  go test -run='^$' -fuzz=FuzzServiceText -fuzztime="$FUZZ_TEXT" ./service/
fi

if [ -n "${ONLY_FUZZ:-}" ]; then exit 0; fi
log "chaos: faults injected into a running system"
set -o pipefail
# shellcheck disable=SC2086
go test $race -count=1 -timeout 20m -v ./chaos/ | grep -vE '^=== (RUN|PAUSE|CONT)'

