-- batching.lua: headroom-aware batching with overlap (abacus, batching =
-- true) against overlap alone (abacus), time sharing (fcfs) and the
-- batchers users would pick (clockwork, triton), on the 21 pairs of
-- pairs.lua, on the simulated GPU.
--
--   abacus run scenarios/batching.lua [quick] [GPU] [QUERIES] [PAIR ...]
--   (defaults: h200, 4000 queries a run, all 21 pairs; `quick`: two
--   pairs, 600 queries, a coarse search, for CI)
--   abacus run scenarios/batching.lua cuda|sim [GPU] [QUERIES] [PAIR ...]
--   (the live comparison, below; defaults: h200, 1000 queries a run, four
--   pairs)
--
-- Two workloads, each with pairs.lua's QoS rule (both services' target
-- 4.5 x (L(a) + L(b)), L a service's solo latency at its largest batch)
-- and its load unit C (the serial capacity of the services' draws):
--   pairs  pairs.lua's batch mix: CNNs draw batch 1, 2, 4 or 8, bert 1, 2
--          or 4 at sequence length 16, 32, 64 or 128;
--   paper  the Abacus paper's mix: CNNs draw 4, 8, 16 or 32, bert 4, 8
--          or 16 at the same sequence lengths (bert kept to 16, as the
--          tables were first made when the H200's profile stopped there;
--          data/h200 measures bert 32 too since 117674a).
-- The policies that merge queries (clockwork, triton, abacus+batching)
-- merge up to 32 for the CNNs and 16 for bert (MAX_BATCH below), each
-- size priced at its own measured cost (data/h200 and data/h100 measure
-- every size 1-32; a profile that does not is interpolated between
-- measured sizes: docs/batching.md).
--
-- Policies (labels): fcfs; abacus as pairs.lua runs it; abacus+pair_late
-- (pair_late = true: a late urgent query is paired, not run alone);
-- abacus+paired_drop and abacus+fixes (overload only: abandon = "paired",
-- the second without and with pair_late); abacus+shed and fcfs+shed
-- (abandon = "shed", Moore and Hodgson's rule over every waiting query,
-- at the peak too, for abacus and, to tell the rule's share from
-- overlap's, for fcfs); abacus+keep_plan (abandon =
-- "shed" and keep_plan = true, at the peak too: a group keeps the shed
-- rule's plan); clockwork; triton;
-- abacus+batching (batching = true, with the paired drop rule, at the
-- peak too, as clockwork drops hopeless queries by design);
-- abacus+batching_no_drop (batching, abandon off at the peak, predictive
-- at the overload).
--
-- Measures, each stored in results.db and tagged (experiment =
-- "batching", workload, pair, label, phase, qps):
--  * peak: each policy's peak load within QoS, as a multiple of C: the
--    largest rate at which at least 99% of the queries end within their
--    target, drops counted as misses (abacus.capacity, searched between
--    0.1 and 4 x C to within 0.5%);
--  * over: goodput (queries within QoS per second) at OVERLOAD x C (1.5)
--    with every policy abandoning (abandon = "predictive" unless the
--    label says otherwise), and the share of its groups that ran one
--    segment alone (serial ones always do).
-- scripts/batching-figures.sh draws the peak loads per pair from the
-- database and writes the tables bench/results/h200/ keeps.
local QOS_FACTOR, OVERLOAD = 4.5, 1.5
-- THRESHOLD_MS replaces abacus's search threshold (threshold_ms, default
-- 5, as pairs.lua runs it) in its runs
local THRESHOLD_MS
if os.getenv("THRESHOLD_MS") then
  THRESHOLD_MS = tonumber(os.getenv("THRESHOLD_MS"))
  assert(THRESHOLD_MS and THRESHOLD_MS >= 0,
    "THRESHOLD_MS must be a non-negative number, got " .. os.getenv("THRESHOLD_MS"))
end

-- the live comparison: every policy on the GPU (DEVICE cuda) and the same
-- runs on the simulator, at LIVE_LOADS x C (default 0.8 and 1.5: the
-- load pairs.lua judges p99 at, abandon off, and the overload, every
-- policy abandoning as in `over` below), pairs.lua's batch mix, each run
-- QUERIES queries (short: the GPU's time is budgeted); the merging
-- policies merge up to MAX_BATCH (default the profile's largest, 32 and
-- bert 16), the GPU preparing every size up to it before each run.
-- Prints each run's goodput and p99, live and simulated, and their
-- differences against the issue's bounds (goodput within 5%, p99 within
-- 10%). DEVICE sim runs the simulated side alone (the protocol, for
-- tests). bench/gpu/batching_live.sh runs it on the GPU machine.
local live_device = (arg[1] == "cuda" or arg[1] == "sim") and arg[1] or nil
local quick = arg[1] == "quick"
local shifted = quick or live_device
local gpu = (shifted and arg[2]) or (not shifted and arg[1]) or "h200"
local nq_arg = shifted and arg[3] or arg[2]
local queries = math.tointeger(tonumber(nq_arg or (quick and 600 or live_device and 1000 or 4000)))
assert(queries and queries >= 100, "QUERIES must be an integer of at least 100, got " .. tostring(nq_arg))
local first_pair = 3
local models = { "resnet50", "resnet101", "resnet152", "inception_v3", "vgg16", "vgg19", "bert" }

local pairs_to_run = {}
for i = first_pair + (shifted and 1 or 0), #arg do
  local a, b = arg[i]:match("^([%w_]+)%+([%w_]+)$")
  assert(a, "a pair is written model+model, got " .. arg[i])
  pairs_to_run[#pairs_to_run + 1] = { a, b }
end
if #pairs_to_run == 0 then
  if live_device then
    pairs_to_run = { { "resnet50", "bert" }, { "resnet101", "inception_v3" },
                     { "resnet152", "vgg19" }, { "vgg16", "bert" } }
  elseif quick then
    pairs_to_run = { { "resnet50", "bert" }, { "vgg16", "inception_v3" } }
  else
    for i = 1, #models do
      for j = i + 1, #models do pairs_to_run[#pairs_to_run + 1] = { models[i], models[j] } end
    end
  end
end

local workloads = {
  { name = "pairs", cnn = { 1, 2, 4, 8 }, bert = { 1, 2, 4 } },
  { name = "paper", cnn = { 4, 8, 16, 32 }, bert = { 4, 8, 16 } },
}
-- what merging may reach: 32, bert 16 (the bert cap the tables were
-- first made with; the live comparison's MAX_BATCH caps it further)
local MAX_BATCH = { bert = 16 }
local CAP = os.getenv("MAX_BATCH") and math.tointeger(tonumber(os.getenv("MAX_BATCH")))
assert(not os.getenv("MAX_BATCH") or (CAP and CAP >= 8),
  "MAX_BATCH must be an integer of at least 8 (the CNNs' largest batch), got " .. tostring(os.getenv("MAX_BATCH")))
local function max_batch(model) return math.min(MAX_BATCH[model] or 32, CAP or 32) end

-- label -> the run's policy and fields; peak: measured for the peak load
-- (abandon off there, so an abandon rule would change nothing), over:
-- the abandon rule at the overload (default predictive)
local policies = {
  { label = "fcfs", policy = "fcfs", peak = true },
  { label = "abacus", policy = "abacus", peak = true },
  { label = "abacus+pair_late", policy = "abacus", pair_late = true, peak = true },
  { label = "abacus+paired_drop", policy = "abacus", over = "paired" },
  { label = "abacus+fixes", policy = "abacus", pair_late = true, over = "paired" },
  { label = "abacus+shed", policy = "abacus", over = "shed", peak = true, peak_abandon = "shed" },
  { label = "abacus+keep_plan", policy = "abacus", keep_plan = true, over = "shed", peak = true,
    peak_abandon = "shed" },
  { label = "fcfs+shed", policy = "fcfs", over = "shed", peak = true, peak_abandon = "shed" },
  { label = "clockwork", policy = "clockwork", merges = true, peak = true },
  { label = "triton", policy = "triton", merges = true, peak = true },
  { label = "abacus+batching", policy = "abacus", batching = true, merges = true, peak = true,
    peak_abandon = "paired", over = "paired" },
  { label = "abacus+batching_no_drop", policy = "abacus", batching = true, merges = true,
    peak = true },
}

local function service(model, wl, merges)
  local s = { model = model, batch = model == "bert" and wl.bert or wl.cnn }
  if model == "bert" then s.seq = { 16, 32, 64, 128 } end
  if merges then s.max_batch = max_batch(model) end
  return s
end

-- The live comparison (live_device): each policy's run on the device and,
-- for cuda, the same run on the simulator. GROUP_US (environment; default
-- 0) is the simulated side's host time per group (run option group_us):
-- bench/gpu/group_us.py measures it from a live comparison's results.db.
local GROUP_US = tonumber(os.getenv("GROUP_US") or "0")
assert(GROUP_US and GROUP_US >= 0, "GROUP_US must be a non-negative number of microseconds, got "
  .. tostring(os.getenv("GROUP_US")))
-- LIVE_UNITS (environment; "PAIR:C:QOS_MS ...") gives a pair's load unit
-- C (q/s) and QoS target instead of the profile's: the simulated side of
-- a live comparison run again on a newer profile at the live runs' own
-- rates and target (their tags and config), bench/gpu/batching_resim.py
-- setting them side by side.
local UNITS = {}
for e in (os.getenv("LIVE_UNITS") or ""):gmatch("%S+") do
  local pr, c, q = e:match("^([%w_]+%+[%w_]+):([%d.]+):([%d.]+)$")
  assert(pr and tonumber(c) and tonumber(q) and tonumber(c) > 0 and tonumber(q) > 0,
    "LIVE_UNITS must be a list of PAIR:C:QOS_MS with C and QOS_MS positive, got " .. e)
  UNITS[pr] = { cap = tonumber(c), qos = tonumber(q) }
end
assert(not next(UNITS) or live_device, "LIVE_UNITS applies to the live comparison (cuda or sim) alone")
local function live_compare()
  for pair in pairs(UNITS) do
    local run = false
    for _, pr in ipairs(pairs_to_run) do run = run or pr[1] .. "+" .. pr[2] == pair end
    assert(run, "LIVE_UNITS names " .. pair .. ", a pair this run does not run")
  end
  local loads = {}
  for x in (os.getenv("LIVE_LOADS") or "0.8,1.5"):gmatch("[^,]+") do
    local f = tonumber(x)
    assert(f and f > 0, "LIVE_LOADS must be a comma-separated list of positive numbers, got " .. tostring(os.getenv("LIVE_LOADS")))
    loads[#loads + 1] = f
  end
  local wl = workloads[1]
  local labels = { "fcfs", "sjf", "edf", "abacus", "clockwork", "triton", "abacus+batching" }
  local by_label = {}
  for _, p in ipairs(policies) do by_label[p.label] = p end
  local pol = function(label) return by_label[label] or { label = label, policy = label } end
  local rows = {}
  for _, pr in ipairs(pairs_to_run) do
    local sa, sb = service(pr[1], wl), service(pr[2], wl)
    local qos = QOS_FACTOR * (abacus.largest_solo_ms(sa, gpu) + abacus.largest_solo_ms(sb, gpu))
    local cap = abacus.serial_capacity({ sa, sb }, gpu)
    local pair = pr[1] .. "+" .. pr[2]
    if UNITS[pair] then cap, qos = UNITS[pair].cap, UNITS[pair].qos end
    for _, x in ipairs(loads) do
      for _, label in ipairs(labels) do
        local p = pol(label)
        local over = x > 1
        local function one(device)
          local ma, mb = service(pr[1], wl, p.merges), service(pr[2], wl, p.merges)
          ma.qos_ms, mb.qos_ms = qos, qos
          return abacus.run({
            name = "batching-live-" .. pair, device = device, gpu = gpu, services = { ma, mb },
            policy = p.policy, batching = p.batching, pair_late = p.pair_late,
            keep_plan = p.keep_plan, group_us = device == "sim" and GROUP_US or nil,
            load = { kind = "poisson", qps = x * cap }, queries = queries, seed = 1,
            abandon = over and (p.over or "predictive") or (p.peak_abandon or false),
            tags = { experiment = "batching-live", side = device, pair = pair, label = label,
                     load = x, capacity = cap },
          })
        end
        local row = { pair = pair, load = x, label = label, qos_ms = qos }
        local s = one("sim")
        row.sim_good, row.sim_p99 = s.throughput_qps, s.p99_ms
        if live_device == "cuda" then
          local l = one("cuda")
          row.live_good, row.live_p99 = l.throughput_qps, l.p99_ms
          row.d_good = l.throughput_qps > 0 and (s.throughput_qps / l.throughput_qps - 1) * 100 or nil
          row.d_p99 = l.p99_ms > 0 and (s.p99_ms / l.p99_ms - 1) * 100 or nil
          row.ok = (row.d_good and math.abs(row.d_good) <= 5 and row.d_p99 and math.abs(row.d_p99) <= 10)
            and "yes" or "no"
        end
        rows[#rows + 1] = row
      end
    end
  end
  print(string.format("simulated (%s profile) against %s, pairs.lua's batch mix, %d queries a run",
    gpu, live_device == "cuda" and "live" or "nothing (DEVICE sim)", queries))
  abacus.print_table(rows, {
    { "pair", "pair" }, { "load", "x C", "%.2f" }, { "label", "policy" }, { "qos_ms", "QoS ms", "%.2f" },
    { "live_good", "live goodput", "%.1f" }, { "sim_good", "sim goodput", "%.1f" },
    { "d_good", "sim/live-1 %", "%+.1f" }, { "live_p99", "live p99 ms", "%.2f" },
    { "sim_p99", "sim p99 ms", "%.2f" }, { "d_p99", "sim/live-1 %", "%+.1f" },
    { "ok", "within 5%/10%" },
  })
  if live_device ~= "cuda" then return end
  -- per policy: how many runs fall within both bounds, and the mean of
  -- each difference's size
  local sum = {}
  for _, r in ipairs(rows) do
    local s = sum[r.label] or { label = r.label, n = 0, ok = 0, g = 0, p = 0 }
    s.n = s.n + 1
    s.ok = s.ok + (r.ok == "yes" and 1 or 0)
    s.g = s.g + math.abs(r.d_good or 0)
    s.p = s.p + math.abs(r.d_p99 or 0)
    sum[r.label] = s
  end
  local srows = {}
  for _, label in ipairs(labels) do
    local s = sum[label]
    if s then
      srows[#srows + 1] = { label = label, n = s.n, ok = s.ok, g = s.g / s.n, p = s.p / s.n }
    end
  end
  print()
  abacus.print_table(srows, {
    { "label", "policy" }, { "n", "runs" }, { "ok", "within both" },
    { "g", "mean |goodput diff| %", "%.1f" }, { "p", "mean |p99 diff| %", "%.1f" },
  })
end

if live_device then
  live_compare()
  return
end

local function base_run(pr, wl, p, qos, cap, phase)
  local sa, sb = service(pr[1], wl, p.merges), service(pr[2], wl, p.merges)
  sa.qos_ms, sb.qos_ms = qos, qos
  local pair = pr[1] .. "+" .. pr[2]
  return {
    name = "batching-" .. phase .. "-" .. wl.name .. "-" .. pair, device = "sim", gpu = gpu,
    services = { sa, sb }, policy = p.policy, batching = p.batching, pair_late = p.pair_late,
    keep_plan = p.keep_plan, threshold_ms = p.policy == "abacus" and THRESHOLD_MS or nil,
    load = { kind = "poisson", qps = 1 }, queries = queries, seed = 1,
    abandon = phase == "over" and (p.over or "predictive") or (p.peak_abandon or false),
    store_queries = false,
    tags = { experiment = "batching", workload = wl.name, pair = pair, label = p.label,
             phase = phase, capacity = cap },
  }
end

local peaks, over, solo = {}, {}, {}
for _, wl in ipairs(workloads) do
  for _, pr in ipairs(pairs_to_run) do
    local sa, sb = service(pr[1], wl), service(pr[2], wl)
    local qos = QOS_FACTOR * (abacus.largest_solo_ms(sa, gpu) + abacus.largest_solo_ms(sb, gpu))
    local cap = abacus.serial_capacity({ sa, sb }, gpu)
    local pair = pr[1] .. "+" .. pr[2]
    local prow = { workload = wl.name, pair = pair, qos_ms = qos, capacity = cap }
    local orow = { workload = wl.name, pair = pair, qos_ms = qos, qps = OVERLOAD * cap }
    local srow = { workload = wl.name, pair = pair }
    for _, p in ipairs(policies) do
      if p.peak then
        local peak, at_hi = abacus.capacity(base_run(pr, wl, p, qos, cap, "peak"), {
          lo = 0.1 * cap, hi = 4 * cap, rel = quick and 0.05 or 0.005,
        })
        assert(not at_hi, pair .. " " .. p.label .. ": served 4 x C, the range is too small")
        prow[p.label] = peak / cap
      end
      local r = base_run(pr, wl, p, qos, cap, "over")
      r.load.qps = OVERLOAD * cap
      r.tags.qps = OVERLOAD * cap
      local res = abacus.run(r)
      orow[p.label] = res.throughput_qps
      -- groups of one segment: two services, so 2 x groups - segments
      srow[p.label] = (2 * res.groups - res.segments) / res.groups
    end
    peaks[#peaks + 1] = prow
    over[#over + 1] = orow
    solo[#solo + 1] = srow
  end
end

local pcols, ocols = { { "workload", "load" }, { "pair", "pair" } }, { { "workload", "load" }, { "pair", "pair" } }
for _, p in ipairs(policies) do
  if p.peak then pcols[#pcols + 1] = { p.label, p.label, "%.3f" } end
  ocols[#ocols + 1] = { p.label, p.label, "%.1f" }
end
print("peak load within QoS (x C, 99% of queries within QoS), simulated " .. gpu)
abacus.print_table(peaks, pcols)
print()
print(string.format("goodput (q/s within QoS) at %.1f x C, every policy abandoning", OVERLOAD))
abacus.print_table(over, ocols)
print()
print(string.format("share of groups run with one segment at %.1f x C (the rest overlap both services)", OVERLOAD))
local scols = {}
for i, c in ipairs(ocols) do scols[i] = i > 2 and { c[1], c[2], "%.3f" } or c end
abacus.print_table(solo, scols)
local smean = {}
for _, wl in ipairs(workloads) do
  local row = { workload = wl.name, pair = "mean" }
  for _, p in ipairs(policies) do
    local sum, n = 0, 0
    for _, r in ipairs(solo) do
      if r.workload == wl.name then sum, n = sum + r[p.label], n + 1 end
    end
    row[p.label] = n > 0 and sum / n or nil
  end
  smean[#smean + 1] = row
end
abacus.print_table(smean, scols)

-- means over pairs of each ratio, per workload
local function ratio_rows(rows, what)
  local out = {}
  local ratios = {
    { "abacus+batching", "fcfs" }, { "abacus+batching", "clockwork" },
    { "abacus+batching", "triton" }, { "abacus", "fcfs" }, { "abacus+pair_late", "fcfs" },
    { "abacus+paired_drop", "fcfs" }, { "abacus+fixes", "fcfs" }, { "abacus+shed", "fcfs" },
    { "fcfs+shed", "fcfs" }, { "abacus+shed", "fcfs+shed" }, { "abacus+keep_plan", "fcfs" },
    { "abacus+keep_plan", "fcfs+shed" }, { "abacus+shed", "abacus" }, { "abacus+keep_plan", "abacus" },
    { "abacus+keep_plan", "abacus+shed" },
    { "clockwork", "fcfs" },
    { "triton", "fcfs" }, { "abacus+batching_no_drop", "fcfs" },
    { "abacus+batching_no_drop", "clockwork" }, { "abacus+batching_no_drop", "triton" },
  }
  for _, wl in ipairs(workloads) do
    for _, rt in ipairs(ratios) do
      local sum, n, lo, hi = 0, 0, math.huge, -math.huge
      for _, r in ipairs(rows) do
        if r.workload == wl.name and r[rt[1]] and r[rt[2]] and r[rt[2]] > 0 then
          local x = r[rt[1]] / r[rt[2]]
          sum, n = sum + x, n + 1
          lo, hi = math.min(lo, x), math.max(hi, x)
        end
      end
      if n > 0 then
        out[#out + 1] = { workload = wl.name, what = what, ratio = rt[1] .. " / " .. rt[2],
                          mean = sum / n, lo = lo, hi = hi, n = n }
      end
    end
  end
  return out
end
local summary = ratio_rows(peaks, "peak")
for _, r in ipairs(ratio_rows(over, "goodput")) do summary[#summary + 1] = r end
print()
print("means over pairs")
abacus.print_table(summary, {
  { "workload", "load" }, { "what", "measure" }, { "ratio", "ratio" },
  { "mean", "mean", "%.3f" }, { "lo", "min", "%.3f" }, { "hi", "max", "%.3f" }, { "n", "pairs" },
})
