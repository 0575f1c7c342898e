#!/usr/bin/env bash
# Builds (or reuses) the reference services of the integration suite and the peer benchmark:
#   - an OpenTelemetry Collector made with the Collector builder (ocb) from integration/collector/manifest.yaml;
#   - VictoriaLogs (its victoria-logs command) from integration/victorialogs/go.mod;
#   - VersityGW, an S3-compatible server, by build-versitygw.sh (cached by its own version, so pinning it anew
#     does not rebuild the Collector).
# Both come from the Go module proxy at the versions pinned in those two files. Results are cached under
# $LOGPUSH_OTEL_SERVICES_DIR (default: <repo>/.reference-services, git-ignored), keyed by a hash of the pinned
# inputs and the Go version: a second run only checks that the binaries exist and exits in well under a second.
# Go's own caches (GOCACHE, GOMODCACHE) are used as configured, so a fresh clone on a machine that built the
# services before only links them again (seconds) instead of compiling everything.
#
# On success prints, and writes to <cache>/services.json, the absolute paths of the three binaries.
# Exit codes: 0 built or reused, 1 build failed, 3 Go is missing or older than the pinned modules need.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${LOGPUSH_OTEL_SERVICES_DIR:-$ROOT/.reference-services}"
MANIFEST="$ROOT/integration/collector/manifest.yaml"
COLLECTOR_MODULE_DIR="$ROOT/integration/collector"
VL_MODULE_DIR="$ROOT/integration/victorialogs"
# The builder's version must match the collector core release named in the manifest.
OCB_VERSION="v0.160.0"
MIN_GO_MINOR=26

log() { printf '[build-services] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed (need go1.${MIN_GO_MINOR} or newer on PATH): cannot build the OpenTelemetry Collector and VictoriaLogs."
  exit 3
fi
GO_VERSION="$(go env GOVERSION)"
go_minor="$(printf '%s' "$GO_VERSION" | sed -E 's/^go1\.([0-9]+).*/\1/')"
if ! [[ "$go_minor" =~ ^[0-9]+$ ]] || ((go_minor < MIN_GO_MINOR)); then
  log "found $GO_VERSION, need go1.${MIN_GO_MINOR} or newer (the pinned collector modules declare go 1.${MIN_GO_MINOR})."
  exit 3
fi

# -buildvcs=false: the build folders sit inside this git checkout; the binaries need no VCS stamp.
export GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
# -p 2: the CI machine has 2 cores; more parallel compiles only add memory pressure.
BUILD_FLAGS=(-trimpath -ldflags=-s\ -w -p 2)

if ! grep -q "version: ${OCB_VERSION#v}" "$MANIFEST"; then
  log "$MANIFEST: expected dist.version ${OCB_VERSION#v} to match the builder version $OCB_VERSION"
  exit 1
fi
# Every component of the manifest must be required at the same version by the committed go.mod.
while read -r module version; do
  if ! grep -qE "^[[:space:]]*$module $version\b" "$COLLECTOR_MODULE_DIR/go.mod"; then
    log "$COLLECTOR_MODULE_DIR/go.mod: expected 'require $module $version' as in the manifest"
    exit 1
  fi
done < <(sed -nE 's/^[[:space:]]*- gomod: ([^ ]+) ([^ ]+).*/\1 \2/p' "$MANIFEST")

key="$(
  {
    printf 'script-v1 %s %s\n' "$GO_VERSION" "$OCB_VERSION"
    cat "$MANIFEST" "$COLLECTOR_MODULE_DIR/go.mod" "$COLLECTOR_MODULE_DIR/go.sum" "$VL_MODULE_DIR/go.mod"
    [[ -f "$VL_MODULE_DIR/go.sum" ]] && cat "$VL_MODULE_DIR/go.sum"
  } | sha256sum | cut -c1-16
)"
OUT="$CACHE/$key"
OTELCOL="$OUT/otelcol"
VICTORIA_LOGS="$OUT/victoria-logs"

