-- Test cases for cmsgpack and struct. Each case is a script body that returns
-- one string; the same text runs here (lua5.1 with our modules, see run.lua)
-- and on stock redis-server 7.0 through EVAL (record.lua), and the two
-- strings must be equal. Bodies use locals only (Redis forbids new globals),
-- and avoid math.random (Redis replaces it): `rng` below is a plain
-- Park-Miller generator, exact in doubles.

local M = {}

M.prelude = [=[
local function hex(s) return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end)) end
local function sum(s) local h = 0 for i = 1, #s do h = (h * 31 + string.byte(s, i)) % 4294967296 end return h end
local function shex(s) if #s <= 48 then return hex(s) end return hex(string.sub(s, 1, 8)) .. '..#' .. #s .. ':' .. sum(s) end
local ser
ser = function(v, d)
  local t = type(v)
  if t == 'string' then return 's' .. shex(v)
  elseif t == 'number' then return string.format('%.17g', v)
  elseif t == 'table' then
    d = (d or 0) + 1
    if d > 40 then return '{...}' end
    local ks = {}
    for k, x in pairs(v) do ks[#ks + 1] = ser(k, d) .. '=' .. ser(x, d) end
    table.sort(ks)
    local s = '{' .. table.concat(ks, ',') .. '}'
    if #s > 200 then return '{#' .. #s .. ':' .. sum(s) .. '}' end
    return s
  elseif t == 'nil' or t == 'boolean' then return tostring(v)
  else return t end
end
local function all(...) local n = select('#', ...) local out = {} for i = 1, n do out[i] = ser((select(i, ...))) end return n .. '|' .. table.concat(out, ' ') end
local function try(f, ...)
  local r = {pcall(f, ...)}
  if r[1] then return all(unpack(r, 1, table.maxn(r))) end
  return 'E(' .. string.gsub(tostring(r[2]), '[^ -~]', '?') .. ')'
end
local function rng(seed)
  local s = seed
  return function(n) s = (s * 16807) % 2147483647 return s % n end
end
local function packhex(vs) local o = {} for i = 1, #vs do o[i] = shex(cmsgpack.pack(vs[i])) end return table.concat(o, ' ') end
local function unhex(h) return (string.gsub(h, '%x%x', function(x) return string.char(tonumber(x, 16)) end)) end
]=]

