#!/usr/bin/env bash
# run.sh: the GPU machine's whole measurement, in one script.
#
#   bench/gpu/run.sh [STAGE...]    STAGE: info test live bench torch sanitize
#                                  (default: all of them, in that order)
#   BUILD=build-cuda  OUT=/tmp/out  BENCH_ARGS="--quick"  TORCH_ARGS="--runs 50"
#   SANITIZE_ARGS="--models vgg16,bert --fp16"  SANITIZE_TIMEOUT=420
#
# The binaries are built elsewhere (this machine has no Lua or SQLite
# headers) and carried in $BUILD. Everything lands in $OUT, kept to a few
# files because only eight come back from the GPU machine: run.log (all
# output), summary.txt, test_cuda.txt, and the CSVs whole.csv, overlap.csv,
# ops.csv, torch.csv. The last thing printed is the summary table.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-gpu-out}
mkdir -p "$OUT"
LOG=$OUT/run.log
STAGES=${*:-info test live bench torch sanitize}

# cuDNN 9.19 from PyTorch's wheel: the version our headers are; the
# system's cuDNN is older.
CUDNN_DIR=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib
export LD_LIBRARY_PATH=$CUDNN_DIR:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export PYTHONUNBUFFERED=1

# ctest files hold the absolute paths of the machine that configured the
# build; make them resolve here too.
SRC_DIR=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
if [ -n "$SRC_DIR" ] && [ "$SRC_DIR" != "$ROOT" ] && [ ! -e "$SRC_DIR" ]; then
	mkdir -p "$(dirname "$SRC_DIR")" && ln -s "$ROOT" "$SRC_DIR"
fi

. bench/gpu/stage.sh

for s in $STAGES; do
	case $s in
	info)
		stage info nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
		stage info-abacus "$BUILD/bench_gpu" --info
		;;
	test)
		stage test ctest --test-dir "$BUILD" -R '^test_cuda$' -V --timeout 540
		grep -E "rel err|refused|device:|SKIP|FAIL|failed|passed" "$LOG" | tail -n 60
		# the test's own output, without ctest's prefixes, after what the
		# machine has: the file committed as bench/results/<gpu>/test_cuda.txt
		{
			"$BUILD/bench_gpu" --info
			sed -n '/^=== test: ctest/,/^=== test: exit/p' "$LOG" | sed -n 's/^[0-9]*: //p' |
				sed -n '/^layers, TF32 off/,/^test_cuda: /p'
		} >"$OUT/test_cuda.txt" 2>&1
		;;
	bench)
		stage bench "$BUILD/bench_gpu" "$OUT" ${BENCH_ARGS:-}
		;;
	live)
		stage live-train "$BUILD/abacus" --db "$OUT/live.db" train --gpu h100 --predictor mlp
		for gemm in true false; do
			stage live-gemm-$gemm "$BUILD/abacus" --db "$OUT/live.db" run tests/data/live.lua $gemm
		done
		grep -E "conv_gemm=" "$LOG" | tail -n 8
		;;
	torch)
		stage torch python3 bench/gpu/torch_ref.py --out "$OUT/torch.csv" ${TORCH_ARGS:-}
		;;
	sanitize)
		stage sanitize timeout ${SANITIZE_TIMEOUT:-420} compute-sanitizer --tool memcheck --error-exitcode 3 \
			"$BUILD/bench_gpu" --sanitize-run ${SANITIZE_ARGS:-}
		grep -E "ERROR SUMMARY|sanitize-run" "$LOG" | tail -n 12
		;;
	*)
		echo "unknown stage $s" >&2
		exit 2
		;;
	esac
done

python3 bench/gpu/summary.py "$OUT" >"$OUT/summary.txt" 2>&1
printf '%s\n' "${status[@]}" >>"$OUT/summary.txt"
cat "$OUT/summary.txt"
