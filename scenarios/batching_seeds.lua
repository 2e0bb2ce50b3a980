-- batching_seeds.lua: the issue's targets for abacus, with and without
-- batching, on one seed of the 21 pairs of scenarios/batching.lua, as it
-- runs them (its QoS rule, batch mixes, max_batch, 4000 queries, the
-- peak searched between 0.1 and 4 x C to within 0.5%), so that each
-- target can be read over several seeds, not one.
--
--   abacus run scenarios/batching_seeds.lua [SEED [WORKLOAD [GPU]]]
--
-- SEED default 1; WORKLOAD pairs (default) or paper; GPU the simulated
-- card's profile (default h200). The environment
-- variable KAPPA, when set, replaces the simulator's contention (run
-- option kappa; default the GPU's calibration in data/GPU/sim.csv) in
-- every run: how much room overlap would need to meet a target. fcfs
-- runs one query at a time, so KAPPA does not change its figures.
--
-- Prints, per pair, each policy's peak load within QoS over fcfs's (fcfs
-- as pairs.lua runs it, abandon off) and goodput at 1.5 x C over fcfs's
-- (fcfs with the predictive rule), then each measure's mean and range
-- over the pairs, and the batching policies' peaks over clockwork's and
-- triton's. Nothing is stored beyond results.db's run rows.
local seed = math.tointeger(tonumber(arg[1] or "1"))
assert(seed, "SEED must be an integer, got " .. tostring(arg[1]))
local wl_name = arg[2] or "pairs"
local gpu = arg[3] or "h200"
local QOS_FACTOR, OVERLOAD = 4.5, 1.5
local KAPPA
if os.getenv("KAPPA") then
  KAPPA = tonumber(os.getenv("KAPPA"))
  assert(KAPPA and KAPPA >= 0, "KAPPA must be a non-negative number, got " .. os.getenv("KAPPA"))
end
local workloads = {
  pairs = { cnn = { 1, 2, 4, 8 }, bert = { 1, 2, 4 } },
  paper = { cnn = { 4, 8, 16, 32 }, bert = { 4, 8, 16 } },
}
local wl = workloads[wl_name]
assert(wl, "WORKLOAD must be pairs or paper, got " .. wl_name)
local prs = abacus.model_pairs()

-- peak: measured at the peak with peak_abandon (default off); over: the
-- rule at 1.5 x C (absent: not run there)
local policies = {
  { label = "fcfs", policy = "fcfs", peak = true, over = "predictive" },
  { label = "abacus", policy = "abacus", peak = true, over = "predictive" },
  { label = "abacus+pair_late", policy = "abacus", pair_late = true, peak = true },
  { label = "abacus+by_deadline", policy = "abacus", by_deadline = true, peak = true,
    over = "predictive" },
  { label = "abacus+shed", policy = "abacus", peak = true, peak_abandon = "shed", over = "shed" },
  { label = "abacus+keep_plan", policy = "abacus", keep_plan = true, peak = true,
    peak_abandon = "shed", over = "shed" },
  { label = "fcfs+shed", policy = "fcfs", peak = true, peak_abandon = "shed", over = "shed" },
  { label = "abacus+defer", policy = "abacus", peak = true, peak_abandon = "defer" },
  { label = "fcfs+defer", policy = "fcfs", peak = true, peak_abandon = "defer" },
  { label = "clockwork", policy = "clockwork", merges = true, peak = true },
  { label = "triton", policy = "triton", merges = true, peak = true },
  { label = "abacus+batching", policy = "abacus", batching = true, merges = true, peak = true,
    peak_abandon = "paired", over = "paired" },
  { label = "abacus+batching+keep", policy = "abacus", batching = true, keep_on_time = true,
    merges = true, peak = true, peak_abandon = "paired", over = "paired" },
  { label = "abacus+batching+keep+shed", policy = "abacus", batching = true, keep_on_time = true,
    merges = true, peak = true, peak_abandon = "shed", over = "shed" },
  { label = "abacus+batching+keep+by_deadline", policy = "abacus", batching = true,
    keep_on_time = true, by_deadline = true, merges = true, peak = true, peak_abandon = "paired",
    over = "paired" },
}

local function service(model, merges)
  local s = { model = model, batch = model == "bert" and wl.bert or wl.cnn }
  if model == "bert" then s.seq = { 16, 32, 64, 128 } end
  if merges then s.max_batch = model == "bert" and 16 or 32 end
  return s
end