local cases = {}
M.cases = cases
local function case(name, code) cases[#cases + 1] = { name = name, code = code } end

-- ------------------------------------------------------------ cmsgpack.pack

case('pack ints', [=[
return packhex({0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296,
  2^53, 2^53 + 2, 2^62, 9223372036854774784, -1, -32, -33, -128, -129, -32768, -32769,
  -2147483648, -2147483649, -2^53, -2^62, -2^63})
]=])

case('pack floats', [=[
return packhex({0.5, 0.1, -1.5, 1e39, -1e39, 1e-46, 1e-300, 2^63, -2^63 - 4096, 2^64, 2^70,
  1/0, -1/0, 0/0, -0.0, 3.4028234663852886e38, 3.4028235677973366e38, 1.401298464324817e-45,
  7e-46, 16777217, 16777217.5, 2^24 + 0.5, 123456789.125, 1/3})
]=])

case('pack strings', [=[
local vs = {''}
for _, n in ipairs({1, 31, 32, 33, 255, 256, 65535, 65536, 70000}) do
  vs[#vs + 1] = string.rep('x', n - 1) .. string.char(n % 256)
end
vs[#vs + 1] = 'a\0b'
return packhex(vs)
]=])

case('pack other types', [=[
return hex(cmsgpack.pack(true)) .. ' ' .. hex(cmsgpack.pack(false)) .. ' ' .. hex(cmsgpack.pack(nil))
  .. ' ' .. hex(cmsgpack.pack(function() end)) .. ' ' .. hex(cmsgpack.pack(coroutine.create(function() end)))
  .. ' ' .. hex(cmsgpack.pack({function() end, true}))
]=])

case('pack arrays', [=[
local function seq(n) local t = {} for i = 1, n do t[i] = i % 7 end return t end
return packhex({{}, {1, 2, 3}, seq(15), seq(16), seq(65535), seq(65536), {'a', {'b', {}}, false}})
]=])

case('pack array or map', [=[
local holes = {1, nil, 3}
local late = {} late[3] = 'c' late[2] = 'b' late[1] = 'a'
local shrunk = {1, 2, 3, 4} shrunk[4] = nil
local gone = {1, 2, 3} gone[2] = nil
return packhex({holes, {[1] = 1, [2] = 2, [4] = 4}, {a = 1}, {[0] = 1}, {[-1] = 1},
  {[1.5] = 1}, {[1] = 1, n = 2}, {[2^31] = 1}, {[2147483647] = 1}, {[1] = 1, [2147483647] = 1},
  {[2] = 2}, late, shrunk, gone, {[true] = 1}, {[1] = 'x', [2.0] = 'y'}})
]=])

case('pack maps', [=[
local function map(n) local t = {} for i = 1, n do t['k' .. i] = i end return t end
return packhex({map(1), map(15), map(16), map(65535), map(65536),
  {[{1}] = 2}, {[-5] = -5, [0.25] = 'q', x = {y = {z = {}}}}})
]=])

case('pack nesting limit', [=[
local function nest(n) local t = {} for _ = 1, n do t = {t} end return t end
local function nestmap(n) local t = {} for _ = 1, n do t = {k = t} end return t end
local a = {} a[1] = a
local b = {} b.self = b
local c = {} c[c] = 1
return packhex({nest(14), nest(15), nest(16), nest(17), nest(40), nestmap(15), nestmap(16), a, b, c})
]=])

case('pack several arguments', [=[
return hex(cmsgpack.pack(1, 'a', {}, nil, true)) .. ' ' .. hex(cmsgpack.pack(nil, nil))
  .. ' ' .. hex(cmsgpack.pack({1}, {a = {2}}))
]=])

case('pack errors', [=[
local function p(...) local r = cmsgpack.pack(...) return #r end
local t4000, t4001, tables = {}, {}, {}
for i = 1, 4000 do t4000[i] = i t4001[i] = i tables[i] = {} end
t4001[4001] = 1
local nested = {}
for i = 1, 3990 do nested[i] = 0 end
local deep = {} for _ = 1, 15 do deep = {deep} end
nested[3991] = deep
return try(p) .. ' ' .. try(p, unpack(t4000)) .. ' ' .. try(p, unpack(t4001)) .. ' '
  .. try(p, unpack(tables)) .. ' ' .. try(p, unpack(nested))
]=])

case('pack errors near the stack limit', [=[
local function p(...) local r = cmsgpack.pack(...) return #r end
local out = {}
local big = {} for i = 1, 20 do big['k' .. i] = {i, {i}} end
for _, n in ipairs({3985, 3990, 3994, 3995, 3996, 3997, 3998, 3999}) do
  local args = {}
  for i = 1, n do args[i] = i end
  args[n + 1] = big
  out[#out + 1] = try(p, unpack(args))
end
return table.concat(out, ' ')
]=])

-- ---------------------------------------------------------- cmsgpack.unpack

case('round trip scalars', [=[
local vs = {0, 1, -1, 127, 128, -32, -33, 255, 256, -128, -129, 65535, 65536, -32768, -32769,
  4294967295, 4294967296, -2147483648, -2147483649, 2^53, -2^53, 2^63, -2^63, 0.5, 0.1, 1e300,
  1/0, -1/0, -0.0, true, false, '', 'abc', string.rep('z', 40), string.rep('y', 300), string.rep('w', 70000)}
local out = {}
for i, v in ipairs(vs) do out[i] = all(cmsgpack.unpack(cmsgpack.pack(v))) end
out[#out + 1] = all(cmsgpack.unpack(cmsgpack.pack(0/0)) ~= cmsgpack.unpack(cmsgpack.pack(0/0)))
out[#out + 1] = all(cmsgpack.unpack(cmsgpack.pack(nil)))
return table.concat(out, ' ')
]=])

case('round trip tables', [=[
local a = {} a[1] = a
local vs = {{}, {1, 2, 3}, {a = 1, b = {1, 2, {c = 'd'}}}, {1, nil, 3}, {[1.5] = true, [-1] = false}, a,
  {[{1, 2}] = 'tablekey'}}
local out = {}
for i, v in ipairs(vs) do out[i] = all(cmsgpack.unpack(cmsgpack.pack(v))) end
return table.concat(out, ' ')
]=])

case('unpack decodes every type', [=[
local h = {'00', '7f', 'e0', 'ff', 'cc80', 'ccff', 'cd8000', 'cdffff', 'ce80000000', 'ceffffffff',
  'cf0000000100000000', 'cf7fffffffffffffff', 'cf8000000000000000', 'cfffffffffffffffff',
  'd080', 'd0ff', 'd17fff', 'd18000', 'd2ffffffff', 'd280000000',
  'd38000000000000000', 'd3ffffffffffffffff', 'd30000000000000001',
  'c0', 'c2', 'c3', 'ca3f800000', 'cabf000000', 'ca7fc00000', 'ca00000001',
  'cb3ff0000000000000', 'cb0000000000000001', 'cbfff8000000000000',
  'a0', 'a161', 'bf' .. string.rep('61', 31), 'd90141', 'd900', 'da000142', 'db0000000143',
  '90', '9101', '9f' .. string.rep('01', 15), 'dc0000', 'dc000102', 'dd0000000103',
  '80', '810101', '81a16192c0c0', 'de0000', 'de0001a162c3', 'df00000001a163c2',
  '820102a1610a', '92c091c0'}
local out = {}
for i, x in ipairs(h) do out[i] = try(cmsgpack.unpack, unhex(x)) end
return table.concat(out, ' ')
]=])

case('unpack errors', [=[
local h = {'c1', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'd4', 'd5', 'd6', 'd7', 'd8',
  'c401', 'c40100', '91c1', '01c1', '81c1', '8101c1',
  'cc', 'cd00', 'ce000000', 'cf00000000000000', 'd0', 'd100', 'd2000000', 'd300000000000000',
  'ca000000', 'cb00000000000000', 'a1', 'bf', 'd9', 'd901', 'da00', 'da0001', 'db000000', 'db00000001',
  '91', '92c0', 'dc', 'dc00', 'dc0001', 'dd000000', 'dd00000001', '81', '8101', 'de', 'de0001', 'df00000001',
  'ddffffffff', 'dfffffffff', 'dbffffffff', '81c001', '81cbfff800000000000001', '81ca7fc0000001',
  '0102c1', '01029101c1'}
local function u(s) local r = cmsgpack.unpack(s) return r end
local out = {}
for i, x in ipairs(h) do out[i] = x .. '=' .. try(u, unhex(x)) end
return table.concat(out, ' ')
]=])

case('unpack argument errors', [=[
local function u(...) local r = {cmsgpack.unpack(...)} return #r end
local function o(...) local r = {cmsgpack.unpack_one(...)} return #r end
local function l(...) local r = {cmsgpack.unpack_limit(...)} return #r end
return try(u) .. ' ' .. try(u, {}) .. ' ' .. try(u, 123) .. ' ' .. try(u, nil)
  .. ' ' .. try(o) .. ' ' .. try(o, '\1', 'x') .. ' ' .. try(o, {}) .. ' ' .. try(o, '\1\2', -1)
  .. ' ' .. try(o, '\1\2', 3) .. ' ' .. try(o, '\1\2', 2)
  .. ' ' .. try(l) .. ' ' .. try(l, '\1') .. ' ' .. try(l, '\1', 'x') .. ' ' .. try(l, '\1\2', -1)
  .. ' ' .. try(l, '\1\2', 1, -3) .. ' ' .. try(l, '\1\2', 1, 9) .. ' ' .. try(l, '\1\2', -2, -3)
  .. ' ' .. try(l, string.rep('\1', 300), 1, 299) .. ' ' .. try(l, string.rep('\1', 300), 1, 301)
]=])

case('unpack_one and unpack_limit', [=[
local s = cmsgpack.pack(1, 'two', {3}, {four = 4}, true)
local out = {}
out[#out + 1] = all(cmsgpack.unpack(s))
out[#out + 1] = all(cmsgpack.unpack_one(s))
out[#out + 1] = all(cmsgpack.unpack_one(s, 0))
out[#out + 1] = all(cmsgpack.unpack_one(s, 1))
out[#out + 1] = all(cmsgpack.unpack_one(s, 5))
out[#out + 1] = all(cmsgpack.unpack_one(s, #s - 1))
out[#out + 1] = all(cmsgpack.unpack_one(s, #s))
out[#out + 1] = all(cmsgpack.unpack_one(s, 1.9))
out[#out + 1] = all(cmsgpack.unpack_one(s, '1'))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 0))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 0, 0))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 0, 1))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 0, #s))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 2))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 2, 1))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 100))
out[#out + 1] = all(cmsgpack.unpack_limit(s, 100, 5))
out[#out + 1] = all(cmsgpack.unpack(''))
out[#out + 1] = all(cmsgpack.unpack_one(''))
out[#out + 1] = all(cmsgpack.unpack_limit('', 3))
out[#out + 1] = all(cmsgpack.unpack(s, 'extra', 'args'))
out[#out + 1] = all(cmsgpack.unpack_one(s, 1, 'extra'))
-- walking a stream one object at a time, as the Redis test suite does
local off, obj, n = 0, nil, 0
repeat off, obj = cmsgpack.unpack_one(s, off) n = n + 1 until off == -1
out[#out + 1] = n .. ':' .. ser(obj)
return table.concat(out, ' ')
]=])

case('unpack near the stack limit', [=[
local function u(s) local r = {cmsgpack.unpack(s)} return #r end
local function ue(s, ...) local r = {cmsgpack.unpack(s, ...)} return #r end
local function ul(s, n) local r = {cmsgpack.unpack_limit(s, n)} return #r end
local out = {}
for _, n in ipairs({7990, 7997, 7998, 7999, 8000, 8001}) do
  out[#out + 1] = n .. ':' .. try(u, string.rep('\195', n))
end
out[#out + 1] = try(ue, string.rep('\195', 7997), 1, 2)
out[#out + 1] = try(ul, string.rep('\195', 9000), 7998)
out[#out + 1] = try(ul, string.rep('\195', 9000), 7999)
out[#out + 1] = try(u, string.rep('\195', 7996) .. '\145\195')
out[#out + 1] = try(u, string.rep('\195', 7997) .. '\145\195')
out[#out + 1] = try(u, string.rep('\195', 7996) .. '\129\195\195')
out[#out + 1] = try(u, string.rep('\195', 7997) .. '\129\195\195')
out[#out + 1] = try(u, string.rep('\195', 7998) .. '\144')
out[#out + 1] = try(u, string.rep('\195', 7998) .. '\128')
return table.concat(out, ' ')
]=])

case('unpack deep nesting', [=[
local function depth(t) local d = 0 while type(t) == 'table' do d = d + 1 t = t[1] or next(t) end return d end
local function u(s) local r = cmsgpack.unpack(s) return depth(r) end
local out = {}
for _, n in ipairs({100, 3990, 3998, 3999, 4000, 9000}) do
  out[#out + 1] = 'a' .. n .. ':' .. try(u, string.rep('\145', n) .. '\192')
end
for _, n in ipairs({100, 7990, 7997, 7998, 7999, 9000, 100000}) do
  out[#out + 1] = 'k' .. n .. ':' .. try(u, string.rep('\129', n) .. string.rep('\192', n + 1))
end
for _, n in ipairs({3997, 3998, 3999}) do
  out[#out + 1] = 'v' .. n .. ':' .. try(u, string.rep('\129\192', n) .. '\192')
end
return table.concat(out, ' ')
]=])

-- random values, packed here and on Redis byte for byte, and round trips
case('random values, bytes and decoding', [=[
local r = rng(12345)
local strs = {'', 'a', 'key', string.rep('s', 31), string.rep('t', 32), string.rep('u', 255), string.rep('v', 256)}
local gen, budget
gen = function(d)
  budget = budget - 1
  local k = r((d > 17 or budget < 0) and 9 or 14)
  if k == 13 then -- a chain around the nesting limit
    local t = gen(d + 1)
    for _ = 1, 12 + r(8) do t = r(2) == 0 and {t} or {k = t} end
    return t
  end
  if k == 0 then return r(300) - 150
  elseif k == 1 then return (r(2147483647) - 1073741823) * (r(2) == 0 and 1 or 65536 * r(70000))
  elseif k == 2 then return (r(2000000) - 1000000) / (r(9) + 1)
  elseif k == 3 then return 2 ^ (r(140) - 70) * (r(2) == 0 and 1 or -1)
  elseif k == 4 then return strs[r(#strs) + 1] .. r(1000)
  elseif k == 5 then return r(2) == 0
  elseif k == 6 then return ({1/0, -1/0, -0.0, 2^63, -2^63, 2^64, 4294967296, 65536})[r(8) + 1]
  elseif k == 7 or k == 8 then return strs[r(3) + 1]
  elseif k <= 10 then
    local t, n = {}, r(k == 9 and 20 or 4)
    for i = 1, n do t[i] = gen(d + 1) end
    if r(5) == 0 then t[n + 1 + r(3)] = gen(d + 1) end
    return t
  else
    local t = {}
    for _ = 1, r(8) do
      local key = gen(d + 1)
      -- No table keys: their order in a map follows their addresses. No
      -- string keys of 32 bytes or more: Redis's Lua hashes every byte of a
      -- string, Debian's Lua 5.1 a sample of the long ones, so the order of
      -- such keys in a map differs (an interpreter matter, not cmsgpack's).
      if type(key) ~= 'table' and key == key and not (type(key) == 'string' and #key >= 32) then
        t[key] = gen(d + 1)
      end
    end
    return t
  end
end
local out = {}
for i = 1, 400 do
  budget = 40
  local s = cmsgpack.pack(gen(0))
  out[i] = #s .. ':' .. sum(s) .. ':' .. sum(try(cmsgpack.unpack, s))
end
return table.concat(out, ',')
]=])

case('random round trips', [=[
local r = rng(777)
local gen, budget
gen = function(d)
  budget = budget - 1
  local k = r((d > 12 or budget < 0) and 5 or 8)
  if k == 0 then return r(1000000) - 500000
  elseif k == 1 then return (r(2000000) - 1000000) * 2 ^ (r(100) - 50)
  elseif k == 2 then return string.rep(string.char(r(256)), r(20) == 0 and r(70000) or r(40))
  elseif k == 3 then return r(2) == 0
  elseif k == 4 then return 2 ^ r(64) - r(3) * 2 ^ 11
  elseif k == 5 then local t = {} for i = 1, r(20) do t[i] = gen(d + 1) end return t
  else
    local t = {}
    for _ = 1, r(6) do local key = gen(d + 1) if type(key) ~= 'table' then t[key] = gen(d + 1) end end
    return t
  end
end
local same
same = function(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= 'table' then return a == b end
  for k, v in pairs(a) do if type(k) ~= 'table' and not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
local bad = 0
for i = 1, 300 do
  budget = 40
  local v = gen(0)
  local one = cmsgpack.unpack(cmsgpack.pack(v))
  local a, b, c = cmsgpack.unpack(cmsgpack.pack(v, i, v))
  if not (same(v, one) and same(v, a) and b == i and same(v, c)) then bad = bad + 1 end
end
return 'mismatches ' .. bad
]=])

case('big values', [=[
local arr, map = {}, {}
for i = 1, 100000 do arr[i] = i * 3 map['f' .. i] = -i end
local v = {name = string.rep('n', 100000), arr = arr, map = map, neg = -1099511627776, f = 0.1,
  big = 2^40, small = -3147483648, flags = {true, false}}
local s = cmsgpack.pack(v)
local back = cmsgpack.unpack(s)
local ok = back.name == v.name and back.neg == v.neg and back.f == 0.1 and back.big == 2^40
  and back.small == v.small and back.flags[1] == true and back.flags[2] == false and #back.arr == 100000
for i = 1, 100000 do ok = ok and back.arr[i] == i * 3 and back.map['f' .. i] == -i end
local off, one = cmsgpack.unpack_one(s, 0)
local strs = cmsgpack.pack(string.rep('a', 30), string.rep('b', 250), string.rep('c', 65530), string.rep('d', 100000))
local walk, o, x = {}, 0, nil
repeat o, x = cmsgpack.unpack_limit(strs, 1, o) walk[#walk + 1] = o .. ':' .. #x until o == -1
return tostring(ok) .. ' ' .. #s .. ':' .. sum(s) .. ' ' .. off .. ' ' .. tostring(one.name == v.name)
  .. ' ' .. table.concat(walk, ',')
]=])

case('cycles', [=[
local a = {y = 5}
local b = {x = a}
a.x = b
local s = cmsgpack.pack(a)
local back = cmsgpack.unpack(s)
local d, t = 0, back
while type(t) == 'table' and t.x do d = d + 1 t = t.x end
return #s .. ':' .. sum(s) .. ' depth ' .. d .. ' ' .. ser(t) .. ' ' .. tostring(back.x.x.y == back.y)
  .. ' ' .. tostring(back.x.x.x.x.x.x.y == 5)
]=])

case('unpack random bytes', [=[
local r = rng(99)
local bytes = {0x00, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa1, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4,
  0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
  0xe0, 0xff, 0x01, 0x02}
local out = {}
for i = 1, 600 do
  local t = {}
  for j = 1, r(20) do t[j] = string.char(r(3) == 0 and r(256) or bytes[r(#bytes) + 1]) end
  local s = table.concat(t)
  local how = r(3)
  local res
  if how == 0 then res = try(cmsgpack.unpack, s)
  elseif how == 1 then res = try(cmsgpack.unpack_one, s, r(#s + 2))
  else res = try(cmsgpack.unpack_limit, s, r(4), r(#s + 1)) end
  out[i] = string.sub(res, 1, 1) == 'E' and res or sum(res)
end
return table.concat(out, ',')
]=])

case('unpack damaged encodings', [=[
local r = rng(31337)
local vs = {{1, 2, {a = 'b', c = {3.5, -7}}}, {k = string.rep('q', 40), n = 70000, f = 0.1}, {true, false, 'x', {}}}
local out = {}
for i = 1, 300 do
  local s = cmsgpack.pack(vs[r(#vs) + 1])
  local p = r(#s) + 1
  local how = r(3)
  if how == 0 then s = string.sub(s, 1, p - 1)
  elseif how == 1 then s = string.sub(s, 1, p - 1) .. string.char(r(256)) .. string.sub(s, p + 1)
  else s = string.sub(s, 1, p - 1) .. string.char(r(256)) .. string.sub(s, p) end
  local res = try(cmsgpack.unpack, s)
  out[i] = string.sub(res, 1, 1) == 'E' and res or sum(res)
end
return table.concat(out, ',')
]=])

-- ------------------------------------------------------------------ struct

case('struct pack integers', [=[
local fs = {'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i1', 'i2', 'i3', 'i5', 'i7', 'i8', 'i9',
  'i16', 'i32', 'I3', 'I9', 'i0'}
local vs = {0, 1, -1, 127, 128, 255, 256, -129, 65535, 70000, -70000, 2^31, -2^31 - 1, 2^53, -2^53,
  2^63, 2^63 + 4096, 2^64, 1e30, -1e30, 1/0, -1/0, 0/0, 1.9, -1.9, '42', ' 0x10 '}
local out = {}
for _, e in ipairs({'<', '>'}) do
  for _, f in ipairs(fs) do
    local row = {}
    for i, v in ipairs(vs) do row[i] = hex(struct.pack(e .. f, v)) end
    out[#out + 1] = e .. f .. '=' .. table.concat(row, ',')
  end
end
return table.concat(out, ' ')
]=])

case('struct pack floats and strings', [=[
local out = {}
for _, f in ipairs({'<f', '>f', '<d', '>d', 'f', 'd'}) do
  local row = {}
  for i, v in ipairs({0, -0.0, 1, -1.5, 0.1, 1e39, -1e39, 1e-46, 1/0, -1/0, 0/0, 3.4028235677973366e38, '2.5'}) do
    row[i] = hex(struct.pack(f, v))
  end
  out[#out + 1] = f .. '=' .. table.concat(row, ',')
end
out[#out + 1] = hex(struct.pack('c0', 'hello'))
out[#out + 1] = hex(struct.pack('c3', 'hello'))
out[#out + 1] = hex(struct.pack('c', 'hello'))
out[#out + 1] = hex(struct.pack('s', 'hello'))
out[#out + 1] = hex(struct.pack('s', ''))
out[#out + 1] = hex(struct.pack('s', 'a\0b'))
out[#out + 1] = hex(struct.pack('c0', 12))
out[#out + 1] = hex(struct.pack('xxbx', 7))
out[#out + 1] = hex(struct.pack(' < i2 > i2 ', 1, 1))
out[#out + 1] = try(struct.pack, ' < i 2 ', 1)
out[#out + 1] = hex(struct.pack('', 1, 2))
out[#out + 1] = hex(struct.pack('b', 1, 2, 3))
out[#out + 1] = hex(struct.pack('c0b', 'ab', 1))
out[#out + 1] = hex(struct.pack('>s i4', 'ab', 9))
return table.concat(out, ' ')
]=])

case('struct alignment', [=[
local out = {}
for _, f in ipairs({'!bi', '!4bi', '!2bi', '!8bd', '!bd', '!1bd', '!16bd', '!4bh', '!4bhbl', '!4bi3',
  '!4bbi3', '!4bbbi3', '!8bi5', '!8bbi6', '!8bi7', '!4bsb', '!4bcI', '!4bxI', '!4bT', '!4bf', '<!4bi>i',
  '!bi!1bi', '!4b!4i'}) do
  local args = {}
  for c in string.gmatch(f, '[bBhHlLTiIfdc]') do args[#args + 1] = c == 'c' and 'q' or 3 end
  if string.find(f, 's') then table.insert(args, 2, 'zz') end
  out[#out + 1] = f .. '=' .. hex(struct.pack(f, unpack(args))) .. '/' .. struct.size(string.gsub(f, 's', 'c2'))
end
return table.concat(out, ' ')
]=])

case('struct pack errors', [=[
local function p(...) local r = struct.pack(...) return hex(r) end
local out = {}
for _, a in ipairs({{'X'}, {'z'}, {'#'}, {'9'}, {'b2', 1}, {'!3'}, {'!0'}, {'!12'}, {'i33', 1}, {'I99', 1},
  {'i99999999999', 1}, {'c99999999999', 'a'}, {'c5', 'abc'}, {'bc5', 1, 'abc'}, {'b'}, {'bb', 1},
  {'bbb', 1}, {'b', 'x'}, {'b', {}}, {'s', 1}, {'s'}, {'c', {}}, {'f'}, {'d', 'x'}, {}, {{}}, {12},
  {'\200'}, {'b\0b', 1}}) do
  out[#out + 1] = try(p, unpack(a, 1, table.maxn(a)))
end
local long = string.rep('i4', 3000)
out[#out + 1] = try(p, long .. 'i4', unpack({}, 1, 0))
local args = {} for i = 1, 2100 do args[i] = i end
out[#out + 1] = try(p, string.rep('i4', 2101), unpack(args))
out[#out + 1] = try(p, string.rep('c0', 2050) .. 'b', unpack((function() local t = {} for i = 1, 2050 do t[i] = 'abcd' end return t end)()))
return table.concat(out, ' ')
]=])

case('struct unpack', [=[
local out = {}
local d = string.char(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 250, 251, 252, 253, 254, 255, 0, 128)
for _, f in ipairs({'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i3', 'I3', 'i5', 'i7', 'i9', 'I9', 'i16', 'i0',
  'f', 'd', 'c3', 'x', 'xb', '!4bi', '!8bd', 'bc0', 's', 'c0'}) do
  for _, e in ipairs({'<', '>'}) do
    local row = {}
    for _, off in ipairs({1, 2, 17, 21}) do row[#row + 1] = try(struct.unpack, e .. f, d, off) end
    out[#out + 1] = e .. f .. '=' .. table.concat(row, ';')
  end
end
out[#out + 1] = all(struct.unpack('bc0b', string.char(3) .. 'abc' .. string.char(9)))
out[#out + 1] = all(struct.unpack('c1c0', '3abcd'))
out[#out + 1] = all(struct.unpack('s s', 'ab\0cd\0'))
out[#out + 1] = all(struct.unpack('i4c0', struct.pack('i4c0', 5, 'hello')))
out[#out + 1] = all(struct.unpack('', 'abc'))
out[#out + 1] = all(struct.unpack('', 'abc', 4))
out[#out + 1] = all(struct.unpack('>i2 <i2', '\0\1\1\0'))
return table.concat(out, ' ')
]=])

case('struct unpack errors', [=[
local function u(...) local r = {struct.unpack(...)} return #r end
local out = {}
for _, a in ipairs({{'b', ''}, {'i4', 'abc'}, {'b', 'a', 0}, {'b', 'a', -1}, {'', 'a', -1}, {'b', 'a', 2},
  {'', 'a', 2}, {'', 'a', 3}, {'b', 'ab', 3}, {'c0', 'abc'}, {'sc0', 'a\0bc'}, {'bc0', '\5abc'},
  {'bc0', '\255abc'}, {'s', 'abc'}, {'s', 'abc', 4}, {'s', 'abc', 5}, {'X', 'a'}, {'!3', 'a'},
  {'i33', 'a'}, {'b'}, {}, {'b', {}}, {'b', 'a', 'x'}, {'b', 'a', 1.9}, {'x', ''}, {'!4bi', 'abcde'},
  {'d', 'abcdefg'}, {'c99999999999', 'a'}, {'c2', 'a'}}) do
  out[#out + 1] = try(u, unpack(a, 1, table.maxn(a)))
end
out[#out + 1] = try(u, string.rep('b', 7990), string.rep('a', 8000))
out[#out + 1] = try(u, string.rep('b', 7997), string.rep('a', 8000))
out[#out + 1] = try(u, string.rep('b', 7998), string.rep('a', 8000))
out[#out + 1] = try(u, string.rep('x', 9000), string.rep('a', 9000))
return table.concat(out, ' ')
]=])

case('struct size', [=[
local function z(f) local r = struct.size(f) return r end
local out = {}
for _, f in ipairs({'', 'b', 'bhilfdT', '!bhilfdT', '!4bhilfdT', 'c10', 'c', 'x', 'i3i3', '!4i3i3', 'z', 'zb', '9',
  'b9', 's', 'c0', 'bs', '#', 'X', '!3', 'i33', '> < ! !2 b', 'aA', 12}) do
  out[#out + 1] = try(z, f)
end
out[#out + 1] = try(z)
out[#out + 1] = try(z, {})
return table.concat(out, ' ')
]=])

case('struct random round trips', [=[
local r = rng(4242)
local opts = {'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i3', 'I5', 'i8', 'f', 'd', 'c4', 's', 'x', '!4', '!8', '<', '>'}
local out = {}
for i = 1, 200 do
  local fmt, args = '', {}
  for _ = 1, r(12) + 1 do
    local o = opts[r(#opts) + 1]
    fmt = fmt .. o
    if o == 'c4' then args[#args + 1] = string.format('%04d', r(10000))
    elseif o == 's' then args[#args + 1] = 'str' .. r(1000)
    elseif o == 'f' then args[#args + 1] = (r(1000) - 500) / 8
    elseif o == 'd' then args[#args + 1] = (r(1000000) - 500000) / 7
    elseif string.find('bhli', o, 1, true) or o == 'i3' or o == 'i8' then args[#args + 1] = r(256) - 128
    elseif string.find('BHLTI', o, 1, true) or o == 'I5' then args[#args + 1] = r(256)
    end
  end
  local s = struct.pack(fmt, unpack(args))
  local back = {struct.unpack(fmt, s)}
  local ok = #back == #args + 1 and back[#back] == #s + 1
  for j = 1, #args do
    local a = args[j]
    if type(a) == 'number' and a == a then ok = ok and back[j] == a
    elseif type(a) == 'string' then ok = ok and back[j] == a end
  end
  out[i] = (ok and 'ok' or 'BAD') .. ':' .. #s .. ':' .. sum(s)
end
return table.concat(out, ',')
]=])

case('struct random formats', [=[
local r = rng(2024)
local alphabet = 'bBhHlLTiIfdcsx<>! bhiIcx!<>'
local counts = {'', '', '1', '2', '3', '4', '8', '0', '9', '16', '33'}
local out = {}
for i = 1, 500 do
  local f = {}
  for j = 1, r(7) + 1 do
    local k = r(#alphabet) + 1
    local o = string.sub(alphabet, k, k)
    if string.find('iIc!', o, 1, true) then o = o .. counts[r(#counts) + 1] end
    if r(40) == 0 then o = o .. string.sub('z#9', r(3) + 1, r(3) + 1) end
    f[j] = o
  end
  local fmt = table.concat(f)
  local args = {}
  for j = 1, r(6) do
    local k = r(4)
    args[j] = k == 0 and r(100000) - 50000 or k == 1 and string.rep('s', r(12)) or k == 2 and (r(1000) - 500) / 3 or tostring(r(50))
  end
  local d = {}
  for j = 1, r(40) do d[j] = string.char(r(256)) end
  out[#out + 1] = try(struct.pack, fmt, unpack(args))
  out[#out + 1] = try(struct.size, fmt)
  out[#out + 1] = try(struct.unpack, fmt, table.concat(d), r(8) == 0 and r(50) - 5 or 1)
end
for i = 1, #out do if string.sub(out[i], 1, 1) ~= 'E' then out[i] = sum(out[i]) end end
return table.concat(out, ',')
]=])

return M
