-- quickstart.lua: two inference services sharing one GPU, each scheduling
-- policy side by side; by default a simulated H200.
--
--   abacus run scenarios/quickstart.lua [QPS] [QUERIES] [DEVICE] [GPU]
--   (defaults: 1200 20000 sim h200; DEVICE cuda runs it on this machine's
--   GPU, with GPU naming the profile and predictor abacus schedules by)
--
-- resnet50 (batch 1 to 8) and bert (batch 1 to 4, sequence 16 to 128)
-- each with a 15 ms QoS target; Poisson arrivals over both services. The
-- default rate is about 0.8 of what the shipped H200 profile serves one
-- query at a time (abacus: p99 5.7 ms against fcfs's 7.8).
local qps = tonumber(arg[1] or 1200)
assert(qps and qps > 0, "QPS must be a positive number, got " .. tostring(arg[1]))
local queries = math.tointeger(tonumber(arg[2] or 20000))
assert(queries and queries > 0, "QUERIES must be a positive integer, got " .. tostring(arg[2]))

local base = {
  device = arg[3] or "sim",
  gpu = arg[4] or "h200",
  services = {
    { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 15 },
    { model = "bert", batch = {1, 2, 4}, seq = {16, 32, 64, 128}, qos_ms = 15 },
  },
  load = { kind = "poisson", qps = qps },
  queries = queries,
  seed = 1,
  abandon = false,
}

if base.device == "sim" then
  print(string.format("resnet50 + bert on a simulated %s, %g queries/s, %d queries",
                      base.gpu, qps, queries))
else
  print(string.format("resnet50 + bert on device %s (%s profile and predictor), %g queries/s, %d queries",
                      base.device, base.gpu, qps, queries))
end
local rows = {}
for _, policy in ipairs(abacus.policies()) do
  local r = abacus.run(abacus.with(base, { name = "quickstart", policy = policy }))
  rows[#rows + 1] = r
end
abacus.print_table(rows, {
  { "policy", "policy" },
  { "run_id", "run" },
  { "completed", "done" },
  { "dropped", "dropped" },
  { "p50_ms", "p50 ms" },
  { "p99_ms", "p99 ms" },
  { "mean_ms", "mean ms" },
  { "violation_ratio", "violations", "%.3f" },
  { "throughput_qps", "goodput q/s", "%.1f" },
})
print("results stored in " .. abacus.db .. "; list them with: abacus runs")
print("latency CDF of each policy: scripts/plot.sh --db " .. abacus.db .. " cdf quickstart")
