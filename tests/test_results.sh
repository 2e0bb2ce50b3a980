#!/usr/bin/env bash
# test_results.sh: the H100 tables of bench/results/h100/paper/ (and the
# H200's live §7.2 to §7.4 of bench/results/h200/paper/) come back from
# what is committed beside them: bench/paper_engines.py from the runs
# kept as CSV, bench/overlap_gain.py from the two data folders, and the
# launch-thread what-if (bench/threads_bound_data.py, calibrate, then
# scenarios/paper/beyond.lua on the simulator), the launch threads' live
# tables, and bench/gpu/timeline.py's summary of the live timeline with
# calibrate --check on its groups, and bench/gpu/regroup.sh's fit of the
# whole-model calibration groups, and the tables of the merged-batch
# workspace fix, and the contention model's share against the fit before
# it (bench/gpu/share_check.sh), to the digit; bad input to the tools is refused in one
# line.
#   bash tests/test_results.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-results-XXXXXX)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"
. "$SRC/tests/cli_lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
cd "$SRC" || exit 1
R=bench/results/h100/paper

same() { # same NAME FILE COMMAND...: COMMAND's stdout is FILE byte for byte
	local name=$1 file=$2
	shift 2
	if "$@" >"$T/got" 2>"$T/err"; then
		cmp -s "$T/got" "$file" && ok || bad "$name: differs from $file: $(diff "$T/got" "$file" | head -5)"
	else
		bad "$name: $(cat "$T/err")"
	fi
}
same engines $R/engines.txt python3 bench/paper_engines.py --error graphs-live:graphs-sim \
	--error eager-live:eager-sim graphs-live=$R/live-graphs.csv graphs-sim=$R/sim-graphs.csv \
	eager-live=$R/live-eager.csv@eager eager-sim=$R/sim-eager.csv
same graphs-21 $R/graphs-21.txt python3 bench/paper_engines.py --error graphs-live:graphs-sim \
	graphs-live=$R/live-graphs.csv graphs-sim=$R/sim-graphs.csv
same overlap $R/overlap-gain.txt python3 bench/overlap_gain.py data/h100 $R/eager-data/h100
same bound $R/overlap-bound-threads.txt python3 bench/overlap_gain.py --bound $R/eager-data/h100 data/h100
# the launch threads live (and the live timeline of batching_live.sh)
same engines-threads $R/engines-threads.txt python3 bench/paper_engines.py \
	--error graphs-live:graphs-sim --error eager-live:eager-sim --error threads-live:threads-sim \
	graphs-live=$R/live-graphs.csv graphs-sim=$R/sim-graphs.csv eager-live=$R/live-eager.csv@eager \
	eager-sim=$R/sim-eager.csv threads-live=$R/live-threads.csv@eager+threads \
	threads-sim=$R/sim-threads.csv
same overlap-threads $R/overlap-gain-threads.txt sh -c "cd $R && python3 ../../../overlap_gain.py \
	../../../../data/h100 eager-data/h100 threads-data/h100"
TL=bench/results/h100/timeline
same beyond $R/beyond.txt python3 bench/paper_engines.py --beyond --error live:sim live=$R/live-beyond.csv \
	sim=$R/sim-beyond.csv
# the same tables of the H200's live runs of §7.2 to §7.4 (bench/results/h200/paper/)
H2=bench/results/h200/paper
same graphs-21-h200 $H2/graphs-21.txt python3 bench/paper_engines.py --error graphs-live:graphs-sim \
	graphs-live=$H2/live-graphs.csv graphs-sim=$H2/sim-graphs.csv
same beyond-h200 $H2/beyond.txt python3 bench/paper_engines.py --beyond --error live:sim \
	live=$H2/live-beyond.csv sim=$H2/sim-beyond.csv
same sim-vs-live-h200 $H2/sim_vs_live-summary.txt python3 bench/sim_vs_live_summary.py $H2/sim_vs_live.csv
same timeline $TL/timeline.txt sh -c "cd $TL && python3 ../../../gpu/timeline.py timeline.csv \
	--db runs.csv --ops ../../../../data/h100/ops.csv --groups $T/groups.csv"
cmp -s "$T/groups.csv" $TL/live-groups.csv && ok || bad "timeline.py --groups differs from live-groups.csv"
same timeline-check $TL/check.txt sh -c "cd $TL && '$BIN' calibrate --gpu h100 --groups live-groups.csv --check"
TT=bench/results/h100/timeline-threads
same timeline-threads $TT/timeline.txt sh -c "cd $TT && python3 ../../../gpu/timeline.py timeline.csv \
	--db runs.csv --ops ../paper/threads-data/h100/ops.csv"
# calibration groups a quarter whole models at batches 1-32, fitted and
# checked against the live groups (bench/gpu/regroup.sh)
RG=bench/results/h100/regroup
same regroup $RG/fit.txt sh -c "BIN='$BIN' bash bench/gpu/regroup.sh $RG/groups.tgz h100 \
	$TL/live-groups.csv 2>&1 | grep -v '^abacus:' | sed 's|$PWD/||g'"
# the merged-batch workspace fix (bench/results/h100/wsgrow/): the live
# timelines before and after it, VGG's span over its profile per batch,
# and the four pairs' sim-against-live tables picked from two calls
WS=bench/results/h100/wsgrow
for w in before after; do
	same wsgrow-timeline-$w $WS/timeline-$w.txt python3 bench/gpu/timeline.py $WS/timeline-$w.csv \
		--db $WS/runs-$w.csv --ops data/h100/ops.csv
	same wsgrow-by-batch-$w $WS/vgg-by-batch-$w.txt python3 bench/gpu/timeline.py $WS/timeline-$w.csv \
		--db $WS/runs-$w.csv --ops data/h100/ops.csv --by-batch vgg
