-- sim_room.lua: the throughput abacus gains over fcfs on the simulator when
-- no deadline binds, for every pair of the seven big models: the room
-- overlap leaves, against which the overload goodput of pairs.lua can be
-- read. Same services as pairs.lua, QoS targets too loose to matter, a load
-- far above what either policy serves.
--   abacus run bench/sim_room.lua [GPU] [QUERIES]   (defaults: h100 3000)
local gpu = arg[1] or "h100"
local queries = math.tointeger(tonumber(arg[2] or 3000))
assert(queries and queries > 0, "QUERIES must be a positive integer, got " .. tostring(arg[2]))
local models = { "resnet50", "resnet101", "resnet152", "inception_v3", "vgg16", "vgg19", "bert" }

local function service(model)
  if model == "bert" then
    return { model = model, batch = {1, 2, 4}, seq = {16, 32, 64, 128}, qos_ms = 1e6 }
  end
  return { model = model, batch = {1, 2, 4, 8}, qos_ms = 1e6 }
end

local rows, sum = {}, 0
for i = 1, #models do
  for j = i + 1, #models do
    local row = { pair = models[i] .. "+" .. models[j] }
    for _, policy in ipairs{ "fcfs", "abacus" } do
      local r = abacus.run{
        name = "room-" .. row.pair, device = "sim", gpu = gpu,
        services = { service(models[i]), service(models[j]) }, policy = policy,
        load = { kind = "poisson", qps = 5000 }, queries = queries, seed = 1,
      }
      row[policy] = r.throughput_qps
    end
    row.gain = row.abacus / row.fcfs
    sum = sum + row.gain
    rows[#rows + 1] = row
  end
end
abacus.print_table(rows, {
  { "pair", "pair" }, { "fcfs", "fcfs q/s", "%.1f" }, { "abacus", "abacus q/s", "%.1f" },
  { "gain", "abacus/fcfs", "%.3f" },
})
print(string.format("\nmean abacus/fcfs over %d pairs: %.3f", #rows, sum / #rows))
