-- Runs every case of cases.lua with the modules built in the directory given
-- as argument, and compares each result with the one recorded from stock
-- redis-server in expected.lua. Exits 1 on any difference.

local here = string.match(arg[0], '^(.*)/[^/]*$') or '.'
local build = arg[1] or 'build'
package.cpath = build .. '/?.so'
require('cmsgpack')
require('struct')
assert(type(cmsgpack) == 'table' and type(struct) == 'table', 'the modules register their globals')

local M = dofile(here .. '/cases.lua')
local expected = dofile(here .. '/expected.lua')

local failed, passed = 0, 0
for _, c in ipairs(M.cases) do
  local want = expected[c.name]
  -- the chunk name Redis gives scripts, so error positions read the same
  local chunk, err = loadstring(M.prelude .. c.code, '@user_script')
  local ok, got
  if chunk then ok, got = pcall(chunk) else ok, got = false, err end
  if not ok then got = 'ERROR ' .. tostring(got) end
  if want == nil then
    failed = failed + 1
    io.write('MISSING ', c.name, ' (not recorded; run make record)\n')
  elseif got ~= want then
    failed = failed + 1
    io.write('FAIL ', c.name, '\n')
    -- the first differing item, so long results stay readable
    local i = 1
    while i <= #got and string.sub(got, i, i) == string.sub(want, i, i) do i = i + 1 end
    local from = math.max(1, i - 60)
    io.write('  at byte ', i, '\n  want: ...', string.sub(want, from, i + 100), '\n  got:  ...',
      string.sub(got, from, i + 100), '\n')
  else
    passed = passed + 1
  end
end
io.write(string.format('%d passed, %d failed\n', passed, failed))
os.exit(failed == 0 and 0 or 1)
