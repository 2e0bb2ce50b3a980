#!/usr/bin/env bash
# test_cli.sh: the abacus command end to end: scenarios, arg, results.db,
# and every kind of bad input getting one clear line and a non-zero exit
# while what is already stored survives.
#   bash tests/test_cli.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$SRC/tests/cli_lib.sh"

# policy_rows WHAT DONE: the table in $T/out has a row for each policy, with
# DONE (an extended regex) queries done
policy_rows() {
	local p
	for p in fcfs sjf edf abacus; do
		grep -qE "^$p +[0-9]+ +$2 " "$T/out" && ok || bad "$1: no row for $p: $(cat "$T/out")"
	done
}

# --- a good run, arg, require, the summary fields ---------------------------
scenario good.lua '
assert(require("abacus") == abacus)
assert(arg[0] == "good.lua" and arg[1] == "x" and arg[2] == "7" and select("#", ...) == 2)
local r = abacus.run(base)
for _, k in ipairs{"run_id","completed","dropped","p50_ms","p99_ms","mean_ms","violation_ratio","throughput_qps"} do
  assert(r[k] ~= nil, "missing " .. k)
end
assert(r.completed + r.dropped == 500, r.completed)
assert(r.p50_ms > 0 and r.p99_ms >= r.p50_ms)
print("RUN", r.run_id, r.completed, string.format("%.6f", r.p99_ms))
local r2 = abacus.run(base)
assert(r2.run_id == r.run_id + 1)
assert(string.format("%.9f", r2.p99_ms) == string.format("%.9f", r.p99_ms), "same seed, same result")
'
if "$BIN" --db "$T/r.db" run good.lua x 7 >"$T/out" 2>"$T/err"; then
	grep -q "^RUN	1	" "$T/out" && ok || bad "good run output: $(cat "$T/out")"
else
	bad "good run failed: $(cat "$T/err")"
fi
n=$(sql "$T/r.db" "select count(*) from queries where run_id = 1")
[ "$n" = 500 ] && ok || bad "expected 500 query rows, got '$n'"
st=$(sql "$T/r.db" "select group_concat(status) from runs")
[ "$st" = "done,done" ] && ok || bad "statuses: $st"
sql "$T/r.db" "select json_extract(config, '$.services[0].model') from runs where id = 1" | grep -qx 'resnet50' && ok || bad "config not stored as JSON"
"$BIN" --db "$T/r.db" runs >"$T/out" 2>&1 && grep -q "done" "$T/out" && ok || bad "abacus runs: $(cat "$T/out")"
before=$(sql "$T/r.db" "select count(*), sum(latency_ms) from queries")

# --- Lua errors carry file:line ---------------------------------------------
printf 'local x = \nprint(\n' >syntax.lua
expect_fail syntax "syntax.lua:3:" "$BIN" --db "$T/r.db" run syntax.lua
printf 'local t = nil\nprint(t.x)\n' >runtime.lua
expect_fail runtime "runtime.lua:2:" "$BIN" --db "$T/r.db" run runtime.lua
expect_fail missing-file "nope.lua" "$BIN" --db "$T/r.db" run nope.lua

# --- configuration mistakes ---------------------------------------------------
scenario m.lua 'base.services[1].model = "resnet5"; abacus.run(base)'
expect_fail model "unknown model 'resnet5'" "$BIN" --db "$T/r.db" run m.lua
grep -qF "resnet50" "$T/err" && grep -qF "m.lua:10:" "$T/err" && ok || bad "model error lacks list or line: $(cat "$T/err")"
scenario p.lua 'base.policy = "lifo"; abacus.run(base)'
expect_fail policy "unknown policy 'lifo' (valid: fcfs, sjf, edf" "$BIN" --db "$T/r.db" run p.lua
scenario q.lua 'base.services[2].qos_ms = nil; abacus.run(base)'
expect_fail qos "services[2].qos_ms' is missing" "$BIN" --db "$T/r.db" run q.lua
scenario ty.lua 'base.queries = "many"; abacus.run(base)'
expect_fail type "field 'queries' must be an integer, got string" "$BIN" --db "$T/r.db" run ty.lua
scenario ty2.lua 'base.services[1].batch = {1, "two"}; abacus.run(base)'
expect_fail type-list "services[1].batch[2]' must be a positive integer" "$BIN" --db "$T/r.db" run ty2.lua
scenario margin.lua 'base.margin = 1; abacus.run(base)'
expect_fail margin "margin must be at least 0 and below 1, got 1" "$BIN" --db "$T/r.db" run margin.lua
scenario simfp16.lua 'base.fp16 = true; abacus.run(base)'
expect_fail sim-fp16 "fp16 = true needs device 'cuda'" "$BIN" --db "$T/r.db" run simfp16.lua
# data/h100 was measured with these levers on (its engine.txt): a run that
# turns one off asks for an engine the simulator has no profile of
for f in nhwc fuse_add ws_all fc_lt dw attn_tc; do
	scenario sim-$f.lua "base.$f = false; abacus.run(base)"
	expect_fail sim-$f "$f = false needs device 'cuda'" "$BIN" --db "$T/r.db" run sim-$f.lua
done
scenario simtf32.lua 'base.tf32 = false; abacus.run(base)'
expect_fail sim-tf32 "tf32 = false needs device 'cuda'" "$BIN" --db "$T/r.db" run simtf32.lua
scenario rate.lua 'base.load.qps = -5; abacus.run(base)'
expect_fail rate "load.qps must be a positive number" "$BIN" --db "$T/r.db" run rate.lua
scenario rate0.lua 'base.load.qps = 0; abacus.run(base)'
expect_fail rate0 "load.qps must be a positive number" "$BIN" --db "$T/r.db" run rate0.lua
scenario typo.lua 'base.polcy = "sjf"; abacus.run(base)'
expect_fail typo "unknown field 'polcy'" "$BIN" --db "$T/r.db" run typo.lua
scenario seq.lua 'base.services[2].seq = nil; abacus.run(base)'
expect_fail seq "services[2].seq is missing" "$BIN" --db "$T/r.db" run seq.lua
scenario seq2.lua 'base.services[1].seq = 64; abacus.run(base)'
expect_fail seq2 "has no sequence length" "$BIN" --db "$T/r.db" run seq2.lua
scenario gpu.lua 'base.gpu = "v100"; abacus.run(base)'
expect_fail gpu "unknown gpu 'v100' (valid: h100, a100, h200)" "$BIN" --db "$T/r.db" run gpu.lua
scenario dev.lua 'base.device = "tpu"; abacus.run(base)'
expect_fail device "unknown device 'tpu' (valid: sim, cuda)" "$BIN" --db "$T/r.db" run dev.lua
scenario kind.lua 'base.load = { kind = "burst" }; abacus.run(base)'
expect_fail load-kind "unknown load kind 'burst'" "$BIN" --db "$T/r.db" run kind.lua

