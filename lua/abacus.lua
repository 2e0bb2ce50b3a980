-- abacus.lua: helpers scenarios share, loaded into the `abacus` table.

local M = ...

-- Prints rows (a list of tables) as an aligned text table. cols is a list
-- of keys, or of {key, header[, format]} entries. Numbers print with the
-- column's format, or as integers when whole, else with 2 decimals.
function M.print_table(rows, cols)
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

return M
