#!/usr/bin/env bash
# ratio.sh: abacus against PyTorch eager, CUDA-graph replay and torch.compile
# on one GPU machine, every model and batch, in one go that fits one call.
#
#   BUILD=build-cuda OUT=/tmp/out bash bench/gpu/ratio.sh
#   MODELS=resnet50,bert BATCHES=1,4,8,16,32 PRECS="fp32 fp16" JOBS=6 (default: GPU GiB / 20)
#   AB_ARGS="--conv-gemm 1" RUNS=100 KERNELS=resnet50:8 LIMIT=400
#   VARIANTS="fp32 fp32+nhwc fp32+nhwc+add fp16+nhwc+add bf16+nhwc+add"
#
# QUIET=1 times abacus's table before any PyTorch process starts (clean
# p99s, a longer call). GPU_FIRST: a command run with the GPU to itself before abacus is timed
# (while the first PyTorch processes compile); TORCH_MODES: torch_ref.py's
# modes (default eager,graph,compile in fp32, graph,compile in half).
# PRECS are PyTorch's precisions (none: PRECS=""); VARIANTS (default: the
# same as PRECS) the executor's configurations, each a precision (fp32,
# fp16, bf16) with +nhwc (bench_gpu --nhwc), +add (--fuse-add), +cg0
# (--conv-gemm 0: cuDNN only), +find (--find: conv algorithms timed) and
# +ws (--ws-all: a workspace any candidate fits), +lt (--fc-lt: fc layers
# through cuBLASLt, bias in the epilogue), +dw (--dw 1: depthwise convs
# as our kernel where timed faster; with +nhwc it also stores mobilenet_v2
# NHWC), +rt (--attn-rt: the register-tiled attention kernel) and +tc
# (--attn-tc: the tensor-core attention kernel), each written as
# whole[-fp16|-bf16][-nhwc][-add][-cg0][-find][-ws][-lt][-dw][-rt][-tc].csv. With KERNELS, KVARIANTS
# (default: every variant) names the variants Nsight Compute profiles.
#
# torch.compile is what takes the time (tens of seconds a model, on the
# CPU), so it runs in parallel: one PyTorch process per (model, precision),
# JOBS at a time, compiling on cores 2 and up, while one process at a time
# (an flock on one file) uses the GPU to time, its timing thread on cores
# 0 and 1. abacus's whole table is timed first, under the same lock, on
# cores 0 and 1, while the first PyTorch processes compile. Compiling runs
# each new graph once on the GPU, so a timed run may rarely meet one of
# those; it moves a p99 more than a median. fp16 and bf16 run the PyTorch
# CNNs channels-last (NHWC). With KERNELS=MODEL:BATCH, Nsight Compute times
# every kernel of one abacus run of it (fp32 and fp16) and torch.profiler
# those of one torch.compile run.
#
# $OUT gets at most eight files: summary.txt (last printed), whole*.csv,
# torch*.csv, kernels.txt, log.txt.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-ratio-out}
MODELS=${MODELS:-resnet18,resnet50,resnet101,resnet152,inception_v3,vgg16,vgg19,mobilenet_v2,bert}
BATCHES=${BATCHES:-1,4,8,16,32}
PRECS=${PRECS-fp32 fp16}
VARIANTS=${VARIANTS:-$PRECS}
# PyTorch processes at once: each holds 4 to 17 GiB while it compiles and
# replays (seven ran an 80 GB H100 out of memory, abacus's runs too), so by
# default one per 20 GiB of the card, 1 to 6
if [ -z "${JOBS:-}" ]; then
	mib=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2>/dev/null | head -1)
	JOBS=$(((${mib:-0} + 0) / 20480))
	[ "$JOBS" -ge 1 ] || JOBS=1
	[ "$JOBS" -le 6 ] || JOBS=6
fi
RUNS=${RUNS:-100}
KERNELS=${KERNELS:-}
W=$(mktemp -d)
LOCK=$W/gpu.lock
LOG=$OUT/log.txt
mkdir -p "$OUT"
CUDNN_DIR=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib
export LD_LIBRARY_PATH=$CUDNN_DIR:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export PYTHONUNBUFFERED=1 ROOT=$PWD W LOCK BATCHES RUNS KERNELS
NCPU=$(nproc)
export COMPILE_CPUS=2-$((NCPU - 1))
maxb=$(tr , '\n' <<<"$BATCHES" | sort -n | tail -1)
t0=$SECONDS
# every process is stopped LIMIT seconds from now, so the files are
# merged and the summary written inside the call's limit
export END=$(($(date +%s) + ${LIMIT:-400}))
left() { echo $((END - $(date +%s))); }
export -f left
echo "ratio.sh: $(nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader), $NCPU cores" | tee "$LOG"

# bench_gpu flags and the file suffix of a variant such as fp16+nhwc+add
. bench/gpu/variant.sh

