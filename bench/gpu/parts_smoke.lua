-- parts_smoke.lua: a short live run on SM partitions (green contexts):
-- §7.5's four services on two halves and on four quarters, fcfs and
-- abacus, beside the whole GPU. Run by bench/gpu/parts.sh's smoke stage.
--   abacus run bench/gpu/parts_smoke.lua [DEVICE] [QUERIES] [GPU]
local device, n, gpu = arg[1] or "cuda", tonumber(arg[2] or "300"), arg[3] or "h200"
local svc = {
  { model = "resnet101", batch = { 4, 8, 16, 32 }, qos_ms = 49.2 },
  { model = "resnet152", batch = { 4, 8, 16, 32 }, qos_ms = 49.2 },
  { model = "vgg19", batch = { 4, 8, 16, 32 }, qos_ms = 49.2 },
  { model = "bert", batch = { 4, 8, 16 }, seq = { 8, 16, 32, 64 }, qos_ms = 49.2 },
}
local placements = {
  { "whole", nil },
  { "halves", { { sms = 0.5, services = { 1, 4 } }, { sms = 0.5, services = { 2, 3 } } } },
  { "quarters", { { sms = 0.25, services = { 1 } }, { sms = 0.25, services = { 2 } },
                  { sms = 0.25, services = { 3 } }, { sms = 0.25, services = { 4 } } } },
}
for _, pl in ipairs(placements) do
  for _, policy in ipairs({ "fcfs", "abacus" }) do
    local r = abacus.run{
      name = "parts-smoke", device = device, gpu = gpu, policy = policy,
      services = svc, partitions = pl[2], abandon = false,
      load = { kind = "poisson", qps = 216 }, queries = n, seed = 1,
    }
    print(string.format("%-8s %-6s done %d p50 %.2f ms p99 %.2f ms goodput %.1f q/s",
      pl[1], policy, r.completed, r.p50_ms, r.p99_ms, r.throughput_qps))
  end
end
