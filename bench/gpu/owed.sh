#!/usr/bin/env bash
# owed.sh: what bench/gpu/NOTES.md owes next on whichever Hopper card the
# device call got, in one call (binaries carried in BUILD, default .dev).
#
#   bench/gpu/owed.sh [STEP]     OUT=/tmp/out
#
# On an H200, STEP (default data):
#   data   bench/gpu/engine_data.sh with the levers as the engine (data/h200
#          measured again, its calibration groups a quarter whole models at
#          any batch 1-32, as batching runs them; then scenarios/pairs.lua
#          live on it)
#   ratio  the H200's own torch.compile ratios still owed: bert,
#          inception_v3 and mobilenet_v2 in fp32, fp16 and bf16 with every
#          lever (bf16 inception_v3 b8 was the last miss: bf16 also with
#          its conv algorithms timed, +find, the lever its kernels point
#          at), then vgg19 with
#          the card's clocks sampled (CLOCKS=1) for its p99 / median, with
#          the usual warm-up and with 2 s of it a batch (bench_gpu --warm-s:
#          on an H100 the tail was the card reaching its power cap)
#   paper  issue 16's live rest: qos.lua and throughput.lua for every pair
#          with CUDA graphs and beyond.lua (paper_live.sh qos-all thr-all
#          beyond, 300 queries a run)
#   mig    issue 13's §7.5 as the protocol has it: mig.lua cuda h200, 1000
#          queries a run, seeds 1-3 (about 650 s a seed, more than a call)
#   later  (on either card) why a process's later runs are slower than its
#          first: bench_gpu --again, then one pair live without and with
#          kept executors, each timeline read by timeline.py --by-run
#   fcfind (on either card) `find` timing each fc layer's cuBLASLt candidates: test_cuda lt,
#          then bert in fp32 and fp16 against torch.compile with and
#          without it (its kernels under Nsight Compute at b32), then vgg19
#          and resnet101 (fp32, fp16) after 2 s of warm-up a batch with the
#          clocks sampled, for their p99 / median at the power cap's steady
#          state
#   paper and mig go on from RESUME_DB when it names the live.db an earlier
#   call of the same step gave back (carried, e.g. .resume/live.sqlite):
#   the runs it holds done are given back, not run again (run --resume)
# On an H100, STEP (default next; data, ratio and paper run next there):
#   mig    as on an H200, on data/h100 (its partition profiles sms32-132),
#          beside the full protocol simulated on h100
#          (bench/results/h100/partitions/mig-sim.txt); resumes the same way
#   next   the whole of test_cuda (the last full run on a card predates
#          the timeline and launch threads), then the batching comparison
#          live for four pairs (batching_live.sh, 300 queries a run) with
#          its timeline (tl.csv: bench/gpu/timeline.py --groups gives the
#          live groups of four pairs), whose simulated side
#          bench/gpu/regroup.sh can run again on the whole-model fit of
#          bench/results/h100/regroup/
#   wsgrow the conv workspace grown where a batch's first choice did not
#          fit (cuda_exec.c grow_ws, cfg.ws_all): test_cuda ws merged, then
#          vgg16 and vgg19 whole at batches 8, 11-14, 16 of a max-16
#          executor with the binary before it (BUILD/old/bench_gpu) and
#          after, and at 12 and 14 in executors of their own; then the
#          batching comparison live again for the two pairs with a VGG
#          (their live goodput was 23% to 38% below the simulator's for the
#          batchers: VGG at merged batches 12 and 14 ran 2.5x to 4.9x its
#          profile)
#   whole  the seventh sitting's call, for the record: the calibration
#          groups as batching runs them (groups.tgz), §7.4 live
#          (paper.tgz), test_cuda's threads and timeline parts and the live
#          timeline of a launch-threads run
# each in what is left of END_S (default 560) s.
set -u
cd "$(dirname "$0")/../.." || exit 1
# binaries may travel packed (xz shrinks the stripped fat binaries about
# 5x, under the carry's 64 MiB): .devpack/bins.txz, made here with
#   tar -cJf .devpack/bins.txz .dev/abacus .dev/bench_gpu ... (any builds)
# and carried as .devpack, is unpacked where its folders are not yet
if [ -f .devpack/bins.txz ] && [ ! -x "${BUILD:-.dev}/bench_gpu" ]; then
	tar -xJf .devpack/bins.txz || exit 1
