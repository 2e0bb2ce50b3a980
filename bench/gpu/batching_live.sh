#!/usr/bin/env bash
# batching_live.sh: the batching policies live on the GPU machine, beside
# the same runs on the simulator, in one call (issue 15: simulated and live
# goodput within 5%, p99 within 10%).
#
#   bench/gpu/batching_live.sh [STAGE...]   STAGE: info test pairs (default: info pairs)
#   BUILD=build-cuda  OUT=/tmp/out  GPU=h200|h100 (default: from nvidia-smi)
#   PAIRS="resnet50+bert resnet101+inception_v3 resnet152+vgg19 vgg16+bert"
#   QUERIES=1000  LIVE_LOADS=0.8,1.5  MAX_BATCH=16  LIMIT=280
#
# Each pair is one stage: scenarios/batching.lua cuda GPU QUERIES PAIR runs
# fcfs, sjf, edf, abacus, clockwork, triton and abacus+batching at each of
# LIVE_LOADS x C on the GPU and the same runs on the simulator (GPU's
# profile), and prints both. The merging policies prepare every batch size
# up to MAX_BATCH at each run's setup (a CUDA graph set per size; the
# device prints how long that took): 16 by default to keep the device time
# down, the simulated side capped alike. `test` runs test_cuda (merged
# batches of odd sizes against the queries run alone). The binaries are
# built elsewhere (cmake -S . -B build-cuda -DABACUS_WERROR=ON
# -DCMAKE_CUDA_ARCHITECTURES="80;90") and carried in $BUILD. Everything
# lands in $OUT: batching-live.log (all output), summary.txt (every table
# row, and per policy how many runs fall within both bounds), live-db.tgz
# (results.db of the runs, live and simulated, tagged experiment =
# "batching-live").
# Each stage runs under LIMIT seconds. The last thing printed is the
# summary.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-batching-live-out}
STAGE_LIMIT=${LIMIT:-280}
mkdir -p "$OUT"
LOG=$OUT/batching-live.log
SUM=$OUT/summary.txt
STAGES=${*:-info pairs}
QUERIES=${QUERIES:-1000}
export LIVE_LOADS=${LIVE_LOADS:-0.8,1.5}
export MAX_BATCH=${MAX_BATCH:-16}
PAIRS=${PAIRS:-resnet50+bert resnet101+inception_v3 resnet152+vgg19 vgg16+bert}
if [ -z "${GPU:-}" ]; then
	case $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1) in
	*H100*) GPU=h100 ;;
	*) GPU=h200 ;;
	esac
fi

. bench/gpu/stage.sh
gpu_env

A="$BUILD/abacus"
for s in $STAGES; do
	case $s in
	info)
		info_stages "$A"
		;;
	test)
		stage test_cuda "$BUILD/test_cuda"
		;;
	pairs)
		for p in $PAIRS; do
			stage "live-$p" "$A" --db "$OUT/live.db" run scenarios/batching.lua cuda "$GPU" "$QUERIES" "$p"
		done
		;;
	*)
		echo "unknown stage $s" >&2
		exit 2
		;;
	esac
done

{
	echo "batching live ($GPU profile for the simulated side, $QUERIES queries a run,"
	echo "loads $LIVE_LOADS x C, merged batches up to $MAX_BATCH): sim/live - 1 in %"
	grep -E "^pair +x C " "$LOG" | head -1
	# the table rows: a pair, its load, a policy and the two sides
	grep -E "^[a-z0-9_]+\+[a-z0-9_]+ +[0-9.]+ +[a-z+]+ " "$LOG"
	echo
	grep -E "^cuda: .* prepared every batch size" "$LOG"
	echo
	grep -E "^[a-z0-9_]+\+[a-z0-9_]+ +[0-9.]+ +[a-z+]+ " "$LOG" | awk '
		{ n[$3]++; if ($NF == "yes") ok[$3]++; g[$3] += ($7 < 0 ? -$7 : $7); p[$3] += ($10 < 0 ? -$10 : $10)
		  if (!($3 in seen)) { seen[$3] = 1; order[++k] = $3 } }
		END { printf "%-16s %5s %12s %22s %18s\n", "policy", "runs", "within both", "mean |goodput diff| %", "mean |p99 diff| %"
		      for (i = 1; i <= k; i++) { l = order[i]
		        printf "%-16s %5d %12d %22.1f %18.1f\n", l, n[l], ok[l], g[l] / n[l], p[l] / n[l] } }'
	printf '%s\n' "${status[@]}"
} >"$SUM"
(cd "$OUT" && [ -f live.db ] && tar czf live-db.tgz live.db && rm -f live.db)
cat "$SUM"
