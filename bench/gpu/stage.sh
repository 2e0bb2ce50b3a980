# stage.sh: the stage helper the GPU machine's scripts share (sourced).
#
#   stage NAME COMMAND...   runs COMMAND with its output appended to $LOG,
#                           prints its exit status and time, and records
#                           them in the array `status` for the summary.
# With STAGE_LIMIT set (seconds), each stage runs under that time limit, so that
# one stuck stage cannot take the whole call.
#   info_stages ABACUS      the GPU as nvidia-smi and `abacus gpu` see it.
#   kept_on BUILD           runs test_cuda's `kept` part and, when it passes,
#                           exports ABACUS_EXEC_CACHE=1 (a scenario's runs
#                           of one set of services then make each executor
#                           once: cuda_dev.h); says which on stdout.
#   resume_from DB          when RESUME_DB names a results database of an
#                           earlier call (carried, e.g. .resume/live.sqlite),
#                           copies it to DB and sets RUN=(run --resume): the
#                           stages that run "$A" --db DB "${RUN[@]}" FILE then
#                           give back the runs it holds done and run the rest
#                           (abacus run --resume); else RUN=(run)
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

kept_on() {
	if "$1/test_cuda" kept >"${LOG:-/tmp/abacus}.kept" 2>&1; then
		export ABACUS_EXEC_CACHE=1
		echo "kept executors: on (test_cuda kept passed)"
	else
		echo "kept executors: off (test_cuda kept failed: $(tail -n 3 "${LOG:-/tmp/abacus}.kept" | tr '\n' ' '))"
	fi
}

RUN=(run)
resume_from() {
	[ -n "${RESUME_DB:-}" ] || return 0
	[ -f "$RESUME_DB" ] || { echo "resume_from: no database at RESUME_DB=$RESUME_DB" >&2; return 1; }
	[ -e "$1" ] && { echo "resume_from: $1 exists already; not replaced by $RESUME_DB" >&2; return 1; }
	cp "$RESUME_DB" "$1" || return 1
	RUN=(run --resume)
	echo "resuming from $RESUME_DB ($(du -k "$1" | cut -f 1) kB)"
}
