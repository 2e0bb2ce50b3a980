-- live.lua: a short run on the GPU, resnet50 + bert under each policy, with
-- the GEMM convolutions on or off. Checked by tests/test_cli.sh where a GPU
-- is present and by bench/gpu/run.sh's "live" stage. The abacus policy needs
-- the h100 predictor in the database: `abacus train --gpu h100` first.
--   abacus run tests/data/live.lua [true|false]   (conv_gemm, default true)
local gemm = (arg[1] or "true") ~= "false"
local n = 40
for _, policy in ipairs(abacus.policies()) do
  local r = abacus.run{
    name = "live-check", device = "cuda", gpu = "h100", policy = policy,
    conv_gemm = gemm, abandon = false,
    services = {
      { model = "resnet50", batch = {1, 4}, qos_ms = 30 },
      { model = "bert", batch = 2, seq = {16, 64}, qos_ms = 30 },
    },
    load = { kind = "poisson", qps = 200 },
    queries = n, seed = 3,
  }
  assert(r.completed == n, policy .. ": completed " .. r.completed .. " of " .. n)
  print(string.format("%-6s conv_gemm=%-5s done %d p50 %.2f ms p99 %.2f ms",
                      policy, tostring(gemm), r.completed, r.p50_ms, r.p99_ms))
end
