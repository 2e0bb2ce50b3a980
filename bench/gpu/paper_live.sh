#!/usr/bin/env bash
# paper_live.sh: the live (cuda) runs of scenarios/paper/ that fit one
# device call, each stage under LIMIT seconds.
#
#   bench/gpu/paper_live.sh [STAGE...]   STAGE: info qos qos-eager
#   BUILD=build-cuda  OUT=/tmp/out  GPU=h200  LIMIT=150  SEEDS=1  KEPT=1
#
# KEPT=1 (default): executors kept between runs where test_cuda's `kept`
# part passes first (stage.sh, kept_on).
#
#   qos        qos.lua quick (Figs 14-16, two pairs) with CUDA graphs
#   qos-eager  the same without graphs (the paper's launch-bound engine)
#   qos-all    qos.lua for every pair (or PAIRS), QUERIES (default 300)
#              watched queries a run, Figs 14-15 only (SMALL=0)
#   small-all  qos.lua for every pair with Fig 16 (the small queries); on
#              RESUME_DB of a qos-all call only Fig 16's runs are new
#   thr-all    throughput.lua the same way: Fig 17 (no peak searches live)
#   qos-all-eager, thr-all-eager   the same without graphs
#   qos-all-eager-threads, thr-all-eager-threads   and a host thread per
#              service launching (the scenarios' word `threads`)
#   beyond     beyond.lua (§7.4: the four triplets and the quadruplet, Figs
#              18-19), QUERIES (default 300) a run
#
# Databases and the log land in $OUT (live.db, paper-live.log). RESUME_DB
# (an earlier call's live.db, carried) goes on from it: its runs done are
# given back, not run again (abacus run --resume), so a stage longer than
# one call finishes over several.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-cuda}
OUT=${OUT:-/tmp/abacus-paper-live-out}
GPU=${GPU:-h200}
STAGE_LIMIT=${LIMIT:-150}
mkdir -p "$OUT"
LOG=$OUT/paper-live.log
export SEEDS=${SEEDS:-1}
. bench/gpu/stage.sh
gpu_env
A="$BUILD/abacus"
resume_from "$OUT/live.db" || exit 1
[ "${KEPT:-1}" = 1 ] && kept_on "$BUILD"
for s in ${*:-info qos qos-eager}; do
	case $s in
	info) info_stages "$A" ;;
	qos) stage qos "$A" --db "$OUT/live.db" "${RUN[@]}" scenarios/paper/qos.lua cuda "$GPU" quick ;;
	qos-eager) stage qos-eager "$A" --db "$OUT/live.db" "${RUN[@]}" scenarios/paper/qos.lua cuda "$GPU" quick eager ;;
	qos-all | qos-all-eager | thr-all | thr-all-eager | qos-all-eager-threads | thr-all-eager-threads)
		lua=qos
		case $s in thr*) lua=throughput ;; esac
		words=()
		case $s in *-eager*) words+=(eager) ;; esac
		case $s in *-threads) words+=(threads) ;; esac
		SMALL=0 QUERIES=${QUERIES:-300} stage "$s" "$A" --db "$OUT/live.db" "${RUN[@]}" scenarios/paper/$lua.lua cuda "$GPU" "${words[@]}"
		;;
	small-all) # Figs 14-16: with RESUME_DB of a qos-all call's live.db, only Fig 16 runs
		QUERIES=${QUERIES:-300} stage small-all "$A" --db "$OUT/live.db" "${RUN[@]}" scenarios/paper/qos.lua cuda "$GPU" ;;
	beyond) QUERIES=${QUERIES:-300} stage beyond "$A" --db "$OUT/live.db" "${RUN[@]}" scenarios/paper/beyond.lua cuda "$GPU" ;;
	*)
		echo "unknown stage $s" >&2
		exit 2
		;;
	esac
done
grep -v "queries (" "$LOG" | tail -n 120
printf '%s\n' "${status[@]}"
