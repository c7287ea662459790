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
  error = error, type = type, tostring = tostring,
}
for _, name in orig.ipairs({'dofile', 'loadfile', 'print', 'setfenv', 'getfenv', 'module', 'require', 'newproxy'}) do G[name] = nil end

local redis = G.redis
redis.REDIS_VERSION = '${redisVersion}'
redis.REDIS_VERSION_NUM = ${versionNumber}
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
function redis.error_reply(message)
  if orig.type(message) ~= 'string' then orig.error('wrong number or type of arguments', 2) end
  if message:sub(1, 1) == '-' then message = message:sub(2) end
  return {err = message}
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
orig.setmetatable(G, {__index = function(_, name)
  orig.error("Script attempted to access nonexistent global variable '" .. orig.tostring(name) .. "'", 2)
end})
return env
`;
}
