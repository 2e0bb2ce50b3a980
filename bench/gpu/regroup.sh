#!/usr/bin/env bash
# regroup.sh: a GPU's contention model fitted again on newly measured
# calibration groups, and its error on groups measured live, without
# touching data/.
#
#   bench/gpu/regroup.sh GROUPS_TGZ GPU LIVE_GROUPS [LIVE_DB]   BIN=build/abacus
#
# GROUPS_TGZ is jobs.sh's groups.tgz (bench/gpu/profile.sh's groups stage,
# say with WHOLE and GROUP_BATCHES); LIVE_GROUPS a groups CSV of live groups
# (bench/gpu/timeline.py --groups). Prints, for the stored fit, the fit on
# the new groups and the fit on the stored and new groups together: the
# parameters, the held-out error on their own groups, and the error on
# LIVE_GROUPS (`abacus calibrate --check`). With LIVE_DB (batching_live.sh's
# live.db) the simulated side of that live comparison is run again on each
# fit (bench/gpu/batching_resim.py), at the live runs' rates and targets.
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1
TGZ=${1:?groups.tgz}
GPU=${2:?gpu}
LIVE=$(realpath "${3:?live groups csv}")
LIVE_DB=${4:+$(realpath "$4")}
BIN=$(realpath "${BIN:-build/abacus}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tar xzf "$TGZ" -C "$T"
tar xzf "$T/groups/groups.tgz" -C "$T/groups"
new=$T/groups/groups/groups.csv
[ -f "$new" ] || { echo "regroup: $TGZ holds no groups/groups.csv" >&2; exit 1; }
echo "new groups: $(($(wc -l <"$new") - 1)), engine $(cat "$T/groups/groups/engine.txt" 2>/dev/null || echo default)"

for fit in stored new both; do
	d=$T/data-$fit
	cp -r data "$d"
	case $fit in
	new) cp "$new" "$d/$GPU/groups.csv" ;;
	both) tail -n +2 "$new" >>"$d/$GPU/groups.csv" ;;
	esac
	echo "=== $fit"
	if [ "$fit" != stored ]; then
		ABACUS_DATA=$d "$BIN" calibrate --gpu "$GPU" --write 2>&1 | grep -E "^contention|MAPE"
	fi
	ABACUS_DATA=$d "$BIN" calibrate --gpu "$GPU" --check --groups "$LIVE" 2>&1 | grep -E "MAPE|bias|^[a-z0-9_]+\+"
	if [ -n "$LIVE_DB" ]; then
		units=$(python3 bench/gpu/batching_resim.py "$LIVE_DB" --units)
		pairs=$(echo "$units" | tr ' ' '\n' | cut -d: -f1 | sort -u | tr '\n' ' ')
		# shellcheck disable=SC2086 # pairs is a list
		ABACUS_DATA=$d LIVE_UNITS=$units MAX_BATCH=16 "$BIN" --db "$T/sim-$fit.sqlite" \
			run scenarios/batching.lua sim "$GPU" 300 $pairs >/dev/null 2>&1
		python3 bench/gpu/batching_resim.py "$LIVE_DB" "$T/sim-$fit.sqlite" | tail -n 12
	fi
done
