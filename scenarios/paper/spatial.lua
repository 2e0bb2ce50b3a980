-- spatial.lua: beyond §7.5, spatial against temporal sharing of one GPU.
--
--   abacus run scenarios/paper/spatial.lua [DEVICE] [GPU] [quick] [PART...]
--   PART: pairs isolation split (default all three); PAIRS=a+b,c+d picks
--   pairs; LOADS=peak (sim: the peak-load search) or qos,thr (the
--   protocol's two loads; the default on a GPU, where a search costs too
--   many runs); SPLIT=sms (live: run that split of the split set, and
--   halves, at SPLIT_QPS q/s)
--
--  * pairs: for the 21 pairs of the 7.2-7.3 rows (data/paper/protocol.csv:
--    QoS target and loads), each model alone in its half of the GPU
--    (two partitions of sms = 0.5, abacus in each) against both sharing
--    the whole GPU under abacus: the peak load within QoS of each (a
--    binary search, abacus.capacity) or p99/QoS and goodput at the
--    protocol's QoS and throughput loads;
--  * isolation: a service's p99 in its half while the other half goes
--    from idle (one query a second) to overload (three times its serial
--    capacity): the change in percent (target: at most 5);
--  * split: for one set of services in two partitions, the SM split that
--    maximises the peak load within QoS, searched on the simulator over
--    every split the granularity allows; prints the pick against halves.
local P = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/common.lua")
local o = P.args(arg)
local parts = {}
for _, a in ipairs(arg) do
  if a == "pairs" or a == "isolation" or a == "split" then parts[a] = true end
