-- common.lua: the Abacus paper's protocol, shared by the scenarios of
-- scenarios/paper/ (each loads it with dofile from its own folder).
--
-- The rules, taken from the paper's artifact (data/paper/README.md) and
-- carried over to the GPU a run names:
--  * services: each query draws batch 4, 8, 16 or 32 (bert: seq 8, 16, 32
--    or 64); a batch or seq the GPU's profile (data/<gpu>/ops.csv) did not
--    measure is left out, and the scenario says so (data/h200, since
--    117674a, and data/h100 measure every batch 1 to 32, bert's too);
--  * QoS target of a combination: the paper's qos_factor (its target over
--    the sum of its services' solo latencies at batch 32) times the same
--    sum on this GPU (each service's solo latency at its largest batch and
--    seq, abacus.largest_solo_ms);
--  * loads: the paper's load_qos_over_capacity and load_thr_over_capacity
--    (its two loads as shares of its serial capacity) times this GPU's
--    serial capacity (abacus.serial_capacity over the same draws);
--  * abandon: the baselines "late" (dropped on reaching the head of the
--    queue past the deadline), abacus "predictive" (dropped when its
--    headroom cannot cover its predicted remaining time);
--  * abacus: ways 2 and the search threshold as the paper's 5 ms was to
--    that combination's QoS target (threshold_qos);
--  * 1000 queries a run, seeds 1, 2, 3 (SEEDS=n for more).
-- Quick mode (the word `quick` among the arguments, or QUICK=1) runs a
-- few combinations with 2 seeds and 300 queries, for tests.
-- The word `eager` (cuda only) runs the live engine without CUDA graphs
-- (graphs = false), as the paper's launch-bound eager executors ran: its
-- runs are named "...-eager" and tagged engine = "eager", beside the
-- graphs runs of the same database. The word `threads` (cuda only) adds
-- launch_threads = true, each service's segments launched from a host
-- thread of its own as the paper's process per model launched them (without
-- it, launch-bound segments from one thread cannot overlap): runs named
-- "...-threads", the engine tag gaining "+threads".
local P = {}

P.dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
P.root = P.dir .. "/../.."
P.policies = { "fcfs", "sjf", "edf", "abacus" }
P.paper_name = { fcfs = "FCFS", sjf = "SJF", edf = "EDF", abacus = "Abacus" }

