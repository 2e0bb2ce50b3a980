#!/usr/bin/env bash
# test_partitions.sh: a run as workers behind a router, through the binary.
#  * A plain run is one worker behind the direct router and gives, bit for
#    bit, what the single-GPU loop gave before there were workers (the
#    figures were printed by that loop, commit 70b541d, with the same
#    scenario; when data/h200 was measured again, commit 877e64b, which
#    still gave those on the old data, printed the ones on the new, and
#    the ones below are of data/h200 of the levers' engine);
#    so does one partition of the whole GPU.
#  * Partitions and routers run, and a partition of fewer SMs is slower.
#  * Bad partitions fail before the run with one line naming the field.
#   bash tests/test_partitions.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-parts-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$SRC/tests/cli_lib.sh"

cat >same.lua <<'SCN'
local S = {
  { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 30 },
  { model = "vgg16", batch = {1, 2, 4, 8}, qos_ms = 30 },
  { model = "bert", batch = {1, 2}, seq = {16, 64}, qos_ms = 30 },
}
local parts = arg[1] == "whole-partition" and { { sms = 132, services = {1, 2, 3} } } or nil
for _, policy in ipairs(abacus.policies()) do
  local r = abacus.run{ name = "same", services = S, policy = policy, partitions = parts,
    load = { kind = "poisson", qps = 700 }, queries = 3000, seed = 5, abandon = true }
  print(string.format("%s %.17g %.17g %.17g %d %d", policy, r.p99_ms, r.mean_ms,
    r.throughput_qps, r.completed, r.groups))
end
SCN
cat >want.txt <<'WANT'
fcfs 2.927111 0.97177328333333335 686.74916694899548 3000 3000
sjf 3.2337220000000002 0.958445149 686.74916694899548 3000 3000
edf 2.927111 0.97177328333333335 686.74916694899548 3000 3000
abacus 2.7920590000000001 0.9473641530000001 686.74916694899548 3000 2786
WANT
for how in plain whole-partition; do
	if "$BIN" --db "$T/r.db" run same.lua $how >got.txt 2>err.txt && diff want.txt got.txt >&2; then
		ok
	else
		bad "$how run differs from the single-GPU loop's figures: $(cat err.txt)"
	fi
done

# halves, quarters, routers: they run, and fewer SMs are slower
cat >parts.lua <<'SCN'
local S = {
  { model = "resnet101", batch = {1, 2, 4, 8}, qos_ms = 100 },
  { model = "vgg19", batch = {1, 2, 4, 8}, qos_ms = 100 },
}
local function run(parts, router)
  return abacus.run{ name = "p", services = S, policy = "fcfs", partitions = parts,
    router = router, load = { kind = "poisson", qps = 100 }, queries = 1000, seed = 2 }
end
local whole = run(nil)
local halves = run({ { sms = 0.5, services = {1} }, { sms = "4g", services = {2} } })
local quarters = run({ { sms = 32, services = {1} }, { sms = "2g", services = {2} } })
print("mean " .. tostring(whole.mean_ms < halves.mean_ms and halves.mean_ms < quarters.mean_ms))
print("done " .. tostring(halves.completed == 1000 and quarters.completed == 1000))
for _, r in ipairs{ "random", "least_loaded", "headroom" } do
  local x = run({ { sms = 64, services = {1, 2} }, { sms = 64, services = {1, 2} } }, r)
  print(r .. " " .. tostring(x.completed == 1000 and x.mean_ms > whole.mean_ms))
end
SCN
if "$BIN" --db "$T/r.db" run parts.lua >got.txt 2>err.txt; then
	for w in "mean true" "done true" "random true" "least_loaded true" "headroom true"; do
		grep -qF "$w" got.txt && ok || bad "parts.lua: no '$w' in: $(cat got.txt)"
	done
else
	bad "parts.lua failed: $(cat err.txt)"
fi

# the paper's section 7.5, quick: 3 placements x 4 policies at each of 2 loads
if QUICK=1 "$BIN" --db "$T/r.db" run "$SRC/scenarios/paper/mig.lua" >got.txt 2>err.txt; then
	[ "$(grep -cE '^(1in4|2in4|4in4) ' got.txt)" -eq 24 ] && ok || bad "mig.lua: not 24 rows: $(cat got.txt)"
	grep -qE '^QoS [0-9.]+ ms for every service' got.txt && ok || bad "mig.lua: no QoS line: $(cat got.txt)"
