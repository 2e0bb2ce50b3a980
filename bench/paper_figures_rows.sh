#!/usr/bin/env bash
# paper_figures_rows.sh: how long scripts/paper-figures.sh takes on a
# database of millions of stored queries (the issue asks for plotting that
# stays fast there: quantiles in SQL, not every row to gnuplot).
#
#   bash bench/paper_figures_rows.sh ABACUS_BIN [QUERIES_PER_RUN]
#
# Stores two runs of Fig 14's first pair (fcfs and abacus, the paper's
# protocol at its QoS load) of QUERIES_PER_RUN queries each (default
# 1,500,000: 3M rows), then times the figure command on that database.
set -euo pipefail
BIN=$1
N=${2:-1500000}
src=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/abacus-figrows-XXXXXX)
trap 'rm -rf "$T"' EXIT
cat >"$T/big.lua" <<LUA
for _, pol in ipairs{ "fcfs", "abacus" } do
  local t = {
    name = "paper-qos-resnet50+resnet101", device = "sim", gpu = "h200", policy = pol,
    services = { { model = "resnet50", batch = {4, 8, 16, 32}, qos_ms = 42.54 },
                 { model = "resnet101", batch = {4, 8, 16, 32}, qos_ms = 42.54 } },
    load = { kind = "poisson", qps = 206 }, queries = $N, seed = 1,
    abandon = pol == "abacus" and "predictive" or "late",
    tags = { figure = "14-15", combo = "resnet50+resnet101", seed = 1, qos_ms = 42.54, load = "qos" },
  }
  if pol == "abacus" then t.ways, t.threshold_qos = 2, 0.05 end
  abacus.run(t)
end
LUA
"$BIN" run --db "$T/big.db" "$T/big.lua" >/dev/null 2>&1
rows=$(sqlite3 "$T/big.db" "SELECT count(*) FROM queries")
t0=$(date +%s.%N)
"$src/scripts/paper-figures.sh" "$T/big.db" "$T/figs" >/dev/null 2>&1
t1=$(date +%s.%N)
printf 'paper-figures.sh on %s stored queries: %s s, %d files\n' "$rows" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "$(ls "$T/figs" | wc -l)"
