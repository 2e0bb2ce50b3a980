#!/usr/bin/env bash
# test_cli_db.sh: bad input at the command line and in the files it reads:
# parallel writers sharing one results.db, listing a database that is
# missing or read-only, empty profiles and missing data folders, impossible
# measured groups, and the messages and exit codes of the CLI.
#   bash tests/test_cli_db.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-clidb-XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
export XDG_CACHE_HOME="$T/cache" # predictors trained on groups not a bundle's go here
SCENARIO_QPS=2000
. "$SRC/tests/cli_lib.sh"

# --- parallel writers into one results.db ------------------------------------------
scenario one.lua 'abacus.run(base)'
"$BIN" --db r.db run one.lua >/dev/null 2>"$T/err" && ok || bad "first run: $(cat "$T/err")"
# three runs of 150,000 stored queries each, per process; a lock held by
# another connection for 4 s while the first runs start and, from the
# scenario itself, between its runs
scenario sweep.lua 'base.queries = 150000
for i = 1, 3 do
  base.name = "sweep-" .. arg[1] .. "-" .. i
  abacus.run(base)
  if i == 1 and arg[1] == "a" then
    os.execute("bash hold.sh r.db 4 &")
    os.execute("sleep 0.5")
  end
end'
hold_lock r.db 4 &
holder=$!
sleep 0.5
"$BIN" --db r.db run sweep.lua a >/dev/null 2>a.err &
pa=$!
"$BIN" --db r.db run sweep.lua b >/dev/null 2>b.err &
pb=$!
wait $pa && ok || bad "writer a failed: $(cat a.err)"
wait $pb && ok || bad "writer b failed: $(cat b.err)"
wait $holder
n=$(sql r.db "select count(*) from runs where name like 'sweep-%' and status = 'done'")
[ "$n" = 6 ] && ok || bad "sweep runs done: $n of 6: $(sql r.db "select name, status, error from runs")"
n=$(sql r.db "select count(*) from queries q join runs r on r.id = q.run_id where r.name like 'sweep-%'")
[ "$n" = 900000 ] && ok || bad "sweep rows: $n of 900000"
n=$(sql r.db "select count(*) from runs where status = 'running'")
[ "$n" = 0 ] && ok || bad "$n runs left running"

# --- abacus runs reads, and creates nothing -----------------------------------------
expect_exit runs-missing 1 "abacus runs: no database at typo.db" "$BIN" --db typo.db runs
[ ! -e typo.db ] && ok || bad "abacus runs created typo.db"
"$BIN" --db r.db runs >out 2>err && grep -q "sweep-b-3" out && ok || bad "runs: $(cat err)"
[ ! -e r.db-wal ] && [ ! -e r.db-shm ] && ok || bad "runs left r.db-wal or r.db-shm behind"
mkdir ro && cp r.db ro/ && chmod 444 ro/r.db && chmod 555 ro
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$T"
	as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif [ "$(id -u)" != 0 ]; then
	as_other() { "$@"; }
else
	as_other() { return 77; }
fi
as_other "$BIN" --db "$T/ro/r.db" runs --all >out 2>err
rc=$?
if [ $rc != 77 ]; then
	[ $rc = 0 ] && grep -q "sweep-a-1" out && ok || bad "runs on a read-only database ($rc): $(cat err)"
	[ "$(ls ro)" = r.db ] && ok || bad "runs wrote beside a read-only database: $(ls ro)"
	expect_exit run-readonly 1 "read-only" as_other "$BIN" --db "$T/ro/r.db" run one.lua
	# a new results.db in a folder that cannot be written: the folder is
	# named, in one line, and nothing is left behind
	expect_exit run-ro-folder 1 "cannot create $T/ro/new.db: the folder $T/ro is not writable" \
		as_other "$BIN" --db "$T/ro/new.db" run one.lua
	[ "$(wc -l <"$T/err")" = 1 ] && ok || bad "run-ro-folder: not one line: $(cat "$T/err")"
	cd ro || exit 1
	expect_exit run-ro-cwd 1 "cannot create results.db: the folder $T/ro is not writable" \
		as_other "$BIN" run ../one.lua
	cd "$T" || exit 1
	[ "$(ls ro)" = r.db ] && ok || bad "a run wrote into a read-only folder: $(ls ro)"
fi
cp r.db newer.db
sql newer.db "pragma user_version = 9" >/dev/null
expect_exit runs-newer 1 "newer.db was written by a newer abacus (schema 9" "$BIN" --db newer.db runs

