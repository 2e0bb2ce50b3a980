-- batching_why.lua: the measurements behind the two targets of
-- scenarios/batching.lua that stay out of reach (docs/batching.md):
--
--   abacus run bench/batching_why.lua [GPU] [QUERIES] [SOLO_CSV]
--   (bench/batching_why.sh runs it and reads what it stores)
--
--  1. ceiling: how much merging alone could raise a pair's serial
--     capacity on GPU's profile: a workload's mean solo time per query
--     against the time per query were every query's samples run in
--     batches of the largest size the profile measures (32, bert 16), per
--     model and as the mean over the 21 pairs, for pairs.lua's batch mix
--     and the paper's;
--  2. overload: at 1.5 x C, every policy abandoning, fcfs and abacus under
--     the predictive, paired and shed rules, abacus also with the shed
--     rule and keep_plan (and abacus with batching
--     under the paired and shed rules), each run stored with its
--     queries (tags experiment = "batching-why") so that the on-time
--     queries' solo time per second (the work a policy gets done, however
--     it mixes cheap and dear queries) can be read beside the goodput;
--  3. merged: abacus with batching and clockwork at 1.74 x C (pairs mix)
--     and 1.09 x C (paper mix), the mean of abacus+batching's peaks in
--     bench/results/h200/batching-summary.txt, stored with their queries:
--     queries that started together on one service ran as one merged
--     batch, whose mean size the script reads.
-- SOLO_CSV: where to write each (model, batch, seq)'s solo time, for the
-- script's join.
local gpu = arg[1] or "h200"
local queries = math.tointeger(tonumber(arg[2] or 4000))
assert(queries and queries >= 100, "QUERIES must be an integer of at least 100, got " .. tostring(arg[2]))
local solo_csv = arg[3]
local QOS_FACTOR = 4.5
local models = { "resnet50", "resnet101", "resnet152", "inception_v3", "vgg16", "vgg19", "bert" }
local SEQS = { 16, 32, 64, 128 }
local mixes = {
  { name = "pairs", cnn = { 1, 2, 4, 8 }, bert = { 1, 2, 4 } },
  { name = "paper", cnn = { 4, 8, 16, 32 }, bert = { 4, 8, 16 } },
}
local function top(m) return m == "bert" and 16 or 32 end
local function batches(m, wl) return m == "bert" and wl.bert or wl.cnn end
local function seqs(m) return m == "bert" and SEQS or { 0 } end