else
	bad "mig.lua failed: $(cat err.txt)"
fi

# bad partitions: one line, before the run
part() { refused "$@"; }
part granularity "partitions[1].sms = 66: h200 partitions have at least 8 SMs, in multiples of 8 (64 or 72 here)" \
	'partitions = { { sms = 66, services = {1} }, { sms = 64, services = {2} } }'
part too-many "partitions[1].sms = 140: h200 has 132 SMs" 'partitions = { { sms = 140, services = {1, 2} } }'
part over "partitions: together 136 SMs, but h200 has 132" \
	'partitions = { { sms = 72, services = {1} }, { sms = 64, services = {2} } }'
part nowhere "services[2] (vgg16) is in no partition" 'partitions = { { sms = 64, services = {1} } }'
part two "services[2] (vgg16) is in 2 partitions, and router 'direct' cannot choose" \
	'partitions = { { sms = 64, services = {1, 2} }, { sms = 64, services = {2} } }'
part preset "not a MIG-like preset (1g, 2g, 3g, 4g, 7g; MIG has no 5g or 6g)" \
	'partitions = { { sms = "5g", services = {1, 2} } }'
part share "field 'partitions[1].sms' = 1.5: a share of the GPU's SMs is above 0 and at most 1" \
	'partitions = { { sms = 1.5, services = {1, 2} } }'
part service "partitions[1].services[2]' must be a service number, 1 to 2, got 3" \
	'partitions = { { sms = 64, services = {1, 3} } }'
part router "unknown router 'nearest' (valid: direct, random, least_loaded, headroom, clockwork)" \
	'router = "nearest", partitions = { { sms = 64, services = {1, 2} } }'
part router-alone "router = \"random\" applies to a run with partitions" 'router = "random"'
# a build without CUDA refuses the device itself, one with it the partitions
if "$BIN" gpu 2>&1 | grep -q "built without CUDA"; then
	part live "device 'cuda': this abacus was built without CUDA" \
		'device = "cuda", partitions = { { sms = 64, services = {1, 2} } }'
elif ! "$BIN" gpu >/dev/null 2>&1; then
	# built with CUDA on a machine without a GPU: the partitions' check
	# (green contexts) says why, before the run
	part live "no CUDA GPU found" 'device = "cuda", partitions = { { sms = 64, services = {1, 2} } }'
fi

# profile --sms: the grid and a device that can measure a partition, before anything runs
if "$BIN" profile --db "$T/p.db" --sms 60 --models resnet50 --no-groups >/dev/null 2>"$T/err"; then
	bad "profile --sms 60 ran"
else
	grep -q -- "--sms = 60: h200 partitions have at least 8 SMs, in multiples of 8 (56 or 64 here)" "$T/err" &&
		[ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "profile --sms 60: $(cat "$T/err")"
fi
if "$BIN" profile --db "$T/p.db" --device sim --sms 64 --models resnet50 --no-groups >/dev/null 2>"$T/err"; then
	bad "profile --device sim --sms 64 ran"
else
	grep -q -- "--sms: device 'sim' cannot measure an SM partition" "$T/err" && ok ||
		bad "profile --device sim --sms 64: $(cat "$T/err")"
fi
[ ! -e "$T/p.db" ] && ok || bad "a refused profile left a database"

# spatial.lua on the simulator: whole-GPU sharing carries at least the
# halves' peak load, halves stay isolated (within 5%), and the split
# search's pick is at least as good as halves
if "$BIN" --db "$T/s.db" run "$SRC/scenarios/paper/spatial.lua" sim h200 quick >sp.out 2>sp.err; then
	ok
	awk '/^resnet50\+resnet101 |^vgg19\+bert /{ n++; if ($4 < $3 || $4 <= 0) bad++ } END { exit !(n == 2 && !bad) }' sp.out &&
		ok || bad "spatial pairs table: $(cat sp.out)"
	awk '/change %/{ on = 1; next } on && /^[a-z]/ && NF == 5 { n++; c = $5 + 0; if (c > 5 || c < -5) bad++ } END { exit !(n == 3 && !bad) }' sp.out &&
		ok || bad "isolation table: $(cat sp.out)"
	awk '/^pick:/{ split($0, a, " "); pick = a[4] + 0; half = a[8] + 0 } END { exit !(pick > 0 && pick >= half) }' sp.out &&
		ok || bad "split search: $(grep pick sp.out)"
else
	bad "spatial.lua quick: $(cat sp.err)"
fi

echo "test_partitions: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
