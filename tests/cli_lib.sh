# cli_lib.sh: what the command-line tests share, sourced once they have
# made their folder $T and moved into it (not a test itself: ctest runs
# tests/test_*.sh).
#   ok, bad MESSAGE              count a check that passed or failed
#   sql DB QUERY                 rows as the sqlite3 shell prints them ("a|b")
#   hold_lock DB SECONDS         an exclusive write transaction held that
#                                long (it waits for the lock itself); also
#                                $T/hold.sh, for scenarios that start one
#   expect_fail NAME PATTERN CMD...        CMD fails, stderr has PATTERN
#   expect_exit NAME RC PATTERN CMD...     the same, with exit status RC
#   refused NAME PATTERN FIELDS  a run of two services with FIELDS added
#                                fails before it starts, in one line
#   scenario FILE BODY           a scenario with a two-service base table
#                                (Poisson at $SCENARIO_QPS, default 200)
# The sqlite3 shell reads the databases; Python's sqlite3 module stands in
# where it is not installed (GPU machines often lack it).
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

if command -v sqlite3 >/dev/null 2>&1; then
	sql() { sqlite3 "$1" "$2"; }
	cat >"$T/hold.sh" <<'HOLD'
(echo ".timeout 60000"; echo "BEGIN EXCLUSIVE; UPDATE runs SET name = name WHERE id = 1;"; sleep "$2") | sqlite3 "$1"
HOLD
elif ! command -v python3 >/dev/null 2>&1; then
	echo "cli_lib.sh: needs the sqlite3 shell or python3 to read what runs stored" >&2
	exit 1
else
	sql() {
		python3 -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))' "$1" "$2"
	}
	cat >"$T/hold.sh" <<'HOLD'
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
c.execute("BEGIN EXCLUSIVE"); c.execute("UPDATE runs SET name = name WHERE id = 1")
time.sleep(float(sys.argv[2]))' "$1" "$2"
HOLD
fi
hold_lock() { bash "$T/hold.sh" "$1" "$2"; }

# RC "any": any failure but a signal (130, an interrupt, counts as one).
# Never a sanitizer report.
expect_exit() {
	local name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ $rc -eq 0 ]; then
		bad "$name: exit 0, expected failure"
	elif [ "$want" != any ] && [ $rc -ne "$want" ]; then
		bad "$name: exit $rc, expected $want: $(cat "$T/err")"
	elif [ $rc -ge 128 ] && [ $rc -ne 130 ]; then
		bad "$name: died with signal (rc $rc)"
	elif ! grep -qF -- "$pat" "$T/err"; then
		bad "$name: stderr lacks '$pat':"
		cat "$T/err" >&2
	elif grep -q "runtime error\|AddressSanitizer" "$T/err"; then
		bad "$name: sanitizer report"
	else
		ok
	fi
}
expect_fail() {
	local name=$1 pat=$2
	shift 2
	expect_exit "$name" any "$pat" "$@"
}

scenario() {
	cat >"$1" <<SCN
local base = {
  name = "t", device = "sim", gpu = "h100", policy = "fcfs",
  services = {
    { model = "resnet50", batch = {1, 4}, qos_ms = 20 },
    { model = "bert", batch = 2, seq = {16, 64}, qos_ms = 20 },
  },
  load = { kind = "poisson", qps = ${SCENARIO_QPS:-200} },
  queries = 500, seed = 3,
}
$2
SCN
}

# A run of resnet50 and vgg16 with FIELDS added fails with PATTERN, in
# one line ($BIN and $T set by the test).
refused() {
	local name=$1 pat=$2
	cat >"$T/$name.lua" <<SCN
abacus.run{ services = { { model = "resnet50", batch = 1, qos_ms = 10 },
  { model = "vgg16", batch = 1, qos_ms = 10 } }, $3,
  load = { kind = "poisson", qps = 10 }, queries = 10 }
SCN
	expect_fail "$name" "$pat" "$BIN" --db "$T/r.db" run "$T/$name.lua"
	[ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "$name: not one line: $(cat "$T/err")"
}