fi
export BUILD=${BUILD:-.dev} OUT=${OUT:-/tmp/abacus-owed-out}
mkdir -p "$OUT"
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
echo "card: $card, step ${1:-default}"
LEVERS=nhwc+add+ws+lt+dw+tc
# test_cuda PARTS (into FILE, within LIMIT s), then bert against
# torch.compile in fp32 and fp16 for VARIANTS, bert b32's kernels under
# Nsight Compute for KVARIANTS, in what is left of END_S (at most 230 s)
bert_check() { # LIMIT FILE PARTS VARIANTS KVARIANTS
	. bench/gpu/stage.sh
	gpu_env
	timeout "$1" "$BUILD/test_cuda" $3 >"$OUT/$2" 2>&1
	echo "test_cuda $3: exit $?"
	grep -E "find|timed|FAIL|passed|failed|bert" "$OUT/$2" | tail -n 16
	local left=$((${END_S:-560} - SECONDS - 20))
	[ "$left" -gt 230 ] && left=230
	OUT=$OUT/bert QUIET=1 MODELS=bert PRECS="fp32 fp16" KERNELS=bert:32 KVARIANTS="$5" \
		VARIANTS="$4" LIMIT=$left TAIL=30 bash bench/gpu/jobs.sh ratio
}
fcfind() {
	local find=nhwc+add+find+ws+lt+dw+tc
	bert_check 200 test_cuda-lt.txt lt "fp32+$LEVERS fp32+$find fp16+$LEVERS fp16+$find" \
		"fp32+$LEVERS fp32+$find"
	local left=$((${END_S:-560} - SECONDS))
	[ "$left" -gt 60 ] || return 0
	OUT=$OUT/warm CLOCKS=1 MODELS=vgg19,resnet101 PRECS="" VARIANTS="fp32+$LEVERS fp16+$LEVERS" \
		AB_ARGS="--warm-s 2" LIMIT=$((left - 20)) TAIL=20 bash bench/gpu/jobs.sh ratio
}
# the bert-kernels branch's attention and layer norm: test_cuda attention
# and models (bert whole against the CPU reference), then bert timed
# (BASE, a build without them, e.g. main's, times bert first on the same
# card into $OUT/base: the before and after of one call)
attn() {
	if [ -n "${BASE:-}" ]; then
		. bench/gpu/stage.sh
		. bench/gpu/variant.sh
		gpu_env
		mkdir -p "$OUT/base"
		local v vf
		for v in fp32+$LEVERS fp16+$LEVERS; do
			vf=$(variant_flags "$v")
			taskset -c 0,1 timeout 60 "$BASE/bench_gpu" "$OUT/base/$v" --only whole --graphs-only \
				--models bert --batches 1,4,8,16,32 --max-batch 32 ${vf#*|} >/dev/null 2>&1
			echo "base $v: exit $?"
			cp "$OUT/base/$v/whole.csv" "$OUT/base/whole${vf%%|*}.csv" 2>/dev/null
		done
	fi
	bert_check 120 test_cuda-attn.txt "attention models" "fp32+$LEVERS fp16+$LEVERS" "fp32+$LEVERS"
}
# why a process's later runs run every kernel slower than its first
# (NOTES.md, twelfth sitting): bench_gpu --again (bert and resnet50 whole,
# the executor freed and made again three times in one process), then
# scenarios/batching.lua live for resnet50+bert (one process, 14 runs)
# without and with the executors kept (ABACUS_EXEC_CACHE=1), each with
# its timeline read by timeline.py --by-run
later() {
	. bench/gpu/stage.sh
	. bench/gpu/variant.sh
	gpu_env
	local vf k gpu=h100
	case $card in *H200*) gpu=h200 ;; esac
	vf=$(variant_flags "fp32+$LEVERS")
	taskset -c 0,1 timeout 120 "$BUILD/bench_gpu" "$OUT/again" --only whole --graphs-only \
		--models bert,resnet50 --batches 1,4,8 --max-batch 8 --again 3 ${vf#*|} >"$OUT/again.txt" 2>&1
	echo "bench_gpu --again 3: exit $?"
	grep -E "^(bert|resnet50)," "$OUT/again/whole.csv"
	for k in fresh kept; do
		local left=$((${END_S:-560} - SECONDS - 20))
		[ $k = fresh ] && left=$((left / 2))
		[ "$left" -gt 60 ] || break
		(
			[ $k = kept ] && export ABACUS_EXEC_CACHE=1
			OUT=$OUT/$k GPU=$gpu PAIRS=resnet50+bert QUERIES=300 LIMIT=$left \
				ABACUS_TIMELINE=$OUT/$k/tl.csv bash bench/gpu/batching_live.sh pairs >/dev/null 2>&1
		)
		# timeline.py reads the runs' pids from the live.db batching_live.sh packed
		tar xzf "$OUT/$k/live-db.tgz" -C "$OUT/$k" || continue
		echo "== $k executors: timeline.py --by-run"
		python3 bench/gpu/timeline.py "$OUT/$k/tl.csv" --db "$OUT/$k/live.db" --by-run | tee "$OUT/$k/by-run.txt" | head -n 6
		rm -f "$OUT/$k/live.db"
	done
}
[ "${1:-}" = later ] && { later; exit 0; }
[ "${1:-}" = fcfind ] && { fcfind; exit 0; }
[ "${1:-}" = attn ] && { attn; exit 0; }
case $card in
*H200*)
	export GPU=h200 CARD=H200
	case ${1:-data} in
	data)
		export ENGINE=${ENGINE:-nhwc,fuse_add,ws_all,fc_lt,dw,attn_tc}
		export LIMIT=${LIMIT:-260} TAIL=${TAIL:-12} END_S=${END_S:-560} QUERIES=${QUERIES:-400}
		# calibration groups as batching forms them too: a quarter whole
		# models, batches drawn from every size a merge can give (on an
		# H100 that groups stage took 185 s: LIMIT, each stage's cap, 260)
		export WHOLE=${WHOLE:-0.25} GROUP_BATCHES=${GROUP_BATCHES:-$(seq -s, 1 32)}
		exec bash bench/gpu/engine_data.sh
		;;
	ratio)
		o=$OUT
		OUT=$o/models QUIET=1 MODELS=bert,inception_v3,mobilenet_v2 PRECS="fp32 fp16 bf16" \
			VARIANTS="fp32+$LEVERS fp16+$LEVERS bf16+$LEVERS bf16+nhwc+add+find+ws+lt+dw+tc" LIMIT=${LIMIT:-430} TAIL=30 \
			bash bench/gpu/jobs.sh ratio
		OUT=$o/clocks CLOCKS=1 MODELS=vgg19 PRECS="" VARIANTS="fp32+$LEVERS" LIMIT=100 TAIL=20 \
			bash bench/gpu/jobs.sh ratio
		# the same after 2 s of warm-up a batch: at the power cap's steady state
		OUT=$o/clocks-warm CLOCKS=1 MODELS=vgg19 PRECS="" VARIANTS="fp32+$LEVERS" AB_ARGS="--warm-s 2" \
			LIMIT=100 TAIL=20 bash bench/gpu/jobs.sh ratio
		;;
	paper)
		PAPER_STAGES="beyond qos-all thr-all" LIMIT=${LIMIT:-190} bash bench/gpu/jobs.sh paper
		;;
	mig)
		OUT=$OUT/mig SEEDS=3 MIG_ARGS="" MIG_LIMIT=$((${END_S:-560} - SECONDS - 30)) \
			bash bench/gpu/parts.sh info mig
		;;
	*) echo "owed.sh: unknown step '$1' (data, ratio, paper, mig)" >&2; exit 2 ;;
	esac
	;;