# --- a malformed trace row names file:line:column -----------------------------
printf 'time_ms,model,batch,seq\n0,resnet50,1,\n1.5,bert,2,16\n2,resnet50,abc,\n' >trace.csv
scenario tr.lua 'base.load = { kind = "trace", file = "trace.csv" }; abacus.run(base)'
expect_fail trace "trace.csv:4:3" "$BIN" --db "$T/r.db" run tr.lua

# a trace plays to its end unless queries limits it
(echo 'time_ms,model,batch'; for i in $(seq 1 1500); do echo "$i,resnet50,4"; done) >long.csv
scenario trall.lua 'base.load = { kind = "trace", file = "long.csv" }; base.queries = nil
print("DONE", abacus.run(base).completed)'
"$BIN" --db "$T/r.db" run trall.lua >"$T/out" 2>"$T/err" && grep -q "^DONE	1500$" "$T/out" && ok ||
	bad "a trace without queries: $(cat "$T/out" "$T/err")"
# rows must fit the service: batch up to its largest, seq within its range
printf 'time_ms,model,batch,seq
0,resnet50,8,
' >trbig.csv
scenario trbig.lua 'base.load = { kind = "trace", file = "trbig.csv" }; abacus.run(base)'
expect_fail trace-batch "trbig.csv:2:3: batch 8 is over resnet50's largest batch, 4" "$BIN" --db "$T/r.db" run trbig.lua
printf 'time_ms,model,batch,seq
0,bert,2,600
' >trseq.csv
scenario trseq.lua 'base.load = { kind = "trace", file = "trseq.csv" }; abacus.run(base)'
expect_fail trace-seq "trseq.csv:2:4: seq 600 is outside bert's sequence lengths, 16 to 64" "$BIN" --db "$T/r.db" run trseq.lua
# no queries at all is a failed run, not a perfect one
printf 'time_ms,model,batch,seq
' >trnone.csv
scenario trnone.lua 'base.load = { kind = "trace", file = "trnone.csv" }; abacus.run(base)'
expect_fail trace-none "the trace load gave no queries from trnone.csv" "$BIN" --db "$T/r.db" run trnone.lua
[ "$(sql "$T/r.db" "select status from runs order by id desc limit 1")" = failed ] && ok ||
	bad "an empty trace's run is not marked failed"
# times and counts that would leave the clock or fill memory
scenario slow.lua 'base.load.qps = 1e-300; abacus.run(base)'
expect_fail horizon "past the 1000000000000 ms a run's clock holds" "$BIN" --db "$T/r.db" run slow.lua
scenario qosbig.lua 'base.services[1].qos_ms = 1e13; abacus.run(base)'
expect_fail qos-big "services[1].qos_ms must be at most 1e12 ms" "$BIN" --db "$T/r.db" run qosbig.lua
scenario many.lua 'base.queries = 50000001; abacus.run(base)'
expect_fail queries-many "queries must be between 1 and 50000000" "$BIN" --db "$T/r.db" run many.lua
scenario thr.lua 'base.threshold_ms = 1e13; abacus.run(base)'
expect_fail threshold-big "threshold_ms must be between 0 and 1e12 ms" "$BIN" --db "$T/r.db" run thr.lua
scenario ways.lua 'base.ways = 4294967298; abacus.run(base)'
expect_fail ways-wrap "ways must be between 1 and 64, got 4294967298" "$BIN" --db "$T/r.db" run ways.lua
scenario kappa.lua 'base.kappa = 1e300; abacus.run(base)'
expect_fail kappa "kappa must be between 0 and 100" "$BIN" --db "$T/r.db" run kappa.lua
scenario share.lua 'base.share = 9; abacus.run(base)'
expect_fail share "share must be between 0 and 8, got 9" "$BIN" --db "$T/r.db" run share.lua
# share: h100's calibration (0.75) splits an overlapped group's slowdown
# by demand; 0 is the one-factor model: abacus's overlapped groups end
# elsewhere, so the latencies differ, and a given share is the run's own
scenario share2.lua 'base.policy = "abacus"; base.noise = 0; base.load.qps = 900
local a = abacus.run(base); base.share = 0; local b = abacus.run(base)
base.share = 0.75; local c = abacus.run(base)
print("SHARE", a.p99_ms ~= b.p99_ms, a.p99_ms == c.p99_ms)'
"$BIN" --db "$T/r.db" run share2.lua >"$T/out" 2>"$T/err" && grep -q "^SHARE	true	true$" "$T/out" && ok ||
	bad "share 0 against h100's calibrated share: $(cat "$T/out" "$T/err")"
scenario gus.lua 'base.group_us = -1; abacus.run(base)'
expect_fail group-us "group_us must be between 0 and 1000000 (us), got -1" "$BIN" --db "$T/r.db" run gus.lua
# group_us: the simulator's host time per group, added to each group's
# start: queries that never wait end exactly that much later
printf 'time_ms,model,batch\n0,resnet50,4\n100,resnet50,2\n200,resnet50,1\n' >gus.csv
scenario gus2.lua 'base.load = { kind = "trace", file = "gus.csv" }; base.queries = nil
local a = abacus.run(base)
base.group_us = 250
local b = abacus.run(base)
print("GUS", string.format("%.6f", b.mean_ms - a.mean_ms), b.completed)'
"$BIN" --db "$T/r.db" run gus2.lua >"$T/out" 2>"$T/err" && grep -q "^GUS	0.250000	3$" "$T/out" && ok ||
	bad "group_us 250 did not add 0.25 ms to every query: $(cat "$T/out" "$T/err")"
