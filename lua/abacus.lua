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
-- runs from one base table.
function M.with(t, over)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
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

return M
