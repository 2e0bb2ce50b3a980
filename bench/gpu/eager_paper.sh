#!/usr/bin/env bash
# eager_paper.sh: the paper's §7.2/7.3 live on the engine without CUDA graphs,
# each policy scheduling by that engine's own profile, in one device call.
#
#   bench/gpu/eager_paper.sh      BUILD=.dev GPU=h100 OUT=/tmp/out
#   ENGINE=nhwc,fuse_add,...  (the graphs engine; no_graphs is added)
#   THREADS=1: launch_threads too (a host thread per service launches its
#   segments, as the paper's process per model did), the paper stages with
#   the scenarios' word `threads`
#   LIMIT=150 (a profile stage)  PLIMIT=130 (a paper stage)  QUERIES=300
#   STAGES="qos-all-eager thr-all-eager" (paper_live.sh's stages; with
#   THREADS=1 the -threads ones)
#   RESUME=DIR: an earlier call's sizes.tgz and parts.tgz, taken as they are,
#   and groups.sqlite, the groups.db of a groups stage cut at its limit,
#   resumed (renamed: git ignores *.db, so the device's copy of the tree
#   would not have it)
#
# The paper's executors were launch-bound eager PyTorch. Running the eager
# engine on a data folder measured with CUDA graphs sets its QoS targets and
# loads from the faster engine's solo latencies and has abacus predict with
# the wrong times, so here:
# 1. bench/gpu/jobs.sh sizes groups with ENGINE,no_graphs (sizes.tgz,
#    groups.tgz in $OUT; with PARTS=1 parts too, parts.tgz: the partition
#    profiles, which §7.2/7.3 do not use);
# 2. bench/gpu/take_profile.sh files them as GPU of a copy of data/ (the
#    paper's protocol beside it), fits sim.csv and trains the predictors
#    there (data.tgz in $OUT: that folder's GPU/, take.txt its log);
# 3. bench/gpu/paper_live.sh STAGES with ABACUS_DATA on
#    that copy (live.db, paper-live.log in $OUT).
# The simulated counterpart: unpack data.tgz as D/GPU beside a copy of
# data/paper and run the same scenarios with ABACUS_DATA=D on sim.
set -u
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-.dev} GPU=${GPU:-h100} OUT=${OUT:-/tmp/abacus-eager-out}
ENGINE=${ENGINE:-$(cat "data/$GPU/engine.txt" 2>/dev/null || echo default)}
case $ENGINE in default | "") ENGINE=no_graphs ;; *no_graphs*) ;; *) ENGINE=$ENGINE,no_graphs ;; esac
stages="qos-all-eager thr-all-eager"
if [ "${THREADS:-0}" = 1 ]; then
	case $ENGINE in *launch_threads*) ;; *) ENGINE=$ENGINE,launch_threads ;; esac
	stages="qos-all-eager-threads thr-all-eager-threads"
fi
export ENGINE
mkdir -p "$OUT"
t0=$SECONDS
jobs=()
js="sizes groups"
[ "${PARTS:-0}" = 1 ] && js="$js parts"
for j in $js; do
	if [ -n "${RESUME:-}" ] && [ -f "$RESUME/$j.tgz" ]; then
		cp "$RESUME/$j.tgz" "$OUT/$j.tgz"
	else
		jobs+=("$j")
	fi
done
[ -n "${RESUME:-}" ] && [ -f "$RESUME/groups.sqlite" ] && export GROUPS_DB=$RESUME/groups.sqlite
if [ ${#jobs[@]} -gt 0 ]; then LIMIT=${LIMIT:-150} bash bench/gpu/jobs.sh "${jobs[@]}" || exit $?; fi
D=$(mktemp -d)
mkdir -p "$D/data"
cp -r data/paper "$D/data/paper"
DATA=$D/data BIN=$BUILD/abacus bash bench/gpu/take_profile.sh "$OUT" "$GPU" >"$OUT/take.txt" 2>&1 ||
	{ cat "$OUT/take.txt"; exit 1; }
tail -n 12 "$OUT/take.txt"
tar czf "$OUT/data.tgz" -C "$D/data" "$GPU"
echo "=== eager profile filed in $((SECONDS - t0)) s"
ABACUS_DATA=$D/data LIMIT=${PLIMIT:-130} QUERIES=${QUERIES:-300} bash bench/gpu/paper_live.sh ${STAGES:-$stages}
echo "=== done in $((SECONDS - t0)) s"
