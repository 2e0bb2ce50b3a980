#!/usr/bin/env bash
# test_hostile.sh: bad input, each piece of which must fail with one clear
# line on stderr and a non-zero exit, never a silent default or a shorter
# list: small broken scenarios (the message names the field and the
# script's line), then broken data files and traces (the message names
# file:line:column). The data files come from a copy of data/h100, broken
# one way at a time, that the binary finds through ABACUS_DATA.
#   bash tests/test_hostile.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-hostile-XXXXXX)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
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
hostile predictor-name "unknown predictor 'knn' (valid: mlp, lr, svm, lsvr, solo)" \
	'base.policy = "abacus"; base.predictor = "knn"; abacus.run(base)'

# --- sizes the profile does not measure: priced by extrapolation, refused ----
hostile batch-past "services[1].batch: 64 is past the largest batch the h100 profile measures for resnet50 (32): its latency would be extrapolated" \
	'base.services[1].batch = { 1, 64 }; abacus.run(base)'
hostile seq-past "services[2].seq: 512 is past the longest sequence the h100 profile measures for bert (256): its latency would be extrapolated" \
	'base.services[2].seq = { 16, 512 }; abacus.run(base)'

# --- what the tables list, and fields that do apply --------------------------
scenario lists.lua 'print(table.concat(abacus.policies(), ","), table.concat(abacus.loads(), ","),
  table.concat(abacus.predictors(), ","))'
"$BIN" --db "$T/r.db" run lists.lua >"$T/out" 2>"$T/err" &&
	[ "$(cat "$T/out")" = "$(printf 'fcfs,sjf,edf,abacus\tpoisson,trace,rates\tmlp,lr,svm,lsvr,solo')" ] && ok ||
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

# --- data files and traces ------------------------------------------------
# one_line NAME: the failure in $T/err is a single line
one_line() {
	local n
	n=$(grep -c . "$T/err")
	[ "$n" = 1 ] && ok || bad "$1: $n lines on stderr: $(cat "$T/err")"
}

# fresh: $T/data/h100 a pristine copy of the shipped data
fresh() {
	chmod -R u+rwx "$T/data" 2>/dev/null
	rm -rf "$T/data"
	mkdir -p "$T/data"
	cp -r "$SRC/data/h100" "$T/data/h100"
}

# data_fail NAME PATTERN: the scenario run.lua fails on the broken copy
data_fail() {
	expect_fail "$1" "$2" env ABACUS_DATA="$T/data" "$BIN" --db "$T/r.db" run run.lua
	one_line "$1"
}

scenario run.lua 'print(string.format("P99 %.6f", abacus.run(base).p99_ms))'
D=$T/data/h100

# --- the copy itself runs, and as the shipped data does ---------------------
fresh
if env ABACUS_DATA="$T/data" "$BIN" --db "$T/r.db" run run.lua >"$T/out" 2>"$T/err"; then
	copy=$(grep '^P99' "$T/out")
	env ABACUS_DATA="$SRC/data" "$BIN" --db "$T/r.db" run run.lua >"$T/out2" 2>&1
	[ -n "$copy" ] && [ "$copy" = "$(grep '^P99' "$T/out2")" ] && ok ||
		bad "the copied data gives '$copy', the shipped '$(cat "$T/out2")'"
else
	bad "run on a copy of data/h100 failed: $(cat "$T/err")"
fi

# --- ops.csv ------------------------------------------------------------------
# a line longer than the reader's bound: an error, not two rows
fresh
{
	head -n 2 "$SRC/data/h100/ops.csv"
	printf 'resnet50,0,1,0,24.29,'
	head -c 70000 /dev/zero | tr '\0' '7'
	printf '\n'
	tail -n +3 "$SRC/data/h100/ops.csv"
} >"$D/ops.csv"
data_fail ops-long-line "h100/ops.csv:3:65537: line longer than 65536 bytes"

fresh
sed -i '1s/$/,gpu/' "$D/ops.csv"
data_fail ops-extra-column "h100/ops.csv:1:7: unknown column 'gpu', expected model, op, batch, seq, median_us, p99_us (optional)"

fresh
sed -i '5s/$/,12/' "$D/ops.csv"
data_fail ops-extra-field "h100/ops.csv:5:7: extra field (the header has 6 columns)"

fresh
sed -n 2p "$SRC/data/h100/ops.csv" >>"$D/ops.csv"
n=$(wc -l <"$D/ops.csv")
data_fail ops-duplicate-row "h100/ops.csv:$n:1: duplicate row: $(sed -n 2p "$SRC/data/h100/ops.csv" | awk -F, '{ printf "%s op %s batch %s seq %s", $1, $2, $3, $4 }') is also on line 2"

