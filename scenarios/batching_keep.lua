-- batching_keep.lua: abacus with batching with and without keep_on_time
-- (no run trades a query that ends in time for others: the urgent run
-- ends late none of its queries a shorter run ends in time, a partner's
-- run joins whole only where it makes no query of the group that ends on
-- time without it late), against clockwork, on the 21 pairs
-- of scenarios/batching.lua, as it runs them (its QoS rule, batch mixes,
-- max_batch, 4000 queries, the paired drop rule for abacus with batching
-- at the peak and at the overload).
--
--   abacus run scenarios/batching_keep.lua [GPU [SEED]]
--
-- GPU default h200, SEED default 1. Prints, per workload and pair, each
-- policy's peak load within QoS (x C), then the means over the pairs of
-- the ratios, over all 21 and over the two halves (odd and even places in
-- the pairs' order), and goodput at 1.5 x C of the two abacus variants.
local gpu = arg[1] or "h200"
local seed = math.tointeger(tonumber(arg[2] or "1"))
assert(seed, "SEED must be an integer, got " .. tostring(arg[2]))
local QOS_FACTOR, OVERLOAD = 4.5, 1.5
local prs = abacus.model_pairs()
local workloads = {
  { name = "pairs", cnn = { 1, 2, 4, 8 }, bert = { 1, 2, 4 } },
  { name = "paper", cnn = { 4, 8, 16, 32 }, bert = { 4, 8, 16 } },
}
local policies = {
  { label = "clockwork", policy = "clockwork" },
  { label = "abacus+batching", policy = "abacus", batching = true, abandon = "paired" },
  { label = "abacus+batching+keep", policy = "abacus", batching = true, abandon = "paired",
    keep_on_time = true },
}

local function service(model, wl, merges)
  local s = { model = model, batch = model == "bert" and wl.bert or wl.cnn }
  if model == "bert" then s.seq = { 16, 32, 64, 128 } end
  if merges then s.max_batch = model == "bert" and 16 or 32 end
  return s
end

local function base(pr, wl, p, qos, cap, phase)
  local sa, sb = service(pr[1], wl, true), service(pr[2], wl, true)
  sa.qos_ms, sb.qos_ms = qos, qos
  local pair = pr[1] .. "+" .. pr[2]
  return {
    name = "batching-keep-" .. phase .. "-" .. wl.name .. "-" .. pair, device = "sim", gpu = gpu,
    services = { sa, sb }, policy = p.policy, batching = p.batching,
    keep_on_time = p.keep_on_time, load = { kind = "poisson", qps = 1 }, queries = 4000,
    seed = seed, abandon = p.abandon or false, store_queries = false,
    tags = { experiment = "batching-keep", workload = wl.name, pair = pair, label = p.label,
             phase = phase, capacity = cap, seed = seed },
  }
end

local rows = {}
for _, wl in ipairs(workloads) do
  for _, pr in ipairs(prs) do
    local sa, sb = service(pr[1], wl), service(pr[2], wl)
    local qos = QOS_FACTOR * (abacus.largest_solo_ms(sa, gpu) + abacus.largest_solo_ms(sb, gpu))
    local cap = abacus.serial_capacity({ sa, sb }, gpu)
    local row = { workload = wl.name, pair = pr[1] .. "+" .. pr[2] }
    for _, p in ipairs(policies) do
      local peak, at_hi = abacus.capacity(base(pr, wl, p, qos, cap, "peak"),
        { lo = 0.1 * cap, hi = 4 * cap, rel = 0.005 })
      assert(not at_hi, row.pair .. " " .. p.label .. ": served 4 x C, the range is too small")
      row[p.label] = peak / cap
      if p.policy == "abacus" then
        local r = base(pr, wl, p, qos, cap, "over")
        r.load.qps = OVERLOAD * cap
        row[p.label .. " good"] = abacus.run(r).throughput_qps
      end
    end
    rows[#rows + 1] = row
  end
end

print(string.format("peak load within QoS (x C), simulated %s, seed %d", gpu, seed))
abacus.print_table(rows, {
  { "workload", "load" }, { "pair", "pair" }, { "clockwork", "clockwork", "%.3f" },
  { "abacus+batching", "abacus+batching", "%.3f" },
  { "abacus+batching+keep", "+keep_on_time", "%.3f" },
})
local ratios = {
  { "abacus+batching", "clockwork" }, { "abacus+batching+keep", "clockwork" },
  { "abacus+batching+keep", "abacus+batching" },
  { "abacus+batching+keep good", "abacus+batching good" },
}
local out = {}
for _, wl in ipairs(workloads) do
  for _, rt in ipairs(ratios) do
    local r = { workload = wl.name, ratio = rt[1] .. " / " .. rt[2] }
    local sum, n, lo, hi, half = 0, 0, math.huge, -math.huge, { { 0, 0 }, { 0, 0 } }
    for _, row in ipairs(rows) do
      if row.workload == wl.name then
        local x = row[rt[1]] / row[rt[2]]
        n = n + 1
        sum, lo, hi = sum + x, math.min(lo, x), math.max(hi, x)
        local h = half[(n - 1) % 2 + 1]
        h[1], h[2] = h[1] + x, h[2] + 1
      end
    end
    r.mean, r.lo, r.hi = sum / n, lo, hi
    r.odd, r.even = half[1][1] / half[1][2], half[2][1] / half[2][2]
    out[#out + 1] = r
  end
end
print()
print("means over the pairs (odd, even: the two halves; good: goodput at 1.5 x C)")
abacus.print_table(out, {
  { "workload", "load" }, { "ratio", "ratio" }, { "mean", "mean", "%.4f" },
  { "lo", "min", "%.3f" }, { "hi", "max", "%.3f" }, { "odd", "odd", "%.4f" },
  { "even", "even", "%.4f" },
})
