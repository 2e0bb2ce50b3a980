#!/usr/bin/env bash
# take_profile.sh: files what `bench/gpu/jobs.sh sizes groups parts` measured
# as a GPU's data folder, then fits its contention model and trains its
# predictors there.
#
#   bench/gpu/take_profile.sh FROM GPU      BIN=build/abacus  DATA=data  SEGMENTS=  SHARE=
#
# FROM holds jobs.sh's sizes.tgz, groups.tgz and parts.tgz (the partition
# profiles must be of the same engine as the rest). parts.tgz may be left
# out where DATA/GPU has no partition profiles to replace (a folder for
# whole-GPU runs only, as bench/gpu/eager_paper.sh files).
# DATA/GPU gets: ops.csv (bench/gpu/merge_ops.py: every batch of sizes/cnn,
# sizes/bert and sizes/bert256, then the groups stage's solo ops), groups.csv,
# engine.txt (absent when the measured engine is the defaults), sms<N>/ from
# the parts stage; then `abacus calibrate --write` (sim.csv) and `abacus train
# --predictor all`. Every export must name the same engine, or nothing is
# filed. The old files go; git shows what changed. SEGMENTS, a groups file
# with the segment ends of groups run live on this engine (bench/gpu/
# timeline.py --groups), has the fit choose the contention model's share on
# them (calibrate --segments); SHARE holds it at a value chosen before
# (calibrate --share, as data/h200's 0.75: bench/results/h200/share/);
# without either the share is 0.
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1
FROM=${1:?FROM folder}
GPU=${2:?GPU name}
BIN=${BIN:-build/abacus}
DATA=${DATA:-data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
jobs=(sizes groups)
[ -f "$FROM/parts.tgz" ] && jobs+=(parts)
for j in "${jobs[@]}"; do
	[ -f "$FROM/$j.tgz" ] || { echo "take_profile: $FROM/$j.tgz is missing" >&2; exit 1; }
	tar xzf "$FROM/$j.tgz" -C "$T"
done
tar xzf "$T/sizes/sizes.tgz" -C "$T/sizes"
tar xzf "$T/groups/groups.tgz" -C "$T/groups"
[ -f "$FROM/parts.tgz" ] && tar xzf "$T/parts/parts/profiles.tgz" -C "$T/parts/parts"

exports=("$T/sizes/sizes/cnn" "$T/sizes/sizes/bert" "$T/sizes/sizes/bert256" "$T/groups/groups")
for d in "$T"/parts/parts/sms*; do [ -d "$d" ] && exports+=("$d"); done
engine=
for d in "${exports[@]}"; do
	[ -f "$d/ops.csv" ] || { echo "take_profile: ${d#"$T"/} has no ops.csv (its stage did not finish)" >&2; exit 1; }
	e=$(cat "$d/engine.txt" 2>/dev/null || echo default)
	[ -z "$engine" ] && engine=$e
	[ "$e" = "$engine" ] || { echo "take_profile: ${d#"$T"/} was measured with engine '$e', another with '$engine'" >&2; exit 1; }
done

dst=$DATA/$GPU
mkdir -p "$dst"
for d in "$dst"/sms*; do
	[ -d "$d" ] && [ ! -d "$T/parts/parts/$(basename "$d")" ] &&
		{ echo "take_profile: no new $(basename "$d") profile: $d would stay another engine's" >&2; exit 1; }
done
python3 bench/gpu/merge_ops.py "$dst/ops.csv" "$T/sizes/sizes/cnn/ops.csv" "$T/sizes/sizes/bert/ops.csv" \
	"$T/sizes/sizes/bert256/ops.csv" "$T/groups/groups/ops.csv"
cp "$T/groups/groups/groups.csv" "$dst/groups.csv"
if [ "$engine" = default ]; then rm -f "$dst/engine.txt"; else echo "$engine" >"$dst/engine.txt"; fi
for d in "$T"/parts/parts/sms*; do
	[ -d "$d" ] || continue
	n=$(basename "$d")
	mkdir -p "$dst/$n"
	cp "$d/ops.csv" "$dst/$n/ops.csv"
done
ABACUS_DATA=$(realpath "$DATA") "$BIN" calibrate --gpu "$GPU" --write ${SEGMENTS:+--segments "$SEGMENTS"} \
	${SHARE:+--share "$SHARE"}
ABACUS_DATA=$(realpath "$DATA") "$BIN" train --gpu "$GPU" --predictor all
echo "take_profile: $dst filed, engine '$engine'"