-- Rows of a CSV file with a header (no quoted fields: the paper's files
-- have none), numbers converted.
function P.read_csv(path)
  local f, err = io.open(path)
  if not f then error("cannot read " .. path .. ": " .. tostring(err), 2) end
  local head, rows = nil, {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line ~= "" and not line:match("^#") then
      local cells = {}
      for c in (line .. ","):gmatch("([^,]*),") do cells[#cells + 1] = c end
      if not head then
        head = cells
      else
        local row = {}
        for i, h in ipairs(head) do
          local v = cells[i]
          row[h] = tonumber(v) or v
        end
        rows[#rows + 1] = row
      end
    end
  end
  f:close()
  return rows
end

-- The paper's short model names, as its result files write them.
local short = {
  { "Resn152", "resnet152" }, { "Res152", "resnet152" }, { "Res101", "resnet101" },
  { "Res50", "resnet50" }, { "IncepV3", "inception_v3" }, { "VGG16", "vgg16" },
  { "VGG19", "vgg19" }, { "Bert", "bert" },
}

-- "Res50+Res101" or "Res50Res101" -> "resnet50+resnet101".
function P.combo_of(colocation)
  local out, s = {}, colocation:gsub("[+_]", "")
  while #s > 0 do
    local hit
    for _, p in ipairs(short) do
      if s:sub(1, #p[1]) == p[1] then hit = p break end
    end
    if not hit then error("unknown model name in the paper's colocation " .. colocation) end
    out[#out + 1] = hit[2]
    s = s:sub(#hit[1] + 1)
  end
  return table.concat(out, "+")
end

-- The paper's results of one file (data/paper/result-KIND-SET.csv) by
-- combination and policy: { tail, completed, violation }.
function P.paper_results(kind, set)
  local res = {}
  for _, row in ipairs(P.read_csv(P.root .. "/data/paper/result-" .. kind .. "-" .. set .. ".csv")) do
    local by = {}
    for _, pol in ipairs(P.policies) do
      local n = P.paper_name[pol]
      by[pol] = { tail = row[n .. "_tail"], completed = row[n .. "_throughput"],
                  violation = row[n .. "_violation"] }
    end
    res[P.combo_of(row.colocation)] = by
  end
  return res
end

-- protocol.csv's rows of one experiment ("7.2-7.3", "7.4-3in4", ...).
function P.protocol(experiment)
  local out = {}
  for _, row in ipairs(P.read_csv(P.root .. "/data/paper/protocol.csv")) do
    if row.experiment == experiment then out[#out + 1] = row end
  end
  if #out == 0 then error("no experiment " .. experiment .. " in data/paper/protocol.csv") end
  return out
end

-- The run's arguments: [DEVICE] [GPU] [quick], in any order after the
-- device; QUICK=1, SEEDS=n and QUERIES=n (watched queries a run, default
-- 1000, quick 300) from the environment.
function P.args(argv)
  local o = { device = "sim", gpu = "h200", quick = os.getenv("QUICK") == "1" }
  local pos = {}
  for _, a in ipairs(argv or {}) do
    if a == "quick" then o.quick = true
    elseif a == "eager" then o.eager = true
    elseif a == "threads" then o.threads = true
    else pos[#pos + 1] = a end
  end
  o.device = pos[1] or o.device
  o.gpu = pos[2] or o.gpu
  if o.eager and o.device ~= "cuda" then
    error("eager turns the live engine's CUDA graphs off: it needs device cuda, not " .. o.device, 0)
  end
  if o.threads and o.device ~= "cuda" then
    error("threads launches each service from a host thread of its own: it needs device cuda, not "
          .. o.device, 0)
  end
  local n = tonumber(os.getenv("SEEDS") or (o.quick and 2 or 3))
  assert(n and n >= 1 and n == math.floor(n), "SEEDS must be a positive integer")
  o.seeds = {}
  for s = 1, n do o.seeds[s] = s end
  o.queries = o.quick and 300 or 1000
  local q = os.getenv("QUERIES")
  if q then
    o.queries = tonumber(q)
    if not o.queries or o.queries < 1 or o.queries ~= math.floor(o.queries) then
      error("QUERIES must be a positive integer, not '" .. q .. "'", 0)
    end
  end
  -- SHARE_BW=true or TB/s: the simulated partitions share the GPU's
  -- memory bandwidth (the run option share_bw, sim only)
  local sb = os.getenv("SHARE_BW")
  if sb and sb ~= "" then
    o.share_bw = sb == "true" or tonumber(sb)
    if not o.share_bw then error("SHARE_BW must be true or TB/s, not '" .. sb .. "'", 0) end
  end
  return o
end

-- The batches and seqs gpu's profile measured, per model.
local measured = {}
local notes = {}
local function profile_of(gpu)
  if measured[gpu] then return measured[gpu] end
  local dir = os.getenv("ABACUS_DATA") or (P.root .. "/data")
  local m = {}
  for _, row in ipairs(P.read_csv(dir .. "/" .. gpu .. "/ops.csv")) do
    local e = m[row.model] or { batch = {}, seq = {} }
    e.batch[row.batch] = true
    e.seq[row.seq] = true
    m[row.model] = e
  end
  measured[gpu] = m
  return m
end

-- The paper's draws, less what gpu's profile lacks (said once on stderr).
function P.service(model, gpu, batches)
  local prof = profile_of(gpu)[model]
  if not prof then error("data/" .. gpu .. "/ops.csv has no " .. model) end
  local want_b = batches or { 4, 8, 16, 32 }
  local s = { model = model, batch = {} }
  local lack = {}
  for _, b in ipairs(want_b) do
    if prof.batch[b] then s.batch[#s.batch + 1] = b else lack[#lack + 1] = "batch " .. b end
  end
  if model == "bert" then
    s.seq = {}
    for _, q in ipairs{ 8, 16, 32, 64 } do
      if prof.seq[q] then s.seq[#s.seq + 1] = q else lack[#lack + 1] = "seq " .. q end
    end
  end
  if #s.batch == 0 then error(model .. ": none of the paper's batches is in data/" .. gpu .. "/ops.csv") end
  if #lack > 0 then
    local key = gpu .. model .. table.concat(lack, ",")
    if not notes[key] then
      notes[key] = true
      io.stderr:write(string.format("note: data/%s/ops.csv has no %s %s: %s draws batch %s%s\n",
        gpu, model, table.concat(lack, ", "), model, table.concat(s.batch, ", "),
        s.seq and (" at seq " .. table.concat(s.seq, ", ")) or ""))
    end
  end
  return s
end

-- Everything a combination's runs need, from its protocol row: services
-- with their QoS target, the serial capacity, the two loads (q/s) and
-- abacus's threshold share. batches: the draws (default the paper's);
-- qos_scale scales the target (for the small queries).
function P.setup(row, o, batches)
  local models = {}
  for m in row.models:gmatch("[^+]+") do models[#models + 1] = m end
  local svcs, sum = {}, 0
  for i, m in ipairs(models) do
    svcs[i] = P.service(m, o.gpu, batches)
    sum = sum + abacus.largest_solo_ms(svcs[i], o.gpu)
  end
  local qos = row.qos_factor * sum
  for _, s in ipairs(svcs) do s.qos_ms = qos end
  local cap = abacus.serial_capacity(svcs, o.gpu)
  return {
    combo = row.models, models = models, services = svcs, qos_ms = qos, solo_sum_ms = sum,
    capacity = cap, qps = { qos = row.load_qos_over_capacity * cap, thr = row.load_thr_over_capacity * cap },
    load_share = { qos = row.load_qos_over_capacity, thr = row.load_thr_over_capacity },
    threshold_qos = 5 / row.qos_ms_a100, paper = row,
  }
end

-- The abacus.run table of one run of the paper's protocol.
function P.run_table(su, o, policy, load, seed, name, tags)
  local t = {
    name = name, device = o.device, gpu = o.gpu, services = su.services, policy = policy,
    load = { kind = "poisson", qps = su.qps[load] or load }, queries = o.queries, seed = seed,
    abandon = policy == "abacus" and "predictive" or "late",
    tags = abacus.with({ combo = su.combo, policy = policy, load = type(load) == "string" and load or "qps",
                         seed = seed, qos_ms = su.qos_ms, capacity = su.capacity }, tags),
  }
  if policy == "abacus" then t.ways, t.threshold_qos = 2, su.threshold_qos end
  t.share_bw = o.share_bw
  if o.eager then
    t.graphs, t.name, t.tags.engine = false, name .. "-eager", "eager"
  end
  if o.threads then
    t.launch_threads, t.name = true, t.name .. "-threads"
    t.tags.engine = (t.tags.engine and t.tags.engine .. "+" or "") .. "threads"
  end
  return t
end

-- Mean and spread over seeds of the paper's measures of a list of results.
function P.summarise(results)
  local cols = { p99_qos = {}, violation_ratio = {}, completed = {}, throughput_qps = {}, late = {}, dropped = {} }
  for _, r in ipairs(results) do
    for k, v in pairs(cols) do v[#v + 1] = r[k] end
  end
  local s = {}
  for k, v in pairs(cols) do
    s[k], s[k .. "_sd"] = abacus.mean_sd(v)
  end
  return s
end

-- "1.23 +- 0.04"
function P.pm(mean, sd, fmt)
  fmt = fmt or "%.2f"
  if mean ~= mean then return "-" end
  return string.format(fmt .. " +- " .. fmt, mean, sd or 0)
end

-- The printed columns of a summary m: ours as mean +- spread, and the
-- paper's figures of the same combination and policy (pp; nil: none).
function P.beside_paper(m, pp)
  if pp then m.paper_tail, m.paper_completed, m.paper_violation = pp.tail, pp.completed, pp.violation end
  m.ours_tail = P.pm(m.p99_qos, m.p99_qos_sd)
  m.ours_viol = P.pm(m.violation_ratio, m.violation_ratio_sd, "%.3f")
  m.ours_done = P.pm(m.completed, m.completed_sd, "%.0f")
end

-- The combinations of an experiment, fewer in quick mode; PAIRS=a+b,c+d
-- in the environment picks those combinations (quick or not).
function P.rows(experiment, o, quick_n)
  local rows = P.protocol(experiment)
  local want = os.getenv("PAIRS")
  if want then
    local some = {}
    for _, row in ipairs(rows) do
      if ("," .. want .. ","):find("," .. row.models .. ",", 1, true) then some[#some + 1] = row end
    end
    if #some == 0 then error("PAIRS names no combination of " .. experiment .. ": " .. want, 0) end
    return some
  end
  if o.quick then
    local few = {}
    for i = 1, math.min(quick_n or 2, #rows) do few[i] = rows[i] end
    return few
  end
  return rows
end

-- Runs every combination of rows under every policy and seed at one load
-- ("qos" or "thr") and prints the paper's measures beside its numbers.
-- e: name (of the runs), rows, o (P.args), load, paper (P.paper_results
-- or nil), batches (draws, default the paper's), tags (added to every
-- run's), title. Returns one row per combination and policy, with the
-- mean and sd over seeds and the paper's figures, and the summary rows
-- (per policy, the mean over combinations).
function P.experiment(e)
  local o, out = e.o, {}
  for _, row in ipairs(e.rows) do
    local su = P.setup(row, o, e.batches)
    for _, pol in ipairs(P.policies) do
      local rs = {}
      for _, seed in ipairs(o.seeds) do
        rs[#rs + 1] = abacus.run(P.run_table(su, o, pol, e.load, seed, e.name .. "-" .. su.combo, e.tags))
      end
      local m = P.summarise(rs)
      m.combo, m.policy, m.qos_ms, m.qps = su.combo, pol, su.qos_ms, su.qps[e.load]
      P.beside_paper(m, e.paper and e.paper[su.combo] and e.paper[su.combo][pol])
      out[#out + 1] = m
    end
  end
  print("\n" .. e.title)
  abacus.print_table(out, {
    { "combo", "combination" }, { "policy", "policy" }, { "qos_ms", "QoS ms", "%.2f" },
    { "qps", "q/s", "%.0f" }, { "ours_tail", "p99/QoS" }, { "paper_tail", "paper", "%.2f" },
    { "ours_viol", "violations" }, { "paper_violation", "paper", "%.3f" },
    { "ours_done", "completed" }, { "paper_completed", "paper", "%.0f" },
    { "throughput_qps", "goodput q/s", "%.1f" },
  })
  local sum = {}
  for _, pol in ipairs(P.policies) do
    local acc = { policy = pol, n = 0, ok = 0, tail = 0, viol = 0, done = 0, ptail = 0, pviol = 0, pdone = 0, pn = 0 }
    for _, m in ipairs(out) do
      if m.policy == pol then
        acc.n = acc.n + 1
        acc.tail, acc.viol, acc.done = acc.tail + m.p99_qos, acc.viol + m.violation_ratio, acc.done + m.completed
        if m.p99_qos <= 1 then acc.ok = acc.ok + 1 end
        if m.paper_tail then
          acc.pn = acc.pn + 1
          acc.ptail, acc.pviol, acc.pdone = acc.ptail + m.paper_tail, acc.pviol + m.paper_violation, acc.pdone + m.paper_completed
        end
      end
    end
    acc.tail, acc.viol, acc.done = acc.tail / acc.n, acc.viol / acc.n, acc.done / acc.n
    if acc.pn > 0 then
      acc.ptail, acc.pviol, acc.pdone = acc.ptail / acc.pn, acc.pviol / acc.pn, acc.pdone / acc.pn
    else
      acc.ptail, acc.pviol, acc.pdone = nil, nil, nil
    end
    sum[#sum + 1] = acc
  end
  print()
  abacus.print_table(sum, {
    { "policy", "policy" }, { "n", "combinations" }, { "ok", "p99<=QoS" },
    { "tail", "mean p99/QoS", "%.3f" }, { "ptail", "paper", "%.3f" },
    { "viol", "mean violations", "%.3f" }, { "pviol", "paper", "%.3f" },
    { "done", "mean completed", "%.0f" }, { "pdone", "paper", "%.0f" },
  })
  return out, sum
end

return P
