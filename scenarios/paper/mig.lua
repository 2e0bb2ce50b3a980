-- mig.lua: the paper's §7.5, four services on SM partitions of one GPU:
-- Fig 20 (p99 over completed queries / QoS target at the QoS load) and
-- Fig 21 (queries completed, late ones included, at the throughput load),
-- per placement and policy, beside the paper's numbers.
--
--   abacus run scenarios/paper/mig.lua [DEVICE] [GPU] [quick]
--   (defaults: sim h200; the rules are in common.lua)
--
-- resnet101, resnet152, vgg19 and bert (the 7.5-mig row of
-- data/paper/protocol.csv: its QoS rule and loads, over the whole GPU's
-- solo latencies and serial capacity), placed three ways:
--  * 1in4: four quarters (sms = 0.25: 32 SMs of an H200), one model each;
--  * 2in4: two halves (sms = 0.5: 64 SMs each), a pair on each, in the
--    paper's three pairings;
--  * 4in4: all four on the whole GPU.
-- The paper ran MIG instances of an A100 (1in4: 1g slices, 2in4: 3g). On
-- the simulator a partition replays the profile measured at its size
-- (data/<gpu>/sms<N>/), or where none is, one scaled from the whole GPU's
-- by the model of docs/partitions.md, and partitions do not contend for
-- memory bandwidth; live (cuda), each partition is a green context.
local P = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/common.lua")
local o = P.args(arg)
print(string.format("§7.5 on %s %s, %d queries a run, seeds 1-%d%s", o.device, o.gpu, o.queries,
  #o.seeds, o.quick and " (quick)" or ""))
local su = P.setup(P.protocol("7.5-mig")[1], o)
local idx = {}
for i, m in ipairs(su.models) do idx[m] = i end

-- a placement: its paper file, and its partitions as lists of models
local placements = {
  { "1in4", 0.25, { { "resnet101" }, { "resnet152" }, { "vgg19" }, { "bert" } } },
  { "2in4", 0.5, { { "resnet101", "bert" }, { "resnet152", "vgg19" } } },
  { "2in4", 0.5, { { "resnet101", "resnet152" }, { "vgg19", "bert" } } },
  { "2in4", 0.5, { { "resnet101", "vgg19" }, { "resnet152", "bert" } } },
  { "4in4", 1, { { "resnet101", "resnet152", "vgg19", "bert" } } },
}
if o.quick then placements = { placements[1], placements[2], placements[5] } end

local function run_all(load, kind)
  local out = {}
  for _, pl in ipairs(placements) do
    local paper = P.paper_results(kind, "mig-" .. pl[1])
    local parts, names, key = {}, {}, {}
    for k, ms in ipairs(pl[3]) do
      local svc = {}
      for _, m in ipairs(ms) do
        svc[#svc + 1] = idx[m]
        key[#key + 1] = m
      end
      parts[k] = { sms = pl[2], services = svc }
      names[k] = table.concat(ms, "+")
    end
    local placement = table.concat(names, " | ")
    -- the figures' x label and key, "2in4:resnet101+bert|resnet152+vgg19"
    local label = pl[1] .. ":" .. table.concat(names, "|")
    for _, pol in ipairs(P.policies) do
      local rs = {}
      for _, seed in ipairs(o.seeds) do
        local t = P.run_table(su, o, pol, load, seed, "paper-mig-" .. pl[1],
          { experiment = "7.5", placement = placement, config = pl[1], combo = label,
            figure = load == "qos" and "20" or "21" })
        if pl[2] < 1 then t.partitions = parts end -- 4in4 is the plain GPU
        rs[#rs + 1] = abacus.run(t)
      end
      local m = P.summarise(rs)
      m.config, m.placement, m.policy = pl[1], placement, pol
      local pp = paper[table.concat(key, "+")]
      P.beside_paper(m, pp and pp[pol])
      out[#out + 1] = m
    end
  end
  return out
end

local cols = {
  { "config", "config" }, { "placement", "partitions" }, { "policy", "policy" },
  { "ours_tail", "p99/QoS" }, { "paper_tail", "paper", "%.2f" },
  { "ours_viol", "violations" }, { "paper_violation", "paper", "%.3f" },
  { "ours_done", "completed" }, { "paper_completed", "paper", "%.0f" },
  { "throughput_qps", "goodput q/s", "%.1f" },
}
print(string.format("QoS %.2f ms for every service, serial capacity %.1f q/s (whole GPU)",
  su.qos_ms, su.capacity))
print(string.format("\nFig 20: the QoS load, %.0f q/s (paper: A100 MIG, ours: %s partitions)", su.qps.qos, o.gpu))
abacus.print_table(run_all("qos", "qos"), cols)
print(string.format("\nFig 21: the throughput load, %.0f q/s", su.qps.thr))
abacus.print_table(run_all("thr", "throughput"), cols)
