#!/usr/bin/env bash
# attn_seq.sh: bert's whole graph with and without the tensor-core
# attention kernel (attn_tc), at every batch 1..32 and seq 8..128 (and 256
# at batches 1, 2, 4, 8, 16, 32), in TF32 and fp16, fc_lt on in both: the
# timing behind attn_tc's sequence rule (runtime/cuda_exec.c,
# ATTN_TC_SEQ_*). About 25 s on an H100.
#
#   bench/gpu/attn_seq.sh      BUILD=build-cuda OUT=/tmp/out GPU=h100
#
# $OUT/attn.tgz holds one `abacus profile --export` folder per engine;
# `bench/gpu/attn_seq.py FOLDER` prints the ratios and the medians.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-attn-out}
GPU=${GPU:-h100}
. bench/gpu/stage.sh
gpu_env
T=$(mktemp -d)
mkdir -p "$OUT" "$T/attn"
rc=0
for e in fc_lt fc_lt,attn_tc fp16,fc_lt fp16,fc_lt,attn_tc; do
	n=${e//,/_}
	"$BUILD/abacus" profile --gpu "$GPU" --db "$T/$n.db" --no-groups --repeats 3 --warmup 1 \
		--engine "$e" --models bert --batches "$(seq -s, 1 32)" --seqs 8,16,32,64,128 \
		--export "$T/attn/$n" >/dev/null 2>>"$T/attn/log.txt" || rc=1
	"$BUILD/abacus" profile --gpu "$GPU" --db "$T/${n}_256.db" --no-groups --repeats 3 --warmup 1 \
		--engine "$e" --models bert --batches 1,2,4,8,16,32 --seqs 256 \
		--export "$T/attn/${n}_256" >/dev/null 2>>"$T/attn/log.txt" || rc=1
done
tar czf "$OUT/attn.tgz" -C "$T" attn
python3 bench/gpu/attn_seq.py "$T/attn" | head -n 32
exit $rc
