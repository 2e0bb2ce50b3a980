-- all.lua: every experiment of the paper on one device, then every figure.
--
--   abacus run scenarios/paper/all.lua [DEVICE] [GPU] [quick] [figures-only] [OUT=DIR]
--   (defaults: sim h200, figures into paper-figures/ beside the database)
--
-- Runs each experiment of the list below in turn (prediction.lua §5.5,
-- qos.lua §7.2, throughput.lua §7.3, beyond.lua §7.4, mig.lua §7.5,
-- search.lua §7.7), each as if run alone with the same arguments, then
-- scripts/paper-figures.sh draws every figure as PNG and PDF from the
-- database. `figures-only` draws them from the database as it is, running
-- nothing. An experiment is one line of the list.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
local pass, only, outdir = {}, false, nil
for _, a in ipairs(arg) do
  if a == "figures-only" then only = true
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
    "search",
  }
  for _, name in ipairs(experiments) do
    local t0 = os.time()
    local saved = arg
    arg = { [0] = dir .. "/" .. name .. ".lua", table.unpack(pass) }
    dofile(arg[0])
    arg = saved
    io.stderr:write(string.format("%s.lua: %d s\n", name, os.time() - t0))
  end
end
local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local ok = os.execute(sh(dir .. "/../../scripts/paper-figures.sh") .. " " .. sh(abacus.db) .. " " .. sh(outdir))
if not ok then error("drawing the figures failed") end
print(string.format("\nall.lua: figures in %s, %d s in all", outdir, os.time() - clock))
