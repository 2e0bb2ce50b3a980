#!/usr/bin/env bash
# share_check.sh: a GPU's contention model with shares (sim.h) against the
# fit it replaced, on groups and comparisons measured live.
#
#   bench/gpu/share_check.sh GPU BEFORE_SIM_CSV TIMELINE... -- LIVE_DB...   BIN=build/abacus
#
# BEFORE_SIM_CSV is the sim.csv the shipped data/GPU/sim.csv replaced.
# Each TIMELINE (bench/gpu/timeline.py's input, ABACUS_TIMELINE) gives its
# live groups with their segment ends; each LIVE_DB (batching_live.sh's
# live.db, or a .tgz holding one) a live batching comparison whose
# simulated side is run again at its rates and targets. For the fit before
# and the fit shipped: the error on every timeline's groups (their
# durations and their segments' ends: abacus calibrate --check) and, per
# comparison, how many runs fall within both bounds (5% goodput, 10% p99),
# with every run and without each process's first (batching_resim.py
# --skip-first).
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1
GPU=${1:?gpu}
BEFORE=$(realpath "${2:?sim.csv before}")
shift 2
BIN=$(realpath "${BIN:-build/abacus}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tls=() dbs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do tls+=("$1"); shift; done
[ $# -gt 0 ] && shift
dbs=("$@")
cp -r data "$T/before"
cp "$BEFORE" "$T/before/$GPU/sim.csv"
i=0
for tl in "${tls[@]}"; do
	i=$((i + 1))
	python3 bench/gpu/timeline.py "$tl" --groups "$T/g$i.csv" >/dev/null
done
i=0
for db in "${dbs[@]}"; do
	i=$((i + 1))
	mkdir -p "$T/db$i"
	case $db in
	*.tgz)
		tar xzf "$db" -C "$T/db$i"
		f=$(find "$T/db$i" -name '*.db' | head -n 1)
		[ "$f" = "$T/db$i/live.db" ] || mv "$f" "$T/db$i/live.db"
		;;
	*) cp "$db" "$T/db$i/live.db" ;;
	esac
done
for fit in before shipped; do
	d=$PWD/data
	[ $fit = before ] && d=$T/before
	echo "=== $fit: $(grep -E '^(kappa|scale_c|scale_m|share),' "$d/$GPU/sim.csv" | tr '\n' ' ')"
	i=0
	for tl in "${tls[@]}"; do
		i=$((i + 1))
		echo "$tl:"
		ABACUS_DATA=$d "$BIN" calibrate --gpu "$GPU" --check --groups "$T/g$i.csv" 2>&1 |
			grep -E "MAPE" | grep -v "^combination" | sed -e 's/.*\(group latency MAPE\)/  \1/' -e 's/ on all .*groups of .*/ of its groups/' \
				-e 's/^segment/  segment/'
	done
	i=0
	for db in "${dbs[@]}"; do
		i=$((i + 1))
		units=$(python3 bench/gpu/batching_resim.py "$T/db$i/live.db" --units)
		pairs=$(echo "$units" | tr ' ' '\n' | cut -d: -f1 | sort -u | tr '\n' ' ')
		# shellcheck disable=SC2086 # pairs is a list
		ABACUS_DATA=$d LIVE_UNITS=$units MAX_BATCH=16 "$BIN" --db "$T/sim-$fit-$i.db" \
			run scenarios/batching.lua sim "$GPU" 300 $pairs >/dev/null 2>&1
		echo "$db: runs within both bounds, mean |goodput diff| %, mean |p99 diff| %"
		echo "  every run:        $(python3 bench/gpu/batching_resim.py "$T/db$i/live.db" "$T/sim-$fit-$i.db" | tail -n 1)"
		echo "  each first left:  $(python3 bench/gpu/batching_resim.py "$T/db$i/live.db" "$T/sim-$fit-$i.db" --skip-first | tail -n 1)"
	done
done