local function base(pr, p, qos, cap, phase)
  local sa, sb = service(pr[1], p.merges), service(pr[2], p.merges)
  sa.qos_ms, sb.qos_ms = qos, qos
  local pair = pr[1] .. "+" .. pr[2]
  return {
    name = "batching-seeds-" .. phase .. "-" .. wl_name .. "-" .. pair, device = "sim", gpu = gpu,
    services = { sa, sb }, policy = p.policy, batching = p.batching, pair_late = p.pair_late,
    keep_plan = p.keep_plan, keep_on_time = p.keep_on_time, by_deadline = p.by_deadline,
    kappa = KAPPA,
    load = { kind = "poisson", qps = 1 }, queries = 4000, seed = seed,
    abandon = phase == "over" and p.over or (p.peak_abandon or false), store_queries = false,
    tags = { experiment = "batching-seeds", workload = wl_name, pair = pair, label = p.label,
             phase = phase, capacity = cap, seed = seed, kappa = KAPPA },
  }
end

local rows = {}
for _, pr in ipairs(prs) do
  local sa, sb = service(pr[1]), service(pr[2])
  local qos = QOS_FACTOR * (abacus.largest_solo_ms(sa, gpu) + abacus.largest_solo_ms(sb, gpu))
  local cap = abacus.serial_capacity({ sa, sb }, gpu)
  local row = { pair = pr[1] .. "+" .. pr[2] }
  for _, p in ipairs(policies) do
    if p.peak then
      local peak, at_hi = abacus.capacity(base(pr, p, qos, cap, "peak"),
        { lo = 0.1 * cap, hi = 4 * cap, rel = 0.005 })
      assert(not at_hi, row.pair .. " " .. p.label .. ": served 4 x C, the range is too small")
      row[p.label] = peak
    end
    if p.over then
      local r = base(pr, p, qos, cap, "over")
      r.load.qps = OVERLOAD * cap
      row[p.label .. " good"] = abacus.run(r).throughput_qps
    end
  end
  rows[#rows + 1] = row
end

-- the ratios, per pair, then their mean and range over the pairs
local ratios = {}
for _, p in ipairs(policies) do
  if p.peak and p.label ~= "fcfs" then ratios[#ratios + 1] = { p.label, "fcfs", "peak" } end
end
for _, p in ipairs(policies) do
  if p.over and p.label ~= "fcfs" then ratios[#ratios + 1] = { p.label .. " good", "fcfs good", "goodput" } end
end
for _, b in ipairs({ "abacus+batching", "abacus+batching+keep", "abacus+batching+keep+shed",
                     "abacus+batching+keep+by_deadline" }) do
  ratios[#ratios + 1] = { b, "clockwork", "peak" }
  ratios[#ratios + 1] = { b, "triton", "peak" }
end
ratios[#ratios + 1] = { "abacus+keep_plan", "fcfs+shed", "peak" }
ratios[#ratios + 1] = { "abacus+keep_plan good", "fcfs+shed good", "goodput" }
ratios[#ratios + 1] = { "abacus+defer", "fcfs+defer", "peak" }
ratios[#ratios + 1] = { "abacus+batching+keep+by_deadline", "abacus+batching+keep", "peak" }
ratios[#ratios + 1] = { "abacus+by_deadline good", "abacus good", "goodput" }

local per = {}
for _, row in ipairs(rows) do
  local r = { pair = row.pair }
  for i, rt in ipairs(ratios) do r[i] = row[rt[1]] / row[rt[2]] end
  per[#per + 1] = r
end
local kappa_note = KAPPA and string.format(", kappa %.4g", KAPPA) or ""
print(string.format("simulated %s, %s mix, seed %d%s: per pair, x fcfs (peak within QoS; goodput at %.1f x C)",
  gpu, wl_name, seed, kappa_note, OVERLOAD))
local cols = { { "pair", "pair" } }
for i, rt in ipairs(ratios) do
  if rt[2] == "fcfs" or rt[2] == "fcfs good" then cols[#cols + 1] = { i, rt[1], "%.3f" } end
end
abacus.print_table(per, cols)
local out = {}
for i, rt in ipairs(ratios) do
  local sum, lo, hi = 0, math.huge, -math.huge
  for _, r in ipairs(per) do sum, lo, hi = sum + r[i], math.min(lo, r[i]), math.max(hi, r[i]) end
  out[#out + 1] = { measure = rt[3], ratio = rt[1] .. " / " .. rt[2], mean = sum / #per, lo = lo, hi = hi }
end
print()
print(string.format("means over the %d pairs, %s mix, seed %d%s", #per, wl_name, seed, kappa_note))
abacus.print_table(out, {
  { "measure", "measure" }, { "ratio", "ratio" }, { "mean", "mean", "%.4f" },
  { "lo", "min", "%.3f" }, { "hi", "max", "%.3f" },
})
