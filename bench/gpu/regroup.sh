#!/usr/bin/env bash
# regroup.sh: a GPU's contention model fitted again on newly measured
# calibration groups, and its error on groups measured live, without
# touching data/.
#
#   bench/gpu/regroup.sh GROUPS_TGZ GPU LIVE_GROUPS [LIVE_DB]   BIN=build/abacus
#
# GROUPS_TGZ is jobs.sh's groups.tgz (bench/gpu/profile.sh's groups stage,
# say with WHOLE and GROUP_BATCHES); LIVE_GROUPS a groups CSV of live groups
# (bench/gpu/timeline.py --groups). The new groups are fitted against the
# solo ops of their own call (its ops.csv first, the stored ops for what it
# lacks): a card of another call may run some model a few % apart, which a
# fit against the stored ops would read as contention. The fitted model
# (sim.csv) is then put beside the stored ops, which the live groups' card
# matched. Prints, for the stored fit and the new one: the parameters, the
# held-out error on their own groups, and the error on LIVE_GROUPS (`abacus
# calibrate --check`). With LIVE_DB (batching_live.sh's live.db) the
# simulated side of that live comparison is run again on each fit
# (bench/gpu/batching_resim.py), at the live runs' rates and targets.
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

if [ -n "$LIVE_DB" ]; then
	units=$(python3 bench/gpu/batching_resim.py "$LIVE_DB" --units)
	pairs=$(echo "$units" | tr ' ' '\n' | cut -d: -f1 | sort -u | tr '\n' ' ')
fi
for fit in stored new; do
	d=$T/data-$fit
	cp -r data "$d"
	echo "=== $fit"
	if [ "$fit" = new ]; then
		f=$T/data-fit
		cp -r data "$f"
		cp "$new" "$f/$GPU/groups.csv"
		python3 bench/gpu/merge_ops.py "$f/$GPU/ops.csv" "$T/groups/groups/ops.csv" "data/$GPU/ops.csv"
		ABACUS_DATA=$f "$BIN" calibrate --gpu "$GPU" --write 2>&1 | grep -E "^contention|MAPE"
		cp "$f/$GPU/sim.csv" "$d/$GPU/sim.csv"
	fi
	ABACUS_DATA=$d "$BIN" calibrate --gpu "$GPU" --check --groups "$LIVE" 2>&1 | grep -E "MAPE|bias|^[a-z0-9_]+\+"
	if [ -n "$LIVE_DB" ]; then
		# shellcheck disable=SC2086 # pairs is a list
		ABACUS_DATA=$d LIVE_UNITS=$units MAX_BATCH=16 "$BIN" --db "$T/sim-$fit.sqlite" \
			run scenarios/batching.lua sim "$GPU" 300 $pairs >/dev/null 2>&1
		python3 bench/gpu/batching_resim.py "$LIVE_DB" "$T/sim-$fit.sqlite"
	fi
done