scenario pred.lua 'base.predictor = "xgb"; abacus.run(base)'
expect_fail predictor "unknown predictor 'xgb' (valid: mlp, lr, svm, lsvr, solo)" "$BIN" --db "$T/r.db" run pred.lua

# a results database is not a profile, whatever its schema version says
sum_r=$(md5sum <r.db)
expect_fail profile-into-results "r.db is not an abacus profile database (it holds other tables: predictors" \
	"$BIN" profile --device sim --db "$T/r.db" --samples 2 --no-solo
expect_fail profile-into-results-global "r.db is not an abacus profile database" \
	"$BIN" --db "$T/r.db" profile --device sim --samples 2 --no-solo
[ "$(md5sum <r.db)" = "$sum_r" ] && ok || bad "profile modified a results database"

# profile --engine: a word it does not know is refused before anything
# runs; the simulator measures its defaults only; the engine is stored with
# the settings, so a profile measured on one executor is not resumed on
# another (the stored value forged here: no GPU in CI to measure one)
expect_exit engine-word 2 "abacus profile: --engine: unknown engine setting 'fp64' (known: fp16," \
	"$BIN" profile --device sim --engine fp16,fp64 --db "$T/pe.db"
expect_exit engine-twice 2 "repeated engine setting 'dw'" \
	"$BIN" profile --device sim --engine dw,nhwc,dw --db "$T/pe.db"
[ ! -e "$T/pe.db" ] && ok || bad "profile --engine with a bad word created a database"
expect_fail engine-sim "fp16 = true needs device 'cuda'" \
	"$BIN" profile --device sim --engine fp16 --models resnet50 --batches 1 --no-groups --db "$T/pe.db"
# (the simulator profiles only the engine data/h200 was measured with)
E=$(cat "$SRC/data/h200/engine.txt" 2>/dev/null || echo default)
"$BIN" profile --device sim --engine "$E" --models resnet50 --batches 1 --no-groups \
	--db "$T/pe.db" >/dev/null 2>"$T/err" && [ "$(sql "$T/pe.db" "SELECT value FROM settings WHERE name = 'engine'")" = "$E" ] &&
	ok || bad "profile --engine $E did not store engine = $E: $(cat "$T/err")"
sql "$T/pe.db" "UPDATE settings SET value = 'nhwc,fuse_add' WHERE name = 'engine'" >/dev/null
expect_fail engine-resume "pe.db already holds the h200/sim profile measured with --engine nhwc,fuse_add (now $E)" \
	"$BIN" profile --device sim --models resnet50 --batches 1 --no-groups --db "$T/pe.db"

# --export writes the stored engine beside the CSVs; a run takes the
# engine its data folder names unless it sets its own, and the simulator
# refuses a run whose engine differs from the one its profile was measured
# on (a copy of data/h100 labelled nhwc + fuse_add)
"$BIN" profile --device sim --db "$T/pe.db" --no-solo --no-groups --export "$T/ex" >/dev/null 2>"$T/err" &&
	[ "$(cat "$T/ex/engine.txt")" = nhwc,fuse_add ] && ok || bad "--export's engine.txt: $(cat "$T/err" "$T/ex/engine.txt")"
mkdir -p "$T/edata" && cp -r "$SRC/data/h100" "$T/edata/" && echo "fuse_add,nhwc" >"$T/edata/h100/engine.txt"
scenario eng1.lua "base.data_dir = '$T/edata'; base.nhwc = true; base.fuse_add = true; base.queries = 50
local r = abacus.run(base); print('ENG', r.completed)"
"$BIN" --db "$T/r.db" run eng1.lua >"$T/out" 2>"$T/err" && grep -q "^ENG	50$" "$T/out" && ok ||
	bad "a sim run on the engine its profile names: $(cat "$T/out" "$T/err")"
scenario eng2.lua "base.data_dir = '$T/edata'; base.queries = 50; local r = abacus.run(base); print('ENG', r.completed)"
"$BIN" --db "$T/r.db" run eng2.lua >"$T/out" 2>"$T/err" && grep -q "^ENG	50$" "$T/out" && ok ||
	bad "a sim run that sets no engine did not take its profile's: $(cat "$T/out" "$T/err")"
scenario eng3.lua "base.data_dir = '$T/edata'; base.fuse_add = false; abacus.run(base)"
expect_fail engine-other "fuse_add = false needs device 'cuda' or a profile measured with it: the simulator replays data/h100, measured with engine 'nhwc,fuse_add' (the run asks for 'nhwc'" \
	"$BIN" --db "$T/r.db" run eng3.lua
scenario eng4.lua "base.data_dir = '$T/edata'; base.nhwc = false; base.fuse_add = false; base.dw = true; abacus.run(base)"
expect_fail engine-default "nhwc = false needs device 'cuda' or a profile measured with it: the simulator replays data/h100, measured with engine 'nhwc,fuse_add' (the run asks for 'dw'" \
	"$BIN" --db "$T/r.db" run eng4.lua
# launch_threads (a host thread per service on the GPU) is an engine word
# like the others: a profile measured with it is replayed by a run that
# sets nothing, and a run asking for it on a profile without it is refused
scenario eng5.lua "base.launch_threads = true; abacus.run(base)"
expect_fail engine-threads "launch_threads = true needs device 'cuda' or a profile measured with it" \
	"$BIN" --db "$T/r.db" run eng5.lua
echo "nhwc,fuse_add,launch_threads" >"$T/edata/h100/engine.txt"
"$BIN" --db "$T/r.db" run eng2.lua >"$T/out" 2>"$T/err" && grep -q "^ENG	50$" "$T/out" && ok ||
	bad "a sim run did not take its profile's launch_threads: $(cat "$T/out" "$T/err")"
