-- beyond.lua: the paper's §7.4, beyond pairs (Figs 18, 19): the four
-- triplets of resnet101, resnet152, vgg19 and bert and the quadruplet,
-- under every policy at the QoS load (p99/QoS, violations) and at the
-- higher load (queries completed).
--
--   abacus run scenarios/paper/beyond.lua [DEVICE] [GPU] [quick]
--   (defaults: sim h200; the rules are in common.lua)
local P = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/common.lua")
local o = P.args(arg)
print(string.format("§7.4 on %s %s, %d queries a run, seeds 1-%d%s", o.device, o.gpu, o.queries,
  #o.seeds, o.quick and " (quick)" or ""))
local rows = P.rows("7.4-3in4", o, 1)
for _, r in ipairs(P.protocol("7.4-4in4")) do rows[#rows + 1] = r end
local function both(kind)
  local t = P.paper_results(kind, "3in4")
  for k, v in pairs(P.paper_results(kind, "4in4")) do t[k] = v end
  return t
end
P.experiment{
  name = "paper-beyond-qos", rows = rows, o = o, load = "qos", paper = both("qos"),
  tags = { experiment = "7.4", figure = "18" },
  title = "§7.4 at the QoS load: p99/QoS and violations (paper: A100, ours: " .. o.gpu .. ")",
}
P.experiment{
  name = "paper-beyond-thr", rows = rows, o = o, load = "thr", paper = both("throughput"),
  tags = { experiment = "7.4", figure = "19" },
  title = "§7.4 at the higher load: queries completed (paper: A100, ours: " .. o.gpu .. ")",
}
