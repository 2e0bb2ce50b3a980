-- abacus.lua: helpers scenarios share, loaded into the `abacus` table.

local M = ...

-- Prints rows (a list of tables) as an aligned text table. cols is a list
-- of keys, or of {key, header[, format]} entries. Numbers print with the
-- column's format, or as integers when whole, else with 2 decimals.
function M.print_table(rows, cols)
  if type(rows) ~= "table" then
    error("abacus.print_table: rows must be a list of tables, got " .. type(rows), 2)
  end
  if type(cols) ~= "table" then
    error("abacus.print_table: cols must be a list of column keys, got " .. type(cols), 2)
  end
  local heads, keys, fmts = {}, {}, {}
  for i, c in ipairs(cols) do
    if type(c) == "table" then
      keys[i], heads[i], fmts[i] = c[1], c[2] or c[1], c[3]
    else
      keys[i], heads[i] = c, c
    end
  end
  local cells, width = {}, {}
  for i, h in ipairs(heads) do width[i] = #h end
  for r, row in ipairs(rows) do
    cells[r] = {}
    for i, k in ipairs(keys) do
      local v = row[k]
      local s
      if type(v) == "number" then
        if fmts[i] then s = string.format(fmts[i], v)
        elseif math.type(v) == "integer" then s = tostring(v)
        else s = string.format("%.2f", v) end
      else
        s = tostring(v == nil and "" or v)
      end
      cells[r][i] = s
      if #s > width[i] then width[i] = #s end
    end
  end
  local function line(vals)
    local out = {}
    for i, v in ipairs(vals) do
      out[i] = (i == 1) and (v .. string.rep(" ", width[i] - #v))
                        or (string.rep(" ", width[i] - #v) .. v)
    end
    print(table.concat(out, "  "))
  end
  line(heads)
  local rule = {}
  for i = 1, #heads do rule[i] = string.rep("-", width[i]) end
  print(table.concat(rule, "  "))
  for _, c in ipairs(cells) do line(c) end
end

-- A shallow copy of t with the fields of over set on it: sweeps build many
-- runs from one base table. t or over may be nil (a run without tags).
function M.with(t, over)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

local function list(v)
  if v == nil then return { 0 } end
  return type(v) == "table" and v or { v }
end

-- s as abacus.run's services take it; level: where the caller's error
-- points (the script's line, not this file's).
local function check_service(s, fn, level)
  if type(s) ~= "table" then
    error("abacus." .. fn .. ": a service must be a table, got " .. type(s), level)
  end
  if type(s.model) ~= "string" then
    error("abacus." .. fn .. ": the service has no model", level)
  end
  if s.batch == nil then
    error("abacus." .. fn .. ": service " .. s.model .. " has no batch", level)
  end
  for _, key in ipairs{ "batch", "seq" } do
    local v = s[key]
    if v ~= nil then
      local l = list(v)
      if #l == 0 then
        error("abacus." .. fn .. ": service " .. s.model .. " has an empty " .. key .. " list", level)
      end
      for i, x in ipairs(l) do
        if math.type(x) ~= "integer" or x < 1 then
          error(string.format("abacus.%s: service %s: %s[%d] must be a positive integer, got %s",
                              fn, s.model, key, i, tostring(x)), level)
        end
      end
    end
  end
end

-- A service's solo latency in ms at its largest batch (and sequence
-- length), from gpu's profile: the longest query it sends.
function M.largest_solo_ms(s, gpu)
  check_service(s, "largest_solo_ms", 3)
  local b, q = 0, 0
  for _, v in ipairs(list(s.batch)) do b = math.max(b, v) end
  for _, v in ipairs(list(s.seq)) do q = math.max(q, v) end
  return M.solo_ms(s.model, b, q, gpu)
end

-- A service's mean solo latency in ms over the batches (and sequence
-- lengths) its queries draw, each as likely.
function M.mean_solo_ms(s, gpu, level)
  check_service(s, "mean_solo_ms", level or 3)
  local sum, n = 0, 0
  for _, b in ipairs(list(s.batch)) do
    for _, q in ipairs(list(s.seq)) do
      sum, n = sum + M.solo_ms(s.model, b, q, gpu), n + 1
    end
  end
  return sum / n
end

-- Queries per second the GPU serves one at a time when each query picks
-- one of services uniformly: the serial capacity loads are scaled by.
function M.serial_capacity(services, gpu)
  if type(services) ~= "table" or #services == 0 then
    error("abacus.serial_capacity: services must be a non-empty list of services", 2)
  end
  local sum = 0
  for _, s in ipairs(services) do sum = sum + M.mean_solo_ms(s, gpu, 4) end
  return 1000 / (sum / #services)
end

-- The fields a sweep or a search may set by name beyond abacus.run's own:
-- `qps` is the load's rate (load.qps), the axis of load sweeps.
local function set_field(t, name, v)
  if name == "qps" then
    t.load = M.with(t.load or { kind = "poisson" }, { qps = v })
  else
    t[name] = v
  end
end

-- Runs base once for every combination of the values of axes, a list of
-- { name, values } (the first axis varies slowest), as perf_analyzer's
-- request-rate range does for one axis. name is a field of abacus.run
-- (`qps` sets load.qps); an axis may carry `set = function(t, v)` to set
-- something else, and `each = function(t, point)` on opts adjusts a run
-- before it starts (point: the axis values by name), returning false to
-- skip it. Returns the results, each with the axis values set on it and
-- the point's values in its tags (merged with base.tags).
function M.sweep(base, axes, opts)
  if type(base) ~= "table" then error("abacus.sweep: base must be a run table", 2) end
  if type(axes) ~= "table" or #axes == 0 then
    error("abacus.sweep: axes must be a non-empty list of { name, values }", 2)
  end
  for i, a in ipairs(axes) do
    if type(a) ~= "table" or type(a[1]) ~= "string" or type(a[2]) ~= "table" or #a[2] == 0 then
      error("abacus.sweep: axes[" .. i .. "] must be { name, non-empty list of values }", 2)
    end
  end
  opts = opts or {}
  local out, point = {}, {}
  local function walk(k)
    if k > #axes then
      local t = M.with(base)
      local tags = M.with(base.tags)
      for _, a in ipairs(axes) do
        local v = point[a[1]]
        if a.set then a.set(t, v) else set_field(t, a[1], v) end
        tags[a[1]] = v
      end
      t.tags = tags
      if opts.each and opts.each(t, M.with(point)) == false then return end
      local r = M.run(t)
      for name, v in pairs(point) do r[name] = v end
      out[#out + 1] = r
      return
    end
    for _, v in ipairs(axes[k][2]) do
      point[axes[k][1]] = v
      walk(k + 1)
    end
  end
  walk(1)
  return out
end

-- Within QoS by default: at least 99% of the queries completed within
-- their target, drops counting as misses (the p99 of all queries, not
-- only of those that completed, is within QoS).
local function within_qos(r) return r.violation_ratio <= 0.01 end

-- The peak load of base's services within QoS: a binary search on the
-- load's rate (load.qps), as perf_analyzer's binary search mode does.
-- opts: lo, hi (q/s, required: the range searched), rel (stop once the
-- range is this share of hi wide; default 0.01), ok (function(result)
-- -> boolean: the load is served; default 99% within QoS, drops counted),
-- store_queries (default false). Returns the largest rate found served
-- (0 when not even lo is), whether hi itself was served (the range was too
-- small to find the peak), and the number of runs it took.
function M.capacity(base, opts)
  if type(base) ~= "table" then error("abacus.capacity: base must be a run table", 2) end
  opts = opts or {}
  local lo, hi = opts.lo, opts.hi
  if type(lo) ~= "number" or type(hi) ~= "number" or not (lo > 0 and hi > lo) then
    error("abacus.capacity: give lo and hi, 0 < lo < hi (q/s)", 2)
  end
  local rel = opts.rel or 0.01
  if not (rel > 0 and rel < 1) then error("abacus.capacity: rel must be in (0, 1)", 2) end
  local judge = opts.ok or within_qos
  local runs = 0
  local function ok(qps)
    local t = M.with(base, { store_queries = opts.store_queries or false })
    set_field(t, "qps", qps)
    t.tags = M.with(base.tags, { qps = qps })
    runs = runs + 1
    return judge(M.run(t))
  end
  if not ok(lo) then return 0, false, runs end
  if ok(hi) then return hi, true, runs end
  while hi - lo > rel * hi do
    local mid = (lo + hi) / 2
    if ok(mid) then lo = mid else hi = mid end
  end
  return lo, false, runs
end

-- Mean and sample standard deviation of a list of numbers (NaN ones
-- skipped); n, the count used. For the spread over seeds.
function M.mean_sd(xs)
  local sum, n = 0, 0
  for _, x in ipairs(xs) do
    if x == x then sum, n = sum + x, n + 1 end
  end
  if n == 0 then return 0 / 0, 0 / 0, 0 end
  local mean, ss = sum / n, 0
  for _, x in ipairs(xs) do
    if x == x then ss = ss + (x - mean) ^ 2 end
  end
  return mean, n > 1 and math.sqrt(ss / (n - 1)) or 0, n
end

-- The seven big models of pairs.lua and every pair of them ({a, b}, a
-- before b in that order): the 21 pairs the batching scenarios run.
M.big_models = { "resnet50", "resnet101", "resnet152", "inception_v3", "vgg16", "vgg19", "bert" }
function M.model_pairs(models)
  models = models or M.big_models
  local prs = {}
  for i = 1, #models do
    for j = i + 1, #models do prs[#prs + 1] = { models[i], models[j] } end
  end
  return prs
end

return M
