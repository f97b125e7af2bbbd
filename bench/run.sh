#!/bin/sh
# Run every benchmark from the repository root and print their figures,
# one `name: value` per line. Stores the benchmarks make go to a temporary
# directory, removed afterwards.
# usage: bench/run.sh BUILD_DIR [CASES] [REPORT_CASES]
# (REPORT_CASES: the history bench_report builds, default 10,000,000: it
# takes some minutes and about 20 GB of disk)
set -eu
build=${1:-build}
cases=${2:-1000000}
report_cases=${3:-10000000}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# bench_locate"
"$build/bench_locate" "$tmp/locate"
echo "# bench_json"
"$build/bench_json"
echo "# bench_cases"
"$build/bench_cases" "$cases" "$tmp/cases"
echo "# bench_report"
"$build/bench_report" "$report_cases" "$tmp/report"
echo "# bench/http.sh"
sh bench/http.sh "$build" "$cases"
echo "# bench/dashboard.mjs"
node bench/dashboard.mjs "$build" 100000