-- 1. the ceiling
print("1. merging's ceiling: mean solo ms per query at its own batch, and per query were")
print("   its samples run in batches of the largest measured size (32, bert 16)")
local rows = {}
for _, wl in ipairs(mixes) do
  local own, full = {}, {}
  for _, m in ipairs(models) do
    local o, f, n, nb = 0, 0, 0, 0
    for _, b in ipairs(batches(m, wl)) do
      for _, q in ipairs(seqs(m)) do
        o = o + abacus.solo_ms(m, b, q, gpu)
        f = f + b * abacus.solo_ms(m, top(m), q, gpu) / top(m)
        n, nb = n + 1, nb + b
      end
    end
    own[m], full[m] = o / n, f / n
    rows[#rows + 1] = { workload = wl.name, model = m, batch = nb / n, own = o / n, full = f / n,
                        gain = o / f }
  end
  local s, n, lo, hi = 0, 0, math.huge, 0
  for i = 1, #models do
    for j = i + 1, #models do
      local x = (own[models[i]] + own[models[j]]) / (full[models[i]] + full[models[j]])
      s, n, lo, hi = s + x, n + 1, math.min(lo, x), math.max(hi, x)
    end
  end
  rows[#rows + 1] = { workload = wl.name, model = "pairs' mean", gain = s / n, lo = lo, hi = hi }
end
abacus.print_table(rows, {
  { "workload", "load" }, { "model", "model" }, { "batch", "mean batch", "%.2f" },
  { "own", "ms/query", "%.3f" }, { "full", "ms/query full", "%.3f" }, { "gain", "gain", "%.3f" },
  { "lo", "min", "%.3f" }, { "hi", "max", "%.3f" },
})

if solo_csv then
  local f = assert(io.open(solo_csv, "w"))
  f:write("model,batch,seq,solo_ms\n")
  for _, m in ipairs(models) do
    for b = 1, top(m) do
      for _, q in ipairs(seqs(m)) do
        f:write(string.format("%s,%d,%d,%.6f\n", m, b, q, abacus.solo_ms(m, b, q, gpu)))
      end
    end
  end
  f:close()
end

-- 2 and 3: the runs, stored with their queries
local function service(m, wl, merges)
  local s = { model = m, batch = batches(m, wl) }
  if m == "bert" then s.seq = SEQS end
  if merges then s.max_batch = top(m) end
  return s
end
local over = {
  { label = "fcfs", policy = "fcfs", abandon = "predictive" },
  { label = "fcfs+shed", policy = "fcfs", abandon = "shed" },
  { label = "abacus", policy = "abacus", abandon = "predictive" },
  { label = "abacus+paired_drop", policy = "abacus", abandon = "paired" },
  { label = "abacus+shed", policy = "abacus", abandon = "shed" },
  { label = "abacus+keep_plan", policy = "abacus", abandon = "shed", keep_plan = true },
  { label = "abacus+batching", policy = "abacus", batching = true, abandon = "paired" },
  { label = "abacus+batching+shed", policy = "abacus", batching = true, abandon = "shed" },
}
local merged = {
  { label = "abacus+batching", policy = "abacus", batching = true, abandon = "paired" },
  { label = "clockwork", policy = "clockwork", abandon = false },
}
local AT = { pairs = 1.74, paper = 1.09 }
local n, solo = 0, {}
for _, wl in ipairs(mixes) do
  for i = 1, #models do
    for j = i + 1, #models do
      local pr = { models[i], models[j] }
      local pair = pr[1] .. "+" .. pr[2]
      local qos = QOS_FACTOR * (abacus.largest_solo_ms(service(pr[1], wl), gpu)
        + abacus.largest_solo_ms(service(pr[2], wl), gpu))
      local cap = abacus.serial_capacity({ service(pr[1], wl), service(pr[2], wl) }, gpu)
      local function run(p, phase, x)
        local sa, sb = service(pr[1], wl, p.batching or p.policy == "clockwork"),
          service(pr[2], wl, p.batching or p.policy == "clockwork")
        sa.qos_ms, sb.qos_ms = qos, qos
        local r = abacus.run({
          name = "batching-why-" .. phase .. "-" .. wl.name .. "-" .. pair, device = "sim", gpu = gpu,
          services = { sa, sb }, policy = p.policy, batching = p.batching, keep_plan = p.keep_plan,
          load = { kind = "poisson", qps = x * cap }, queries = queries, seed = 1,
          abandon = p.abandon,
          tags = { experiment = "batching-why", workload = wl.name, pair = pair, label = p.label,
                   phase = phase },
        })
        n = n + 1
        if phase == "over" then
          solo[#solo + 1] = { workload = wl.name, pair = pair, label = p.label,
                              share = (2 * r.groups - r.segments) / r.groups }
        end
        return r
      end
      for _, p in ipairs(over) do run(p, "over", 1.5) end
      for _, p in ipairs(merged) do run(p, "merged", AT[wl.name]) end
    end
  end
end
print("\n2. share of groups run with one segment at 1.5 x C, mean over the pairs")
local srows = {}
for _, wl in ipairs(mixes) do
  for _, p in ipairs(over) do
    local sum, k = 0, 0
    for _, r in ipairs(solo) do
      if r.workload == wl.name and r.label == p.label then sum, k = sum + r.share, k + 1 end
    end
    srows[#srows + 1] = { workload = wl.name, label = p.label, share = sum / k }
  end
end
abacus.print_table(srows, { { "workload", "load" }, { "label", "policy" }, { "share", "solo groups", "%.3f" } })
print(string.format("\nstored %d runs with their queries (experiment = batching-why)", n))
