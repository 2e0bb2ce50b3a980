-- cluster.lua: the paper's §7.6, a serving cluster over two hours of load:
-- per minute, the queries completed, the p99 and the mean latency of
-- three arms, stored in results.db (the run_minutes table) for
-- scripts/paper-figures.sh.
--
--   abacus run scenarios/paper/cluster.lua [DEVICE] [GPU] [quick] [NAME=value ...]
--   (defaults: sim h200; the rules are in common.lua)
--
-- resnet101, resnet152, vgg19 and bert on each of 16 GPUs, each query
-- drawing a service uniformly, every service's QoS target by the
-- 7.6-cluster row of data/paper/protocol.csv (1.51 times the sum of the
-- services' solo latencies at their largest draws, on this GPU). The load
-- is data/paper/cluster-load-per-minute.csv (120 minutes, 8,357 to 10,904
-- q/s on the paper's cluster), one minute of the file one simulated minute,
-- scaled as the paper's load stood to its cluster: its Clockwork, a
-- serial server that drops what it cannot serve in time, completed at
-- most 7.9k r/s, which we take as that cluster's serial capacity; so the
-- file is scaled to make 7,900 q/s the cluster's serial capacity here (16
-- times one GPU's, abacus.serial_capacity), the trace's mean then 1.15
-- times it and its peak 1.38 times.
-- Arms:
--  * abacus + random: each query to a GPU chosen uniformly at random,
--    Abacus on each GPU (the paper's);
--  * abacus + headroom: each query to the GPU where its predicted finish
--    leaves the most headroom, Abacus on each (ours);
--  * clockwork: the Clockwork-like controller (router "clockwork": a
--    central EDF queue, one query at a time to an idle GPU, dropped when
--    it can no longer make its deadline), fcfs on each GPU.
-- Quick mode (tests): 4 GPUs, the first 3 minutes, query rows stored.
-- From the environment or as words: GPUS=n, MINUTES=m (the file's first m), ARMS=a,b
-- (by name), ROWS=0|1 (store query rows; default only in quick mode),
-- QUERIES=n (stop after n arrivals), STREAM=1 (rows off, figures gathered
-- query by query in flat memory, percentiles within 0.2%: stream.h; for
-- bench/cluster_scale.sh).
-- The same knobs as words among the arguments, NAME=value (all.lua passes
-- MINUTES so); a word wins over the environment.
local P = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/common.lua")
local knobs, rest = {}, {}
for _, a in ipairs(arg) do
  local k, v = a:match("^(%u+)=(.*)$")
  if k then
    if not ({ GPUS = 1, MINUTES = 1, ARMS = 1, ROWS = 1, QUERIES = 1, STREAM = 1 })[k] then
      error("cluster.lua: unknown setting " .. k .. " (GPUS, MINUTES, ARMS, ROWS, QUERIES or STREAM)", 0)
    end
    knobs[k] = v
  else
    rest[#rest + 1] = a
  end
end
local function knob(k) return knobs[k] or os.getenv(k) end
local o = P.args(rest)
-- the row has no loads of its own (the rate file is the load)
local su = P.setup(abacus.with(P.protocol("7.6-cluster")[1],
  { load_qos_over_capacity = 0, load_thr_over_capacity = 0 }), o)
local gpus = tonumber(knob("GPUS") or (o.quick and 4 or 16))
local minutes = tonumber(knob("MINUTES") or (o.quick and 3 or 120))

-- the rate file, cut to its first `minutes` minutes where fewer are asked
local src = P.root .. "/data/paper/cluster-load-per-minute.csv"
local rows = P.read_csv(src)
assert(minutes and minutes >= 1 and minutes <= #rows and minutes == math.floor(minutes), "MINUTES must be 1 to " .. #rows)
local file, sum = src, 0
for i = 1, #rows do sum = sum + rows[i].qps end
local mean = sum / #rows
if minutes < #rows then
  file = os.tmpname()
  local f = assert(io.open(file, "w"))
  f:write("minute,qps\n")
  for i = 1, minutes do f:write(string.format("%d,%s\n", rows[i].minute, rows[i].qps)) end
  f:close()
end
local cap = gpus * su.capacity
local paper_serial = 7900 -- the paper's Clockwork at its best, r/s
local factor = cap / paper_serial
print(string.format("§7.6 on %d simulated %s GPUs (%s), %d minutes%s", gpus, o.gpu, o.device, minutes,
  o.quick and " (quick)" or ""))
print(string.format("QoS %.2f ms for every service; serial capacity %.1f q/s a GPU, %.0f q/s the cluster",
  su.qos_ms, su.capacity, cap))
print(string.format("load: the paper's per-minute rates (mean %.0f q/s) times %.4f (%.0f q/s, the paper's "
  .. "Clockwork at its best, to this cluster's serial capacity): mean %.0f q/s (%.2f of capacity), %.0f to %.0f",
  mean, factor, paper_serial, mean * factor, mean * factor / cap, 8357 * factor, 10904 * factor))

local arms = {
  { name = "abacus+random", policy = "abacus", router = "random" },
  { name = "abacus+headroom", policy = "abacus", router = "headroom" },
  { name = "clockwork", policy = "fcfs", router = "clockwork" },
}
if knob("ARMS") then
  local keep = {}
  for _, a in ipairs(arms) do
    if ("," .. knob("ARMS") .. ","):find("," .. a.name .. ",", 1, true) then keep[#keep + 1] = a end
  end
  assert(#keep > 0, "ARMS names none of abacus+random, abacus+headroom, clockwork")
  arms = keep
end
local rows_on = o.quick
if knob("ROWS") then rows_on = knob("ROWS") == "1" end
local stream = knob("STREAM") == "1"
local out = {}
for _, arm in ipairs(arms) do
  local t = P.run_table(su, o, arm.policy, 0, 1, "paper-cluster-" .. arm.name,
    { figure = "fig-cluster", experiment = "7.6", arm = arm.name, gpus = gpus, minutes = minutes,
      qps_scale = factor })
  t.load = { kind = "rates", file = file, qps_scale = factor }
  t.queries = tonumber(knob("QUERIES") or "")
  t.gpus, t.router, t.per_minute = gpus, arm.router, true
  t.store_queries, t.stream = rows_on, stream
  -- the controller drops at dispatch; its GPUs run what they are sent
  if arm.router == "clockwork" then t.abandon = "off" end
  local r = abacus.run(t)
  local acc = { arm = arm.name, run_id = r.run_id, wall = r.wall_s }
  local n, thr, good, p99, mn = 0, 0, 0, 0, 0
  local lo, hi = math.huge, 0
  for _, m in ipairs(r.minutes) do
    n = n + 1
    thr, good = thr + m.completed / 60, good + m.on_time / 60
    p99, mn = p99 + m.p99_ms, mn + m.mean_ms
    lo, hi = math.min(lo, m.completed / 60), math.max(hi, m.completed / 60)
  end
  acc.offered = (r.completed + r.dropped) / (n * 60)
  acc.thr, acc.good, acc.p99, acc.mean = thr / n, good / n, p99 / n, mn / n
  acc.lo, acc.hi, acc.dropped, acc.late = lo, hi, r.dropped, r.late
  acc.p99_all = r.p99_ms
  print(string.format("%s: %d queries, loop %.3f s", arm.name, r.completed + r.dropped, r.wall_s))
  out[#out + 1] = acc
end
if file ~= src then os.remove(file) end

print("\nmeans over the minutes (per-minute figures in results.db: SELECT * FROM run_minutes WHERE run_id = ...)")
abacus.print_table(out, {
  { "arm", "arm" }, { "run_id", "run" }, { "offered", "offered q/s", "%.0f" },
  { "thr", "completed q/s", "%.0f" }, { "lo", "min", "%.0f" }, { "hi", "max", "%.0f" },
  { "good", "within QoS q/s", "%.0f" }, { "p99", "p99 ms", "%.2f" }, { "mean", "mean ms", "%.2f" },
  { "dropped", "dropped" }, { "late", "late" }, { "wall", "wall s", "%.2f" },
})
print(string.format("paper (16 V100s, its artifact's figure): Abacus 8.3k to 10k r/s, Clockwork 7.2k to 7.9k; "
  .. "QoS target here %.2f ms", su.qos_ms))
