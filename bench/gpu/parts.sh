#!/usr/bin/env bash
# parts.sh: SM partitions (green contexts) on the GPU machine, in one call.
#
#   bench/gpu/parts.sh [STAGE...]   STAGE: info exp conn smoke profile mig spatial split
#                                   iso pairs hw fix summary
#   BUILD=build-cuda  OUT=/tmp/out  SIZES="64 32 132 96"  PROFILE_ARGS=...  LIMIT=120
#
# The binaries are built elsewhere (the GPU machine has no Lua or SQLite
# headers) and carried in $BUILD. Everything lands in $OUT as few files
# (only eight come back): parts.log (all output), summary.txt, and
# tarballs of profiles and databases. Each stage runs under a time limit
# (LIMIT seconds) so one stuck stage cannot take the call. The last thing
# printed is the summary.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-parts-out}
STAGE_LIMIT=${LIMIT:-150}
mkdir -p "$OUT"
LOG=$OUT/parts.log
SUM=$OUT/summary.txt
STAGES=${*:-info exp conn smoke profile}

. bench/gpu/stage.sh
gpu_env

A="$BUILD/abacus"
P="$BUILD/bench_parts"
split_stage() { # spatial.lua's split part, at SPLIT (and SPLIT_QPS) from the environment
	SEEDS=1 stage split "$A" --db "$OUT/live.db" run scenarios/paper/spatial.lua cuda "${GPU:-h200}" quick split
}
for s in $STAGES; do
	case $s in
	info)
		info_stages "$A"
		;;
	exp) # (a) and (b): how to split, clusters, GEMMs, concurrency, outputs
		stage auto-64x2 "$P" --reps 20
		stage units-56x2 "$P" --split units --sms 56,56 --only sm,cluster,gemm --reps 10
		stage maxcluster-64x2 "$P" --flags 2 --only sm,cluster --reps 10
		stage ignore-66x2 "$P" --flags 1 --sms 66,66 --only sm,cluster,gemm,models \
			--pairs resnet152:4+resnet101:4 --reps 10
		stage quarters "$P" --sms 32,32,32,32 --only sm,cluster,gemm --reps 10
		;;
	conn) # hardware queues: one, and more than the default 8
		for c in ${CONNS:-1 32}; do
			CUDA_DEVICE_MAX_CONNECTIONS=$c stage conn-$c "$P" --only synth,models \
				--pairs resnet152:4+resnet101:4 --reps 10
		done
		;;
	smoke)
		stage smoke "$A" --db "$OUT/smoke.db" run bench/gpu/parts_smoke.lua cuda 300 "${GPU:-h200}"
		;;
	profile) # solo ops of the §7.5 models at each size in SIZES
		for n in ${SIZES:-64 32 132 96}; do
			stage profile-$n "$A" profile --gpu "${GPU:-h200}" --sms "$n" --db "$OUT/profile-$n.db" \
				--models resnet101,resnet152,vgg19,bert --batches 4,8,16,32 --seqs 8,16,32,64 \
				--no-groups ${PROFILE_ARGS:-} --export "$OUT/sms$n"
		done
		;;
	mig)
		resume_from "$OUT/live.db" || exit 1
		STAGE_LIMIT=${MIG_LIMIT:-$STAGE_LIMIT} SEEDS=${SEEDS:-1} stage mig "$A" --db "$OUT/live.db" "${RUN[@]}" scenarios/paper/mig.lua cuda "${GPU:-h200}" ${MIG_ARGS-quick}
		;;
	spatial) # live: pairs at the protocol's loads, isolation, the split's pick
		SEEDS=1 PAIRS=${PAIRS:-resnet50+resnet101,vgg19+bert,resnet152+vgg19} stage spatial-pairs \
			"$A" --db "$OUT/live.db" run scenarios/paper/spatial.lua cuda "${GPU:-h200}" quick pairs
		SEEDS=1 stage isolation "$A" --db "$OUT/live.db" run scenarios/paper/spatial.lua cuda "${GPU:-h200}" quick isolation
		[ -n "${SPLIT:-}" ] && split_stage
		;;
	iso) # live: isolation alone, ISO_ARGS (default: none, 1000 watched queries; quick: about 300)
		SEEDS=1 stage isolation "$A" --db "$OUT/live.db" run scenarios/paper/spatial.lua cuda "${GPU:-h200}" ${ISO_ARGS:-} isolation
		;;
	pairs) # live: the spatial table's pairs in PAIRS, quick, in chunks of PAIRS_CHUNK (default 6) so a cut stage loses one chunk
		chunk=${PAIRS_CHUNK:-6} k=0
		IFS=, read -ra all <<<"${PAIRS:?pairs wants PAIRS}"
		while [ $k -lt ${#all[@]} ]; do
			some=$(IFS=,; echo "${all[*]:k:chunk}")
			SEEDS=1 PAIRS=$some stage spatial-pairs-$((k / chunk + 1)) \
				"$A" --db "$OUT/live.db" run scenarios/paper/spatial.lua cuda "${GPU:-h200}" quick pairs
			k=$((k + chunk))
		done
		;;
	hw) # what the halves share, without the scheduler: the isolation runs' pairs, each model alone in its half and both at once
		stage hw-64x2 "$P" --sms 64,64 --only synth,models --reps 20 \
			--pairs ${HW_PAIRS:-bert:8+resnet152:16,resnet152:8+resnet101:16,resnet101:8+vgg19:16,bert:4+resnet152:32}
		;;
	split) # live: the split's pick (SPLIT SMs, default 40, the simulated pick) and halves at SPLIT_QPS (default 240)
		SPLIT=${SPLIT:-40} SPLIT_QPS=${SPLIT_QPS:-240} split_stage
		;;
	fix) # the cluster fix: quarters and halves with MAX_POTENTIAL_CLUSTER_SIZE, then partitions after the whole GPU
		stage maxcluster-32x4 "$P" --flags 2 --sms 32,32,32,32 --only sm,cluster,gemm --reps 5
		stage smoke "$A" --db "$OUT/smoke.db" run bench/gpu/parts_smoke.lua cuda 300 "${GPU:-h200}"
		;;
	summary) # nothing to run: the summary and tarballs below, after a run cut short
		;;
	*)
		echo "unknown stage $s" >&2
		exit 2
		;;
	esac
done

{
	grep -E "^(green ctx|config|sm |cluster|gemm|synth|models|check|whole |halves |quarters |profile:)" "$LOG"
	sed -n '/^=== mig:/,/^=== mig: exit/p' "$LOG" | grep -E "^(Fig|1in4|2in4|4in4|QoS)"
	printf '%s\n' "${status[@]}"
} >"$SUM"
(cd "$OUT" && ls -d sms* >/dev/null 2>&1 && tar czf profiles.tgz sms* && rm -rf sms*)
(cd "$OUT" && ls *.db >/dev/null 2>&1 && tar czf dbs.tgz *.db && rm -f *.db)
cat "$SUM"
