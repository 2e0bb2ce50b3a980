#!/usr/bin/env bash
# mpi_live.sh: the cluster over MPI live on one GPU machine (issue 14):
# rank 0 the router, two worker ranks running their groups on the GPU,
# both on GPU 0 (CUDA_VISIBLE_DEVICES=0, so they share it), beside the same
# cluster simulated in one process (bench/gpu/mpi_live.lua).
#
#   bench/gpu/mpi_live.sh       BUILD=build-cuda  OUT=/tmp/out  GPU=h200|h100
#   MPI=.mpi  QUERIES=600  SHARE=0.5  LIMIT=240
#
# The GPU machine has no Open MPI: MPI names a folder holding Debian's
# (openmpi-bin, libopenmpi3, openmpi-common, libpmix2, libhwloc15, libevent
# unpacked as their /usr), carried with the call; OPAL_PREFIX relocates it.
# Make it here with bench/gpu/mpi_bundle.sh. Writes $OUT/mpi-live.log and
# $OUT/mpi-live.db.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/gpu/stage.sh"
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/out}
MPI=${MPI:-.mpi}
QUERIES=${QUERIES:-600}
SHARE=${SHARE:-0.5}
STAGE_LIMIT=${LIMIT:-240}
mkdir -p "$OUT"
LOG=$OUT/mpi-live.log
: >"$LOG"
gpu_env
if [ -z "${GPU:-}" ]; then
	case "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)" in
	*H200*) GPU=h200 ;;
	*) GPU=h100 ;;
	esac
fi
M=$(cd "$MPI" && pwd)/usr
export OPAL_PREFIX=$M PATH=$M/bin:$PATH
export LD_LIBRARY_PATH=$M/lib/x86_64-linux-gnu:$LD_LIBRARY_PATH
DB=$OUT/mpi-live.db
stage sim "$BUILD/abacus" --db "$DB" run bench/gpu/mpi_live.lua sim "$GPU" "$QUERIES" "$SHARE"
# both worker ranks on GPU 0, the environment passed to every rank
MPIRUN=(env CUDA_VISIBLE_DEVICES=0 orterun --oversubscribe --allow-run-as-root -n 3
	-x CUDA_VISIBLE_DEVICES -x LD_LIBRARY_PATH -x ABACUS_DATA -x OPAL_PREFIX)
stage live "${MPIRUN[@]}" \
	"$BUILD/abacus" --db "$DB" run bench/gpu/mpi_live.lua cuda "$GPU" "$QUERIES" "$SHARE"
# a worker rank killed mid-run (mpi/mpic.c's fault injection): noticed,
# its queries dropped, the other worker goes on
stage fault env ABACUS_MPI_KILL=1:10 "${MPIRUN[@]}" --enable-recovery -x ABACUS_MPI_KILL \
	"$BUILD/abacus" --db "$OUT/mpi-fault.db" run bench/gpu/mpi_live.lua cuda "$GPU" 200 "$SHARE" random
echo "--- summary"
grep -E "^(#|sim|cuda) |^abacus: |=== " "$LOG"
echo "${status[*]}"
