-- all.lua: every experiment of the paper on one device, then every figure.
--
--   abacus run scenarios/paper/all.lua [DEVICE] [GPU] [quick] [figures-only] [full-cluster] [OUT=DIR]
--   (defaults: sim h200, figures into paper-figures/ beside the database)
--
-- Runs each experiment of the list below in turn (prediction.lua §5.5,
-- qos.lua §7.2, throughput.lua §7.3, beyond.lua §7.4, mig.lua §7.5,
-- cluster.lua §7.6, search.lua §7.7), each as if run alone with the same
-- arguments, then
-- scripts/paper-figures.sh draws every figure as PNG and PDF from the
-- database. `figures-only` draws them from the database as it is, running
-- nothing. An experiment is one line of the list.
-- cluster.lua runs the first 30 minutes of the paper's 120-minute trace
-- here (23 s on two cores on data/h200 of 117674a, where all 120 took 79 s
-- of loop, 93 s wall); `full-cluster`, or MINUTES in the environment, runs them
-- all. Quick mode is cluster.lua's own (4 GPUs, 3 minutes).
-- The words `eager` and `threads` (cuda only: common.lua) pass to every
-- experiment, and the figures are drawn from those runs (ENGINE of
-- scripts/paper-figures.sh: "eager", "eager+threads").
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
local pass, only, outdir, full = {}, false, nil, false
local eager, threads = false, false
for _, a in ipairs(arg) do
  if a == "eager" then eager = true elseif a == "threads" then threads = true end
  if a == "figures-only" then only = true
  elseif a == "full-cluster" then full = true
  elseif a:match("^OUT=") then outdir = a:sub(5)
  else pass[#pass + 1] = a end
end
local dbdir = abacus.db:match("^(.*)/[^/]*$") or "."
outdir = outdir or (dbdir .. "/paper-figures")
local clock = os.time()
if not only then
  local experiments = {
    "prediction",
    "qos",
    "throughput",
    "beyond",
    "mig",
    "cluster",
    "search",
  }
  local quick, device = os.getenv("QUICK") == "1", nil
  for _, a in ipairs(pass) do
    if a == "quick" then quick = true
    elseif a ~= "eager" and a ~= "threads" and not device then device = a end
  end
  -- a live cluster is one MPI rank per GPU (cluster.lua under mpirun)
  if device and device ~= "sim" then
    for i, name in ipairs(experiments) do
      if name == "cluster" then table.remove(experiments, i) break end
    end
    io.stderr:write("all.lua: cluster.lua runs on sim only here; live, run it under mpirun (README)\n")
  end
  -- words for one experiment only, after the shared ones
  local extra = { cluster = {} }
  if not (full or quick or os.getenv("MINUTES")) then extra.cluster = { "MINUTES=30" } end
  for _, name in ipairs(experiments) do
    local t0 = os.time()
    local saved = arg
    arg = { [0] = dir .. "/" .. name .. ".lua", table.unpack(pass) }
    for _, a in ipairs(extra[name] or {}) do arg[#arg + 1] = a end
    dofile(arg[0])
    arg = saved
    io.stderr:write(string.format("%s.lua: %d s\n", name, os.time() - t0))
  end
end
local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
-- the engine tag common.lua gives these runs: the figures draw only them
local engine = (eager and "eager" or "") .. (eager and threads and "+" or "") .. (threads and "threads" or "")
local ok = os.execute((engine ~= "" and "ENGINE=" .. engine .. " " or "")
                      .. sh(dir .. "/../../scripts/paper-figures.sh") .. " " .. sh(abacus.db) .. " " .. sh(outdir))
if not ok then error("drawing the figures failed") end
print(string.format("\nall.lua: figures in %s, %d s in all", outdir, os.time() - clock))