mkdir -p "$CACHE"
# One build at a time per cache folder (parallel test runners may call this together).
exec 9>"$CACHE/.lock"
flock 9

write_result() {
  local versions versitygw
  versitygw="$(LOGPUSH_OTEL_SERVICES_DIR="$CACHE" bash "$ROOT/integration/scripts/build-versitygw.sh")"
  versions="$(printf '{"go":"%s","collectorBuilder":"%s","victoriaMetricsModule":"%s","versitygw":"%s"}' \
    "$GO_VERSION" "$OCB_VERSION" \
    "$(sed -nE 's/^require github.com\/VictoriaMetrics\/VictoriaMetrics (v[^ ]+).*/\1/p' "$VL_MODULE_DIR/go.mod")" \
    "$(basename "$(dirname "$versitygw")" | sed -E 's/^versitygw-(v[^-]+)-.*/\1/')")"
  printf '{"otelcol":"%s","victoriaLogs":"%s","versitygw":"%s","versions":%s}\n' "$OTELCOL" "$VICTORIA_LOGS" \
    "$versitygw" "$versions" >"$CACHE/services.json.tmp"
  mv "$CACHE/services.json.tmp" "$CACHE/services.json"
  cat "$CACHE/services.json"
}

if [[ -x "$OTELCOL" && -x "$VICTORIA_LOGS" ]]; then
  log "reusing $OUT"
  write_result
  exit 0
fi

mkdir -p "$OUT"
started=$SECONDS

if [[ ! -x "$OTELCOL" ]]; then
  OCB="$CACHE/tools/ocb-$OCB_VERSION/builder"
  if [[ ! -x "$OCB" ]]; then
    log "installing the Collector builder $OCB_VERSION"
    GOBIN="$(dirname "$OCB")" go install -trimpath -ldflags='-s -w' "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
  fi
  work="$OUT/work/otelcol"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$MANIFEST" "$work/manifest.yaml"
  # The builder only generates the sources here: its `go mod tidy` step would also resolve the test-only
  # dependencies of every component, some of which the module proxy does not serve. The committed go.mod and
  # go.sum pin what the binary needs.
  log "generating the Collector sources"
  (cd "$work" && "$OCB" --config manifest.yaml --skip-get-modules --skip-compilation >build.log 2>&1) || {
    cat "$work/build.log" >&2
    exit 1
  }
  cp "$COLLECTOR_MODULE_DIR/go.mod" "$COLLECTOR_MODULE_DIR/go.sum" "$work/build/"
  log "compiling the Collector (a few minutes on a cold Go cache)"
  (cd "$work/build" && go build "${BUILD_FLAGS[@]}" -o "$OTELCOL.tmp" .)
  mv "$OTELCOL.tmp" "$OTELCOL"
  log "Collector ready after $((SECONDS - started)) s"
fi

if [[ ! -x "$VICTORIA_LOGS" ]]; then
  work="$OUT/work/victorialogs"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$VL_MODULE_DIR/go.mod" "$work/go.mod"
  [[ -f "$VL_MODULE_DIR/go.sum" ]] && cp "$VL_MODULE_DIR/go.sum" "$work/go.sum"
  log "compiling VictoriaLogs"
  (cd "$work" && go build "${BUILD_FLAGS[@]}" -o "$VICTORIA_LOGS.tmp" \
    github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-logs)
  mv "$VICTORIA_LOGS.tmp" "$VICTORIA_LOGS"
  log "VictoriaLogs ready after $((SECONDS - started)) s"
fi

rm -rf "$OUT/work"
# Drop the binaries of earlier pins.
for old in "$CACHE"/*/; do
  old="${old%/}"
  [[ "$(basename "$old")" =~ ^[0-9a-f]{16}$ && "$old" != "$OUT" ]] && rm -rf "$old"
done
write_result
