#!/usr/bin/env bash
# Builds Temporal CLI v1.5.1 from the Go module proxy into .tools/bin/temporal.
# v1.5.1 is the newest tag that `go install` accepts (later tags carry a replace directive in their go.mod,
# which `go install pkg@version` refuses). The binary is kept: a build is skipped when it already reports 1.5.1.
# A copy is also kept per machine in $STATUS_RECONCILER_TOOLS_CACHE (default ~/.cache/status-reconciler), so
# another clone on the same machine copies it instead of building it again.
# TEMPORAL_CLI=/path/to/temporal skips the build and uses that binary instead.
set -euo pipefail
VERSION=1.5.1
root="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir="$root/.tools/bin"
target="$bin_dir/temporal"
cache_dir="${STATUS_RECONCILER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/status-reconciler}"
cached="$cache_dir/temporal-$VERSION"
is_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q "temporal version $VERSION "; }

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if ! "$TEMPORAL_CLI" --version >/dev/null 2>&1; then
    echo "install-temporal-cli: TEMPORAL_CLI=$TEMPORAL_CLI does not run" >&2
    exit 1
  fi
  echo "install-temporal-cli: using TEMPORAL_CLI=$TEMPORAL_CLI ($("$TEMPORAL_CLI" --version))"
  exit 0
fi

if is_version "$target"; then
  echo "install-temporal-cli: $target is already $VERSION"
  exit 0
fi

if is_version "$cached"; then
  mkdir -p "$bin_dir"
  cp "$cached" "$target.tmp" && mv "$target.tmp" "$target"
  echo "install-temporal-cli: copied $VERSION from this machine's cache ($cached)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-temporal-cli: Go is not installed. Install Go 1.25 or newer, or set TEMPORAL_CLI to an existing temporal binary, or TEMPORAL_ADDRESS to an existing server." >&2
  exit 1
fi

echo "install-temporal-cli: building Temporal CLI v$VERSION with $(go version) (about 4 minutes cold)"
mkdir -p "$bin_dir"
start=$(date +%s)
CGO_ENABLED=0 GOBIN="$bin_dir" GOFLAGS=-mod=mod \
  go install -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$VERSION" \
  "github.com/temporalio/cli/cmd/temporal@v$VERSION"
"$target" --version
echo "install-temporal-cli: built in $(( $(date +%s) - start )) s"
if mkdir -p "$cache_dir" 2>/dev/null && cp "$target" "$cached.tmp" 2>/dev/null; then
  mv "$cached.tmp" "$cached"
fi
