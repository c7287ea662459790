-- Throws random and damaged input at cmsgpack and struct (built with
-- sanitizers by `make fuzz`) and checks that every call either returns or
-- raises one of the errors the libraries raise; a crash or a sanitizer
-- report fails the run. Usage: lua5.1 test/fuzz.lua BUILD_DIR [ITERATIONS]

package.cpath = (arg[1] or 'build') .. '/?.so'
require('cmsgpack')
require('struct')
local iterations = tonumber(arg[2]) or 200000
math.randomseed(tonumber(os.getenv('SEED') or '') or os.time())

local known = {
  'Missing bytes in input%.', 'Bad data format in input%.', 'Start offset', 'Invalid request to unpack',
  'table index is', 'stack overflow', 'bad argument', 'integral size', 'alignment %d+ is not',
  'unfinished string', "format 'c0' needs", 'not enough memory',
}
local function call(what, f, ...)
  local ok, err = pcall(f, ...)
  if ok then return end
  for _, k in ipairs(known) do if string.find(err, k) then return end end
  error('unexpected error from ' .. what .. ': ' .. tostring(err))
end

local R = math.random
local bytes = {0x80, 0x81, 0x8f, 0x90, 0x91, 0x9f, 0xa1, 0xbf, 0xc0, 0xc1, 0xc3, 0xc4, 0xca, 0xcb, 0xcc, 0xcd,
  0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff, 0x00, 0x7f}
local function junk(n)
  local t = {}
  for i = 1, n do t[i] = string.char(R(3) == 1 and R(0, 255) or bytes[R(#bytes)]) end
  return table.concat(t)
end
local budget
local function value(d)
  budget = budget - 1
  local k = budget > 0 and R(8) or R(3)
  if k == 1 then return R(-2^31, 2^31) * 2 ^ R(-40, 40)
  elseif k == 2 then return junk(R(0, 40))
  elseif k == 3 then return R(2) == 1
  elseif k <= 5 and d < 20 then local t = {} for i = 1, R(0, 5) do t[i] = value(d + 1) end return t
  elseif k <= 7 and d < 20 then local t = {} for _ = 1, R(0, 4) do local key = value(d + 1) if key == key then t[key] = value(d + 1) end end return t
  else return R(-1000, 1000) end
end

local fmtchars = 'bBhHlLTiIfdcsx<>! 0123456789'
for i = 1, iterations do
  budget = 60
  local s = R(2) == 1 and junk(R(0, 30)) or cmsgpack.pack(value(0))
  if R(2) == 1 and #s > 0 then
    local p = R(#s)
    s = string.sub(s, 1, p - 1) .. string.char(R(0, 255)) .. string.sub(s, p + 1)
  end
  call('unpack', cmsgpack.unpack, s)
  call('unpack_one', cmsgpack.unpack_one, s, R(-2, #s + 2))
  call('unpack_limit', cmsgpack.unpack_limit, s, R(-1, 5), R(-1, #s + 1))
  local f = {}
  for j = 1, R(1, 10) do local k = R(#fmtchars) f[j] = string.sub(fmtchars, k, k) end
  local fmt = table.concat(f)
  local args = {}
  for j = 1, R(0, 8) do args[j] = R(2) == 1 and R(-1e6, 1e6) / R(1, 9) or junk(R(0, 12)) end
  call('struct.pack ' .. fmt, struct.pack, fmt, unpack(args))
  call('struct.size ' .. fmt, struct.size, fmt)
  call('struct.unpack ' .. fmt, struct.unpack, fmt, junk(R(0, 40)), R(-3, 45))
end
print('fuzz: ' .. iterations .. ' rounds, no crash')
