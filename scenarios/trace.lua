-- trace.lua: replay recorded arrivals under every policy.
--
--   abacus run scenarios/trace.lua [FILE] [DEVICE] [GPU] [LOAD]
--   (defaults: tests/data/cluster-load-per-minute.csv sim h200 0.8)
--
-- FILE is one of:
--  * a query trace, header time_ms,model,batch[,seq] (as `load.kind =
--    "trace"` reads it, models by name): every row is a query. The services
--    are the models it names, each allowed the batch sizes (and sequence
--    lengths) its rows use; LOAD is not used.
--  * a per-minute rate file, header minute,qps: a cluster's load over
--    time. The services are the quickstart's (resnet50 and bert), the
--    rates scaled so that their mean is LOAD x the GPU's serial capacity C
--    (as in pairs.lua), one minute played in one second.
-- The QoS target of every service, as in pairs.lua: 4.5 x the sum of the
-- services' solo latencies at their largest batch (and sequence length).
local QOS_FACTOR = 4.5

local here = (arg[0] or ""):match("^(.*)/[^/]*$") or "."
local file = arg[1] or (here .. "/../tests/data/cluster-load-per-minute.csv")
local device = arg[2] or "sim"
local gpu = arg[3] or "h200"
local load_factor = tonumber(arg[4] or 0.8)
assert(load_factor and load_factor > 0, "LOAD must be a positive number, got " .. tostring(arg[4]))

local f, open_err = io.open(file, "r")
assert(f, open_err)
local header, rows = nil, {}
for line in f:lines() do
  line = line:gsub("#.*$", ""):gsub("%s", "")
  if line ~= "" then
    local fields = {}
    for v in (line .. ","):gmatch("([^,]*),") do fields[#fields + 1] = v end
    if not header then header = fields else rows[#rows + 1] = fields end
  end
end
f:close()
assert(header, file .. ": empty")

local function col(name)
  for i, h in ipairs(header) do
    if h == name then return i end
  end
end

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local services, load, what
if col("minute") and col("qps") then
  services = {
    { model = "resnet50", batch = {1, 2, 4, 8} },
    { model = "bert", batch = {1, 2, 4}, seq = {16, 32, 64, 128} },
  }
  local capacity = abacus.serial_capacity(services, gpu)
  local sum = 0
  for _, r in ipairs(rows) do sum = sum + (tonumber(r[col("qps")]) or 0) end
  assert(#rows > 0 and sum > 0, file .. ": no positive rate")
  local scale = load_factor * capacity / (sum / #rows)
  load = { kind = "rates", file = file, time_scale = 60, qps_scale = scale }
  what = string.format("%d minutes of rates, mean scaled to %.2f x C = %.0f q/s, a minute a second",
                       #rows, load_factor, load_factor * capacity)
elseif col("time_ms") and col("model") and col("batch") then
  local mc, bc, sc = col("model"), col("batch"), col("seq")
  local by_model, order = {}, {}
  for i, r in ipairs(rows) do
    local m = r[mc]
    assert(m and m ~= "" and not tonumber(m),
      string.format("%s: row %d names its model by index; trace.lua needs names", file, i))
    if not by_model[m] then
      by_model[m] = { batch = {}, seq = {} }
      order[#order + 1] = m
    end
    local b = math.tointeger(tonumber(r[bc]))
    if b then by_model[m].batch[b] = true end
    local q = sc and math.tointeger(tonumber(r[sc] or ""))
    if q then by_model[m].seq[q] = true end
  end
  assert(#order > 0, file .. ": no queries")
  services = {}
  for _, m in ipairs(order) do
    local s = { model = m, batch = sorted_keys(by_model[m].batch) }
    local seqs = sorted_keys(by_model[m].seq)
    if #seqs > 0 then s.seq = seqs end
    services[#services + 1] = s
  end
  load = { kind = "trace", file = file }
  what = string.format("%d queries", #rows)
else
  error(file .. ": header is neither time_ms,model,batch[,seq] nor minute,qps")
end

local qos = 0
for _, s in ipairs(services) do qos = qos + QOS_FACTOR * abacus.largest_solo_ms(s, gpu) end
for _, s in ipairs(services) do s.qos_ms = qos end

local names = {}
for _, s in ipairs(services) do names[#names + 1] = s.model end
print(string.format("%s on %s %s: %s; QoS %.2f ms", table.concat(names, " + "), device, gpu, what, qos))

local name = "trace-" .. (file:match("([^/]+)%.%w+$") or file)
local out = {}
for _, policy in ipairs(abacus.policies()) do
  local r = abacus.run{
    name = name, device = device, gpu = gpu, policy = policy,
    services = services, load = load, queries = 0, seed = 1, abandon = false,
  }
  out[#out + 1] = r
end
abacus.print_table(out, {
  { "policy", "policy" }, { "run_id", "run" }, { "completed", "done" },
  { "p50_ms", "p50 ms" }, { "p99_ms", "p99 ms" }, { "mean_ms", "mean ms" },
  { "violation_ratio", "violations", "%.3f" }, { "throughput_qps", "goodput q/s", "%.1f" },
})
print("latency CDF of each policy: scripts/plot.sh --db " .. abacus.db .. " cdf " .. name)
