#!/usr/bin/env bash
# engine_data.sh: a GPU's data folder measured again for one engine, and the
# pairs run live on it, in one device call.
#
#   bench/gpu/engine_data.sh      BUILD=.dev GPU=h200 CARD=H200 OUT=/tmp/out
#   ENGINE=nhwc,fuse_add,...  LIMIT=240 (a profile stage)  END_S=590 (the call)
#   PAIRS="resnet50+bert vgg16+bert resnet101+inception_v3 resnet152+vgg19"
#   QUERIES=800
#
# 1. bench/gpu/jobs.sh sizes groups parts with ENGINE (sizes.tgz, groups.tgz,
#    parts.tgz in $OUT);
# 2. bench/gpu/take_profile.sh files them as data/$GPU of this copy of the
#    tree, fits sim.csv and trains the predictors (data.tgz in $OUT: the
#    same files a run here would produce from the three tarballs);
# 3. scenarios/pairs.lua live on that data for PAIRS (pairs-live.db and
#    pairs-live.txt in $OUT), stopped END_S seconds after the start so that
#    its stored runs come back, with its timeline (pairs-tl.csv: each
#    segment's end in every group, on which `abacus calibrate --segments`
#    chooses the contention model's share).
set -u
cd "$(dirname "$0")/../.." || exit 1
t0=$SECONDS
export BUILD=${BUILD:-.dev} GPU=${GPU:-h200} OUT=${OUT:-/tmp/abacus-engine-out}
mkdir -p "$OUT"
bash bench/gpu/jobs.sh sizes groups parts || exit $?
BIN=$BUILD/abacus bash bench/gpu/take_profile.sh "$OUT" "$GPU" >"$OUT/take.txt" 2>&1 ||
	{ cat "$OUT/take.txt"; exit 1; }
tail -n 12 "$OUT/take.txt"
tar czf "$OUT/data.tgz" "data/$GPU"
. bench/gpu/stage.sh
gpu_env
LOG=$OUT/kept.log kept_on "$BUILD"
left=$((${END_S:-590} - (SECONDS - t0)))
echo "=== pairs live, $left s left"
[ "$left" -gt 30 ] || exit 0
# shellcheck disable=SC2086 # PAIRS is a list
ABACUS_TIMELINE=$OUT/pairs-tl.csv timeout "$left" "$BUILD/abacus" --db "$OUT/pairs-live.db" run scenarios/pairs.lua cuda "$GPU" \
	"${QUERIES:-800}" ${PAIRS:-resnet50+bert vgg16+bert resnet101+inception_v3 resnet152+vgg19} \
	>"$OUT/pairs-live.txt" 2>&1
echo "pairs live: exit $? after $((SECONDS - t0)) s"
tail -n 60 "$OUT/pairs-live.txt"
