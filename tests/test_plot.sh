#!/usr/bin/env bash
# test_plot.sh: scripts/plot.sh draws from what runs stored, and the data it
# draws are those runs' figures; bad input gets one line and exit 1 or 2.
#   bash tests/test_plot.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
PLOT=$SRC/scripts/plot.sh
for c in sqlite3 gnuplot; do
	command -v $c >/dev/null || {
		echo "test_plot.sh: needs $c (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
done
T=$(mktemp -d /tmp/abacus-plot-test-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(wc -c <"$1")" -gt 5000 ]; }

# expect_fail NAME RC PATTERN CMD...: exit status RC, PATTERN on stderr
expect_fail() {
	local name=$1 want=$2 pat=$3
	shift 3
	"$@" >out 2>err
	local rc=$?
	if [ $rc -ne "$want" ]; then
		bad "$name: exit $rc, expected $want: $(cat err)"
	elif ! grep -qF -- "$pat" err; then
		bad "$name: stderr lacks '$pat': $(cat err)"
	else
		ok
	fi
}

# two experiments: a pair under fcfs (no drops) and abacus, and the same
# pair overloaded with drops, both through the shipped scenario's rules
cat >exp.lua <<'EOF'
local base = {
  device = "sim", gpu = "h100",
  services = {
    { model = "resnet50", batch = {1, 4}, qos_ms = 12 },
    { model = "bert", batch = 2, seq = {16, 64}, qos_ms = 12 },
  },
  load = { kind = "poisson", qps = 300 }, queries = 400, seed = 5,
}
for _, p in ipairs{"fcfs", "abacus"} do
  abacus.run(abacus.with(base, { name = "calm-a", policy = p }))
  abacus.run(abacus.with(base, { name = "calm-b", policy = p, seed = 6 }))
  abacus.run(abacus.with(base, { name = "busy", policy = p, abandon = true,
                                 load = { kind = "poisson", qps = 3000 } }))
end
abacus.run(abacus.with(base, { name = "bare", policy = "fcfs", store_queries = false }))
EOF
"$BIN" --db r.db run exp.lua >/dev/null 2>err || bad "runs: $(cat err)"

# --- the CDF: one line per policy, reaching the completed share ---------------
if PLOT_DATA=d1 "$PLOT" --db r.db cdf calm-a a.png >out 2>err; then
	is_png a.png && ok || bad "cdf: a.png is not a PNG"
	for p in fcfs abacus; do
		id=$(sqlite3 r.db "select max(id) from runs where name = 'calm-a' and policy = '$p'")
		n=$(sqlite3 r.db "select count(*) from queries where run_id = $id and not dropped")
		[ "$(wc -l <d1/$p.dat)" = "$n" ] && ok || bad "cdf $p: $(wc -l <d1/$p.dat) points, $n completed"
		# sorted latencies, shares rising to 1 with no drops
		sort -c -g -k1,1 d1/$p.dat 2>/dev/null && ok || bad "cdf $p: latencies not sorted"
		last=$(tail -1 d1/$p.dat | cut -f2)
		[ "$last" = 1.0 ] && ok || bad "cdf $p: ends at $last, expected 1.0"
		p99=$(sqlite3 r.db "select p99_ms from runs where id = $id")
		# nearest rank: the p99 is the first latency whose share reaches 0.99
		at=$(awk -F'\t' '$2 >= 0.99 { print $1; exit }' d1/$p.dat)
		awk -v a="$at" -v b="$p99" 'BEGIN { exit !((a - b) ^ 2 < 1e-12) }' && ok ||
			bad "cdf $p: 0.99 reached at $at, the run's p99 is $p99"
	done
else
	bad "cdf: $(cat err)"
fi
# with drops the line ends at the completed share
if PLOT_DATA=d2 "$PLOT" --db r.db cdf busy >out 2>err; then
	is_png busy.png && ok || bad "cdf busy: default output busy.png missing"
	id=$(sqlite3 r.db "select max(id) from runs where name = 'busy' and policy = 'fcfs'")
	share=$(sqlite3 r.db "select 1.0 * sum(not dropped) / count(*) from queries where run_id = $id")
	last=$(tail -1 d2/fcfs.dat | cut -f2)
	awk -v a="$last" -v b="$share" 'BEGIN { exit !(a < 1 && (a - b) ^ 2 < 1e-12) }' && ok ||
		bad "cdf busy: ends at $last, completed share $share"
else
	bad "cdf busy: $(cat err)"
fi

# --- p99 over QoS: one line per name, the prefix shared by the pattern cut --
if PLOT_DATA=d3 "$PLOT" --db r.db p99 'calm-%' p.png >out 2>err; then
	is_png p.png && ok || bad "p99: p.png is not a PNG"
	[ "$(cut -d' ' -f1 d3/p99.dat | paste -sd, -)" = '"a","b"' ] && ok || bad "p99 names: $(cat d3/p99.dat)"
	want=$(sqlite3 r.db "select r.p99_ms / 12 from runs r where name = 'calm-b' and policy = 'abacus'")
	got=$(awk '$1 == "\"b\"" { print $3 }' d3/p99.dat)
	awk -v a="$got" -v b="$want" 'BEGIN { exit !((a - b) ^ 2 < 1e-12) }' && ok ||
		bad "p99 calm-b abacus: $got, expected $want"
else
	bad "p99: $(cat err)"
fi

# --- bad input ------------------------------------------------------------------
expect_fail unknown-name 1 "no finished run named 'nope'" "$PLOT" --db r.db cdf nope
expect_fail quote-in-name 1 "no finished run named 'x' or 1=1 --'" "$PLOT" --db r.db cdf "x' or 1=1 --"
expect_fail no-pattern-match 1 "no finished run whose name matches 'zzz%'" "$PLOT" --db r.db p99 'zzz%'
expect_fail no-queries 1 "has no completed query stored" "$PLOT" --db r.db cdf bare
expect_fail no-db 1 "no database missing.db" "$PLOT" --db missing.db cdf calm-a
expect_fail kind 2 "scripts/plot.sh [--db results.db] cdf NAME" "$PLOT" --db r.db pie calm-a
head -c 4096 /dev/urandom >junk.db
expect_fail corrupt 1 "junk.db" "$PLOT" --db junk.db cdf calm-a
expect_fail no-folder 1 "cannot write nowhere/x.png: nowhere is not a writable folder" \
	"$PLOT" --db r.db cdf calm-a nowhere/x.png
[ ! -s out ] && ok || bad "no-folder: $(wc -c <out) bytes on stdout"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
