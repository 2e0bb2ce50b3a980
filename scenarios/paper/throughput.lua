-- throughput.lua: the paper's §7.3, Fig 17: queries completed of each run
-- at the higher load (late ones included, as the paper counts them), per
-- pair and policy; beside it, our measure of throughput: each policy's
-- peak load within QoS (the largest Poisson rate at which 99% of the
-- queries complete within the target, drops counting as misses; a binary
-- search, abacus.capacity), as a multiple of the serial capacity.
--
--   abacus run scenarios/paper/throughput.lua [DEVICE] [GPU] [quick]
--   (defaults: sim h200; the rules are in common.lua)
local P = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/common.lua")
local o = P.args(arg)
print(string.format("§7.3 on %s %s, %d queries a run, seeds 1-%d%s", o.device, o.gpu, o.queries,
  #o.seeds, o.quick and " (quick)" or ""))
local rows = P.rows("7.2-7.3", o, 2)
local out = P.experiment{
  name = "paper-thr", rows = rows, o = o, load = "thr",
  paper = P.paper_results("throughput", "2in7"), tags = { experiment = "7.3", figure = "17" },
  title = "Fig 17: queries completed at the higher load (paper: A100, ours: " .. o.gpu .. ")",
}

-- Live, the peak-load searches and the sweep below take hundreds of runs
-- each: they run on a GPU only with PEAKS=1.
local searches = o.device == "sim" or os.getenv("PEAKS") == "1"
if not searches then
  print("(live: the peak-load search and the load sweep are left out; PEAKS=1 runs them)")
end

-- The peak load within QoS, per pair, policy and seed (store_queries off).
if searches then
  local peaks = {}
  for _, row in ipairs(rows) do
    local su = P.setup(row, o)
    local line = { combo = su.combo, capacity = su.capacity }
    for _, pol in ipairs(P.policies) do
      local xs = {}
      for _, seed in ipairs(o.seeds) do
        local base = P.run_table(su, o, pol, "qos", seed, "paper-peak-" .. su.combo,
                                 { experiment = "7.3", figure = "17-peak" })
        local qps, saturated = abacus.capacity(base, { lo = 0.05 * su.capacity, hi = 3 * su.capacity,
                                                       rel = o.quick and 0.05 or 0.01 })
        assert(not saturated, su.combo .. " " .. pol .. ": peak load above 3x the serial capacity")
        xs[#xs + 1] = qps / su.capacity
      end
      line[pol], line[pol .. "_sd"] = abacus.mean_sd(xs)
      line[pol .. "_s"] = P.pm(line[pol], line[pol .. "_sd"], "%.3f")
    end
    if line.fcfs > 0 then line.gain = line.abacus / line.fcfs end
    peaks[#peaks + 1] = line
  end
  print("\npeak load within QoS (99% of queries within the target), x serial capacity")
  abacus.print_table(peaks, {
    { "combo", "combination" }, { "capacity", "C q/s", "%.0f" }, { "fcfs_s", "fcfs" },
    { "sjf_s", "sjf" }, { "edf_s", "edf" }, { "abacus_s", "abacus" }, { "gain", "abacus/fcfs", "%.3f" },
  })
  local g, n = 0, 0
  for _, l in ipairs(peaks) do
    if l.gain then g, n = g + l.gain, n + 1 end
  end
  print(string.format("mean peak load abacus/fcfs over %d pairs: %.3f", n, n > 0 and g / n or 0))
end
-- the completed count's gain, the paper's headline
local done = {}
for _, m in ipairs(out) do
  done[m.combo] = done[m.combo] or {}
  done[m.combo][m.policy] = m
end
local cg, pg, cn = 0, 0, 0
for _, d in pairs(done) do
  if d.fcfs.completed > 0 and d.fcfs.paper_completed then
    cg, pg, cn = cg + d.abacus.completed / d.fcfs.completed, pg + d.abacus.paper_completed / d.fcfs.paper_completed, cn + 1
  end
end
if cn > 0 then
  print(string.format("mean completed abacus/fcfs at the higher load over %d pairs: %.3f (paper %.3f)", cn, cg / cn, pg / cn))
end

if searches then
  -- p99 and goodput against load for the first pair, every policy: the
  -- sweep the figures draw as curves (abacus.sweep over policy, load, seed)
  local su = P.setup(rows[1], o)
  local shares = o.quick and { 0.4, 0.8, 1.2 } or { 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6 }
  local qps = {}
  for i, f in ipairs(shares) do qps[i] = f * su.capacity end
  local sweep = abacus.sweep(P.run_table(su, o, "fcfs", "qos", 1, "paper-sweep-" .. su.combo,
                                         { experiment = "7.3", figure = "sweep" }),
    { { "policy", P.policies, set = function(t, pol)
        local r = P.run_table(su, o, pol, "qos", 1, t.name, {})
        t.policy, t.abandon, t.ways, t.threshold_qos = pol, r.abandon, r.ways, r.threshold_qos
      end },
      { "qps", qps }, { "seed", o.seeds } },
    { each = function(t, point)
        t.tags.share = point.qps / su.capacity
        t.tags.load = "sweep"
        t.store_queries = false
      end })
  local lines = {}
  for _, r in ipairs(sweep) do
    local key = r.policy .. string.format("%.6f", r.qps)
    local l = lines[key]
    if not l then
      l = { policy = r.policy, share = r.qps / su.capacity, tail = {}, good = {} }
      lines[key] = l
      lines[#lines + 1] = l
    end
    l.tail[#l.tail + 1], l.good[#l.good + 1] = r.p99_qos, r.throughput_qps
  end
  for _, l in ipairs(lines) do
    local m, sd = abacus.mean_sd(l.tail)
    l.t = P.pm(m, sd, "%.3f")
    m, sd = abacus.mean_sd(l.good)
    l.g = P.pm(m, sd, "%.1f")
  end
  print("\n" .. su.combo .. ": p99/QoS and goodput against load (x serial capacity " ..
    string.format("%.0f q/s", su.capacity) .. ")")
  abacus.print_table(lines, { { "policy", "policy" }, { "share", "load xC", "%.2f" }, { "t", "p99/QoS" },
                              { "g", "goodput q/s" } })
end
