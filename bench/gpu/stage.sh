# stage.sh: the stage helper the GPU machine's scripts share (sourced).
#
#   stage NAME COMMAND...   runs COMMAND with its output appended to $LOG,
#                           prints its exit status and time, and records
#                           them in the array `status` for the summary.
# With STAGE_LIMIT set (seconds), each stage runs under that time limit, so that
# one stuck stage cannot take the whole call.
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
