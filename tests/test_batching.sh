#!/usr/bin/env bash
# test_batching.sh: batching through the binary.
#  * The batching policies run, merge queries and keep per-query results.
#  * Bad input fails before the run, in one line naming the problem:
#    batching on a policy that cannot batch, keep_plan off abacus, without
#    the shed rule or with batching, max_batch where nothing
#    merges, below a service's largest batch or past the largest the
#    profile measures, a trace row past the largest batch.
#  * scenarios/batching.lua quick runs and prints its tables, and its live
#    comparison's simulated side runs every policy, at the profile's units
#    or a live run's (LIVE_UNITS, bench/gpu/batching_resim.py).
#   bash tests/test_batching.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-batching-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$SRC/tests/cli_lib.sh"

# one line, before the run: stderr has pat and is one line, and nothing
# was stored as running
bad_input() {
	local name=$1 pat=$2 fields=$3 svc=${4:-}
	cat >"$name.lua" <<SCN
abacus.run{ services = { { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 20 $svc },
  { model = "vgg16", batch = {1, 2}, qos_ms = 20 } }, $fields,
  load = { kind = "poisson", qps = 500 }, queries = 200 }
SCN
	expect_fail "$name" "$pat" "$BIN" --db "$T/r.db" run "$name.lua"
	[ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "$name: not one line: $(cat "$T/err")"
}
bad_input batching-fcfs "field 'batching' does not apply to policy 'fcfs' (only abacus reads it)" \
	'policy = "fcfs", batching = true'
bad_input batching-clockwork "field 'batching' does not apply to policy 'clockwork'" \
	'policy = "clockwork", batching = true'
bad_input pair-late-triton "field 'pair_late' does not apply to policy 'triton' (only abacus reads it)" \
	'policy = "triton", pair_late = true'
bad_input keep-plan-fcfs "field 'keep_plan' does not apply to policy 'fcfs' (only abacus reads it)" \
	'policy = "fcfs", abandon = "shed", keep_plan = true'
bad_input keep-plan-rule 'keep_plan = true keeps the plan of abandon = "shed": give that rule too' \
	'policy = "abacus", abandon = "paired", keep_plan = true'
bad_input keep-plan-batching "keep_plan = true applies to abacus without batching, not with batching = true" \
	'policy = "abacus", abandon = "shed", batching = true, keep_plan = true' ', max_batch = 16'
bad_input keep-on-time-clockwork "field 'keep_on_time' does not apply to policy 'clockwork' (only abacus reads it)" \
	'policy = "clockwork", keep_on_time = true' ', max_batch = 16'
bad_input keep-on-time-plain "keep_on_time = true applies to abacus with batching = true: give batching too" \
	'policy = "abacus", keep_on_time = true'
bad_input by-deadline-fcfs "field 'by_deadline' does not apply to policy 'fcfs' (only abacus reads it)" \
	'policy = "fcfs", by_deadline = true'
bad_input max-batch-plain "services[1].max_batch applies to a policy that merges queries" \
	'policy = "abacus"' ', max_batch = 16'
bad_input max-batch-small "services[1].max_batch = 4: it must be at least the service's largest batch, 8" \
	'policy = "clockwork"' ', max_batch = 4'
bad_input max-batch-profile "services[1].max_batch = 64: the h200 profile measures resnet50 up to batch 32" \
	'policy = "abacus", batching = true' ', max_batch = 64'
bad_input max-batch-type "field 'services[1].max_batch' must be between 1 and 4096, got 0" \
	'policy = "triton"' ', max_batch = 0'
bad_input abandon-rule "field 'abandon' must be off, predictive, late, paired, shed or defer" \
	'policy = "abacus", abandon = "sometimes"'
# a build without CUDA refuses the device itself; one with it runs merged
# batches of any size (it prepares every size at setup), so on a machine
# without a GPU what stops the run is the missing GPU, not the batcher
if "$BIN" gpu 2>&1 | grep -q "built without CUDA"; then
	bad_input live "device 'cuda': this abacus was built without CUDA" \
		'device = "cuda", policy = "clockwork"'
elif "$BIN" gpu 2>&1 | grep -q "no CUDA GPU found"; then
	bad_input live "no CUDA GPU found" 'device = "cuda", policy = "clockwork"'
fi
[ -z "$(sql "$T/r.db" "SELECT id FROM runs WHERE status = 'running'" 2>/dev/null)" ] && ok ||
	bad "a refused run was stored as running"

# the paper's policies by default, every one with "all"
echo 'print(table.concat(abacus.policies(), ",") .. " " .. table.concat(abacus.policies("all"), ","))' >list.lua
[ "$("$BIN" --db "$T/r.db" run list.lua 2>&1)" = "fcfs,sjf,edf,abacus fcfs,sjf,edf,abacus,clockwork,triton" ] &&
	ok || bad "abacus.policies: $("$BIN" --db "$T/r.db" run list.lua 2>&1)"
echo 'abacus.policies("some")' >list2.lua
expect_fail policies "abacus.policies: 'paper' (the default) or 'all', got 'some'" "$BIN" --db "$T/r.db" run list2.lua

# a trace row past the service's largest batch
printf 'time_ms,model,batch\n1,resnet50,9\n' >over.csv
cat >trace.lua <<'SCN'
abacus.run{ services = { { model = "resnet50", batch = {1, 8}, qos_ms = 20, max_batch = 32 } },
  policy = "clockwork", load = { kind = "trace", file = "over.csv" } }
SCN
expect_fail trace "over.csv:2:3: batch 9 is over resnet50's largest batch, 8" \
	"$BIN" --db "$T/r.db" run trace.lua

# the batchers run, merge and keep every query; abandon = "paired" runs
cat >run.lua <<'SCN'
local S = {
  { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 15, max_batch = 32 },
  { model = "bert", batch = {1, 2}, seq = {16, 64}, qos_ms = 15, max_batch = 16 },
}
local P = { { "clockwork" }, { "triton" }, { "abacus", true } }
for _, p in ipairs(P) do
  local r = abacus.run{ name = "b", services = S, policy = p[1], batching = p[2],
    load = { kind = "poisson", qps = 3000 }, queries = 3000, seed = 3 }
  print(string.format("%s %d %d %d", p[1], r.completed + r.dropped, r.groups,
    r.groups < r.completed and 1 or 0))
end
local plain = { { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 15 },
  { model = "bert", batch = {1, 2}, seq = {16, 64}, qos_ms = 15 } }
local r = abacus.run{ name = "b", services = plain, policy = "abacus",
  abandon = "paired", pair_late = true, load = { kind = "poisson", qps = 3000 },
  queries = 3000, seed = 3 }
print("paired " .. (r.completed + r.dropped) .. " " .. (r.dropped > 0 and 1 or 0))
SCN
if "$BIN" --db "$T/r.db" run run.lua >got.txt 2>err.txt; then
	for p in clockwork triton abacus; do
		# every query accounted for, and fewer groups than queries: merged
		grep -qE "^$p 3000 [0-9]+ 1$" got.txt && ok || bad "run.lua $p: $(cat got.txt)"
	done
	grep -q "^paired 3000 1$" got.txt && ok || bad "run.lua paired: $(cat got.txt)"
	# per-query rows: every query stored with its own batch
	n=$(sql "$T/r.db" "SELECT count(*) FROM queries q JOIN runs r ON r.id = q.run_id
	                   WHERE r.policy = 'triton' AND q.batch IN (1, 2, 4, 8)")
	[ "$n" = 3000 ] && ok || bad "triton's queries stored: $n of 3000"
else
	bad "run.lua failed: $(cat err.txt)"
fi

# the same seed, the same result, bit for bit
cat >det.lua <<'SCN'
local r = abacus.run{ services = { { model = "vgg16", batch = {1, 4}, qos_ms = 20, max_batch = 32 },
  { model = "inception_v3", batch = {2, 8}, qos_ms = 20, max_batch = 32 } },
  policy = "abacus", batching = true, load = { kind = "poisson", qps = 2500 }, queries = 2000,
  seed = 9, store_queries = false }
print(string.format("%.17g %.17g %d", r.p99_ms, r.mean_ms, r.groups))
SCN
"$BIN" --db "$T/r.db" run det.lua >d1.txt 2>&1 && "$BIN" --db "$T/r.db" run det.lua >d2.txt 2>&1 &&
	diff -q d1.txt d2.txt >/dev/null && ok || bad "batching runs differ: $(cat d1.txt d2.txt)"

# the scenario, quick
if "$BIN" --db "$T/s.db" run "$SRC/scenarios/batching.lua" quick >got.txt 2>err.txt; then
	grep -q "abacus+batching / clockwork" got.txt && ok || bad "batching.lua: no ratio: $(tail got.txt)"
	n=$(grep -cE '^(pairs|paper) +[a-z0-9_]+\+[a-z0-9_]+ ' got.txt)
	[ "$n" = 12 ] && ok || bad "batching.lua quick: $n of 12 table rows: $(cat got.txt)"
	n=$(sql "$T/s.db" "SELECT count(DISTINCT json_extract(tags, '\$.label')) FROM runs
	                   WHERE json_extract(tags, '\$.experiment') = 'batching'")
	[ "$n" = 12 ] && ok || bad "batching.lua quick: $n of 12 labels in results.db"
	# the figures and tables from those runs, where the tools are installed
	if command -v sqlite3 >/dev/null && command -v gnuplot >/dev/null; then
		if bash "$SRC/scripts/batching-figures.sh" "$T/s.db" "$T/fig" >/dev/null 2>err.txt; then
			for f in batching-peak-pairs.png batching-peak-paper.pdf batching-summary.txt; do
				[ -s "$T/fig/$f" ] && ok || bad "batching-figures.sh wrote no $f"
			done
			# 2 workloads x 2 pairs x 10 policies with a peak, and a header
			[ "$(wc -l <"$T/fig/batching-peak.csv")" = 41 ] && ok ||
				bad "batching-peak.csv: $(cat "$T/fig/batching-peak.csv")"
			grep -qE "^pairs +abacus\+batching +2 " "$T/fig/batching-summary.txt" && ok ||
				bad "batching-summary.txt: $(cat "$T/fig/batching-summary.txt")"
		else
			bad "batching-figures.sh: $(cat err.txt)"
		fi
	fi
else
	bad "batching.lua quick failed: $(cat err.txt)"
fi

# the live comparison's protocol, its simulated side alone (DEVICE sim):
# every policy at both loads
if "$BIN" --db "$T/l.db" run "$SRC/scenarios/batching.lua" sim h200 200 resnet50+bert >got.txt 2>err.txt; then
	n=$(grep -cE '^resnet50\+bert +(0\.80|1\.50) +(fcfs|sjf|edf|abacus|clockwork|triton|abacus\+batching) ' got.txt)
	[ "$n" = 14 ] && ok || bad "batching.lua sim: $n of 14 rows: $(cat got.txt)"
else
	bad "batching.lua sim failed: $(cat err.txt)"
fi
LIVE_LOADS=fast expect_fail live-loads "LIVE_LOADS must be a comma-separated list of positive numbers, got fast" \
	"$BIN" --db "$T/l.db" run "$SRC/scenarios/batching.lua" sim h200 200 resnet50+bert
LIVE_UNITS=resnet50+bert:900 expect_fail live-units "LIVE_UNITS must be a list of PAIR:C:QOS_MS with C and QOS_MS positive, got resnet50+bert:900" \
	"$BIN" --db "$T/l.db" run "$SRC/scenarios/batching.lua" sim h200 200 resnet50+bert
LIVE_UNITS=vgg16+bert:900:14 expect_fail live-units-pair "LIVE_UNITS names vgg16+bert, a pair this run does not run" \
	"$BIN" --db "$T/l.db" run "$SRC/scenarios/batching.lua" sim h200 200 resnet50+bert
LIVE_UNITS=resnet50+bert:900:14 expect_fail live-units-peak "LIVE_UNITS applies to the live comparison (cuda or sim) alone" \
	"$BIN" --db "$T/l.db" run "$SRC/scenarios/batching.lua" quick
# a live comparison's simulated side run again at the live runs' own units
# (bench/gpu/batching_resim.py): the runs above stand in for the live side
# (tagged cuda); given their C and QoS the simulated side is the same run,
# every difference 0; at another C every run's rate changes
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[2])
sqlite3.connect(sys.argv[1]).backup(c)
c.execute("UPDATE runs SET tags = json_set(tags, ?, ?)", ("$.side", "cuda"))
c.commit()' "$T/l.db" "$T/live.db"
	units=$(python3 "$SRC/bench/gpu/batching_resim.py" "$T/live.db" --units 2>err.txt)
	case $units in resnet50+bert:*:*) ok ;; *) bad "batching_resim.py --units: $units $(cat err.txt)" ;; esac
	LIVE_UNITS=$units "$BIN" --db "$T/re.db" run "$SRC/scenarios/batching.lua" sim h200 200 resnet50+bert \
		>/dev/null 2>err.txt || bad "batching.lua with LIVE_UNITS failed: $(cat err.txt)"
	python3 "$SRC/bench/gpu/batching_resim.py" "$T/live.db" "$T/re.db" >got.txt 2>err.txt
	n=$(grep -cE '^resnet50\+bert +(0\.80|1\.50) +[a-z+]+ .* \+0\.0 .* \+0\.0 +yes$' got.txt)
	[ "$n" = 14 ] && ok || bad "batching_resim.py: $n of 14 runs alike: $(cat got.txt err.txt)"
	LIVE_UNITS=resnet50+bert:900:20 "$BIN" --db "$T/re2.db" run "$SRC/scenarios/batching.lua" sim h200 200 \
		resnet50+bert >/dev/null 2>err.txt || bad "batching.lua with LIVE_UNITS=...:900:... failed: $(cat err.txt)"
	n=$(sql "$T/re2.db" "SELECT count(*) FROM runs WHERE abs(json_extract(config, '\$.load.qps') / 900.0
	                     - json_extract(tags, '\$.load')) < 1e-9
	                     AND json_extract(config, '\$.services[1].qos_ms') = 20")
	[ "$n" = 14 ] && ok || bad "LIVE_UNITS: $n of 14 runs at load x 900 q/s, QoS 20 ms"
	python3 "$SRC/bench/gpu/batching_resim.py" "$T/live.db" "$T/live.db" >/dev/null 2>err.txt &&
		bad "batching_resim.py took a database without simulated runs" ||
		{ grep -q "holds no sim run" err.txt && ok || bad "batching_resim.py: $(cat err.txt)"; }
fi

echo "test_batching: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
