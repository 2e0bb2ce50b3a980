-- sim_1m.lua: a whole `abacus run` of a million queries, rows stored.
--   time build/abacus --db /tmp/bench.db run bench/sim_1m.lua
local r = abacus.run{
  name = "bench-1m", device = "sim", gpu = "h100", policy = "fcfs",
  services = {
    { model = "resnet50", batch = {1, 4, 8}, qos_ms = 25 },
    { model = "bert", batch = {1, 4}, seq = {16, 64}, qos_ms = 25 },
  },
  load = { kind = "poisson", qps = tonumber(arg[1]) or 900 },
  queries = 1000000, seed = 1,
}
print(string.format("run %d: %d completed, p99 %.2f ms, loop %.3f s",
                    r.run_id, r.completed, r.p99_ms, r.wall_s))
