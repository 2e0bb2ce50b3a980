# stage.sh: the stage helper the GPU machine's scripts share (sourced).
#
#   stage NAME COMMAND...   runs COMMAND with its output appended to $LOG,
#                           prints its exit status and time, and records
#                           them in the array `status` for the summary.
# With STAGE_LIMIT set (seconds), each stage runs under that time limit, so that
# one stuck stage cannot take the whole call.
#   info_stages ABACUS      the GPU as nvidia-smi and `abacus gpu` see it.
#   gpu_env                 points abacus at the checkout's data and the
#                           loader at the GPU machine's cuDNN (PyTorch's
#                           wheel: the version our headers are) and CUDA.
status=()
stage() { # name command...
	local name=$1
	shift
	echo "=== $name: $*" | tee -a "$LOG"
	local t0=$SECONDS
	${STAGE_LIMIT:+timeout "$STAGE_LIMIT"} "$@" >>"$LOG" 2>&1
	local rc=$?
	echo "=== $name: exit $rc in $((SECONDS - t0)) s" | tee -a "$LOG"
	status+=("$name=$rc ($((SECONDS - t0)) s)")
	return $rc
}

info_stages() { # abacus binary
	stage info nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
	stage gpu "$1" gpu
}

gpu_env() {
	export ABACUS_DATA=${ABACUS_DATA:-$PWD/data}
	local cudnn=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib
	export LD_LIBRARY_PATH=$cudnn:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
}
