#!/usr/bin/env bash
# test_paper.sh: the Abacus paper's protocol by name (abandon = "late",
# threshold_qos, the paper's measures in results and results.db), and the
# quick mode of each scenario of scenarios/paper/ with its tables' shape and
# real values; the figure command draws from a small database.
#   bash tests/test_paper.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-paper-test-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$SRC/tests/cli_lib.sh"

# --- abandon rules: an overloaded pair under fcfs, no noise, so that a
# query the predictive rule starts always ends in time
cat >abandon.lua <<'LUA'
local base = {
  name = "abandon", device = "sim", gpu = "h200", policy = "fcfs", noise = 0,
  services = {
    { model = "resnet50", batch = {4, 8, 16, 32}, qos_ms = 15 },
    { model = "vgg16", batch = {4, 8, 16, 32}, qos_ms = 15 },
  },
  load = { kind = "poisson", qps = 1.5 * abacus.serial_capacity({
    { model = "resnet50", batch = {4, 8, 16, 32} }, { model = "vgg16", batch = {4, 8, 16, 32} } }, "h200") },
  queries = 1000, seed = 2,
}
for _, rule in ipairs{ false, "off", true, "predictive", "late" } do
  local r = abacus.run(abacus.with(base, { abandon = rule, tags = { rule = tostring(rule) } }))
  assert(r.completed + r.dropped == 1000, "every query ends")
  assert(r.on_time == r.completed - r.late, "on_time is completed - late")
  assert(r.violated == r.late + r.dropped, "violations are late + dropped")
  assert(math.abs(r.violation_ratio - r.violated / 1000) < 1e-12, "drops count as violations")
  -- one QoS target for both: p99_qos is p99 / QoS
  assert(math.abs(r.p99_qos - r.p99_ms / 15) < 1e-6, "p99_qos " .. r.p99_qos .. " vs " .. r.p99_ms / 15)
  print(string.format("%s %d %d %d %d %.6f", tostring(rule), r.run_id, r.completed, r.dropped, r.late, r.p99_qos))
end
LUA
if "$BIN" run abandon.lua >abandon.out 2>abandon.err; then ok; else bad "abandon.lua: $(cat abandon.err)"; fi
# columns: rule run_id completed dropped late p99_qos
read -r _ _ c_off d_off l_off _ < <(grep '^false ' abandon.out)
read -r _ _ c_pr d_pr l_pr _ < <(grep '^predictive ' abandon.out)
read -r _ _ c_la d_la l_la _ < <(grep '^late ' abandon.out)
[ "${d_off:-1}" -eq 0 ] && [ "${l_off:-0}" -gt 100 ] && ok || bad "abandon off: no drops and many late, got $d_off dropped $l_off late"
[ "${l_pr:-1}" -eq 0 ] && [ "${d_pr:-0}" -gt 100 ] && ok || bad "predictive: drops and none late, got $d_pr dropped $l_pr late"
[ "${l_la:-0}" -gt 0 ] && [ "${d_la:-0}" -gt 0 ] && ok || bad "late: drops and some late, got $d_la dropped $l_la late"
# under the late rule no query starts past its deadline, yet some end past
# it; overloaded, the time they take costs others: fewer on time than with
# the predictive rule
got=$(sql results.db "SELECT sum(start_ms > arrival_ms + 15), sum(end_ms > arrival_ms + 15) FROM queries WHERE latency_ms IS NOT NULL AND run_id = (SELECT id FROM runs WHERE json_extract(tags, '$.rule') = 'late')")
[ "${got%|*}" = 0 ] && [ "${got#*|}" = "$l_la" ] && ok || bad "late rule: started late|ended late = $got, expected 0|$l_la"
[ $((c_la - l_la)) -lt $((c_pr - l_pr)) ] && ok || bad "late rule on time $((c_la - l_la)) vs predictive $((c_pr - l_pr))"
[ "$(grep -c '^true ' abandon.out)" -eq 1 ] && [ "$(grep '^true ' abandon.out | cut -d' ' -f3-)" = "$(grep '^predictive ' abandon.out | cut -d' ' -f3-)" ] &&
	ok || bad "abandon = true is the predictive rule: $(cat abandon.out)"
# results.db holds the same figures
got=$(sql results.db "SELECT completed, dropped, late, round(p99_qos, 6) FROM runs WHERE json_extract(tags, '$.rule') = 'late'")
want=$(grep '^late ' abandon.out | awk '{ printf "%s|%s|%s|%.6f", $3, $4, $5, $6 }')
[ "$got" = "$want" ] && ok || bad "results.db late run: $got, expected $want"
got=$(sql results.db "SELECT sum(late), sum(dropped) FROM services WHERE run_id = (SELECT id FROM runs WHERE json_extract(tags, '$.rule') = 'late')")
[ "$got" = "$l_la|$d_la" ] && ok || bad "services' late and dropped add up to the run's: $got vs $l_la|$d_la"

# --- threshold_qos: a share of the least QoS target, the same run as
# threshold_ms of that many ms
cat >share.lua <<'LUA'
local base = {
  name = "share", device = "sim", gpu = "h200", policy = "abacus",
  services = { { model = "resnet101", batch = {4, 8}, qos_ms = 40 }, { model = "bert", batch = 4, seq = {8, 64}, qos_ms = 30 } },
  load = { kind = "poisson", qps = 300 }, queries = 400, seed = 1, store_queries = false,
}
local a = abacus.run(abacus.with(base, { threshold_qos = 0.1 }))
local b = abacus.run(abacus.with(base, { threshold_ms = 3 }))
assert(a.p99_ms == b.p99_ms and a.groups == b.groups, "threshold_qos 0.1 of 30 ms is threshold_ms 3")
print("share ok", a.groups)
LUA
if "$BIN" run share.lua >share.out 2>share.err && grep -q "share ok" share.out; then ok; else bad "share.lua: $(cat share.err)"; fi
scenario both.lua 'abacus.run(abacus.with(base, { policy = "abacus", threshold_ms = 1, threshold_qos = 0.1 }))'
expect_fail "threshold_ms and threshold_qos" "give threshold_ms or threshold_qos, not both" "$BIN" run both.lua
scenario share_fcfs.lua 'abacus.run(abacus.with(base, { threshold_qos = 0.1 }))'
expect_fail "threshold_qos under fcfs" "does not apply to policy 'fcfs'" "$BIN" run share_fcfs.lua
scenario share_big.lua 'abacus.run(abacus.with(base, { policy = "abacus", threshold_qos = 2 }))'
expect_fail "threshold_qos over 1" "threshold_qos must be between 0 and 1" "$BIN" run share_big.lua
scenario rule.lua 'abacus.run(abacus.with(base, { abandon = "sometimes" }))'
expect_fail "unknown abandon rule" "field 'abandon' must be off, predictive or late" "$BIN" run rule.lua
scenario rule2.lua 'abacus.run(abacus.with(base, { abandon = 1 }))'
expect_fail "abandon as a number" "field 'abandon' must be a boolean or off, predictive or late" "$BIN" run rule2.lua

echo "test_paper.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
