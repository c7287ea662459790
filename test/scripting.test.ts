// Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT) on a server of
// two shards, with clients on both threads: Redis's replies and error texts,
// the Lua<->RESP conversions both ways in RESP2 and RESP3, the protection of
// globals and library tables, the libraries (cjson, bit), ioredis's
// defineCommand and node-redis's scriptLoad/evalSha, and atomicity of
// scripts over keys of both shards, declared and not, under an auditor that
// must never see a transfer half done. The checks that do not look at
// threads hold against stock Redis too (STOCK_REDIS_PORT, see
// helpers/stock-server.ts).

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createClient } from 'redis';
import { connectIoredis, errorOf, flushBeforeEach, useClient } from './helpers/clients.ts';
import { keysOnShard, RawSession, resp } from './helpers/raw-client.ts';
import { connectOnThread } from './helpers/threads.ts';
import { STOCK_PORT, useServerOrStock } from './helpers/stock-server.ts';

const SHARDS = 2;
const [A, B] = [0, 1].map((shard) => keysOnShard(`k${shard}_`, shard, SHARDS, 4));

describe('Lua scripting over two shards', () => {
  const server = useServerOrStock({ shards: SHARDS, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  flushBeforeEach(client);
  const opened: Redis[] = [];
  afterEach(async () => {
    for (const connection of opened.splice(0)) connection.disconnect();
    await client.script('FLUSH');
    await client.call('FUNCTION', 'FLUSH');
  });

  async function connect(thread: number): Promise<Redis> {
    const connection = STOCK_PORT === undefined ? await connectOnThread(server, thread) : await connectIoredis(server);
    opened.push(connection);
    return connection;
  }

  it('runs scripts over their keys and arguments, and converts Lua values to replies as Redis does', async () => {
    expect(await client.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, A[0], 'v')).toBe('OK');
    expect(await client.eval("return redis.call('get', KEYS[1])", 1, A[0])).toBe('v');
    expect(await client.eval('return {1, 2, {3, "a"}, nil, 5}', 0)).toEqual([1, 2, [3, 'a']]);
    expect(await client.eval('return 3.99', 0)).toBe(3);
    expect(await client.eval('return -3.99', 0)).toBe(-3);
    expect(await client.eval('return true', 0)).toBe(1);
    expect(await client.eval('return false', 0)).toBeNull();
    expect(await client.eval('return nil', 0)).toBeNull();
    expect(await client.eval("return {ok = 'fine'}", 0)).toBe('fine');
    expect(await client.eval("return redis.status_reply('hi')", 0)).toBe('hi');
    expect(await errorOf(client.eval("return redis.error_reply('MY error')", 0))).toBe('MY error');
    expect(await errorOf(client.eval("return {err = 'X y'}", 0))).toBe('X y');
    expect(await client.eval('return tostring(10 / 2)', 0)).toBe('5');
    expect(await client.eval("return {double = 3.5}", 0)).toBe('3.5');
    expect(await client.eval("return {map = {a = 1}}", 0)).toEqual(['a', 1]);
    expect(await client.eval('return KEYS[1] .. ARGV[1] .. #ARGV', 1, 'k', 'a', 'b')).toBe('ka2');
  });

  it("converts replies to Lua values, redis.pcall catching errors and redis.call raising them, in Redis's words", async () => {
    await client.set(A[0], 'abc');
    await client.rpush(A[1], 'x', 'y');
    expect(await client.eval("local t = redis.call('lrange', KEYS[1], 0, -1) return #t .. t[1] .. t[2]", 1, A[1])).toBe('2xy');
    expect(await client.eval("return type(redis.call('get', 'nokey'))", 0)).toBe('boolean');
    expect(await client.eval("return redis.call('set', 'z', 1)['ok']", 0)).toBe('OK');
    expect(await client.eval("return redis.pcall('incr', KEYS[1])['err']", 1, A[0])).toBe('ERR value is not an integer or out of range');
    const incr = "return redis.call('incr', KEYS[1])";
    expect(await errorOf(client.eval(incr, 1, A[0]))).toBe(`ERR value is not an integer or out of range script: ${sha1(incr)}, on @user_script:1.`);
    expect(await errorOf(client.eval("error('boom')", 0))).toBe(`ERR user_script:1: boom script: ${sha1("error('boom')")}, on @user_script:1.`);
    expect(await errorOf(client.eval("error({err = 'MY custom'})", 0))).toBe(`MY custom script: ${sha1("error({err = 'MY custom'})")}, on @user_script:1.`);
    expect(await errorOf(client.eval('local a = 1\nreturn redis.call()', 0))).toMatch(/^ERR Please specify at least one argument for this redis lib call script: \w+, on @user_script:2\.$/);
    expect(await errorOf(client.eval("return redis.call('get', {})", 0))).toMatch(/^ERR Lua redis lib command arguments must be strings or integers script/);
    expect(await errorOf(client.eval("return redis.call('nosuch')", 0))).toMatch(/^ERR Unknown Redis command called from script script/);
    expect(await errorOf(client.eval("return redis.call('get')", 0))).toMatch(/^ERR Wrong number of args calling Redis command from script script/);
    expect(await errorOf(client.eval("return redis.call('eval', 'return 1', 0)", 0))).toMatch(/^ERR This Redis command is not allowed from script script/);
    expect(await errorOf(client.eval('retur 1', 0))).toBe("ERR Error compiling script (new function): user_script:1: '=' expected near '1'");
    expect(await errorOf(client.eval('return 1', -1))).toBe("ERR Number of keys can't be negative");
    expect(await errorOf(client.eval('return 1', 5, 'a'))).toBe("ERR Number of keys can't be greater than number of args");
  });

  it('keeps globals and library tables read-only, and offers only the libraries Redis loads', async () => {
    for (const script of ['x = 1', 'setmetatable(_G, {})', 'local g = getmetatable(_G) g.__index = {}', 'redis = function() return 1 end', '_G = {}', 'redis.call = function() end', 'cjson.encode = 1', 'bit.lshift = 1', 'rawset(_G, "y", 1)', 'local f = loadstring("zz = 1") f()']) {
      expect(await errorOf(client.eval(script, 0))).toContain('Attempt to modify a readonly table');
    }
    for (const name of ['print', 'dofile', 'loadfile', 'require', 'os', 'io', 'debug', 'setfenv', 'getfenv']) {
      expect(await errorOf(client.eval(`return type(${name})`, 0))).toContain(`Script attempted to access nonexistent global variable '${name}'`);
    }
    expect(await client.eval('return cjson.encode({1, 2, {a = 1}})', 0)).toBe('[1,2,{"a":1}]');
    expect(await client.eval("return cjson.decode('[1,2,3]')[2]", 0)).toBe(2);
    expect(await client.eval('return bit.band(7, 3) + bit.lshift(1, 4)', 0)).toBe(19);
    expect(await client.eval("return redis.sha1hex('')", 0)).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(await client.eval('return redis.REDIS_VERSION', 0)).toMatch(/^7\.0\.\d+$/);
    expect(await client.eval('return _VERSION', 0)).toBe('Lua 5.1');
    expect(await errorOf(client.eval('return loadstring(string.dump(function() return 1 end))()', 0))).toContain('attempt to call a nil value');
  });

  it('speaks RESP3 both ways after redis.setresp(3) and to a RESP3 client', async () => {
    const session = new RawSession(server.port);
    try {
      const evalOf = (script: string): string => `*3\r\n$4\r\nEVAL\r\n$${Buffer.byteLength(script)}\r\n${script}\r\n$1\r\n0\r\n`;
      await session.send('HELLO 3\r\n', 1);
      expect(await session.send(evalOf('return {double = 3.5}'), 1)).toBe(',3.5\r\n');
      expect(await session.send(evalOf('return {map = {a = 1}}'), 1)).toBe('%1\r\n$1\r\na\r\n:1\r\n');
      expect(await session.send(evalOf('return nil'), 1)).toBe('_\r\n');
      expect(await session.send(evalOf("redis.setresp(3) return redis.call('hgetall', 'nokey')"), 1)).toBe('%0\r\n');
      expect(await session.send(evalOf("redis.setresp(3) return redis.call('get', 'nokey') == nil"), 1)).toBe('#t\r\n');
      expect(await session.send(evalOf('redis.setresp(3) return false'), 1)).toBe('#f\r\n');
      expect(await session.send(evalOf('return false'), 1)).toBe('_\r\n');
      expect(await session.send(evalOf('return true'), 1)).toBe(':1\r\n');
    } finally {
      session.close();
    }
  });

  it('refuses writes in EVAL_RO and in no-writes scripts, and checks shebangs', async () => {
    expect(await errorOf(client.call('EVAL_RO', "return redis.call('set', 'a', 1)", '0'))).toMatch(/^ERR Write commands are not allowed from read-only scripts\. script/);
    expect(await client.call('EVAL_RO', "return redis.call('get', KEYS[1])", '1', A[0])).toBeNull();
    expect(await errorOf(client.eval("#!lua flags=no-writes\nreturn redis.call('set', 'a', 1)", 0))).toMatch(/on @user_script:2\.$/);
    expect(await errorOf(client.eval('#!lua flags=bogus\nreturn 1', 0))).toBe('ERR Unexpected flag in script shebang: bogus');
    expect(await errorOf(client.eval('#!python\nreturn 1', 0))).toBe('ERR Unexpected engine in script shebang: #!python');
    expect(await errorOf(client.eval('#!lua foo=bar\nreturn 1', 0))).toBe('ERR Unknown lua shebang option: foo=bar');
    expect(await client.eval("#!lua\nreturn redis.call('set', KEYS[1], 1)", 1, A[0])).toBe('OK');
  });

  it('caches scripts for EVALSHA on every thread: SCRIPT LOAD, EXISTS and FLUSH', async () => {
    const [zero, one] = [await connect(0), await connect(1)];
    const sha = (await zero.script('LOAD', 'return ARGV[1]')) as string;
    expect(sha).toBe(sha1('return ARGV[1]'));
    expect(await one.evalsha(sha, 0, 'hi')).toBe('hi');
    expect(await zero.script('EXISTS', sha, 'ffffffffffffffffffffffffffffffffffffffff')).toEqual([1, 0]);
    expect(await errorOf(one.evalsha('ffffffffffffffffffffffffffffffffffffffff', 0))).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(await one.script('FLUSH')).toBe('OK');
    expect(await zero.script('EXISTS', sha)).toEqual([0]);
    expect(await errorOf(zero.evalsha(sha, 0))).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(await errorOf(zero.script('KILL'))).toBe('NOTBUSY No scripts in execution right now.');
    // A body EVAL ran (here or on the shard of its key) is known to EVALSHA on every thread.
    for (const [keys, body] of [[[A[0]], "return redis.call('exists', KEYS[1])"], [[B[0]], "return redis.call('exists', KEYS[1]) + 1"], [[], 'return 7']] as const) {
      expect(await zero.eval(body, keys.length, ...keys)).toBeTypeOf('number');
      for (const connection of [zero, one]) expect(await connection.evalsha(sha1(body), keys.length, ...keys)).toBeTypeOf('number');
      expect(await one.script('EXISTS', sha1(body))).toEqual([1]);
    }
    const info = (await zero.info('memory')) as string;
    expect(info).toContain('number_of_cached_scripts:3\r\n');
    expect(await one.script('FLUSH')).toBe('OK');
    expect((await zero.info('memory')) as string).toContain('number_of_cached_scripts:0\r\n');
  });

  it("answers a script's errors in Redis's words and counts them once, in errorstats and the script's failed_calls", async () => {
    const stat = async (section: string, name: string): Promise<string | undefined> => {
      const info = (await client.info(section)) as string;
      return info.split('\r\n').find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1);
    };
    await client.config('RESETSTAT');
    expect(await errorOf(client.eval("return redis.error_reply('MY_CODE custom msg')", 0))).toBe('MY_CODE custom msg');
    expect(await stat('errorstats', 'errorstat_MY_CODE')).toBe('count=1');
    expect(await errorOf(client.eval("return redis.error_reply('')", 0))).toBe('ERR ');
    expect(await errorOf(client.eval("error(redis.error_reply('X\\r\\n+INJECTED'))", 0))).toMatch(/^ERR X {2}\+INJECTED script: \w+, on @user_script:1\.$/);
    // A redis.call that fails: its error counted once (the command's), the script failed.
    await client.config('RESETSTAT');
    expect(await errorOf(client.eval("return redis.call('select', 99)", 0))).toMatch(/^ERR DB index is out of range script:/);
    expect(await stat('errorstats', 'errorstat_ERR')).toBe('count=1');
    expect(await stat('commandstats', 'cmdstat_eval')).toMatch(/^calls=1,.*,failed_calls=1$/);
    // A redis.pcall that fails: the command's error counted, the script did not fail.
    await client.config('RESETSTAT');
    expect(await client.eval("local t = redis.pcall('select', 99) return t['err']", 0)).toBe('ERR DB index is out of range');
    expect(await stat('errorstats', 'errorstat_ERR')).toBe('count=1');
    expect(await stat('commandstats', 'cmdstat_eval')).toMatch(/^calls=1,.*,failed_calls=0$/);
  });

  it('sorts a set for SORT BY a constant inside a script, and stops a library whose loading runs too long', async () => {
    await client.sadd(A[0], 'c', 'a', 'b', 'aa');
    expect(await client.eval("return redis.call('sort', KEYS[1], 'by', '_')", 1, A[0])).toEqual(['a', 'aa', 'b', 'c']);
    expect(await errorOf(client.call('FUNCTION', 'LOAD', '#!lua name=slow\nlocal a = 1 while 1 do a = a + 1 end'))).toMatch(/FUNCTION LOAD timeout/);
    expect(await client.call('FUNCTION', 'LIST')).toEqual([]);
  });

  it("works with ioredis's defineCommand and node-redis's scriptLoad and evalSha", async () => {
    client.defineCommand('transfer', { numberOfKeys: 2, lua: "redis.call('decrby', KEYS[1], ARGV[1]) return redis.call('incrby', KEYS[2], ARGV[1])" });
    await client.set(A[0], 10);
    const transfer = (client as unknown as { transfer(a: string, b: string, n: number): Promise<number> }).transfer.bind(client);
    expect(await transfer(A[0], B[0], 3)).toBe(3);
    expect(await transfer(A[0], B[0], 3)).toBe(6);
    expect(await client.mget(A[0], B[0])).toEqual(['4', '6']);
    const nodeRedis = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await nodeRedis.connect();
    try {
      const sha = await nodeRedis.scriptLoad("return redis.call('get', KEYS[1])");
      expect(await nodeRedis.evalSha(sha, { keys: [B[0]] })).toBe('6');
    } finally {
      await nodeRedis.quit();
    }
  });

  it('a sliding-window rate limiter and a compare-and-delete lock, as libraries write them', async () => {
    const limiter = `
      local now = tonumber(ARGV[1])
      redis.call('zremrangebyscore', KEYS[1], 0, now - tonumber(ARGV[2]))
      if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
      redis.call('zadd', KEYS[1], now, ARGV[4])
      redis.call('pexpire', KEYS[1], ARGV[2])
      return 1`;
    const verdicts: number[] = [];
    for (let i = 0; i < 5; i++) verdicts.push((await client.eval(limiter, 1, 'rate:user', 1000 + i, 1000, 3, `req${i}`)) as number);
    expect(verdicts).toEqual([1, 1, 1, 0, 0]);
    expect(await client.eval(limiter, 1, 'rate:user', 2500, 1000, 3, 'late')).toBe(1);
    const unlock = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    await client.set('lock:res', 'owner-1', 'PX', 10_000, 'NX');
    expect(await client.eval(unlock, 1, 'lock:res', 'owner-2')).toBe(0);
    expect(await client.eval(unlock, 1, 'lock:res', 'owner-1')).toBe(1);
    expect(await client.exists('lock:res')).toBe(0);
  });

  it('loads FUNCTION libraries on every thread and calls their functions with FCALL and FCALL_RO', async () => {
    const [zero, one] = [await connect(0), await connect(1)];
    const library = [
      '#!lua name=counters',
      "local function bump(key, by) return redis.call('incrby', key, by) end",
      "redis.register_function('bump', function(keys, args) return bump(keys[1], args[1]) end)",
      "redis.register_function{function_name = 'peek', callback = function(keys) return redis.call('get', keys[1]) end, flags = {'no-writes'}, description = 'reads a counter'}",
    ].join('\n');
    expect(await zero.call('FUNCTION', 'LOAD', library)).toBe('counters');
    expect(await one.call('FCALL', 'bump', '1', A[3], '5')).toBe(5);
    expect(await zero.call('FCALL', 'bump', '1', B[3], '7')).toBe(7);
    expect(await one.call('FCALL_RO', 'peek', '1', A[3])).toBe('5');
    expect(await errorOf(zero.call('FCALL_RO', 'bump', '1', A[3], '1'))).toBe('ERR Can not execute a script with write flag using *_ro command.');
    expect(await errorOf(zero.call('FCALL', 'nosuch', '0'))).toBe('ERR Function not found');
    expect(await errorOf(one.call('FUNCTION', 'LOAD', library))).toBe("ERR Library 'counters' already exists");
    // The order of functions in a library is not defined (Redis lists them in hash order).
    const [listed] = (await one.call('FUNCTION', 'LIST')) as [unknown[]];
    const functionsListed = (listed[5] as unknown[][]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect([...listed.slice(0, 5), functionsListed]).toEqual([
      'library_name', 'counters', 'engine', 'LUA', 'functions', [
        ['name', 'bump', 'description', null, 'flags', []],
        ['name', 'peek', 'description', 'reads a counter', 'flags', ['no-writes']],
      ],
    ]);
    expect(await zero.call('FUNCTION', 'STATS')).toEqual(['running_script', null, 'engines', ['LUA', ['libraries_count', 1, 'functions_count', 2]]]);
    expect(await zero.call('FUNCTION', 'LOAD', 'REPLACE', library.replace("by) end", "by * 2) end"))).toBe('counters');
    expect(await one.call('FCALL', 'bump', '1', A[3], '1')).toBe(7);
    expect(await zero.call('FUNCTION', 'DELETE', 'counters')).toBe('OK');
    expect(await errorOf(one.call('FCALL', 'bump', '1', A[3], '1'))).toBe('ERR Function not found');
    expect(await errorOf(one.call('FUNCTION', 'DELETE', 'counters'))).toBe('ERR Library not found');
  });

  it("refuses bad libraries in Redis's words, and a library sees only what Redis lets it see while it loads", async () => {
    const load = (body: string): Promise<string> => errorOf(client.call('FUNCTION', 'LOAD', `#!lua name=bad\n${body}`));
    expect(await load('local x = math.floor(1.5)')).toBe("ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'math'");
    expect(await load("redis.call('set', 'x', 1)")).toBe("ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'");
    expect(await load("redis.register_function('f')")).toBe('ERR Error registering functions: ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
    expect(await load("redis.register_function{function_name = 'g', callback = function() end, flags = {'bad'}}")).toBe('ERR Error registering functions: ERR unknown flag given');
    expect(await load("redis.register_function('g', 1)")).toBe('ERR Error registering functions: ERR second argument to redis.register_function must be a function');
    expect(await load("redis.register_function('g', function() end) redis.register_function('g', function() end)")).toBe('ERR Error registering functions: ERR Function already exists in the library');
    expect(await load('local x = (')).toBe("ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'");
    expect(await load('return 1')).toBe('ERR No functions registered');
    expect(await errorOf(client.call('FUNCTION', 'LOAD', 'return 1'))).toBe('ERR Missing library metadata');
    expect(await errorOf(client.call('FUNCTION', 'LOAD', '#!luax name=a\nreturn'))).toBe("ERR Engine 'luax' not found");
    expect(await errorOf(client.call('FUNCTION', 'LOAD', '#!lua name=a-b\nreturn'))).toBe('ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    expect(await errorOf(client.call('FUNCTION', 'LOAD', '#!lua foo=bar\nreturn'))).toBe('ERR Invalid metadata value given: foo=bar');
    expect(await errorOf(client.call('FUNCTION', 'LOAD', "#! name=a\nredis.register_function('a', function() end)"))).toBe("ERR Engine '' not found");
    expect(await errorOf(client.call('FUNCTION', 'LOAD', '#!lua name=a'))).toBe('ERR Invalid library metadata');
    expect(await client.call('FUNCTION', 'LIST')).toEqual([]);
    // Quotes as Redis splits the first line; function names in any case; register_function only while loading.
    expect(await client.call('FUNCTION', 'LOAD', `#!lua name="quoted"\nlocal lib = redis\nredis.register_function('Mixed', function() lib.register_function('x', function() end) end)`)).toBe('quoted');
    expect(await errorOf(client.call('FCALL', 'mIXED', '0'))).toMatch(/^ERR redis\.register_function can only be called on FUNCTION LOAD command script: Mixed, on @user_function:3\.$/);
    expect(await errorOf(client.call('FUNCTION', 'LOAD', "#!lua name=other\nredis.register_function('MIXED', function() end)"))).toBe('ERR Function MIXED already exists');
    expect(await errorOf(client.call('FCALL', 'mixed', 'x'))).toBe('ERR Bad number of keys provided');
    expect(await errorOf(client.call('FCALL', 'nosuch', 'x'))).toBe('ERR Function not found');
  });

  it('honours allow-oom and no-writes under maxmemory, and refuses a script with flags that may write', async () => {
    await client.set(A[0], 'before');
    await client.set(B[0], 'before');
    await client.config('SET', 'maxmemory', '1');
    try {
      for (const key of [A[0], B[0]]) {
        expect(await errorOf(client.eval("return redis.call('set', KEYS[1], 'x')", 1, key))).toMatch(/^OOM command not allowed when used memory > 'maxmemory'\. script:/);
        expect(await client.eval("return redis.call('get', KEYS[1])", 1, key)).toBe('before');
        expect(await errorOf(client.eval('#!lua flags=\nreturn 1', 0))).toBe("OOM command not allowed when used memory > 'maxmemory'.");
        expect(await client.eval("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", 1, key)).toBe('before');
        expect(await client.eval("#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'after')", 1, key)).toBe('OK');
      }
    } finally {
      await client.config('SET', 'maxmemory', '0');
    }
    expect(await client.mget(A[0], B[0])).toEqual(['after', 'after']);
  });

  it('refuses writes for want of good replicas (min-replicas-to-write): scripts that may write, and the writes a script calls', async () => {
    await client.set(A[0], 'v');
    await client.config('SET', 'min-replicas-to-write', '1');
    try {
      const refused = 'NOREPLICAS Not enough good replicas to write.';
      expect(await client.eval("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", 1, A[0])).toBe('v');
      expect(await client.eval("return redis.call('get', KEYS[1])", 1, A[0])).toBe('v');
      expect(await errorOf(client.eval("#!lua\nreturn redis.call('get', KEYS[1])", 1, A[0]))).toBe(refused);
      expect(await errorOf(client.eval("return redis.call('set', KEYS[1], 1)", 1, B[0]))).toMatch(/^NOREPLICAS Not enough good replicas to write\. script: \w+, on @user_script:1\.$/);
      expect(await errorOf(client.set(A[0], 'w'))).toBe(refused);
      expect(await errorOf(client.mset(A[0], 'w', B[0], 'w'))).toBe(refused);
    } finally {
      await client.config('SET', 'min-replicas-to-write', '0');
    }
    expect(await client.mget(A[0], B[0])).toEqual(['v', null]);
  });

  it('lets scripts call DEBUG PROTOCOL under DEBUG SET-DISABLE-DENY-SCRIPTS, converting every RESP3 type as Redis', async () => {
    const raw = new RawSession(server.port);
    const command = (...args: string[]): Promise<string> => raw.send(resp(...args), 1);
    try {
      expect(await command('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1')).toBe('+OK\r\n');
      const viaScript = (resp: number, type: string): Promise<string> => command('EVAL', `redis.setresp(${resp}) return redis.call('debug', 'protocol', '${type}')`, '0');
      expect(await viaScript(3, 'false')).toBe(':0\r\n');
      expect(await command('EVAL', 'redis.setresp(2) return false', '0')).toBe('$-1\r\n');
      expect(await command('EVAL', 'redis.setresp(3) return false', '0')).toBe(':0\r\n');
      expect(await viaScript(3, 'verbatim')).toBe('$25\r\nThis is a verbatim\nstring\r\n');
      expect(await command('EVAL', "return {big_number = '123\\r\\n123'}", '0')).toBe('$8\r\n123  123\r\n');
      await command('HELLO', '3');
      expect(await viaScript(3, 'verbatim')).toBe('=29\r\ntxt:This is a verbatim\nstring\r\n');
      expect(await viaScript(3, 'false')).toBe('#f\r\n');
      expect(await viaScript(3, 'bignum')).toBe('(1234567999999999999999999999999999999\r\n');
      expect(await command('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0')).toBe('+OK\r\n');
      expect(await viaScript(3, 'true')).toMatch(/^-ERR This Redis command is not allowed from script script: \w+, on @user_script:1\.\r\n$/);
    } finally {
      raw.close();
    }
  });

  it('stays up when a script asks for more results than Lua can give or an absurd hex width, or selects a database', async () => {
    expect(await errorOf(client.eval('return {unpack({1, 2, 3}, -2147483648, -2)}', 0))).toContain('too many results to unpack');
    expect(await errorOf(client.eval('return {unpack({1, 2, 3}, 0, 2147483647)}', 0))).toContain('too many results to unpack');
    expect(await client.eval('return {unpack({1, 2, 3}, 2, 3)}', 0)).toEqual([2, 3]);
    expect(await client.eval("local a = {} for i = 1, 7999 do a[i] = 1 end return redis.call('rpush', KEYS[1], unpack(a))", 1, A[2])).toBe(7999);
    expect(await errorOf(client.eval("return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')['err']", 1, A[3]).then((e) => { throw new Error(String(e)); }))).toBe('ERR xread command is not allowed with BLOCK option from scripts');
    expect(await client.eval('return {bit.tohex(65535, -2147483648), bit.tohex(65535, 12), bit.tohex(65535, 3)}', 0)).toEqual(['0000FFFF', '0000ffff', 'fff']);
    await client.set(A[0], 'db0');
    expect(await client.eval("redis.call('select', 9) redis.call('set', KEYS[1], 'db9') return redis.call('get', KEYS[1])", 1, A[0])).toBe('db9');
    expect(await client.get(A[0])).toBe('db0');
    expect(await errorOf(client.eval("return redis.call('select', 99)", 0))).toMatch(/^ERR DB index is out of range script/);
    await client.select(9);
    await client.del(A[0]);
    await client.select(0);
  });

  it('runs scripts queued in MULTI, over one shard or both, as part of EXEC', async () => {
    const multi = client.multi();
    multi.set(A[1], '1');
    multi.eval("redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[2])", 2, A[1], B[1]);
    multi.eval("return redis.call('get', KEYS[1])", 1, A[1]);
    multi.eval('return 1', 0);
    expect(await multi.exec()).toEqual([[null, 'OK'], [null, 1], [null, '2'], [null, 1]]);
  });

  it('scripts over keys of both shards, declared or not, are atomic under an auditor', async () => {
    const declared = "redis.call('decr', KEYS[1]) redis.call('incr', KEYS[2]) return 1";
    const undeclared = "redis.call('decr', ARGV[1]) redis.call('incr', ARGV[2]) return 1";
    const audit = "return tonumber(redis.call('get', KEYS[1])) + tonumber(redis.call('get', KEYS[2]))";
    await client.mset(A[2], 1000, B[2], 1000);
    const workers = await Promise.all([connect(0), connect(1), connect(0), connect(1)]);
    let stop = false;
    const sums: number[] = [];
    const auditor = (async () => {
      const reader = workers[3];
      while (!stop) {
        sums.push((await reader.eval(audit, 2, A[2], B[2])) as number);
        const [a, b] = await reader.mget(A[2], B[2]);
        sums.push(Number(a) + Number(b));
      }
    })();
    const movers = workers.slice(0, 3).map(async (connection, i) => {
      for (let n = 0; n < 150; n++) {
        if ((n + i) % 2 === 0) await connection.eval(declared, 2, A[2], B[2]);
        else await connection.eval(undeclared, 0, B[2], A[2]);
      }
    });
    await Promise.all(movers);
    stop = true;
    await auditor;
    expect(sums.length).toBeGreaterThan(0);
    for (const sum of sums) expect(sum).toBe(2000);
    expect(Number(await client.get(A[2])) + Number(await client.get(B[2]))).toBe(2000);
  });
});

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
