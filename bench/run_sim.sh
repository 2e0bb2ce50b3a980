#!/usr/bin/env bash
# Simulator speed: the core loop, run_execute with and without rows, and a
# whole `abacus run` of a million queries including storage.
#   bench/run_sim.sh [BUILD_DIR]
set -euo pipefail
B=${1:-build}
db=$(mktemp -d /tmp/abacus-bench-XXXXXX)
trap 'rm -rf "$db"' EXIT
"$B/bench_sim" 1000000
echo
start=$(date +%s.%N)
"$B/abacus" --db "$db/results.db" run "$(dirname "$0")/sim_1m.lua"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "whole abacus run, 1,000,000 queries stored: %.2f s\n", e - s }'