scenario eng6.lua "base.data_dir = '$T/edata'; base.launch_threads = false; abacus.run(base)"
expect_fail engine-threads-off "launch_threads = false needs device 'cuda' or a profile measured with it" \
	"$BIN" --db "$T/r.db" run eng6.lua
echo "nhwc,bf8" >"$T/edata/h100/engine.txt"
expect_fail engine-file "edata/h100/engine.txt: unknown engine setting 'bf8'" "$BIN" --db "$T/r.db" run eng1.lua

# fields a load kind does not read, and rates given twice
scenario lf.lua 'base.load.file = "x.csv"; abacus.run(base)'
expect_fail load-unused "field 'load.file' does not apply to a poisson load" "$BIN" --db "$T/r.db" run lf.lua
scenario lq.lua 'base.load = { kind = "trace", file = "long.csv", qps = 5 }; abacus.run(base)'
expect_fail load-unused-qps "field 'load.qps' does not apply to a trace load" "$BIN" --db "$T/r.db" run lq.lua
scenario sq.lua 'base.load = { kind = "trace", file = "long.csv" }; base.services[1].qps = 10; abacus.run(base)'
expect_fail svc-qps-trace "field 'services[1].qps' does not apply to a trace load (only poisson reads it)" "$BIN" --db "$T/r.db" run sq.lua
scenario both.lua 'base.services[1].qps = 10; base.services[2].qps = 10; abacus.run(base)'
expect_fail qps-twice "load.qps is not used when every service has its own qps" "$BIN" --db "$T/r.db" run both.lua
scenario nul.lua 'base.services[1].model = "resnet50\0junk"; abacus.run(base)'
expect_fail nul "field 'services[1].model' holds a NUL byte" "$BIN" --db "$T/r.db" run nul.lua
# an abacus.run inside another's reading of its table: each keeps its own services
scenario nest.lua 'local inner = abacus.with(base, { queries = 50 })
local svc = base.services
base.services = setmetatable({}, { __len = function() return #svc end,
  __index = function(_, i) abacus.run(inner); collectgarbage(); return svc[i] end })
print("NEST", abacus.run(base).completed)'
"$BIN" --db "$T/r.db" run nest.lua >"$T/out" 2>"$T/err" && grep -q "^NEST	500$" "$T/out" &&
	! grep -q "AddressSanitizer" "$T/err" && ok || bad "nested abacus.run: $(cat "$T/out" "$T/err")"
# nothing completed: no latency, not a latency of 0
scenario none.lua 'base.services[1].qos_ms = 0.001; base.services[2].qos_ms = 0.001; base.abandon = true
local r = abacus.run(base); print("NONE", r.completed, r.p99_ms ~= r.p99_ms)'
"$BIN" --db "$T/r.db" run none.lua >"$T/out" 2>"$T/err" && grep -q "^NONE	0	true$" "$T/out" && ok ||
	bad "a run with nothing completed: $(cat "$T/out" "$T/err")"
[ "$(sql "$T/r.db" "select p99_ms is null from runs order by id desc limit 1")" = 1 ] && ok ||
	bad "p99 of a run with nothing completed is not NULL"
printf 'print(abacus.solo_ms("resnet50", 1, 64))\n' >sseq.lua
expect_fail solo-seq "abacus.solo_ms: resnet50 has no sequence length" "$BIN" --db "$T/r.db" run sseq.lua
printf 'print(abacus.mean_solo_ms({model = "resnet50", batch = {}}))\n' >mempty.lua
expect_fail solo-empty "service resnet50 has an empty batch list" "$BIN" --db "$T/r.db" run mempty.lua
printf 'print(abacus.largest_solo_ms({model = "resnet50", batch = {1, -3}}))\n' >mneg.lua
expect_fail solo-neg "service resnet50: batch[2] must be a positive integer, got -3" "$BIN" --db "$T/r.db" run mneg.lua
PEAK=yes expect_fail peak-word "PEAK must be 1 (or 0, or unset), got yes" \
	"$BIN" --db "$T/s.db" run "$SRC/scenarios/pairs.lua" sim h100 200 resnet50+bert
PEAK=1 expect_fail peak-few "PEAK=1 needs QUERIES of at least 100" \
	"$BIN" --db "$T/s.db" run "$SRC/scenarios/pairs.lua" sim h100 5 resnet50+bert

# abacus runs cuts a long name, but not inside a UTF-8 character
scenario utf.lua 'base.name = string.rep("\195\169", 30); abacus.run(base)'
"$BIN" --db "$T/u.db" run utf.lua >/dev/null 2>"$T/err" && "$BIN" --db "$T/u.db" runs >"$T/out" 2>>"$T/err" &&
	iconv -f UTF-8 -t UTF-8 "$T/out" >/dev/null 2>&1 && ok || bad "runs with a long UTF-8 name: $(cat "$T/err")"

# --- Ctrl-C: also in plain Lua, and through a sweep that catches errors -------
# the signal goes once the script runs: on a loaded machine a fixed delay
# can land before abacus has started and caught SIGINT
printf 'io.write("spinning\\n"); io.stdout:flush()\nwhile true do end\n' >spin.lua
"$BIN" --db "$T/r.db" run spin.lua >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 300); do grep -q spinning "$T/out" && break; sleep 0.1; done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] && grep -q "spin.lua:2: interrupted" "$T/err" && ok || bad "Ctrl-C in a Lua loop: rc $rc, $(cat "$T/err")"
scenario sweep.lua 'base.queries = 200000; base.store_queries = false
for i = 1, 50 do pcall(abacus.run, base) end'
timeout --preserve-status -s INT 1 "$BIN" --db "$T/sw.db" run sweep.lua >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 130 ] && ok || bad "Ctrl-C in a pcall sweep: rc $rc, $(cat "$T/err")"
# (on a loaded machine the signal may come before the first run opened sw.db)
{ [ ! -e "$T/sw.db" ] || [ "$(sql "$T/sw.db" "select count(*) from runs where status = 'running'")" = 0 ]; } && ok ||
	bad "a swept run was left running"

