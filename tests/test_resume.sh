#!/usr/bin/env bash
# test_resume.sh: `abacus run --resume`, a scenario stopped part-way goes on
# where it stopped: what a finished run gives back, what runs again (a run
# that failed or was interrupted, other settings, other data, a run from
# before schema 7) and that nothing stored changes.
#   bash tests/test_resume.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-resume-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export XDG_CACHE_HOME="$T/cache"
SCENARIO_QPS=2500 # an overload: drops and late queries in every figure
. "$SRC/tests/cli_lib.sh"

# every field of each result, with every digit a double has; arg[1] seeds,
# arg[2] (optional) the policy
scenario s.lua 'base.per_minute, base.abandon = true, "late"
base.policy = arg[2] or "abacus"
local function show(x)
  local keys = {}
  for k in pairs(x) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = x[k]
    if type(v) == "number" then v = string.format("%.17g", v)
    elseif type(v) == "table" then v = "{" .. show(v) .. "}"
    else v = tostring(v) end
    if k ~= "resumed" and k ~= "wall_s" and k ~= "decision_us" then out[#out + 1] = k .. "=" .. v end
  end
  return table.concat(out, " ")
end
for seed = 1, tonumber(arg[1]) do
  base.seed, base.tags = seed, { seed = seed }
  local r = abacus.run(base)
  print(seed, r.resumed and "resumed" or "ran", r.wall_s > 0 and r.groups > 0, show(r))
end'

# runs' rows, all of their columns, for "nothing stored changed"
dump() { sql "$1" "SELECT * FROM runs ORDER BY id; SELECT * FROM services ORDER BY run_id, idx;
SELECT count(*) FROM queries; SELECT * FROM run_minutes ORDER BY run_id, minute"; }

"$BIN" --db r.db run --resume s.lua 2 >first.txt 2>first.err && ok || bad "first: $(cat first.err)"
grep -q "0 runs given back from r.db, 2 run" first.err && ok || bad "first said: $(cat first.err)"
[ "$(grep -c $'\tran\ttrue' first.txt)" -eq 2 ] && ok || bad "first: $(cat first.txt)"
dump r.db >before.txt
"$BIN" --db r.db run --resume s.lua 3 >second.txt 2>second.err && ok || bad "second: $(cat second.err)"
grep -q "2 runs given back from r.db, 1 run" second.err && ok || bad "second said: $(cat second.err)"
# the two given back are the runs as they ran, field for field (run_id too)
diff <(sed 's/\tran\t/\t-\t/' first.txt) <(head -n 2 second.txt | sed 's/\tresumed\t/\t-\t/') >/dev/null &&
	ok || bad "given back differs: $(diff first.txt second.txt)"
grep -q $'^3\tran\ttrue' second.txt && ok || bad "seed 3 did not run: $(cat second.txt)"
[ "$(sql r.db 'SELECT count(*) FROM runs')" = 3 ] && ok || bad "runs: $(sql r.db 'SELECT count(*) FROM runs')"
dump r.db | head -n "$(wc -l <before.txt)" >after.txt
[ "$(sql r.db "SELECT count(*) FROM queries")" -gt 0 ] && ok || bad "no query rows"
# the first two runs' rows are as they were (the third's come after them in
# each table; only the queries' count grew)
diff <(grep -v '^[0-9]*$' before.txt) <(dump r.db | grep -v '^[0-9]*$' | grep -v '^3|') >/dev/null &&
	ok || bad "stored rows changed"

# without --resume every run runs
"$BIN" --db r.db run s.lua 1 >plain.txt 2>plain.err && ok || bad "plain: $(cat plain.err)"
grep -q $'^1\tran\ttrue' plain.txt && ok || bad "plain: $(cat plain.txt)"
grep -q "given back" plain.err && bad "plain run spoke of --resume: $(cat plain.err)" || ok
# the same figures as the stored run (a new run_id)
[ "$(sed 's/run_id=[0-9]*//' plain.txt)" = "$(head -n 1 first.txt | sed 's/run_id=[0-9]*//')" ] &&
	ok || bad "plain run differs from the first"

# a failed or interrupted run is run again; the newest done one is given back
sql r.db "UPDATE runs SET status = 'failed' WHERE id IN (1, 4)"
sql r.db "UPDATE runs SET status = 'interrupted' WHERE id = 2"
"$BIN" --db r.db run --resume s.lua 3 >third.txt 2>third.err && ok || bad "third: $(cat third.err)"
grep -q "1 run given back from r.db, 2 run" third.err && ok || bad "third said: $(cat third.err)"
[ "$(cut -f 1,2 third.txt | tr '\t\n' ':,')" = "1:ran,2:ran,3:resumed," ] && ok ||
	bad "third: $(cut -f 1,2 third.txt)"

# other settings (the policy) are another run
"$BIN" --db r.db run --resume s.lua 1 fcfs >pol.txt 2>pol.err && ok || bad "fcfs: $(cat pol.err)"
grep -q $'^1\tran' pol.txt && ok || bad "fcfs given back: $(cat pol.txt)"

# other data (one byte more in the contention model's file) is another run
mkdir -p data && cp -r "$SRC/data/h100" data/ && echo >>data/h100/sim.csv
ABACUS_DATA=$T/data "$BIN" --db r.db run --resume s.lua 1 >data.txt 2>data.err && ok ||
	bad "other data: $(cat data.err)"
grep -q $'^1\tran' data.txt && ok || bad "other data given back: $(cat data.txt)"
ABACUS_DATA=$T/data "$BIN" --db r.db run --resume s.lua 1 >data2.txt 2>data2.err && ok ||
	bad "other data again: $(cat data2.err)"
grep -q $'^1\tresumed' data2.txt && ok || bad "other data's own run not given back: $(cat data2.txt)"

# a run stored before schema 7 lacks the figures a result needs: it runs again
n=$(sql r.db "SELECT count(*) FROM runs")
sql r.db "UPDATE runs SET groups = NULL"
"$BIN" --db r.db run --resume s.lua 1 >old.txt 2>old.err && ok || bad "old: $(cat old.err)"
grep -q $'^1\tran' old.txt && ok || bad "old run given back: $(cat old.txt)"
[ "$(sql r.db "SELECT count(*) FROM runs")" = $((n + 1)) ] && ok || bad "old: runs not one more"

# a database of schema 6 takes the new columns and is then resumed into
sql v6.db "SELECT 1" >/dev/null
"$BIN" --db v6.db run s.lua 1 >/dev/null 2>&1 || bad "v6 setup"
sql v6.db "DROP INDEX runs_by_name; ALTER TABLE runs DROP COLUMN groups; ALTER TABLE runs DROP COLUMN segments;
ALTER TABLE runs DROP COLUMN wall_s; ALTER TABLE runs DROP COLUMN decision_us; PRAGMA user_version = 6"
"$BIN" --db v6.db run --resume s.lua 2 >v6.txt 2>v6.err && ok || bad "v6: $(cat v6.err)"
[ "$(cut -f 1,2 v6.txt | tr '\t\n' ':,')" = "1:ran,2:ran," ] && ok || bad "v6: $(cut -f 1,2 v6.txt)"
[ "$(sql v6.db "PRAGMA user_version")" = 7 ] && ok || bad "v6 not migrated"
"$BIN" --db v6.db run --resume s.lua 2 >v6b.txt 2>&1 && grep -q "2 runs given back" v6b.txt && ok ||
	bad "v6 second: $(cat v6b.txt)"

# a database that is not one: the one-line error as without --resume
echo "not a database" >bad.db
expect_exit corrupt 1 "bad.db is not an SQLite database" "$BIN" --db bad.db run --resume s.lua 1
[ "$(cat bad.db)" = "not a database" ] && ok || bad "bad.db was changed"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