end
if not next(parts) then parts = { pairs = true, isolation = true, split = true } end
local loads = os.getenv("LOADS") or (o.device == "sim" and "peak" or "qos,thr")
print(string.format("spatial against temporal on %s %s, %d queries a run, seeds 1-%d, loads %s%s",
  o.device, o.gpu, o.queries, #o.seeds, loads, o.quick and " (quick)" or ""))

local function halves(n) -- each of n services alone in its partition
  local t = {}
  for i = 1, n do t[i] = { sms = 1 / n, services = { i } } end
  return t
end

-- one run table; parts: nil (whole GPU) or a partitions list
local function run_table(su, load, seed, name, tags, partitions)
  local t = P.run_table(su, o, "abacus", load, seed, name, tags)
  t.partitions = partitions
  return t
end

local function mean_of(results, key)
  local xs = {}
  for _, r in ipairs(results) do xs[#xs + 1] = r[key] end
  return (abacus.mean_sd(xs))
end

local function peak(su, partitions, name)
  local t = run_table(su, su.capacity, 1, name, { search = "peak" }, partitions)
  t.queries = o.queries
  local q, top = abacus.capacity(t, { lo = 0.1 * su.capacity, hi = 4 * su.capacity, rel = 0.02 })
  return q, top
end

if parts.pairs then
  local want = os.getenv("PAIRS")
  local rows = {}
  for _, row in ipairs(P.protocol("7.2-7.3")) do
    if not want or ("," .. want .. ","):find("," .. row.models .. ",", 1, true) then rows[#rows + 1] = row end
  end
  if o.quick and not want then rows = { rows[1], rows[#rows] } end
  local out = {}
  for _, row in ipairs(rows) do
    local su = P.setup(row, o)
    local m = { combo = su.combo, qos_ms = su.qos_ms }
    if loads == "peak" then
      m.spatial = peak(su, halves(2), "spatial-halves-" .. su.combo)
      m.temporal = peak(su, nil, "spatial-whole-" .. su.combo)
      m.gain = m.temporal / m.spatial
      out[#out + 1] = m
    else
      for load in loads:gmatch("[^,]+") do
        local r = { combo = su.combo, load = load, qps = su.qps[load] }
        for _, k in ipairs({ "spatial", "temporal" }) do
          local rs = {}
          for _, seed in ipairs(o.seeds) do
            rs[#rs + 1] = abacus.run(run_table(su, load, seed, "spatial-" .. k .. "-" .. su.combo,
              { experiment = "spatial", sharing = k }, k == "spatial" and halves(2) or nil))
          end
          r[k .. "_tail"] = mean_of(rs, "p99_qos")
          r[k .. "_good"] = mean_of(rs, "throughput_qps")
        end
        out[#out + 1] = r
      end
    end
  end
  if loads == "peak" then
    print("\nPeak load within QoS (q/s, 99% of queries within the target): each model alone in its half (spatial) against both on the whole GPU under abacus (temporal)")
    abacus.print_table(out, { { "combo", "pair" }, { "qos_ms", "QoS ms", "%.2f" },
      { "spatial", "spatial q/s", "%.1f" }, { "temporal", "temporal q/s", "%.1f" },
      { "gain", "temporal/spatial", "%.2f" } })
  else
    print("\nSpatial (halves) against temporal (whole GPU, abacus): p99/QoS and goodput (q/s)")
    abacus.print_table(out, { { "combo", "pair" }, { "load", "load" }, { "qps", "q/s", "%.0f" },
      { "spatial_tail", "spatial p99/QoS", "%.2f" }, { "temporal_tail", "temporal p99/QoS", "%.2f" },
      { "spatial_good", "spatial goodput", "%.1f" }, { "temporal_good", "temporal goodput", "%.1f" } })
  end
end

if parts.isolation then
  -- the watched service at its share of the QoS load; the other idle, then
  -- overloaded
  local pairs_ = { "resnet101+vgg19", "bert+resnet152", "resnet152+resnet101" }
  local out = {}
  for _, combo in ipairs(pairs_) do
    local models = {}
    for m in combo:gmatch("[^+]+") do models[#models + 1] = m end
    local su = P.setup({ models = combo, qos_factor = P.protocol("7.5-mig")[1].qos_factor,
      load_qos_over_capacity = 0.6, load_thr_over_capacity = 1.2, qos_ms_a100 = 50 }, o)
    local solo = abacus.serial_capacity({ su.services[2] }, o.gpu)
    local res = {}
    for _, other in ipairs({ "idle", "overload" }) do
      local svcs = {}
      for i, s in ipairs(su.services) do svcs[i] = abacus.with(s, {}) end
      svcs[1].qps = 0.6 * abacus.serial_capacity({ su.services[1] }, o.gpu) / 2
      svcs[2].qps = other == "idle" and 1 or 3 * solo / 2
      local rs = {}
      for _, seed in ipairs(o.seeds) do
        local t = run_table(su, "qos", seed, "isolation-" .. combo, { experiment = "isolation", other = other }, halves(2))
        t.services, t.load = svcs, { kind = "poisson" }
        -- the watched service gets about o.queries queries either way
        t.queries = math.floor(o.queries * (svcs[1].qps + svcs[2].qps) / svcs[1].qps)
        local r = abacus.run(t)
        rs[#rs + 1] = r.services[1]
      end
      res[other] = mean_of(rs, "p99_ms")
    end
    out[#out + 1] = { combo = combo, watched = models[1], idle = res.idle, over = res.overload,
      change = 100 * (res.overload - res.idle) / res.idle }
  end
  print("\nIsolation: the first service's p99 (ms) in its half while the other half is idle, then overloaded (3x its serial capacity)")
  abacus.print_table(out, { { "combo", "halves" }, { "watched", "watched" }, { "idle", "p99 other idle", "%.2f" },
    { "over", "p99 other overloaded", "%.2f" }, { "change", "change %", "%+.1f" } })
end

if parts.split then
  local combo = { { "resnet101", "bert" }, { "resnet152", "vgg19" } }
  local row = P.protocol("7.5-mig")[1]
  local su = P.setup(row, o)
  local idx = {}
  for i, m in ipairs(su.models) do idx[m] = i end
  local function split_parts(a, b)
    local t = {}
    for k, ms in ipairs(combo) do
      local svc = {}
      for _, m in ipairs(ms) do svc[#svc + 1] = idx[m] end
      t[k] = { sms = k == 1 and a or b, services = svc }
    end
    return t
  end
  -- Unequal partitions are made of co-scheduled groups of 8 SMs, of which
  -- the driver gives 15 on a 132-SM Hopper (120 SMs); equal halves are
  -- split directly, 64 + 64 (docs/partitions.md, "Splitting").
  local total, step, groups = 132, 8, 15
  local function other(a)
    if a == 64 then return 64 end
    return math.min(math.floor((total - a) / step) * step, groups * step - a)
  end
  local forced = tonumber(os.getenv("SPLIT") or "")
  local out, best = {}, nil
  if forced then
    local qps = tonumber(os.getenv("SPLIT_QPS") or su.qps.thr)
    for _, a in ipairs({ forced, 64 }) do
      local b = other(a)
      local rs = {}
      for _, seed in ipairs(o.seeds) do
        rs[#rs + 1] = abacus.run(run_table(su, qps, seed, "split-" .. a .. "-" .. b, { experiment = "split" }, split_parts(a, b)))
      end
      out[#out + 1] = { split = a .. "+" .. b, qps = qps, tail = mean_of(rs, "p99_qos"), good = mean_of(rs, "throughput_qps") }
    end
    print("\nThe split's pick against halves, at one load")
    abacus.print_table(out, { { "split", "SMs" }, { "qps", "q/s", "%.0f" }, { "tail", "p99/QoS", "%.2f" }, { "good", "goodput", "%.1f" } })
  else
    for a = step, groups * step - step, step do
      local b = other(a)
      if b >= step then
        local q = peak(su, split_parts(a, b), "split-" .. a .. "-" .. b)
        out[#out + 1] = { split = a .. "+" .. b, a = a, qps = q }
        if not best or q > best.qps then best = out[#out] end
      end
    end
    local halves_q
    for _, r in ipairs(out) do if r.a == 64 then halves_q = r.qps end end
    print(string.format("\nSplit search: %s | %s, peak load within QoS per split (partition 1 SMs + partition 2 SMs)",
      table.concat(combo[1], "+"), table.concat(combo[2], "+")))
    abacus.print_table(out, { { "split", "SMs" }, { "qps", "peak q/s", "%.1f" } })
    print(string.format("pick: %s at %.1f q/s; halves (64+64) %.1f q/s (%.2fx)", best.split, best.qps,
      halves_q, best.qps / halves_q))
  end
end
