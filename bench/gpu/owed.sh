#!/usr/bin/env bash
# owed.sh: what bench/gpu/NOTES.md owes next on whichever Hopper card the
# device call got, in one call (binaries carried in BUILD, default .dev).
#
#   H200: bench/gpu/engine_data.sh with the levers as the engine (data/h200
#         measured again, its calibration groups a quarter whole models at
#         any batch 1-32, as batching runs them; then scenarios/pairs.lua
#         live on it).
#   H100: the live timeline of a launch-threads run (two throughput pairs,
#         eager, a thread per service, on the threads profile of
#         bench/results/h100/paper/threads-data/h100), and test_cuda's
#         threads and timeline parts.
set -u
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-.dev} OUT=${OUT:-/tmp/abacus-owed-out}
mkdir -p "$OUT"
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
echo "card: $card"
case $card in
*H200*)
	export GPU=h200 CARD=H200 ENGINE=${ENGINE:-nhwc,fuse_add,ws_all,fc_lt,dw,attn_tc}
	export LIMIT=${LIMIT:-200} TAIL=${TAIL:-12} END_S=${END_S:-560} QUERIES=${QUERIES:-400}
	# calibration groups as batching forms them too: a quarter whole
	# models, batches drawn from every size a merge can give
	export WHOLE=${WHOLE:-0.25} GROUP_BATCHES=${GROUP_BATCHES:-$(seq -s, 1 32)}
	exec bash bench/gpu/engine_data.sh
	;;
*H100*)
	d=$(mktemp -d)
	cp -r data/paper bench/results/h100/paper/threads-data/h100 "$d/"
	. bench/gpu/stage.sh
	export ABACUS_DATA=$d
	gpu_env
	"$BUILD/test_cuda" threads timeline >"$OUT/test_cuda-threads-timeline.txt" 2>&1
	echo "test_cuda threads timeline: exit $?"
	tail -n 8 "$OUT/test_cuda-threads-timeline.txt"
	LOG=$OUT/kept kept_on "$BUILD"
	PAIRS=${PAIRS:-resnet101+resnet152,resnet101+inception_v3} QUERIES=${QUERIES:-300} SEEDS=1 \
		ABACUS_TIMELINE=$OUT/tl.csv timeout "${END_S:-200}" "$BUILD/abacus" --db "$OUT/tl.sqlite" \
		run scenarios/paper/throughput.lua cuda h100 eager threads >"$OUT/tl-run.txt" 2>&1
	echo "threads run: exit $?, $(wc -l <"$OUT/tl.csv") timeline rows"
	tail -n 20 "$OUT/tl-run.txt"
	;;
*) echo "owed.sh: no work owed on '$card'" >&2; exit 2 ;;
esac
