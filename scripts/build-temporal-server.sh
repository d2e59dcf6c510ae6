#!/usr/bin/env bash
# Builds the Temporal server v1.29.1 and its SQL schema tool from the Go module proxy into
# .tools/bin/temporal-server and .tools/bin/temporal-sql-tool, for the local production cluster
# (scripts/cluster/, `npm run cluster`, test/cluster/). 1.29.1 is the server docker-compose.yml runs
# (temporalio/auto-setup:1.29.1) and the one the Temporal CLI v1.5.1 embeds. Its go.mod has no replace
# directive, so `go install` builds it like the CLI. The binaries are cached: a build is skipped when both
# already report 1.29.1. About 10 minutes cold on 2 cores, under a minute with a warm Go build cache.
#
# TEMPORAL_SERVER=/path/to/temporal-server and TEMPORAL_SQL_TOOL=/path/to/temporal-sql-tool skip the build.
set -euo pipefail
VERSION=1.29.1
root="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir="$root/.tools/bin"
server="$bin_dir/temporal-server"
sql_tool="$bin_dir/temporal-sql-tool"

reports_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q " $VERSION\$"; }

if [ -n "${TEMPORAL_SERVER:-}" ] || [ -n "${TEMPORAL_SQL_TOOL:-}" ]; then
  for binary in "${TEMPORAL_SERVER:?set both TEMPORAL_SERVER and TEMPORAL_SQL_TOOL}" \
    "${TEMPORAL_SQL_TOOL:?set both TEMPORAL_SERVER and TEMPORAL_SQL_TOOL}"; do
    if ! reports_version "$binary"; then
      echo "build-temporal-server: $binary does not report version $VERSION" >&2
      exit 1
    fi
  done
  echo "build-temporal-server: using TEMPORAL_SERVER=$TEMPORAL_SERVER and TEMPORAL_SQL_TOOL=$TEMPORAL_SQL_TOOL"
  exit 0
fi

if reports_version "$server" && reports_version "$sql_tool"; then
  echo "build-temporal-server: $server and $sql_tool are already $VERSION"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-temporal-server: Go is not installed. Install Go 1.25 or newer, or set TEMPORAL_SERVER and TEMPORAL_SQL_TOOL to existing binaries." >&2
  exit 1
fi

echo "build-temporal-server: building Temporal server v$VERSION and temporal-sql-tool with $(go version) (about 10 minutes cold)"
mkdir -p "$bin_dir"
build_dir="$(mktemp -d "$bin_dir/.build-temporal-server.XXXXXX")"
trap 'rm -rf "$build_dir"' EXIT
start=$(date +%s)
# `go install` names the binaries after their package directories (server, sql); the names here are the ones
# the temporalio/server and admin-tools images use.
(cd "$build_dir" && CGO_ENABLED=0 GOBIN="$build_dir" GOFLAGS=-mod=mod go install -ldflags "-s -w" \
  "go.temporal.io/server/cmd/server@v$VERSION" "go.temporal.io/server/cmd/tools/sql@v$VERSION")
mv "$build_dir/server" "$server"
mv "$build_dir/sql" "$sql_tool"
"$server" --version
"$sql_tool" --version
echo "build-temporal-server: built in $(( $(date +%s) - start )) s"
