// The Lua code every script's state runs once, before any script: the parts
// of Redis's `redis` library that need no server, and the protection Redis
// gives its globals. Scripts see a read-only view of the globals and of every
// library table: assigning to one, or to a global, raises "Attempt to modify
// a readonly table"; reading a global that does not exist raises Redis's
// "Script attempted to access nonexistent global variable". (Redis patches
// its Lua for read-only tables; stock Lua 5.1 has none, so each table is an
// empty proxy that reads through to the real one, and the few base functions
// that could go around a proxy - rawset, setmetatable, next, pairs... - see
// through it or refuse it.)

export function prelude(redisVersion: string): string {
  const [major, minor, patch] = redisVersion.split('.').map(Number);
  const versionNumber = (major << 16) | (minor << 8) | patch;
  return `
local G = _G
local orig = {
  rawset = rawset, rawget = rawget, setmetatable = setmetatable, getmetatable = getmetatable,
  next = next, pairs = pairs, ipairs = ipairs, loadstring = loadstring, load = load, setfenv = setfenv,
  error = error, type = type, tostring = tostring, tonumber = tonumber,
}
for _, name in orig.ipairs({'dofile', 'loadfile', 'print', 'setfenv', 'getfenv', 'module', 'require', 'newproxy'}) do G[name] = nil end

local redis = G.redis
redis.REDIS_VERSION = '${redisVersion}'
redis.REDIS_VERSION_NUM = ${versionNumber}
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
-- As Redis: the text before the first space is the error code; without one the code is ERR.
function redis.error_reply(message)
  if orig.type(message) ~= 'string' then orig.error('wrong number or type of arguments', 2) end
  if message:sub(1, 1) == '-' then message = message:sub(2) end
  local space = message:find(' ', 1, true)
  local code, text = 'ERR', message
  if space ~= nil then code, text = message:sub(1, space - 1), message:sub(space + 1) end
  text = (text:gsub('^[\\r\\n]+', ''):gsub('[\\r\\n]+$', ''))
  return {err = code .. ' ' .. text}
end
function redis.status_reply(message)
  if orig.type(message) ~= 'string' then orig.error('wrong number or type of arguments', 2) end
  return {ok = message}
end
function redis.replicate_commands() return true end
function redis.breakpoint() return false end
function redis.debug() end

local function readonly(level) orig.error('Attempt to modify a readonly table', level) end
local function refuseWrite() readonly(3) end
-- Proxy -> the table it stands for.
local real = orig.setmetatable({}, {__mode = 'k'})
local function protect(t)
  local meta = {__index = t, __newindex = refuseWrite}
  local metaView = orig.setmetatable({}, {__index = meta, __newindex = refuseWrite, __metatable = false})
  meta.__metatable = metaView
  real[metaView] = meta
  local proxy = orig.setmetatable({}, meta)
  real[proxy] = t
  return proxy
end

function G.rawset(t, k, v)
  if real[t] ~= nil then readonly(3) end
  return orig.rawset(t, k, v)
end
function G.rawget(t, k) return orig.rawget(real[t] or t, k) end
function G.setmetatable(t, m)
  if real[t] ~= nil then readonly(3) end
  return orig.setmetatable(t, m)
end
function G.getmetatable(v)
  if orig.type(v) ~= 'table' then return nil end
  return orig.getmetatable(v)
end
function G.next(t, k) return orig.next(real[t] or t, k) end
function G.pairs(t) return orig.next, real[t] or t, nil end
function G.ipairs(t) return orig.ipairs(real[t] or t) end

-- Stock Lua 5.1 checks unpack's count for overflow but then asks for a
-- stack that big: a huge range would take the process down. Lua's own
-- stack check refuses anything past its C stack limit (8000 slots) when the
-- count is sane, so only absurd counts are refused here first.
local unpackAll = unpack
function G.unpack(t, ...)
  local i, j = ...
  local first = i == nil and 1 or orig.tonumber(i)
  local last = j
  if j == nil and orig.type(t) == 'table' then last = #t end
  last = orig.tonumber(last)
  if first ~= nil and last ~= nil and last - first >= 1000000 then orig.error('too many results to unpack', 2) end
  -- A tail call with the arguments as given: the stack it checks is the one a direct call would have.
  return unpackAll(t, ...)
end

-- LuaBitOp's tohex negates its digit count, which overflows for the
-- smallest integer; past 8 digits it clamps anyway, so clamp first.
local tohex = G.bit.tohex
G.bit.tohex = function(x, n)
  local count = orig.tonumber(n)
  if count ~= nil then
    if count > 8 then n = 8 elseif count < -8 then n = -8 end
  end
  return tohex(x, n)
end

local env
local function inEnv(f, message)
  if f ~= nil then orig.setfenv(f, env) end
  return f, message
end
function G.loadstring(code, name)
  if orig.type(code) == 'string' and code:byte(1) == 27 then return nil, 'binary chunks are not allowed' end
  return inEnv(orig.loadstring(code, name))
end
function G.load(reader, name)
  local pieces = {}
  if orig.type(reader) == 'function' then
    while true do
      local piece = reader()
      if piece == nil or piece == '' then break end
      pieces[#pieces + 1] = piece
    end
    return G.loadstring(table.concat(pieces), name)
  end
  return inEnv(orig.load(reader, name))
end

for _, name in orig.ipairs({'redis', 'cjson', 'bit', 'struct', 'cmsgpack', 'string', 'table', 'math', 'coroutine'}) do
  if G[name] ~= nil then G[name] = protect(G[name]) end
end
env = protect(G)
G._G = env
local function nonexistent(name)
  orig.error("Script attempted to access nonexistent global variable '" .. orig.tostring(name) .. "'", 3)
end
orig.setmetatable(G, {__index = function(_, name) nonexistent(name) end})

-- FUNCTION LOAD: a library's code runs once, seeing nothing but a few
-- fields of redis (register_function among them); the functions it
-- registers later run with the globals every script sees. One environment
-- serves both, switched while a library loads.
local loading = nil
local flagNames = {['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true, ['allow-cross-slot-keys'] = true}
local function fail(message) orig.error({err = 'ERR ' .. message}) end
local function register(name, callback, flags, description)
  if orig.type(name) ~= 'string' and orig.type(name) ~= 'number' then fail('first argument to redis.register_function must be a string') end
  name = orig.tostring(name)
  if not name:match('^[%w_]+$') then fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long') end
  if loading.functions[name] ~= nil then fail('Function already exists in the library') end
  local names = {}
  if flags ~= nil then
    for _, flag in orig.ipairs(flags) do
      if not flagNames[flag] then fail('unknown flag given') end
      names[#names + 1] = flag
    end
  end
  loading.functions[name] = callback
  loading.summary[#loading.summary + 1] = name .. '\\t' .. table.concat(names, ',') .. '\\t' .. (description or '')
end
local function registerFunction(...)
  if loading == nil then fail('redis.register_function can only be called on FUNCTION LOAD command') end
  local count = select('#', ...)
  local first, second = ...
  if count == 1 then
    if orig.type(first) ~= 'table' then fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).') end
    local name, callback, flags, description
    for key, value in orig.pairs(first) do
      if key == 'function_name' then
        if orig.type(value) ~= 'string' and orig.type(value) ~= 'number' then fail('function_name argument given to redis.register_function must be a string') end
        name = value
      elseif key == 'callback' then
        if orig.type(value) ~= 'function' then fail('callback argument given to redis.register_function must be a function') end
        callback = value
      elseif key == 'flags' then
        if orig.type(value) ~= 'table' then fail('flags argument to redis.register_function must be a table representing function flags') end
        flags = value
      elseif key == 'description' then
        if orig.type(value) ~= 'string' and orig.type(value) ~= 'number' then fail('description argument given to redis.register_function must be a string') end
        description = orig.tostring(value)
      else
        fail('unknown argument given to redis.register_function')
      end
    end
    if name == nil then fail('redis.register_function must get a function name argument') end
    if callback == nil then fail('redis.register_function must get a callback argument') end
    register(name, callback, flags, description)
  elseif count == 2 then
    if orig.type(first) ~= 'string' and orig.type(first) ~= 'number' then fail('first argument to redis.register_function must be a string') end
    if orig.type(second) ~= 'function' then fail('second argument to redis.register_function must be a function') end
    register(first, second, nil, nil)
  else
    fail('wrong number of arguments to redis.register_function')
  end
end
local loadRedisFields = {
  register_function = registerFunction, log = redis.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = redis.REDIS_VERSION, REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM,
}
local loadRedis = orig.setmetatable({}, {
  __index = function(_, name)
    local value = loadRedisFields[name]
    if value == nil then nonexistent(name) end
    return value
  end,
  __newindex = refuseWrite, __metatable = false,
})
local libraryEnv = orig.setmetatable({}, {
  __index = function(_, name)
    if loading ~= nil then
      if name == 'redis' then return loadRedis end
      nonexistent(name)
    end
    return env[name]
  end,
  __newindex = refuseWrite, __metatable = false,
})
-- Runs a library's compiled code; its functions by name, and one line per function (name, flags, description).
local function loadLibrary(code)
  loading = {functions = {}, summary = {}}
  orig.setfenv(code, libraryEnv)
  local ok, failure = pcall(code)
  local loaded = loading
  loading = nil
  if not ok then
    if orig.type(failure) == 'table' then orig.error(failure) end
    orig.error({err = 'ERR ' .. orig.tostring(failure)})
  end
  return loaded.functions, table.concat(loaded.summary, '\\n')
end
return env, loadLibrary
`;
}
