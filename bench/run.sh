#!/bin/sh
# Run every benchmark from the repository root and print their figures,
# one `name: value` per line. Stores the benchmarks make go to a temporary
# directory, removed afterwards.
# usage: bench/run.sh BUILD_DIR [CASES]
set -eu
build=${1:-build}
cases=${2:-1000000}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# bench_locate"
"$build/bench_locate" "$tmp/locate"
echo "# bench_cases"
"$build/bench_cases" "$cases" "$tmp/cases"
echo "# bench/http.sh"
sh bench/http.sh "$build" "$cases"
echo "# bench/dashboard.mjs"
node bench/dashboard.mjs "$build" 100000
