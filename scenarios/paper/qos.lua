-- qos.lua: the paper's §7.2, QoS at the lower load: Fig 14 (p99 over
-- completed queries / QoS target, per pair and policy), Fig 15 (violation
-- ratio, drops counted), Fig 16 (the same for small queries).
--
--   abacus run scenarios/paper/qos.lua [DEVICE] [GPU] [quick]
--   (defaults: sim h200; the rules are in common.lua)
--
-- Fig 16's small queries: every query at batch 4 (bert at seq 8 to 64),
-- the QoS target the pair's qos_factor times the sum of its solo
-- latencies at batch 4, the load the same share of the serial capacity at
-- batch 4. The paper's targets for that figure are not among its data
-- files (data/paper/), so this rule is ours and the figure has no paper
-- column. SMALL=0 leaves Fig 16 out (a live run of every pair at a time).
local P = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/common.lua")
local o = P.args(arg)
print(string.format("§7.2 on %s %s, %d queries a run, seeds 1-%d%s", o.device, o.gpu, o.queries,
  #o.seeds, o.quick and " (quick)" or ""))
local rows = P.rows("7.2-7.3", o, 2)
P.experiment{
  name = "paper-qos", rows = rows, o = o, load = "qos",
  paper = P.paper_results("qos", "2in7"), tags = { experiment = "7.2", figure = "14-15" },
  title = "Figs 14, 15: p99/QoS and violations at the QoS load (paper: A100, ours: " .. o.gpu .. ")",
}
if os.getenv("SMALL") == "0" then
  print("(Fig 16 left out: SMALL=0)")
  return
end
P.experiment{
  name = "paper-small", rows = rows, o = o, load = "qos", batches = { 4 },
  tags = { experiment = "7.2", figure = "16" },
  title = "Fig 16: small queries (batch 4), p99/QoS and violations at the QoS load",
}
