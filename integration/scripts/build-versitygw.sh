#!/usr/bin/env bash
# Builds (or reuses) VersityGW, the S3-compatible server (Apache-2.0) the logpush_s3 receiver is tested against,
# with `go install` from the Go module proxy at the pinned version. Its POSIX backend serves a plain directory
# as buckets, which is all the tests need. Cached under $LOGPUSH_OTEL_SERVICES_DIR/versitygw-<version>-<go>/:
# a second run only checks that the binary exists. Called by build-services.sh (which holds the cache lock);
# can also be run on its own.
#
# Prints the absolute path of the binary on stdout. Exit codes: 0 built or reused, 1 build failed, 3 no Go.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${LOGPUSH_OTEL_SERVICES_DIR:-$ROOT/.reference-services}"
VERSITYGW_VERSION="v1.8.0"

log() { printf '[build-versitygw] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed: cannot build VersityGW."
  exit 3
fi
GO_VERSION="$(go env GOVERSION)"
OUT="$CACHE/versitygw-$VERSITYGW_VERSION-$GO_VERSION"
BIN="$OUT/versitygw"

if [[ -x "$BIN" ]]; then
  printf '%s\n' "$BIN"
  exit 0
fi

mkdir -p "$OUT"
started=$SECONDS
log "installing VersityGW $VERSITYGW_VERSION (about 2 minutes on a cold Go cache)"
tmp="$OUT/tmp-bin"
rm -rf "$tmp"
# -p 2: the CI machine has 2 cores. CGO off: a static binary, no C toolchain needed.
if ! GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOBIN="$tmp" \
  go install -trimpath -ldflags='-s -w' -p 2 "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2; then
  log "go install failed"
  exit 1
fi
mv "$tmp/versitygw" "$BIN"
rm -rf "$tmp"
# Drop builds of earlier pins or Go versions.
for old in "$CACHE"/versitygw-*/; do
  old="${old%/}"
  [[ "$old" != "$OUT" ]] && rm -rf "$old"
done
log "VersityGW ready after $((SECONDS - started)) s"
printf '%s\n' "$BIN"