# --- scripts: text only, and any error object gets a message -------------------
printf 'print("hi")\n' >chunk.lua
if command -v luac5.4 >/dev/null 2>&1; then luac5.4 -o chunk.luac chunk.lua; else
	printf '\033Lua\124\000garbage' >chunk.luac; fi
expect_fail bytecode "attempt to load a binary chunk" "$BIN" --db "$T/r.db" run chunk.luac
printf 'error({})\n' >errtab.lua
expect_fail error-object "errtab.lua: the script raised an error object that is a table" "$BIN" --db "$T/r.db" run errtab.lua
printf 'abacus.print_table(5, {})\n' >pt.lua
expect_fail print-table "pt.lua:1: abacus.print_table: rows must be a list of tables, got number" "$BIN" --db "$T/r.db" run pt.lua
printf 'abacus.largest_solo_ms({model = "resnet50"})\n' >ls.lua
expect_fail solo-nobatch "ls.lua:1: abacus.largest_solo_ms: service resnet50 has no batch" "$BIN" --db "$T/r.db" run ls.lua

# --- a GPU run where there is none; profiling a card as another --------------
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi >/dev/null 2>&1; then
	scenario cuda.lua 'base.device = "cuda"; abacus.run(base)'
	expect_fail cuda "CUDA" "$BIN" --db "$T/r.db" run cuda.lua
	# a live run on a data folder measured with another engine is told so
	# before it starts (where the CUDA device is built at all)
	echo "nhwc,fuse_add" >"$T/edata/h100/engine.txt"
	scenario cudaeng.lua "base.device = 'cuda'; base.data_dir = '$T/edata'; base.nhwc = false; abacus.run(base)"
	"$BIN" --db "$T/r.db" run cudaeng.lua >"$T/out" 2>"$T/err"
	grep -q "unknown device 'cuda'\|built without CUDA" "$T/err" ||
		{ grep -qF "note: $T/edata/h100 was measured with engine 'nhwc,fuse_add' and this run's is 'fuse_add'" "$T/err" &&
			ok || bad "a live run on another engine's data: $(cat "$T/err")"; }
elif card=$("$BIN" gpu 2>/dev/null | sed -n 's/^GPU 0 *//p' | cut -d, -f1) && [ -n "$card" ]; then
	for other in h100 a100 h200; do
		echo "$card" | grep -qi "$other" && continue
		expect_fail profile-card "the GPU here is $card, not $other" \
			"$BIN" profile --device cuda --gpu "$other" --no-solo --samples 1 --db "$T/p.db"
		break
	done
	# a short live run under each policy, with and without the GEMM convolutions
	# (the predictors come with data/h100: no train step)
	for gemm in true false; do
		if "$BIN" --db "$T/live.db" run "$SRC/tests/data/live.lua" $gemm >"$T/out" 2>"$T/err"; then ok; else
			bad "live run, conv_gemm = $gemm: $(cat "$T/err")"
		fi
	done
	# the quickstart live, as the README says to run it on a GPU
	if "$BIN" --db "$T/live.db" run "$SRC/scenarios/quickstart.lua" 200 40 cuda h100 >"$T/out" 2>"$T/err"; then
		policy_rows "live quickstart" 40
	else
		bad "live quickstart: $(cat "$T/err")"
	fi
fi

# --- databases: corrupt, locked, read-only ---------------------------------------
head -c 8192 /dev/urandom >corrupt.db
sum_before=$(md5sum <corrupt.db)
expect_fail corrupt "corrupt.db" "$BIN" --db "$T/corrupt.db" run good.lua x 7
grep -qiE "not an SQLite database|corrupt" "$T/err" && ok || bad "corrupt: $(cat "$T/err")"
[ "$(md5sum <corrupt.db)" = "$sum_before" ] && ok || bad "corrupt file was modified"

cp r.db lock.db
# a writer that holds the lock a while is waited for, not failed against
hold_lock lock.db 4 &
holder=$!
sleep 1
n_lock=$(sql lock.db "select count(*) from runs where status = 'done'")
if "$BIN" --db "$T/lock.db" run good.lua x 7 >"$T/out" 2>"$T/err"; then
	[ "$(sql lock.db "select count(*) from runs where status = 'done'")" = $((n_lock + 2)) ] && ok ||
		bad "runs after the lock: $(sql lock.db "select id, status from runs")"
else
	bad "a run under a 4 s lock failed: $(cat "$T/err")"
fi
kill $holder 2>/dev/null
wait $holder 2>/dev/null

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir ro && cp r.db ro/ && chmod 755 "$T" && chmod 555 ro && chmod 444 ro/r.db
	chmod -R a+rX "$T" 2>/dev/null
	expect_fail readonly "read-only" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BIN" --db "$T/ro/r.db" run good.lua x 7
elif [ "$(id -u)" != 0 ]; then
	mkdir ro && cp r.db ro/ && chmod 444 ro/r.db && chmod 555 ro
	expect_fail readonly "read-only" "$BIN" --db "$T/ro/r.db" run good.lua x 7
fi

# --- interrupted and killed runs are visible; earlier runs intact -------------------
# wait_long_run N: until results.db holds more than N runs named long and
# one of them is under way (at most 30 s): a signal between two runs would
# interrupt the script with no run to mark
wait_long_run() {
	local _
	for _ in $(seq 600); do
		[ "$(sql "$T/r.db" "select count(*) from runs where name = 'long'" 2>/dev/null)" -gt "$1" ] 2>/dev/null &&
			[ "$(sql "$T/r.db" "select count(*) from runs where name = 'long' and status = 'running'" 2>/dev/null)" -gt 0 ] 2>/dev/null &&
			break
		sleep 0.05
	done
}
scenario long.lua 'base.load.qps = 2000; base.queries = 1000000; base.name = "long"
for i = 1, 1000 do abacus.run(base) end'
"$BIN" --db "$T/r.db" run long.lua >/dev/null 2>"$T/err" &
pid=$!
# the signal goes once a run has started (a sanitizer build on a loaded
# machine can take longer than any fixed delay to get there)
wait_long_run 0
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] && ok || bad "SIGINT exit code $rc, expected 130"
grep -qF "interrupted" "$T/err" && ok || bad "SIGINT message: $(cat "$T/err")"
sql "$T/r.db" "select status from runs where name = 'long' order by id desc limit 1" | grep -q interrupted && ok || bad "interrupted run not marked"

