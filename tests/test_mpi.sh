#!/usr/bin/env bash
# test_mpi.sh: a cluster over MPI (mpi/mpic.h) against the same cluster in
# one process: 3 ranks (rank 0 the router, two simulated GPUs played in
# real time) give the same queries and completions, and latencies longer
# by what message passing and pacing add, which stays under the bound
# below. A worker rank that dies is noticed and the run goes on; ranks
# that do not match the GPUs are an error before the run.
# Skipped (77) where abacus was built without MPI or mpirun is missing.
#   bash tests/test_mpi.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-mpi-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$SRC/tests/cli_lib.sh"
if ! command -v mpirun >/dev/null || ! ldd "$BIN" 2>/dev/null | grep -q libmpi; then
	echo "SKIP: abacus built without MPI, or no mpirun"
	exit 77
fi
MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
# Open MPI keeps allocations until exit, which LeakSanitizer would report
# from every rank of the sanitizer build; the one-process runs keep it on
mpi_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
# the bound on what MPI adds to the mean latency (ms): messages both ways
# and the workers' and rank 0's polling (tens of us each), plus whatever a
# loaded machine of 2 cores shared by 3 ranks delays them by
BOUND_MS=${MPI_BOUND_MS:-25}

cat >c.lua <<'SCN'
local S = {
  { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 30 },
  { model = "bert", batch = {1, 2}, seq = {16, 64}, qos_ms = 30 },
}
for _, router in ipairs{ "random", "clockwork" } do
  local r = abacus.run{ name = "mpi-" .. router, services = S, policy = "fcfs", gpus = 2,
    router = router, load = { kind = "poisson", qps = 20 }, queries = 60, seed = 5 }
  print(string.format("%s %d %d %.6f %.6f %.6f", router, r.completed, r.dropped, r.p50_ms,
    r.mean_ms, r.p99_ms))
end
SCN
if "$BIN" --db one.db run c.lua >one.txt 2>err.txt; then ok; else bad "one process: $(cat err.txt)"; fi
if ASAN_OPTIONS=$mpi_asan timeout 120 "${MPIRUN[@]}" -n 3 "$BIN" --db mpi.db run c.lua >mpi.txt 2>err.txt; then
	ok
else
	bad "mpirun -n 3: $(cat err.txt)"
fi
for router in random clockwork; do
	read -r _ c1 d1 p1 m1 t1 < <(grep "^$router " one.txt)
	read -r _ c2 d2 p2 m2 t2 < <(grep "^$router " mpi.txt)
	[ "${c1:-x}" = 60 ] && [ "${c2:-y}" = 60 ] && [ "$d2" = 0 ] && ok ||
		bad "$router: completed $c1 in one process, $c2 over MPI (dropped $d2)"
	awk -v a="$m1" -v b="$m2" -v bound="$BOUND_MS" 'BEGIN { exit !(b >= a - 0.01 && b - a <= bound) }' && ok ||
		bad "$router: mean latency $m1 ms in one process, $m2 over MPI (bound +$BOUND_MS ms)"
	echo "$router: p50 $p1 -> $p2 ms, mean $m1 -> $m2 ms, p99 $t1 -> $t2 ms (one process -> MPI)"
	# the same queries: service and batch of each, in arrival order
	q="SELECT group_concat(service || ':' || batch, ',') FROM (SELECT service, batch FROM queries
	   WHERE run_id = (SELECT id FROM runs WHERE name = 'mpi-$router') ORDER BY id)"
	[ "$(sql one.db "$q")" = "$(sql mpi.db "$q")" ] && ok || bad "$router: the queries differ"
done

# a worker rank that dies mid-run (killed as its 11th group comes, by the
# fault injection of mpi/mpic.c): the run goes on with the other GPU, the
# queries it held are dropped, and the run says so, in results.db too
cat >fault.lua <<'SCN'
local S = {
  { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 30 },
  { model = "bert", batch = {1, 2}, seq = {16, 64}, qos_ms = 30 },
}
abacus.run{ name = "mpi-" .. arg[1], services = S, policy = "fcfs", gpus = 2, router = arg[1],
  load = { kind = "poisson", qps = 20 }, queries = 60, seed = 5 }
SCN
for router in random clockwork; do
	rm -f f.db*
	# mpirun's own status after a rank was killed is Open MPI's to choose
	# (it may report the death); a hang (124) or rank 0 failing is ours
	ABACUS_MPI_KILL=1:10 ASAN_OPTIONS=$mpi_asan timeout 120 "${MPIRUN[@]}" --enable-recovery -n 3 \
		"$BIN" --db f.db run fault.lua $router >f.txt 2>err.txt
	rc=$?
	[ $rc -ne 124 ] && ! grep -q "^abacus: .*abacus.run" err.txt && ok ||
		bad "$router: a killed rank: mpirun rc $rc: $(cat err.txt)"
	grep -q "abacus: run 'mpi-$router': GPU 1 lost .* (rank 1 (pid [0-9]*) died): its [0-9]* queries in flight or queued dropped, 1 of 2 workers left" err.txt &&
		ok || bad "$router: no word of the lost rank: $(cat err.txt)"
	# what it held (one group in flight, and any queued behind it) is
	# dropped; the other GPU completes the rest
	[ "$(sql f.db "SELECT status || ' ' || (completed + dropped) || ' ' || (dropped BETWEEN 1 AND 5) || ' '
		|| (error LIKE 'GPU 1 lost%') FROM runs WHERE name = 'mpi-$router'")" = "done 60 1 1" ] && ok ||
		bad "$router: stored $(sql f.db "SELECT status, completed, dropped, error FROM runs WHERE name = 'mpi-$router'")"
done

# a second run in the same job after a rank died: a one-line error before
# it starts (its setup would wait for the dead rank), the first run kept;
# mpirun's status is again Open MPI's to choose
cat >fault2.lua <<'SCN'
local S = {
  { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 30 },
  { model = "bert", batch = {1, 2}, seq = {16, 64}, qos_ms = 30 },
}
for _, router in ipairs{ "random", "clockwork" } do
  abacus.run{ name = "mpi2-" .. router, services = S, policy = "fcfs", gpus = 2, router = router,
    load = { kind = "poisson", qps = 20 }, queries = 60, seed = 5 }
end
SCN
rm -f f.db*
ABACUS_MPI_KILL=1:10 ASAN_OPTIONS=$mpi_asan timeout 120 "${MPIRUN[@]}" --enable-recovery -n 3 \
	"$BIN" --db f.db run fault2.lua >f.txt 2>err.txt
rc=$?
[ $rc -ne 124 ] && grep -q "rank 1 died in an earlier run of this job" err.txt && ok ||
	bad "a run after a lost rank: mpirun rc $rc: $(cat err.txt)"
[ "$(sql f.db "SELECT status FROM runs WHERE name = 'mpi2-random'")" = done ] && ok ||
	bad "the first run was not kept: $(sql f.db "SELECT name, status FROM runs")"

# ranks that do not match the GPUs: one line from rank 0, before the run
expect_fail ranks "mpirun started 2 ranks, and a run of 2 GPUs needs 3" \
	env ASAN_OPTIONS="$mpi_asan" timeout 60 "${MPIRUN[@]}" -n 2 "$BIN" --db bad.db run c.lua
[ "$(sql bad.db "SELECT count(*) FROM runs" 2>/dev/null || echo 0)" = 0 ] && ok ||
	bad "a refused run was stored"

echo "test_mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