abacus() {
	for p in $VARIANTS; do
		local vf flag suffix
		vf=$(variant_flags "$p")
		suffix=${vf%%|*} flag=${vf#*|}
		echo "=== abacus $p ($((SECONDS - t0)) s)"
		taskset -c 0,1 timeout "$(left)" "$BUILD/bench_gpu" "$W/ab-$p" --only whole --graphs-only --models "$MODELS" \
			--batches "$BATCHES" --max-batch "$maxb" $flag ${AB_ARGS:-} &&
			cp "$W/ab-$p/whole.csv" "$OUT/whole$suffix.csv"
		[ "$(left)" -gt 5 ] || break
		if [ -n "$KERNELS" ] && [[ " ${KVARIANTS:-$VARIANTS} " == *" $p "* ]]; then
			timeout "$(left)" ncu --clock-control none --profile-from-start off --csv --metrics gpu__time_duration.sum \
				--log-file "$W/ncu-$p.csv" "$BUILD/bench_gpu" --kernels "$KERNELS" $flag ${AB_ARGS:-} \
				>"$W/describe-$p.txt" 2>&1
			{
				python3 bench/gpu/kernels.py "$W/ncu-$p.csv" "abacus $KERNELS $p"
				grep '^# conv' "$W/describe-$p.txt"
				grep '^# fc' "$W/describe-$p.txt"
			} >>"$W/kernels-ab.txt" 2>&1
		fi
	done
	echo "=== abacus done ($((SECONDS - t0)) s)"
}

torch_one() { # precision model
	local p=$1 m=$2 modes=${TORCH_MODES:-graph,compile} extra=""
	[ "$p" = fp32 ] && modes=${TORCH_MODES:-eager,graph,compile}
	[ "$p" != fp32 ] && extra=--channels-last
	if [ -n "$KERNELS" ] && [ "${KERNELS%%:*}" = "$m" ]; then
		extra="$extra --kernels ${KERNELS##*:} --kernels-out $W/kernels-$p-$m.txt"
	fi
	[ "$(left)" -gt 20 ] || { echo "torch $p $m: no time left"; return 0; }
	taskset -c "$COMPILE_CPUS" timeout "$(left)" python3 "$ROOT/bench/gpu/torch_ref.py" --out "$W/t-$p-$m.csv" \
		--models "$m" --batches "$BATCHES" --dtype "$p" --modes "$modes" --dynamic \
		--lock "$LOCK" --timing-cpus 0,1 --runs "$RUNS" --warmup 10 $extra \
		>"$W/t-$p-$m.log" 2>&1
	echo "torch $p $m: exit $? ($(grep -c . "$W/t-$p-$m.csv" 2>/dev/null) lines)"
}
export -f torch_one

(
	flock 9
	if [ -n "${GPU_FIRST:-}" ]; then
		echo "=== first: $GPU_FIRST ($((SECONDS - t0)) s)"
		eval "$GPU_FIRST"
	fi
	# CLOCKS=1: the card's SM clock, power and temperature every 20 ms
	# while abacus's table is timed (clocks.csv), to tell a tail the card
	# makes from one the host makes
	if [ "${CLOCKS:-0}" = 1 ]; then
		nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu \
			--format=csv,noheader -lms 20 >"$OUT/clocks.csv" 2>&1 &
		smi=$!
	fi
	abacus
	[ -n "${smi:-}" ] && kill "$smi"
) 9>"$LOCK" >>"$LOG" 2>&1 &
ab=$!
# QUIET=1: no PyTorch process starts before abacus's table is timed, so
# that nothing compiling (which runs each new graph once on the GPU, and
# loads the host) can touch its p99 (the wall time grows by that table's)
[ "${QUIET:-0}" = 1 ] && wait $ab
sleep 1
for p in $PRECS; do
	for m in ${MODELS//,/ }; do
		echo "$p $m"
	done
done | xargs -r -P "$JOBS" -L1 bash -c 'torch_one "$@"' _ >>"$LOG" 2>&1
wait $ab
echo "=== all done ($((SECONDS - t0)) s)" >>"$LOG"

for p in $PRECS; do
	suffix=""
	[ "$p" != fp32 ] && suffix=-$p
	{
		echo "model,batch,seq,mode,median_ms,p99_ms,p99_over_median,runs"
		for f in "$W"/t-"$p"-*.csv; do
			[ -f "$f" ] && tail -n +2 "$f"
		done
	} >"$OUT/torch$suffix.csv"
done
{
	cat "$W"/kernels-ab.txt "$W"/kernels-*-*.txt 2>/dev/null
} >"$OUT/kernels.txt"
{
	for f in "$W"/t-*.log; do
		echo "--- $f"
		grep -v '^[a-z_0-9]*,[0-9]*,' "$f" | tail -n 30
	done
	for f in "$W"/describe-*.txt; do
		[ -f "$f" ] && echo "--- $f" && grep -v '^# conv' "$f" | tail -n 20
	done
} >>"$LOG" 2>&1
python3 bench/gpu/summary.py "$OUT" >"$OUT/summary.txt" 2>&1
grep -E "^=== |exit" "$LOG" | tail -n 40
cat "$OUT/summary.txt"