n_long=$(sql "$T/r.db" "select count(*) from runs where name = 'long'")
"$BIN" --db "$T/r.db" run long.lua >/dev/null 2>&1 &
pid=$!
wait_long_run "$n_long"
kill -KILL $pid
wait $pid 2>/dev/null
"$BIN" --db "$T/r.db" runs --all >"$T/out" 2>&1
grep -q "died" "$T/out" && ok || bad "killed run not shown as died: $(tail -3 "$T/out")"

after=$(sql "$T/r.db" "select count(*), sum(latency_ms) from queries where run_id <= 2")
[ "$after" = "$before" ] && ok || bad "earlier runs changed: '$before' -> '$after'"
sql "$T/r.db" "pragma integrity_check" | grep -q "^ok$" && ok || bad "integrity check"

# --- the Lua helpers scenarios build loads from --------------------------------------
# solo_ms is the whole-model row where a profile has one (h200 and h100:
# resnet50's op 18) and the sum of the ops where not (resnet50 on a copy of
# data/h100 without its whole-model rows, as profiles measured before they
# existed); the rest derive from it
h200_whole=$(awk -F, '$1 == "resnet50" && $2 == 18 && $3 == 4 && $4 == 0 { printf "%.9f", $5 / 1000 }' "$SRC/data/h200/ops.csv")
h100_whole=$(awk -F, '$1 == "resnet50" && $2 == 18 && $3 == 4 && $4 == 0 { printf "%.9f", $5 / 1000 }' "$SRC/data/h100/ops.csv")
h100_sum=$(awk -F, '$1 == "resnet50" && $2 < 18 && $3 == 4 && $4 == 0 { s += $5 } END { printf "%.9f", s / 1000 }' "$SRC/data/h100/ops.csv")
mkdir -p "$T/nowhole" && cp -r "$SRC/data/h100" "$T/nowhole/" &&
	awk -F, '!($1 == "resnet50" && $2 == 18)' "$SRC/data/h100/ops.csv" >"$T/nowhole/h100/ops.csv"
printf 'assert(math.abs(abacus.solo_ms("resnet50", 4, 0, "h100") - %s) < 1e-6 * %s)\nprint("sum ok")\n' \
	"$h100_sum" "$h100_sum" >nowhole.lua
ABACUS_DATA="$T/nowhole" "$BIN" --db "$T/r.db" run nowhole.lua >"$T/out" 2>"$T/err" && grep -q "sum ok" "$T/out" && ok ||
	bad "solo_ms without whole-model rows, against $h100_sum: $(cat "$T/err")"
