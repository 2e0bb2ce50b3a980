-- search.lua: the paper's §7.7 (Fig 23), the multi-way search: the host
-- time of one abacus scheduling decision for ways 1 to 16 with 2, 3 and
-- 4 services, and how ways changes p99 and goodput, at the higher load
-- (abacus only; its threshold as the paper's 5 ms was to that
-- combination's QoS target).
--
--   abacus run scenarios/paper/search.lua [DEVICE] [GPU] [quick]
--   (defaults: sim h200; the rules are in common.lua)
--
-- A decision's time is the run's mean host time per decision (predictor
-- calls included; every decision timed, the run being on one GPU), so it
-- is this CPU's, whatever the device; the table
-- gives its median over the seeds and their range. results.db does not
-- keep a run's decision time, so the table is also written as
-- paper-search.csv beside the database, for the figure.
local P = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/common.lua")
local o = P.args(arg)
print(string.format("§7.7 on %s %s, %d queries a run, seeds 1-%d%s", o.device, o.gpu, o.queries,
  #o.seeds, o.quick and " (quick)" or ""))
local combos = {
  { "7.2-7.3", "resnet101+resnet152" },
  { "7.4-3in4", "resnet101+resnet152+vgg19" },
  { "7.4-4in4", "resnet101+resnet152+vgg19+bert" },
}
local ways = {}
for w = 1, 16 do
  if not o.quick or w == 1 or w == 2 or w == 4 or w == 16 then ways[#ways + 1] = w end
end
local out = {}
for _, c in ipairs(combos) do
  local row
  for _, r in ipairs(P.protocol(c[1])) do
    if r.models == c[2] then row = r end
  end
  local su = P.setup(row, o)
  for _, w in ipairs(ways) do
    local rs = {}
    for _, seed in ipairs(o.seeds) do
      local t = P.run_table(su, o, "abacus", "thr", seed, "paper-search-" .. su.combo,
                            { experiment = "7.7", figure = "23", ways = w, services = #su.services })
      t.ways, t.store_queries = w, false
      rs[#rs + 1] = abacus.run(t)
    end
    local m = P.summarise(rs)
    -- the median over seeds, and the range: a host time's mean is
    -- carried off by one run that another process slowed
    local us = {}
    for i, r in ipairs(rs) do us[i] = r.decision_us end
    table.sort(us)
    m.decision_us = #us % 2 == 1 and us[(#us + 1) // 2] or (us[#us // 2] + us[#us // 2 + 1]) / 2
    m.decision_lo, m.decision_hi = us[1], us[#us]
    m.combo, m.services, m.ways = su.combo, #su.services, w
    m.us = string.format("%.2f (%.2f-%.2f)", m.decision_us, m.decision_lo, m.decision_hi)
    m.tail = P.pm(m.p99_qos, m.p99_qos_sd, "%.3f")
    m.good = P.pm(m.throughput_qps, m.throughput_qps_sd, "%.1f")
    out[#out + 1] = m
  end
end
print("\nFig 23: one decision's host time, p99/QoS and goodput against ways (abacus, higher load)")
abacus.print_table(out, {
  { "services", "services" }, { "combo", "combination" }, { "ways", "ways" },
  { "us", "decision us, median (range)" }, { "tail", "p99/QoS" }, { "good", "goodput q/s" },
  { "completed", "completed", "%.0f" },
})
local dir = abacus.db:match("^(.*)/[^/]*$") or "."
local f = assert(io.open(dir .. "/paper-search.csv", "w"))
f:write("services,combo,ways,decision_us,decision_lo,decision_hi,p99_qos,p99_qos_sd,goodput,goodput_sd,completed\n")
for _, m in ipairs(out) do
  f:write(string.format("%d,%s,%d,%.4f,%.4f,%.4f,%.5f,%.5f,%.3f,%.3f,%.1f\n", m.services, m.combo, m.ways,
    m.decision_us, m.decision_lo, m.decision_hi, m.p99_qos, m.p99_qos_sd, m.throughput_qps, m.throughput_qps_sd,
    m.completed))
end
f:close()
