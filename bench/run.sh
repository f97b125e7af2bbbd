#!/bin/sh
# Run every benchmark from the repository root and print their figures,
# one `name: value` per line. usage: bench/run.sh BUILD_DIR
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
for b in "$build"/bench_*; do
  [ -x "$b" ] || continue
  echo "# $(basename "$b")"
  "$b"
done
