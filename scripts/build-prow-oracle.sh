#!/usr/bin/env bash
# Builds the Prow config oracle (test/oracle/prow-config-oracle: Prow's own config loader, pinned in its
# go.mod) into .tools/bin/prow-config-oracle, for the differential tests (test/config/prow-oracle.test.ts),
# and beside it .tools/bin/prow-diff-timer (Prow's own diff functions, timed for bench/diff.ts).
# The build is skipped when the binaries match a stamp of their sources (go.mod, go.sum, the main.go files).
# Without Go it prints why and exits 0: the differential tests then skip, unless PROW_ORACLE_REQUIRED=1
# (set by .ci/run), which makes a missing oracle a failure here and there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/oracle/prow-config-oracle"
bin_dir="$root/.tools/bin"
target="$bin_dir/prow-config-oracle"
stamp_file="$target.stamp"

stamp=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" "$src/difftimer/main.go" | sha256sum | cut -d' ' -f1)
if [ -x "$target" ] && [ -x "$bin_dir/prow-diff-timer" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
  echo "build-prow-oracle: $target is up to date"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [ "${PROW_ORACLE_REQUIRED:-}" = "1" ]; then
    echo "build-prow-oracle: Go is not installed, so the Prow config oracle cannot be built, and PROW_ORACLE_REQUIRED=1 requires it. Install Go 1.25 or newer." >&2
    exit 1
  fi
  echo "build-prow-oracle: Go is not installed, so the Prow config oracle cannot be built and the differential config tests will skip. Install Go 1.25 or newer." >&2
  exit 0
fi

echo "build-prow-oracle: building Prow's config loader (sigs.k8s.io/prow/pkg/config) with $(go version) (a few minutes cold)"
mkdir -p "$bin_dir"
start=$(date +%s)
(cd "$src" && GOFLAGS=-mod=readonly go build -ldflags "-s -w" -o "$target.tmp" .)
(cd "$src" && GOFLAGS=-mod=readonly go build -ldflags "-s -w" -o "$bin_dir/prow-diff-timer.tmp" ./difftimer)
mv "$bin_dir/prow-diff-timer.tmp" "$bin_dir/prow-diff-timer"
mv "$target.tmp" "$target"
echo "$stamp" > "$stamp_file"
echo "build-prow-oracle: built in $(( $(date +%s) - start )) s"