fresh
sed -i '1s/batch,//; 2,$s/^\([^,]*,[^,]*\),[^,]*,/\1,/' "$D/ops.csv"
data_fail ops-missing-column "h100/ops.csv:1:6: header has no 'batch' column"

fresh
sed -i '9s/,1,0,/,one,0,/' "$D/ops.csv"
data_fail ops-bad-field "h100/ops.csv:9:3: bad value 'one'"

# columns by name: the same file with its columns reordered runs the same
fresh
awk -F, -v OFS=, '{ print $5, $1, $4, $3, $2, $6 }' "$SRC/data/h100/ops.csv" >"$D/ops.csv"
if env ABACUS_DATA="$T/data" "$BIN" --db "$T/r.db" run run.lua >"$T/out" 2>"$T/err"; then
	[ "$(grep '^P99' "$T/out")" = "$copy" ] && ok || bad "reordered ops.csv: $(cat "$T/out")"
else
	bad "reordered ops.csv refused: $(cat "$T/err")"
fi

# --- sim.csv ------------------------------------------------------------------
# a folder in its place, or a file that cannot be read, is an error; only a
# sim.csv that is not there means "not calibrated"
fresh
rm "$D/sim.csv"
mkdir "$D/sim.csv"
data_fail sim-folder "h100/sim.csv: it is a folder, not a file"

fresh
rm "$D/sim.csv"
ln -s sim.csv "$D/sim.csv"
data_fail sim-symlink-loop "h100/sim.csv: Too many levels of symbolic links"

# root reads a file of mode 000: run as nobody where we can
fresh
chmod 000 "$D/sim.csv"
if [ "$(id -u)" != 0 ]; then
	data_fail sim-unreadable "cannot open $D/sim.csv: Permission denied"
elif command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" zoo >/dev/null 2>&1; then
	chmod 755 "$T" "$T/data" "$D"
	chmod o+r "$D"/ops.csv "$D"/groups.csv
	expect_fail sim-unreadable "cannot open $D/sim.csv: Permission denied" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		env ABACUS_DATA="$T/data" "$BIN" --db /tmp/abacus-hostile-none.db run "$T/run.lua"
	one_line sim-unreadable
	rm -f /tmp/abacus-hostile-none.db
else
	echo "sim-unreadable: skipped (root, and nobody cannot run $BIN)"
fi

fresh
printf 'key,value\nkappa,0.5\nkappa,0.6,7\n' >"$D/sim.csv"
data_fail sim-extra-field "h100/sim.csv:3:3: extra field (the header has 2 columns)"

fresh
printf 'kappa,0.5\n' >"$D/sim.csv"
data_fail sim-no-header "h100/sim.csv:1:1: unknown column 'kappa', expected key, value"

# --- groups.csv (calibrate reads it from the data folder) -------------------
fresh
sed -i '4s/,[0-9.]*$/,fast/' "$D/groups.csv"
expect_fail groups-bad-field "h100/groups.csv:4:4: bad latency 'fast'" \
	env ABACUS_DATA="$T/data" "$BIN" calibrate --gpu h100
one_line groups-bad-field

fresh
{
	head -n 3 "$SRC/data/h100/groups.csv"
	printf 'resnet50+bert,'
	head -c 70000 /dev/zero | tr '\0' ';'
	printf ',1,1\n'
} >"$D/groups.csv"
expect_fail groups-long-line "h100/groups.csv:4:65537: line longer than 65536 bytes" \
	env ABACUS_DATA="$T/data" "$BIN" calibrate --gpu h100
one_line groups-long-line

# --- traces -------------------------------------------------------------------
fresh
printf 'time_ms,model,batch\n0,resnet50,1\n1.5,resnet50,x\n' >"$T/trace.csv"
scenario tr.lua 'base.load = { kind = "trace", file = "'"$T"'/trace.csv" }; abacus.run(base)'
expect_fail trace-bad-field "trace.csv:3:3: batch 'x' is not a positive integer" \
	"$BIN" --db "$T/r.db" run tr.lua
one_line trace-bad-field
printf 'time_ms,model,batch\n0,resnet50,1\n1.5e,resnet50,1\n' >"$T/trace.csv"
expect_fail trace-bad-time "trace.csv:3:1: time '1.5e' is not a number" \
	"$BIN" --db "$T/r.db" run tr.lua
one_line trace-bad-time
{
	printf 'time_ms,model,batch\n0,resnet50,1\n1,resnet50,'
	head -c 70000 /dev/zero | tr '\0' '1'
	printf '\n2,resnet50,1\n'
} >"$T/trace.csv"
expect_fail trace-long-line "trace.csv:3:65537: line longer than 65536 bytes" \
	"$BIN" --db "$T/r.db" run tr.lua
one_line trace-long-line

echo "test_hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