*H100*)
	. bench/gpu/stage.sh
	gpu_env
	step=${1:-next}
	case $step in
	data | ratio | paper)
		echo "owed.sh: '$step' is owed on an H200; this H100 runs 'next'"
		step=next
		;;
	esac
	case $step in
	next)
		timeout 240 "$BUILD/test_cuda" >"$OUT/test_cuda.txt" 2>&1
		echo "test_cuda: exit $?"
		tail -n 4 "$OUT/test_cuda.txt"
		left=$((${END_S:-560} - SECONDS))
		[ "$left" -gt 90 ] || exit 0
		GPU=h100 QUERIES=300 LIMIT=$(((left - 20) / 4)) TAIL=40 ABACUS_TIMELINE=$OUT/tl.csv \
			bash bench/gpu/jobs.sh batching
		;;
	wsgrow)
		timeout 150 "$BUILD/test_cuda" ws merged >"$OUT/test_cuda-ws.txt" 2>&1
		echo "test_cuda ws merged: exit $?"
		grep -E "of max|FAIL|passed|failed" "$OUT/test_cuda-ws.txt" | tail -n 12
		L=(--graphs-only --only whole --models vgg16,vgg19 --nhwc --fuse-add --ws-all --fc-lt --dw 1)
		for v in old new; do
			bin=$BUILD/bench_gpu
			[ $v = old ] && bin=$BUILD/old/bench_gpu
			timeout 120 "$bin" "$OUT/$v-max16" "${L[@]}" --max-batch 16 --batches 8,11,12,13,14,16 \
				>"$OUT/$v-max16.txt" 2>&1
			echo "$v max 16: exit $?"
			grep -E "below|^vgg" "$OUT/$v-max16.txt" | head -n 16
		done
		for b in 12 14; do
			timeout 60 "$BUILD/bench_gpu" "$OUT/own-$b" "${L[@]}" --max-batch $b --batches $b >"$OUT/own-$b.txt" 2>&1
			echo "own $b: exit $?"
		done
		cat "$OUT"/*/whole.csv 2>/dev/null | sort -u | head -n 40
		left=$((${END_S:-560} - SECONDS))
		[ "$left" -gt 90 ] || exit 0
		GPU=h100 QUERIES=300 PAIRS="resnet152+vgg19 vgg16+bert" LIMIT=$(((left - 20) / 2)) TAIL=40 \
			ABACUS_TIMELINE=$OUT/tl.csv bash bench/gpu/jobs.sh batching
		;;
	mig) # §7.5 as the protocol has it on this card's own data (data/h100)
		OUT=$OUT/mig GPU=h100 SEEDS=3 MIG_ARGS="" MIG_LIMIT=$((${END_S:-560} - SECONDS - 30)) \
			bash bench/gpu/parts.sh info mig
		;;
	whole)
		GPU=h100 ENGINE=$(cat data/h100/engine.txt) WHOLE=0.25 GROUP_BATCHES=$(seq -s, 1 32) \
			LIMIT=${LIMIT:-200} TAIL=6 bash bench/gpu/jobs.sh groups
		left=$((${END_S:-560} - SECONDS))
		[ "$left" -gt 60 ] && GPU=h100 PAPER_STAGES=beyond LIMIT=$((left > 260 ? 230 : left - 30)) TAIL=30 \
			bash bench/gpu/jobs.sh paper
		left=$((${END_S:-560} - SECONDS))
		[ "$left" -gt 60 ] || exit 0
		d=$(mktemp -d)
		cp -r data/paper bench/results/h100/paper/threads-data/h100 "$d/"
		"$BUILD/test_cuda" threads timeline >"$OUT/test_cuda-threads-timeline.txt" 2>&1
		echo "test_cuda threads timeline: exit $?"
		tail -n 8 "$OUT/test_cuda-threads-timeline.txt"
		LOG=$OUT/kept kept_on "$BUILD"
		export ABACUS_DATA=$d
		PAIRS=${PAIRS:-resnet101+resnet152,resnet101+inception_v3} QUERIES=${QUERIES:-300} SEEDS=1 \
			ABACUS_TIMELINE=$OUT/tl.csv timeout $((${END_S:-560} - SECONDS)) "$BUILD/abacus" --db "$OUT/tl.sqlite" \
			run scenarios/paper/throughput.lua cuda h100 eager threads >"$OUT/tl-run.txt" 2>&1
		echo "threads run: exit $?, $(wc -l <"$OUT/tl.csv") timeline rows"
		tail -n 20 "$OUT/tl-run.txt"
		;;
	*) echo "owed.sh: unknown step '$step' on an H100 (next, wsgrow, whole)" >&2; exit 2 ;;
	esac
	;;
*) echo "owed.sh: no work owed on '$card'" >&2; exit 2 ;;
esac