# --- profiles and data folders ---------------------------------------------------
: >empty.csv
scenario prof-empty.lua 'base.profile = "empty.csv"; abacus.run(base)'
expect_exit profile-empty 1 "empty.csv:1:1: no header row, expected columns model, op" "$BIN" --db r.db run prof-empty.lua
printf 'model,op,batch,seq,median_us,p99_us\n' >head.csv
scenario prof-head.lua 'base.profile = "head.csv"; abacus.run(base)'
expect_exit profile-header 1 "profile head.csv has no rows" "$BIN" --db r.db run prof-head.lua
printf 'model,op,batch,seq,median_us,p99_us\nresnet50,0,1,0,100,110\nalexnet,0,1,0,100,110\n' >alien.csv
scenario prof-alien.lua 'base.profile = "alien.csv"; abacus.run(base)'
expect_exit profile-model 1 "alien.csv:3:1: unknown model 'alexnet'" "$BIN" --db r.db run prof-alien.lua
printf 'model,op,batch,seq,median_us,p99_us\nresnet50,19,1,0,100,110\n' >far.csv
scenario prof-far.lua 'base.profile = "far.csv"; abacus.run(base)'
expect_exit profile-op 1 "far.csv:2:2: op 19 is out of range for resnet50" "$BIN" --db r.db run prof-far.lua
scenario data.lua 'base.data_dir = "/nonexist"; abacus.run(base)'
expect_exit data-dir 1 "data folder /nonexist: No such file or directory" "$BIN" --db r.db run data.lua
# a GPU without a measured profile is an error naming the file, unless the
# scenario asks for the roofline by name
scenario a100.lua 'base.gpu = "a100"; abacus.run(base); print("ran")'
expect_exit a100 1 "no measured profile of gpu a100: $SRC/data/a100/ops.csv is missing" \
	"$BIN" --db r.db run a100.lua
scenario a100-roof.lua 'base.gpu = "a100"; base.profile = "roofline"; abacus.run(base); print("ran")'
"$BIN" --db r.db run a100-roof.lua >out 2>err && grep -q ran out && ok || bad "a100 on the roofline: $(cat err)"
n=$(sql r.db "select count(*) from runs where status = 'running'")
[ "$n" = 0 ] && ok || bad "$n runs left running after the failures"

# --- measured groups a model cannot run ------------------------------------------
head -41 "$SRC/data/h100/groups.csv" >g40.csv
"$BIN" calibrate --data "$SRC/data" --groups g40.csv >out 2>err && grep -q "contention model" out && ok ||
	bad "calibrate on 40 groups: $(cat err)"
badgroups() { # badgroups NAME SEGMENTS MESSAGE: train and calibrate refuse line 42
	{ cat g40.csv; echo "x,$2,1000,1100"; } >bad.csv
	expect_exit "train-$1" 1 "bad.csv:42:2: $3" "$BIN" train --gpu h100 --groups bad.csv --predictor lr
	expect_exit "calibrate-$1" 1 "bad.csv:42:2: $3" "$BIN" calibrate --data "$SRC/data" --groups bad.csv
}
badgroups seq "resnet50:4:0:0:18;bert:8:9999:0:12" "segment 2: bert seq 9999 is not between 8 and 512"
badgroups seq0 "bert:8:0:0:12" "segment 1: bert seq 0 is not between 8 and 512"
badgroups seq-resnet "resnet50:4:64:0:18" "segment 1: resnet50 has no sequence length, but seq is 64"
badgroups batch "resnet50:1048576:0:0:18" "segment 1: resnet50 batch 1048576 is not between 1 and 4096"
badgroups ops "resnet50:4:0:3:40" "segment 1: resnet50 ops 3 to 40 are not a range of its 18 ops"
badgroups model "alexnet:4:0:0:3" "segment 1: unknown model 'alexnet'"

# --- the command line -----------------------------------------------------------
expect_exit db-global 2 "abacus: --db needs a value" "$BIN" --db
expect_exit db-run 2 "abacus run: --db needs a value" "$BIN" run --db
expect_exit db-runs 2 "abacus runs: --db needs a value" "$BIN" runs --db
expect_exit calibrate-extra 2 "abacus calibrate: unexpected argument 'extra'" "$BIN" calibrate extra
expect_exit calibrate-seed 2 "--seed needs a non-negative integer, got '-1'" "$BIN" calibrate --seed -1
expect_exit calibrate-seed-x 2 "--seed needs a non-negative integer, got '7x'" "$BIN" calibrate --seed 7x
expect_exit calibrate-max 2 "--max-train needs a non-negative integer (0: all groups), got '-5'" \
	"$BIN" calibrate --max-train -5
expect_exit train-seed 2 "abacus train: --seed needs a non-negative integer, got '-1'" "$BIN" train --seed -1
expect_exit zoo-two 2 "abacus zoo: one model at a time, got 'resnet50' and 'bert'" "$BIN" zoo resnet50 bert
expect_exit zoo-seq 2 "abacus zoo: --seq applies only to models with a sequence length; resnet50 has none" \
	"$BIN" zoo resnet50 --seq 100000
"$BIN" zoo bert --seq 64 >out 2>&1 && grep -q "seq 64" out && ok || bad "zoo bert --seq 64: $(cat out)"
if [ -w /dev/full ]; then
	full() { "$@" >/dev/full; }
	expect_exit zoo-full 1 "abacus: writing the output failed: No space left on device" full "$BIN" zoo
	expect_exit calibrate-full 1 "abacus: writing the output failed: No space left on device" \
		full "$BIN" calibrate --data "$SRC/data" --groups g40.csv
	expect_exit help-full 1 "abacus: writing the output failed" full "$BIN" --help
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
