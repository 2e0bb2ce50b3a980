#!/usr/bin/env bash
# kernels.sh: per-kernel GPU times of single cases, abacus (Nsight Compute
# over one eager run, bench_gpu --kernels) and torch.compile
# (torch.profiler over one compiled run, torch_ref.py --kernels), for
# naming the kernel that holds a case against torch.compile.
#
#   BUILD=build-cuda OUT=/tmp/out bash bench/gpu/kernels.sh
#   KCASES="bert:32@fp32 vgg19:16@fp16+nhwc+add:32"   MODEL:BATCH@VARIANT[:MAXBATCH]
#   TCASES="bert:32@fp32 bert:32@fp16"                torch.compile's side
#
# VARIANT as ratio.sh's (variant.sh); MAXBATCH the executor's max batch
# (default the case's batch). Everything goes to $OUT/kernels.txt.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-kernels-out}
mkdir -p "$OUT"
W=$(mktemp -d)
. bench/gpu/variant.sh
. bench/gpu/stage.sh
gpu_env
export PYTHONUNBUFFERED=1
K=$OUT/kernels.txt
echo "kernels.sh: $(nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader)" >"$K"
i=0
for c in ${KCASES:-}; do
	i=$((i + 1))
	mb=${c%%@*} v=${c#*@} max=""
	case $v in *:*) max=${v#*:} v=${v%%:*} ;; esac
	vf=$(variant_flags "$v")
	flag=${vf#*|}
	timeout "${CASE_LIMIT:-90}" ncu --clock-control none --profile-from-start off --csv \
		--metrics gpu__time_duration.sum --log-file "$W/ncu-$i.csv" \
		"$BUILD/bench_gpu" --kernels "$mb" $flag ${max:+--max-batch $max} >"$W/describe-$i.txt" 2>&1
	echo "exit $? for abacus $c" >>"$K"
	{
		python3 bench/gpu/kernels.py "$W/ncu-$i.csv" "abacus $c"
		grep '^# ' "$W/describe-$i.txt"
	} >>"$K" 2>&1
done
for c in ${TCASES:-}; do
	mb=${c%%@*} p=${c#*@}
	m=${mb%%:*} b=${mb##*:} extra=""
	[ "$p" != fp32 ] && extra=--channels-last
	timeout "${CASE_LIMIT:-90}" python3 bench/gpu/torch_ref.py --out "$W/t.csv" --models "$m" --batches "$b" \
		--dtype "$p" --modes compile --dynamic --runs 20 --warmup 5 $extra --kernels "$b" \
		--kernels-out "$W/tk.txt" >"$W/t.log" 2>&1
	echo "exit $? for torch.compile $c" >>"$K"
	cat "$W/tk.txt" >>"$K" 2>/dev/null
	rm -f "$W/tk.txt"
done
tail -n 60 "$K"