cat >helpers.lua <<EOF
local function near(a, b, what) assert(math.abs(a - b) < 1e-6 * b, what .. ": " .. a .. " against " .. b) end
near(abacus.solo_ms("resnet50", 4, 0, "h200"), $h200_whole, "h200 whole row")
near(abacus.solo_ms("resnet50", 4, 0, "h100"), $h100_whole, "h100 whole row")
local function solo(m, b, q) return abacus.solo_ms(m, b, q, "h100") end
local bert = { model = "bert", batch = {1, 4}, seq = {64, 16} }
local r50 = { model = "resnet50", batch = 2 }
near(abacus.largest_solo_ms(bert, "h100"), solo("bert", 4, 64), "largest of lists")
near(abacus.largest_solo_ms(r50, "h100"), solo("resnet50", 2, 0), "largest of one batch")
local mean = (solo("bert", 1, 64) + solo("bert", 1, 16) + solo("bert", 4, 64) + solo("bert", 4, 16)) / 4
near(abacus.mean_solo_ms(bert, "h100"), mean, "mean over draws")
near(abacus.serial_capacity({ bert, r50 }, "h100"), 1000 / ((mean + solo("resnet50", 2, 0)) / 2), "capacity")
-- the capacity search on a run table without tags (a script's first try)
local one = { device = "sim", gpu = "h100", policy = "fcfs", queries = 300, seed = 3,
  services = { { model = "resnet50", batch = 2, qos_ms = 4 * solo("resnet50", 2, 0) } },
  load = { kind = "poisson", qps = 1 } }
local c1 = 1000 / solo("resnet50", 2, 0)
local peak, top, runs = abacus.capacity(one, { lo = 0.1 * c1, hi = 2 * c1, rel = 0.01 })
assert(not top and peak > 0.3 * c1 and peak < c1, "capacity " .. peak .. " of serial " .. c1)
assert(runs > 2 and one.tags == nil, "runs " .. runs)
one.load.qps = peak
local at = abacus.run(one)
assert(at.violation_ratio <= 0.01, "violations " .. at.violation_ratio .. " at the peak")
local swept = abacus.sweep(one, { { "qps", { 0.2 * c1, 0.4 * c1 } } })
assert(#swept == 2 and swept[2].qps == 0.4 * c1 and swept[1].throughput_qps < swept[2].throughput_qps,
  "sweep without tags")
print("helpers ok")
EOF
"$BIN" --db "$T/r.db" run helpers.lua >"$T/out" 2>"$T/err" && grep -q "helpers ok" "$T/out" && ok ||
	bad "Lua helpers: $(cat "$T/err")"

# --- the shipped scenarios, small -------------------------------------------------
# no train step: the predictors come with the GPU data
if "$BIN" --db "$T/s.db" run "$SRC/scenarios/quickstart.lua" 750 300 >"$T/out" 2>"$T/err"; then
	policy_rows quickstart 300
else
	bad "quickstart: $(cat "$T/err")"
fi
expect_fail quickstart-qps "QPS must be a positive number, got fast" \
	"$BIN" --db "$T/s.db" run "$SRC/scenarios/quickstart.lua" fast
if "$BIN" --db "$T/s.db" run "$SRC/scenarios/pairs.lua" sim h100 200 resnet50+bert >"$T/out" 2>"$T/err"; then
	# the summary: every policy in every phase, one pair each
	n=$(grep -cE "^(qos|over|paper) +(fcfs|sjf|edf|abacus) +1 " "$T/out")
	[ "$n" = 12 ] && ok || bad "pairs.lua summary has $n of 12 rows: $(tail -15 "$T/out")"
else
	bad "pairs.lua: $(cat "$T/err")"
fi
PEAK=1 "$BIN" --db "$T/s.db" run "$SRC/scenarios/pairs.lua" sim h100 200 resnet50+bert >"$T/out" 2>"$T/err" &&
	grep -q "mean peak load abacus/fcfs over 1 pairs" "$T/out" && ok || bad "pairs.lua PEAK=1: $(cat "$T/err")"
OVERLOAD=lots expect_fail pairs-overload "OVERLOAD must be a positive number, got lots" \
	"$BIN" --db "$T/s.db" run "$SRC/scenarios/pairs.lua" sim h100 200 resnet50+bert
expect_fail pairs-pair "a pair is written model+model, got resnet50" \
	"$BIN" --db "$T/s.db" run "$SRC/scenarios/pairs.lua" sim h100 200 resnet50

# trace.lua: a rate file (its default) and a query trace, every policy each
if "$BIN" --db "$T/s.db" run "$SRC/scenarios/trace.lua" >"$T/out" 2>"$T/err"; then
	policy_rows "trace.lua on rates" "[0-9]+"
else
	bad "trace.lua on rates: $(cat "$T/err")"
fi
printf 'time_ms,model,batch,seq\n0.5,resnet50,2,\n1,bert,1,32\n1.5,bert,2,16\n9,resnet50,4,\n' >q.csv
if "$BIN" --db "$T/s.db" run "$SRC/scenarios/trace.lua" q.csv >"$T/out" 2>"$T/err"; then
	policy_rows "trace.lua on a query trace" 4
	grep -q "^resnet50 + bert on sim h200: 4 queries" "$T/out" && ok || bad "trace.lua services: $(head -1 "$T/out")"
else
	bad "trace.lua on a query trace: $(cat "$T/err")"
fi
expect_fail trace-index "names its model by index" \
	"$BIN" --db "$T/s.db" run "$SRC/scenarios/trace.lua" "$SRC/tests/data/trace-good.csv"
expect_fail trace-missing "nope.csv: No such file" "$BIN" --db "$T/s.db" run "$SRC/scenarios/trace.lua" nope.csv

# --- other commands ---------------------------------------------------------------
"$BIN" zoo >"$T/out" 2>&1 && grep -q "resnet152" "$T/out" && ok || bad "abacus zoo"
"$BIN" zoo bert --seq 64 >"$T/out" 2>&1 && grep -q "encoder" "$T/out" && ok || bad "abacus zoo bert"
expect_fail zoo-unknown "unknown model 'alexnet'" "$BIN" zoo alexnet
expect_fail usage "usage" "$BIN" frobnicate

# --- the option parser: both spellings, help, mistakes, version --------------------
"$BIN" zoo bert --seq=64 --batch=2 >"$T/out" 2>&1 && grep -q "batch 2, seq 64" "$T/out" && ok ||
	bad "zoo --seq=64 --batch=2: $(cat "$T/out")"
"$BIN" runs --db="$T/r.db" --limit=1 >"$T/out" 2>"$T/err" && [ "$(wc -l <"$T/out")" = 2 ] && ok ||
	bad "runs --db=PATH --limit=1: $(cat "$T/out" "$T/err")"
for cmd in run zoo runs gpu profile calibrate train; do
	if "$BIN" $cmd --help >"$T/out" 2>"$T/err"; then
		head -1 "$T/out" | grep -q "^usage: abacus $cmd" && grep -q -- "--help" "$T/out" && ok ||
			bad "$cmd --help: $(head -3 "$T/out")"
	else
		bad "$cmd --help exit $?: $(cat "$T/err")"
	fi
done
"$BIN" calibrate --seed 3 -h >"$T/out" 2>&1 && grep -q -- "--max-train N" "$T/out" && ok ||
	bad "calibrate -h after an option: $(cat "$T/out")"
for cmd in zoo runs profile calibrate train; do
	expect_exit "$cmd-unknown" 2 "abacus $cmd: unknown option '--frob' (abacus $cmd --help lists them)" \
		"$BIN" $cmd --frob=1
	[ "$(wc -l <"$T/err")" = 1 ] && ok || bad "$cmd: more than one line for an unknown option"
done
expect_exit run-unknown 2 "abacus run: unknown option '--frob'" "$BIN" run --frob good.lua
expect_exit global-unknown 2 "abacus: unknown option '--frob' (abacus --help lists them)" "$BIN" --frob runs
expect_exit missing-value 2 "abacus train: --seed needs a value (N)" "$BIN" train --seed
expect_exit bad-int 2 "abacus runs: --limit needs a positive integer, got 'many'" "$BIN" runs --limit=many
expect_exit bad-number 2 "abacus calibrate: --test-frac needs a number, got '0.2x'" "$BIN" calibrate --test-frac=0.2x
expect_exit flag-value 2 "abacus runs: --all takes no value, got '--all=yes'" "$BIN" runs --all=yes
expect_exit check-write 1 "abacus calibrate: --check fits nothing, so it has nothing to --write" \
	"$BIN" calibrate --gpu h100 --check --write
expect_exit share-range 1 "abacus calibrate: --share must be between 0 and 8, got 9" \
	"$BIN" calibrate --gpu h100 --share 9
expect_exit segments-check 1 \
	"abacus calibrate: --segments chooses share in a fit: it goes with neither --check nor --share" \
	"$BIN" calibrate --gpu h100 --check --segments x.csv
# --check prices the shipped groups with the shipped fit: the error it was stored with
"$BIN" calibrate --gpu h100 --check >"$T/out" 2>&1 &&
	grep -q "^stored contention model for h100 (kappa 0.6625 .*share 0.75): group latency MAPE 4.7[0-9]% on all 15600 groups" "$T/out" &&
	ok || bad "calibrate --check: $(tail -n 2 "$T/out")"
expect_exit bad-list 2 "abacus profile: --batches needs a list of integers" "$BIN" profile --batches=1,x
# a scenario's own arguments are its, even when they look like options
printf 'print("ARGS", ...)\n' >args.lua
"$BIN" --db "$T/r.db" run args.lua --help --db=x >"$T/out" 2>"$T/err" &&
	grep -q "^ARGS	--help	--db=x$" "$T/out" && ok || bad "a scenario's options: $(cat "$T/out" "$T/err")"
"$BIN" --version >"$T/out" 2>&1 && grep -qE "^abacus [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]+" "$T/out" &&
	grep -q "^data: " "$T/out" && ok || bad "--version: $(cat "$T/out")"
# the README's usage block is abacus --help, word for word
"$BIN" --help >"$T/help" 2>&1 || bad "abacus --help failed"
awk '/^## Using it/ { u = 1 } u && /^```$/ { if (inb) exit; inb = 1; next } inb' "$SRC/README.md" >"$T/readme-usage"
diff "$T/help" "$T/readme-usage" >"$T/out" && ok || bad "README's usage block differs from abacus --help: $(cat "$T/out")"

# --- progress: long runs show it on stderr, short ones nothing; stdout untouched -----
# nothing shows in a run's first second: 8M queries keep the run well past
# it on a machine a few times faster than this one (about 3M/s here)
scenario prog.lua 'base.queries = 8000000; base.store_queries = false; base.name = "long"
print("OUT", abacus.run(base).completed)'
"$BIN" --db "$T/p.db" run prog.lua >"$T/out" 2>"$T/err" && [ "$(cat "$T/out")" = "OUT	8000000" ] && ok ||
	bad "a long run's stdout: $(cat "$T/out" "$T/err")"
grep -qE "^run 1 long  [0-9,]+/8,000,000 queries \([0-9]+%\)  .*ETA [0-9hms]+  elapsed [0-9hms]+$" "$T/err" && ok ||
	bad "a long run's progress: $(cat "$T/err")"
grep -q "^run 1 long  8,000,000/8,000,000 queries (100%)" "$T/err" && ok || bad "a long run's last count: $(cat "$T/err")"
"$BIN" --db "$T/p.db" run good.lua x 7 >/dev/null 2>"$T/err" && [ ! -s "$T/err" ] && ok ||
	bad "a short run wrote to stderr: $(cat "$T/err")"

# --- abacus runs: formats, and the note when only the newest are shown -------------
total=$(sql "$T/r.db" "select count(*) from runs")
"$BIN" --db "$T/r.db" runs --limit 2 >"$T/out" 2>"$T/err" &&
	grep -qx "abacus runs: newest 2 of $total runs; --all or --limit N for more" "$T/err" && ok ||
	bad "runs --limit 2 note: $(cat "$T/err")"
"$BIN" --db "$T/r.db" runs --all >"$T/out" 2>"$T/err" && [ ! -s "$T/err" ] && ok ||
	bad "runs --all wrote to stderr: $(cat "$T/err")"
"$BIN" --db "$T/r.db" runs --all --format csv >"$T/out" 2>"$T/err" &&
	head -1 "$T/out" | grep -qx "id,name,device,gpu,policy,status,queries,p99_ms,violation_ratio,throughput_qps,started_at" &&
	[ "$(($(wc -l <"$T/out") - 1))" = "$total" ] && grep -q '^1,t,sim,h100,fcfs,done,500,' "$T/out" && ok ||
	bad "runs --format csv: $(head -3 "$T/out") $(cat "$T/err")"
if command -v python3 >/dev/null 2>&1; then
	"$BIN" --db "$T/r.db" runs --format=json --limit 3 >"$T/out" 2>"$T/err" &&
		python3 -m json.tool "$T/out" >/dev/null && ok || bad "runs --format json is not JSON: $(head -c 600 "$T/out")"
	n=$(python3 -c 'import json, sys
runs = json.load(open(sys.argv[1]))
print(len(runs), runs[-1]["id"], sorted(runs[0]) == sorted(["id", "name", "device", "gpu", "policy", "status", "queries", "p99_ms", "violation_ratio", "throughput_qps", "started_at"]))' "$T/out")
	[ "$n" = "3 $(sql "$T/r.db" "select max(id) from runs") True" ] && ok || bad "runs json content: $n"
	grep -q "newest 3 of $total runs" "$T/err" && ok || bad "runs json: no note on stderr"
	# names are a script's bytes: quotes, control characters and broken UTF-8 stay valid JSON
	"$BIN" --db "$T/u.db" runs --format json >"$T/out" 2>"$T/err" && python3 -m json.tool "$T/out" >/dev/null && ok ||
		bad "runs json with a UTF-8 name: $(cat "$T/err")"
	scenario odd.lua 'base.name = "a\"b\\c,\n\1\255"; abacus.run(base)'
	"$BIN" --db "$T/o.db" run odd.lua >/dev/null 2>"$T/err" && "$BIN" --db "$T/o.db" runs --format json >"$T/out" &&
		[ "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["name"] == "a\"b\\c,\n\x01\ufffd")' "$T/out")" = True ] && ok ||
		bad "runs json of an odd name: $(cat "$T/out" "$T/err")"
	"$BIN" --db "$T/o.db" runs --format csv >"$T/out" &&
		[ "$(python3 -c 'import csv, sys; r = list(csv.reader(open(sys.argv[1], newline="", encoding="latin-1"))); print(len(r), r[1][1] == "a\"b\\c,\n\x01\xff")' "$T/out")" = "2 True" ] && ok ||
		bad "runs csv of an odd name: $(cat "$T/out")"
fi
"$BIN" --db "$T/o.db" runs --format yaml >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "abacus runs: --format must be table, csv or json, got 'yaml'" "$T/err" && ok ||
	bad "runs --format yaml: $(cat "$T/err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