done
same wsgrow-by-run-before $WS/by-run-before.txt python3 bench/gpu/timeline.py $WS/timeline-before.csv \
	--db $WS/runs-before.csv --by-run
# the four pairs live in one call (bench/results/h100/batching-live-8ec923c/):
# its timeline, live groups, and each run's spans against its process's first
BL=bench/results/h100/batching-live-8ec923c
same batching-live-timeline $BL/timeline.txt python3 bench/gpu/timeline.py $BL/timeline.csv \
	--db $BL/runs.csv --ops data/h100/ops.csv --groups $T/bl-groups.csv
cmp -s "$T/bl-groups.csv" $BL/live-groups.csv && ok || bad "timeline.py --groups differs from $BL/live-groups.csv"
same batching-live-by-run $BL/by-run.txt python3 bench/gpu/timeline.py $BL/timeline.csv \
	--db $BL/runs.csv --by-run
same batching-live-by-run-ops $BL/by-run-ops.txt python3 bench/gpu/timeline.py $BL/timeline.csv \
	--db $BL/runs.csv --ops data/h100/ops.csv --by-run
same batching-live-slowdown $BL/slowdown.txt python3 bench/gpu/timeline.py $BL/timeline.csv \
	--ops data/h100/ops.csv --slowdown
# how far each live run's p99 could move on which queries it got
same batching-live-spread $BL/p99-spread.txt sh -c "tar xzf $BL/live-db.tgz -C $T &&
	python3 bench/gpu/batching_resim.py $T/live.db --spread"
# the contention model's share against the fit it replaced
# (bench/results/h100/share/): four live timelines, three comparisons
same share-check bench/results/h100/share/check.txt env BIN="$BIN" bash bench/gpu/share_check.sh h100 \
	bench/results/h100/share/sim-before.csv $BL/timeline.csv $WS/timeline-after.csv \
	$WS/timeline-before.csv $TL/timeline.csv -- $BL/live-db.tgz $WS/live-after-db.tgz \
	$WS/live-before-db.tgz
for f in stored new; do
	same wsgrow-combined-$f $WS/combined-$f.txt python3 bench/gpu/live_pick.py --section $f \
		$WS/regroup-before.txt=resnet50+bert,resnet101+inception_v3 \
		$WS/regroup-after.txt=resnet152+vgg19,vgg16+bert
done
# the same tables live on the H200 (bench/results/h200/batching-live-h200/):
# two calls joined, as stored and with the fitted cost per group
B2=bench/results/h200/batching-live-h200
same h200-batching-combined $B2/combined.txt python3 bench/gpu/live_pick.py \
	$B2/batching-live-1.txt=resnet50+bert,resnet101+inception_v3,vgg16+bert \
	$B2/batching-live-2.txt=resnet152+vgg19
same h200-batching-combined-g95 $B2/combined-g95.txt python3 bench/gpu/live_pick.py \
	$B2/resim-g95-1.txt=resnet50+bert,resnet101+inception_v3,vgg16+bert \
	$B2/resim-g95-2.txt=resnet152+vgg19
expect_fail live-pick-missing "live_pick.py: $WS/regroup-after.txt has no rows of resnet50+vgg16" \
	python3 bench/gpu/live_pick.py $WS/regroup-after.txt=resnet50+vgg16
expect_fail by-batch-no-db "timeline.py: --by-batch needs --ops and --db" \
	python3 bench/gpu/timeline.py $WS/timeline-after.csv --by-batch vgg
expect_fail by-run-no-db "timeline.py: --by-run needs --db" \
	python3 bench/gpu/timeline.py $WS/timeline-after.csv --by-run
expect_fail slowdown-no-ops "timeline.py: --slowdown needs --ops" \
	python3 bench/gpu/timeline.py $WS/timeline-after.csv --slowdown

# the what-if folder, fitted, and §7.4 simulated on it
mkdir -p "$T/bound"
if python3 bench/threads_bound_data.py $R/eager-data/h100 data/h100 "$T/bound/h100" >"$T/out" 2>&1 &&
	grep -q "7800 groups, 7335 set to the bound" "$T/out" &&
	ABACUS_DATA=$T/bound "$BIN" calibrate --gpu h100 --write >"$T/cal" 2>&1; then
	ok
	grep -q "kappa 0.0000" "$T/cal" && ok || bad "what-if calibrate: $(grep kappa "$T/cal")"
	grep -q "launch_threads" "$T/bound/h100/engine.txt" && ok || bad "what-if engine.txt: $(cat "$T/bound/h100/engine.txt")"
	(cd "$T" && ABACUS_DATA=$T/bound "$BIN" --db "$T/b.db" run "$SRC/scenarios/paper/beyond.lua" sim h100 2>&1) |
		grep -v "queries (" | grep -v "^abacus: train" >"$T/beyond"
	cmp -s "$T/beyond" $R/what-if/sim-bound-beyond.txt && ok ||
		bad "what-if beyond.lua: $(diff "$T/beyond" $R/what-if/sim-bound-beyond.txt | head -5)"
else
	bad "the what-if folder: $(cat "$T/out" "$T/cal" 2>/dev/null | tail -3)"
fi

# bad input: one line, non-zero
expect_fail bound-missing "threads_bound_data.py: [Errno 2] No such file or directory: '$T/none/ops.csv'" \
	python3 bench/threads_bound_data.py "$T/none" data/h100 "$T/x"
expect_fail engines-label "paper_engines.py: --error a:b: no database of that label" \
	python3 bench/paper_engines.py --error a:b x=$R/sim-eager.csv
expect_fail engines-db "paper_engines.py: $T/none.db: unable to open database file" \
	python3 bench/paper_engines.py x="$T/none.db"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
