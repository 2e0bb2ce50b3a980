-- mpi_live.lua: a cluster over MPI whose worker ranks run live on GPUs,
-- beside the same cluster simulated in one process (bench/gpu/mpi_live.sh).
--
--   mpirun -n 3 abacus run bench/gpu/mpi_live.lua cuda GPU [QUERIES] [SHARE] [ROUTER]
--   abacus run bench/gpu/mpi_live.lua sim GPU [QUERIES] [SHARE] [ROUTER]
--
-- Two GPUs, resnet50 and bert on each, the routers random, headroom and
-- clockwork (fcfs on each GPU for clockwork, abacus otherwise), a Poisson
-- load of SHARE (default 0.5) times ONE GPU's serial capacity: with both
-- worker ranks on one card (CUDA_VISIBLE_DEVICES=0), the card sees the
-- load of one GPU at that share, so the live run is loaded as one GPU at
-- SHARE, the simulated run (two separate GPUs) as two GPUs at SHARE / 2.
-- ROUTER runs that arm alone. Prints one line per router: completed, dropped, p50, mean, p99 (ms).
local dev, gpu = arg[1] or "sim", arg[2] or "h200"
local queries = tonumber(arg[3] or 600)
local share = tonumber(arg[4] or 0.5)
local only = arg[5]
local S = {
  { model = "resnet50", batch = {1, 2, 4, 8}, qos_ms = 30 },
  { model = "bert", batch = {1, 2, 4}, seq = {16, 32, 64}, qos_ms = 30 },
}
local cap = abacus.serial_capacity(S, gpu)
local qps = share * cap
print(string.format("# %s %s: one GPU's serial capacity %.1f q/s, load %.1f q/s, %d queries",
  dev, gpu, cap, qps, queries))
for _, arm in ipairs{ { "random", "abacus" }, { "headroom", "abacus" }, { "clockwork", "fcfs" } } do
  if only and arm[1] ~= only then goto next end
  local r = abacus.run{ name = "mpi-live-" .. dev .. "-" .. arm[1], services = S, policy = arm[2],
    gpus = 2, router = arm[1], device = dev, gpu = gpu,
    load = { kind = "poisson", qps = qps }, queries = queries, seed = 11,
    tags = { experiment = "mpi-live" } }
  print(string.format("%s %s completed %d dropped %d p50 %.3f mean %.3f p99 %.3f", dev, arm[1],
    r.completed, r.dropped, r.p50_ms, r.mean_ms, r.p99_ms))
  ::next::
end
