#!/usr/bin/env bash
# test_share.sh: the simulated partitions sharing the GPU's memory
# bandwidth (the run option share_bw, sim/sim.h), through the binary.
#  * Off (absent or false) a run is what it was; on, a run without
#    partitions and a run of one partition are unchanged, bit for bit.
#  * Two halves each running bert at batch 16 (its groups demand about
#    0.55 of the H200's bandwidth each, so together more than all of it)
#    take longer with it on, longer still at 2 TB/s, the same every time
#    (pinned figures).
#  * A cluster's GPUs (one clock, no partitions) share nothing.
#  * Bad values and a live device are refused in one line before the run.
#   bash tests/test_share.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-share-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$SRC/tests/cli_lib.sh"

cat >share.lua <<'SCN'
local S = {
  { model = "bert", batch = {16}, seq = {64}, qos_ms = 50 },
  { model = "bert", batch = {16}, seq = {64}, qos_ms = 50 },
}
local places = {
  halves = { { sms = 0.5, services = {1} }, { sms = 0.5, services = {2} } },
  one = { { sms = 64, services = {1, 2} } },
}
for _, p in ipairs{ "halves", "one", "plain" } do
  for _, bw in ipairs{ "absent", false, true, "again", 2.0 } do
    local v = bw
    if bw == "absent" then v = nil elseif bw == "again" then v = true end
    local r = abacus.run{ name = "share", services = S, policy = "fcfs", partitions = places[p],
      share_bw = v, load = { kind = "poisson", qps = 400 }, queries = 1000, seed = 3 }
    print(string.format("%s %s %.17g %.17g %.17g %d", p, tostring(bw), r.p99_ms, r.mean_ms,
      r.throughput_qps, r.completed))
  end
end
SCN
if "$BIN" --db "$T/r.db" run share.lua >got.txt 2>err.txt; then
	fig() { awk -v p="$1" -v b="$2" '$1 == p && $2 == b { print $3, $4, $5, $6 }' got.txt; }
	for p in halves one plain; do
		[ -n "$(fig $p absent)" ] && [ "$(fig $p false)" = "$(fig $p absent)" ] && ok ||
			bad "$p: share_bw = false differs from no share_bw: $(cat got.txt)"
		[ "$(fig $p true)" = "$(fig $p again)" ] && ok || bad "$p: share_bw = true twice differs"
	done
	for p in one plain; do
		[ "$(fig $p true)" = "$(fig $p absent)" ] && [ "$(fig $p 2)" = "$(fig $p absent)" ] && ok ||
			bad "$p: a partition alone changed with share_bw: $(cat got.txt)"
	done
	# mean latency: off < on (4.8 TB/s) < 2 TB/s, by at least 1% each
	echo "$(fig halves absent) $(fig halves true) $(fig halves 2)" |
		awk '{ exit !($6 > 1.01 * $2 && $10 > 1.01 * $6) }' && ok ||
		bad "halves not slower with share_bw: $(grep halves got.txt)"
	# the figures of this build (same seed, same result; printed again when
	# data/h200 was measured with the levers' engine)
	[ "$(fig halves absent)" = "11.849690000000001 3.7869863620000004 408.22598064697212 1000" ] && ok ||
		bad "halves off: $(fig halves absent)"
	[ "$(fig halves true)" = "13.742654999999999 4.3332455110000003 408.08838142126507 1000" ] && ok ||
		bad "halves on: $(fig halves true)"
else
	bad "share.lua failed: $(cat err.txt)"
fi

# a cluster's GPUs are opened together on one clock too, but share nothing
cat >cluster.lua <<'SCN'
local S = {
  { model = "bert", batch = {16}, seq = {64}, qos_ms = 50 },
  { model = "bert", batch = {16}, seq = {64}, qos_ms = 50 },
}
for _, bw in ipairs{ false, true } do
  local r = abacus.run{ name = "share", services = S, policy = "fcfs", gpus = 2, router = "random",
    share_bw = bw, load = { kind = "poisson", qps = 800 }, queries = 1000, seed = 3 }
  print(string.format("%.17g %.17g %d", r.p99_ms, r.mean_ms, r.completed))
end
SCN
if "$BIN" --db "$T/r.db" run cluster.lua >got.txt 2>err.txt; then
	[ "$(wc -l <got.txt)" -eq 2 ] && [ "$(sed -n 1p got.txt)" = "$(sed -n 2p got.txt)" ] && ok ||
		bad "a cluster changed with share_bw: $(cat got.txt)"
else
	bad "cluster.lua failed: $(cat err.txt)"
fi

refused bw-type "field 'share_bw' must be true, false or TB/s, got string" 'share_bw = "fast"'
refused bw-neg "field 'share_bw' must be true, false or TB/s above 0, got -2" 'share_bw = -2'
refused bw-zero "field 'share_bw' must be true, false or TB/s above 0, got 0" 'share_bw = 0'
refused bw-big "share_bw must be true, false or TB/s above 0 and at most 1000, got 2000" 'share_bw = 2000'
refused bw-live "share_bw is the simulator's model of the memory bandwidth partitions share: device 'cuda' shares its own" \
	'device = "cuda", share_bw = true'
[ ! -e "$T/r.db" ] || [ "$(sql "$T/r.db" "SELECT count(*) FROM runs WHERE name != 'share'")" = 0 ] && ok ||
	bad "a refused run was stored"

echo "test_share: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
