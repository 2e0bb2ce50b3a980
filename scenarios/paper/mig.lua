-- mig.lua: the Abacus paper's section 7.5 on SM partitions of one GPU.
--
--   abacus run scenarios/paper/mig.lua [DEVICE] [GPU] [QUERIES]
--   (defaults: sim h200 2000)
--
-- Four services, resnet101, resnet152, vgg19 and bert, served three ways:
--  * 1in4: four quarters of the GPU (sms = 0.25: 32 SMs of an H200), one
--    model each;
--  * 2in4: two halves (sms = 0.5: 64 SMs each), a pair on each, in the
--    paper's three pairings;
--  * 4in4: all four on the whole GPU.
-- Every policy, at a QoS load and a throughput load.
--
-- The rules, from the paper's protocol (data/paper/mig.csv, the 7.5-mig
-- row of its protocol table):
--  * QoS target of every service: qos_factor x the sum of the four
--    services' solo latencies at their largest batch (and sequence) on the
--    whole GPU (abacus.largest_solo_ms);
--  * loads: load_qos_over_capacity and load_thr_over_capacity times the
--    whole GPU's serial capacity C of the four (abacus.serial_capacity),
--    one Poisson stream, each query picking a service uniformly;
--  * every policy abandons as in the paper: the baselines drop a head
--    already past its deadline ("late"), abacus predictively (true);
--  * measures: at the QoS load, p99 over QoS (the paper's tail figure);
--    at the throughput load, queries completed, late ones included (the
--    paper's throughput figure), beside goodput.
-- Batches are ours (1, 2, 4, 8; bert 1, 2, 4 at sequence 16 to 128), as
-- in pairs.lua: the profiles hold those.
--
-- On the simulator a partition replays a profile scaled from the whole
-- GPU's by the model of docs/partitions.md, not one measured at its size.
local device = arg[1] or "sim"
local gpu = arg[2] or "h200"
local queries = math.tointeger(tonumber(arg[3] or 2000))
assert(queries and queries > 0, "QUERIES must be a positive integer, got " .. tostring(arg[3]))

-- the 7.5-mig row of the protocol
local proto
do
  local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
  local f = assert(io.open(here .. "../../data/paper/mig.csv"), "mig.lua: data/paper/mig.csv not found")
  local head = {}
  for k in f:read("l"):gsub("\r$", ""):gmatch("[^,]+") do head[#head + 1] = k end
  for line in f:lines() do
    local row, i = {}, 1
    for v in line:gsub("\r$", ""):gmatch("[^,]+") do row[head[i]] = v; i = i + 1 end
    if row.experiment == "7.5-mig" then proto = row end
  end
  f:close()
  assert(proto, "mig.lua: no 7.5-mig row in data/paper/mig.csv")
end
local QOS_FACTOR = tonumber(proto.qos_factor)
local LOADS = {
  { "qos", tonumber(proto.load_qos_over_capacity) },
  { "throughput", tonumber(proto.load_thr_over_capacity) },
}

local function service(model)
  if model == "bert" then
    return { model = model, batch = {1, 2, 4}, seq = {16, 32, 64, 128} }
  end
  return { model = model, batch = {1, 2, 4, 8} }
end
local models = { "resnet101", "resnet152", "vgg19", "bert" }
local S = {}
for i, m in ipairs(models) do S[i] = service(m) end
local sum = 0
for _, s in ipairs(S) do sum = sum + abacus.largest_solo_ms(s, gpu) end
local qos = QOS_FACTOR * sum
for _, s in ipairs(S) do s.qos_ms = qos end
local capacity = abacus.serial_capacity(S, gpu)

-- service numbers: 1 resnet101, 2 resnet152, 3 vgg19, 4 bert
local configs = {
  { "1in4", "r101|r152|vgg19|bert", {
      { sms = 0.25, services = {1} }, { sms = 0.25, services = {2} },
      { sms = 0.25, services = {3} }, { sms = 0.25, services = {4} } } },
  { "2in4", "r101+bert|r152+vgg19", {
      { sms = 0.5, services = {1, 4} }, { sms = 0.5, services = {2, 3} } } },
  { "2in4", "r101+r152|vgg19+bert", {
      { sms = 0.5, services = {1, 2} }, { sms = 0.5, services = {3, 4} } } },
  { "2in4", "r101+vgg19|r152+bert", {
      { sms = 0.5, services = {1, 3} }, { sms = 0.5, services = {2, 4} } } },
  { "4in4", "all four", nil },
}

local rows = {}
for _, cfg in ipairs(configs) do
  for _, ld in ipairs(LOADS) do
    for _, policy in ipairs(abacus.policies()) do
      local r = abacus.run{
        name = "mig-" .. cfg[1] .. "-" .. ld[1], device = device, gpu = gpu,
        services = S, partitions = cfg[3], policy = policy,
        load = { kind = "poisson", qps = ld[2] * capacity },
        queries = queries, seed = 1, abandon = policy == "abacus" or "late",
        tags = { config = cfg[1], placement = cfg[2], load = ld[1] },
      }
      r.config, r.placement, r.load = cfg[1], cfg[2], ld[1]
      r.qps = ld[2] * capacity
      r.tail = r.p99_ms / qos
      rows[#rows + 1] = r
    end
  end
end

print(string.format("QoS %.2f ms (%.2f x %.2f ms), serial capacity %.1f q/s, %d queries a run",
  qos, QOS_FACTOR, sum, capacity, queries))
print()
abacus.print_table(rows, {
  { "config", "config" }, { "placement", "placement" }, { "load", "load" },
  { "policy", "policy" }, { "qps", "q/s", "%.0f" }, { "p99_ms", "p99 ms", "%.2f" },
  { "tail", "p99/QoS", "%.3f" }, { "violation_ratio", "viol", "%.3f" },
  { "completed", "completed" }, { "throughput_qps", "goodput", "%.1f" },
})
