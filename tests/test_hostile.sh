#!/usr/bin/env bash
# test_hostile.sh: small broken scenarios, each of which must fail with one
# clear line on stderr (naming the field and the script's line) and a
# non-zero exit, never a silent default or a shorter list.
#   bash tests/test_hostile.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-hostile-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$SRC/tests/cli_lib.sh"

# hostile NAME PATTERN BODY: a scenario whose body (line 10 of the file)
# makes abacus.run fail with PATTERN, on one line that names that line.
hostile() {
	local name=$1 pat=$2
	scenario "$name.lua" "$3"
	expect_fail "$name" "$pat" "$BIN" --db "$T/r.db" run "$name.lua"
	[ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "$name: not one line: $(cat "$T/err")"
	grep -qF "$name.lua:10:" "$T/err" && ok || bad "$name: no script line: $(cat "$T/err")"
}

# --- lists are read strictly: holes and keys that are no index ---------------
hostile svc-hole "field 'services' has a hole: [2] is missing but [3] is given" \
	'base.services = { [1] = base.services[1], [3] = base.services[2] }; abacus.run(base)'
hostile svc-nil "field 'services' has a hole: [2] is missing" \
	'base.services = { base.services[1], nil, base.services[2] }; abacus.run(base)'
hostile svc-key "field 'services' is a list, so it cannot have the key 'extra'" \
	'base.services.extra = base.services[1]; abacus.run(base)'
hostile svc-unwrapped "field 'services' is a list, so it cannot have the key '" \
	'base.services = { model = "resnet50", batch = 1, qos_ms = 20 }; abacus.run(base)'
hostile svc-zero "field 'services' is a list, so it cannot have the index [0]" \
	'base.services[0] = base.services[1]; abacus.run(base)'
hostile batch-hole "field 'services[1].batch' has a hole: [2] is missing but [3] is given" \
	'base.services[1].batch = { [1] = 1, [3] = 4 }; abacus.run(base)'
hostile batch-key "field 'services[1].batch' is a list, so it cannot have the key 'max'" \
	'base.services[1].batch = { 1, 4, max = 8 }; abacus.run(base)'
hostile seq-nil "field 'services[2].seq' has a hole: [2] is missing" \
	'base.services[2].seq = { 16, nil, 64 }; abacus.run(base)'
hostile seq-float "field 'services[2].seq' is a list, so it cannot have the key 1.5" \
	'base.services[2].seq = { 16, [1.5] = 32 }; abacus.run(base)'

# --- a field the chosen kind does not read, or one it needs and lacks ---------
hostile ways-fcfs "field 'ways' does not apply to policy 'fcfs' (only abacus reads it)" \
	'base.ways = 4; abacus.run(base)'
hostile threshold-sjf "field 'threshold_ms' does not apply to policy 'sjf' (only abacus reads it)" \
	'base.policy = "sjf"; base.threshold_ms = 2; abacus.run(base)'
hostile predictor-edf "field 'predictor' does not apply to policy 'edf' (only abacus reads it)" \
	'base.policy = "edf"; base.predictor = "solo"; abacus.run(base)'
hostile trace-nofile "field 'load.file' is missing: a trace load needs the CSV file it reads" \
	'base.load = { kind = "trace" }; abacus.run(base)'
hostile rates-nofile "field 'load.file' is missing: a rates load needs the CSV file it reads" \
	'base.load = { kind = "rates", time_scale = 60 }; abacus.run(base)'
hostile rates-qps "field 'load.qps' does not apply to a rates load (only poisson reads it)" \
	'base.load = { kind = "rates", file = "x.csv", qps = 5 }; abacus.run(base)'
hostile poisson-scale "field 'load.time_scale' does not apply to a poisson load (only rates reads it)" \
	'base.load.time_scale = 60; abacus.run(base)'
hostile trace-scale "field 'load.qps_scale' does not apply to a trace load (only rates reads it)" \
	'base.load = { kind = "trace", file = "x.csv", qps_scale = 2 }; abacus.run(base)'
hostile poisson-file "field 'load.file' does not apply to a poisson load (only trace, rates read it)" \
	'base.load.file = "x.csv"; abacus.run(base)'
hostile load-kind "unknown load kind 'burst' (valid: poisson, trace, rates)" \
	'base.load = { kind = "burst" }; abacus.run(base)'
hostile predictor-name "unknown predictor 'knn' (valid: mlp, lr, svm, solo)" \
	'base.policy = "abacus"; base.predictor = "knn"; abacus.run(base)'

# --- what the tables list, and fields that do apply --------------------------
scenario lists.lua 'print(table.concat(abacus.policies(), ","), table.concat(abacus.loads(), ","),
  table.concat(abacus.predictors(), ","))'
"$BIN" --db "$T/r.db" run lists.lua >"$T/out" 2>"$T/err" &&
	[ "$(cat "$T/out")" = "$(printf 'fcfs,sjf,edf,abacus\tpoisson,trace,rates\tmlp,lr,svm,solo')" ] && ok ||
	bad "the tables' lists: $(cat "$T/out" "$T/err")"
# the abacus policy reads all three; solo needs no training
scenario fits.lua 'base.policy = "abacus"; base.ways = 4; base.threshold_ms = 2; base.predictor = "solo"
local r = abacus.run(base); print("FITS", r.completed + r.dropped)'
"$BIN" --db "$T/r.db" run fits.lua >"$T/out" 2>"$T/err" && grep -q "^FITS	500$" "$T/out" && ok ||
	bad "fields that apply: $(cat "$T/out" "$T/err")"
# a list through __len and __index is still a list
scenario proxy.lua 'local svc = base.services
base.services = setmetatable({}, { __len = function() return #svc end, __index = function(_, i) return svc[i] end })
print("PROXY", abacus.run(base).completed)'
"$BIN" --db "$T/r.db" run proxy.lua >"$T/out" 2>"$T/err" && grep -q "^PROXY	500$" "$T/out" && ok ||
	bad "a proxy list: $(cat "$T/out" "$T/err")"

echo "test_hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
