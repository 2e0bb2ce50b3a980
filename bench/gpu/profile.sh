#!/usr/bin/env bash
# profile.sh: the profiles the simulator reads, measured on the GPU machine
# in one call.
#
#   bench/gpu/profile.sh [STAGE...]   STAGE: info sizes groups parts
#   BUILD=build-cuda  OUT=/tmp/out  GPU=h200  LIMIT=240  ENGINE=  GROUPS_DB=
#
#   sizes   solo ops (and the whole model) of the scenarios' models at every
#           batch 1..32, bert at seq 8..128 (batching merges queries into any
#           size up to a service's largest, bench/results/<gpu>/interp-*),
#           and bert at batch 32 for the paper's protocol: sizes.tgz holds
#           cnn/, bert/, bert256/ ops.csv to merge into data/<gpu>/ops.csv
#           (bench/gpu/merge_ops.py)
#   groups  solo ops at the default sizes (or GROUP_BATCHES) and SAMPLES
#           (default 600) sampled groups of each of the paper's
#           combinations (groups.tgz), for calibrate and train; WHOLE (default
#           0) of them with every segment a whole model, as batching runs them
#   parts   solo ops of the §7.5 models inside green contexts of SIZES SMs
#           (bench/gpu/parts.sh's profile stage): data/<gpu>/sms<N>/
#
# ENGINE: the executor measured, as `abacus profile --engine` words
# (default: the CUDA defaults); each export's engine.txt names it.
#
# The binaries are built elsewhere (this machine has no Lua or SQLite
# headers) and carried in $BUILD.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-profile-out}
GPU=${GPU:-h200}
STAGE_LIMIT=${LIMIT:-240}
mkdir -p "$OUT"
LOG=$OUT/profile.log
export ABACUS_DATA=${ABACUS_DATA:-$PWD/data}
CUDNN_DIR=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib
export LD_LIBRARY_PATH=$CUDNN_DIR:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}

. bench/gpu/stage.sh

A="$BUILD/abacus"
EA=()
[ -n "${ENGINE:-}" ] && EA=(--engine "$ENGINE")
ALL=$(seq -s, 1 32)
for s in ${*:-info sizes parts}; do
	case $s in
	info)
		stage info nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
		;;
	sizes)
		# one database each: a profile database holds one set of settings
		mkdir -p "$OUT/sizes"
		stage sizes-cnn "$A" profile --gpu "$GPU" --db "$OUT/cnn.db" --no-groups --repeats 3 --warmup 1 "${EA[@]}" \
			--models resnet50,resnet101,resnet152,inception_v3,vgg16,vgg19 --batches "$ALL" --export "$OUT/sizes/cnn"
		stage sizes-bert "$A" profile --gpu "$GPU" --db "$OUT/bert.db" --no-groups --repeats 3 --warmup 1 "${EA[@]}" \
			--models bert --batches "$ALL" --seqs 8,16,32,64,128 --export "$OUT/sizes/bert"
		stage sizes-bert256 "$A" profile --gpu "$GPU" --db "$OUT/bert256.db" --no-groups --repeats 3 --warmup 1 "${EA[@]}" \
			--models bert --batches 32 --seqs 256 --export "$OUT/sizes/bert256"
		(cd "$OUT" && tar czf sizes.tgz sizes ./*.db && rm -rf sizes ./*.db)
		;;
	groups)
		# GROUPS_DB: a database an earlier groups stage left when cut at
		# its limit; the profile resumes it
		[ -n "${GROUPS_DB:-}" ] && cp "$GROUPS_DB" "$OUT/groups.db"
		# WHOLE: the share of samples of whole models (profile --whole);
		# GROUP_BATCHES: the batch grid they draw from (and its solo ops)
		stage groups "$A" profile --gpu "$GPU" --db "$OUT/groups.db" --samples "${SAMPLES:-600}" "${EA[@]}" \
			--repeats 3 --warmup 1 --seed "${SEED:-1}" --whole "${WHOLE:-0}" \
			${GROUP_BATCHES:+--batches "$GROUP_BATCHES"} --export "$OUT/groups"
		(cd "$OUT" && tar czf groups.tgz groups groups.db && rm -rf groups groups.db)
		;;
	parts)
		OUT=$OUT/parts SIZES=${SIZES:-32 64 96 132} LIMIT=$STAGE_LIMIT GPU=$GPU \
			PROFILE_ARGS="${PROFILE_ARGS:-}${ENGINE:+ --engine $ENGINE}" \
			bash bench/gpu/parts.sh info profile
		;;
	*)
		echo "unknown stage $s" >&2
		exit 2
		;;
	esac
done
printf '%s\n' "${status[@]}"
