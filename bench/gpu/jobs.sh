#!/usr/bin/env bash
# jobs.sh: several of bench/gpu's measurements in one device call, each
# packed as one file, since only eight files come back from the GPU machine.
#
#   bench/gpu/jobs.sh JOB...     BUILD=build-cuda  OUT=/tmp/out
#
# JOB (each writes its folder, packed as $OUT/JOB.tgz; its last lines are
# printed):
#   ratio      bench/gpu/ratio.sh (its MODELS, PRECS, VARIANTS, RUNS, LIMIT)
#   kernels    bench/gpu/kernels.sh (its KCASES, TCASES): per-kernel times
#   attnseq    bench/gpu/attn_seq.sh: bert with and without attn_tc per batch and seq
#   lttest     test_cuda lt: fc layers through cuBLASLt (cuda_exec_cfg.fc_lt)
#   segtest    test_cuda segments merged: segments against the whole model,
#              merged batches against the queries run alone
#   cudatest   test_cuda, every check (TPARTS="attention lt": those only)
#   wstest     test_cuda ws: the workspace any candidate fits (cuda_exec_cfg.ws_all)
#   dwtest     test_cuda dw: our depthwise conv kernel (cuda_exec_cfg.dw)
#   memcheck   compute-sanitizer memcheck over bench_gpu --sanitize-run of
#              every model (MODELS: some) with the engine's levers (MCARGS;
#              default NHWC, fused add, ws_all, fc_lt, our depthwise kernel
#              always, attn_tc, batch 8 so that its kernel runs): fp32 and
#              fp16, then bf16, each under LIMIT (default 240) seconds
#   mpi        bench/gpu/mpi_live.sh (MPI=.mpi, carried)
#   batching   bench/gpu/batching_live.sh info pairs (its PAIRS, QUERIES)
#   sizes groups parts   bench/gpu/profile.sh's stages (GPU must match the card)
#   mig spatial split iso pairs hw   bench/gpu/parts.sh's stages
#   paper      bench/gpu/paper_live.sh (its PAPER_STAGES; default qos.lua quick with and without CUDA graphs)
# Jobs that must run on one card kind: CARD=H200 skips every job when
# nvidia-smi names another card (so a call served by an H100 files nothing
# under data/h200), printing why.
set -u
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-jobs-out}
T=$(mktemp -d)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
card=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
echo "jobs.sh: $card, $(nproc) cores"
if [ -n "${CARD:-}" ] && [[ "$card" != *"$CARD"* ]]; then
	echo "jobs.sh: the card is not an $CARD: nothing run"
	exit 3
fi
t0=$SECONDS
for j in "$@"; do
	o=$T/$j
	mkdir -p "$o"
	echo "=== $j ($((SECONDS - t0)) s)"
	case $j in
	ratio) OUT=$o bash bench/gpu/ratio.sh >"$o/out.txt" 2>&1 ;;
	kernels) OUT=$o bash bench/gpu/kernels.sh >"$o/out.txt" 2>&1 ;;
	attnseq) OUT=$o GPU=${GPU:-h100} bash bench/gpu/attn_seq.sh >"$o/out.txt" 2>&1 ;;
	segtest | cudatest | wstest | lttest | dwtest)
		. bench/gpu/stage.sh
		gpu_env
		read -ra parts <<<"${TPARTS:-}"
		lim=${LIMIT:-500}
		[ "$j" = segtest ] && parts=(segments merged) lim=${LIMIT:-300}
		[ "$j" = wstest ] && parts=(ws) lim=${LIMIT:-120}
		[ "$j" = lttest ] && parts=(lt) lim=${LIMIT:-200}
		[ "$j" = dwtest ] && parts=(dw) lim=${LIMIT:-300}
		timeout "$lim" "$BUILD/test_cuda" "${parts[@]}" >"$o/out.txt" 2>&1
		echo "exit $?" >>"$o/out.txt"
		;;
	memcheck)
		. bench/gpu/stage.sh
		gpu_env
		read -ra ma <<<"${MCARGS:---nhwc --fuse-add --ws-all --fc-lt --dw 2 --attn-tc --max-batch 8}"
		[ -n "${MODELS:-}" ] && ma+=(--models "$MODELS")
		for prec in fp32+fp16 bf16; do
			extra=()
			[ "$prec" = bf16 ] && extra=(--bf16)
			echo "=== memcheck $prec: ${ma[*]} ${extra[*]}" >>"$o/out.txt"
			PATH=$PATH:/usr/local/cuda/bin timeout "${LIMIT:-240}" compute-sanitizer --tool memcheck \
				--error-exitcode 3 "$BUILD/bench_gpu" --sanitize-run "${ma[@]}" "${extra[@]}" \
				>>"$o/out.txt" 2>&1
			echo "=== memcheck $prec: exit $?" >>"$o/out.txt"
		done
		;;
	mpi) OUT=$o bash bench/gpu/mpi_live.sh >"$o/out.txt" 2>&1 ;;
	batching) OUT=$o bash bench/gpu/batching_live.sh info pairs >"$o/out.txt" 2>&1 ;;
	sizes | groups | parts) OUT=$o bash bench/gpu/profile.sh info "$j" >"$o/out.txt" 2>&1 ;;
	mig | spatial | split | iso | pairs | hw) OUT=$o bash bench/gpu/parts.sh info "$j" >"$o/out.txt" 2>&1 ;;
	paper) OUT=$o bash bench/gpu/paper_live.sh ${PAPER_STAGES:-} >"$o/out.txt" 2>&1 ;;
	*) echo "jobs.sh: unknown job $j" >"$o/out.txt" ;;
	esac
	tail -n "${TAIL:-40}" "$o/out.txt"
	tar czf "$OUT/$j.tgz" -C "$T" "$j"
	echo "=== $j done ($((SECONDS - t0)) s)"
done
