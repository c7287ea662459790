// The append-only file against real servers: kill -9 after acknowledged
// writes of every type (and of the commands whose effect is journaled, not
// their arguments) with appendfsync always loses none, everysec at most about
// a second's worth; a transaction over several shards comes back all or
// nothing when one shard's segment is torn; CONFIG SET appendonly yes writes
// a base first; BGREWRITEAOF, auto rewrite and DEBUG LOADAOF; a directory
// stock redis-server 7.0.15 writes loads here (--shards 1) and ours loads in
// stock; and SET throughput with the AOF on and off, next to stock Redis.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { launchServer, freePort, startServer, SERVER_ENTRY, type TestServer } from './helpers/server.ts';
import { connectIoredis, errorOf, infoField, waitFor } from './helpers/clients.ts';
import { EVERY_TYPE_KEYS, fillEveryType, showKey } from './helpers/every-type.ts';

const execFileAsync = promisify(execFile);

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadis-aof-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Running {
  server: TestServer;
  client: Redis;
}

/** Every server a test started: those a failed test left running stop at the end. */
const started: TestServer[] = [];
afterAll(async () => {
  for (const server of started) await server.stop();
});

async function ours(dir: string, shards: number, extra: string[] = []): Promise<Running> {
  const server = await startServer({ shards, args: ['--dir', dir, '--enable-debug-command', 'yes', ...extra] });
  started.push(server);
  return { server, client: await connectIoredis(server) };
}

async function killHard(running: Running): Promise<void> {
  running.client.disconnect();
  const exited = new Promise((resolve) => running.server.process.once('exit', resolve));
  running.server.process.kill('SIGKILL');
  await exited;
}

async function stop(running: Running): Promise<void> {
  running.client.disconnect();
  await running.server.stop();
}

const EXTRA_KEYS = ['nd:spop', 'nd:float', 'nd:hfloat', 'nd:ttl', 'nd:setex', 'nd:stream', 'nd:list', 'nd:popped', 'nd:script', '{tx}a', '{tx}b', 'tx:1', 'tx:2', 'tx:3'];

/** Every type, and the writes whose effect depends on the clock or on chance, inside scripts and transactions too. */
async function writeEverything(client: Redis): Promise<void> {
  await fillEveryType(client);
  await client.sadd('nd:spop', 'a', 'b', 'c', 'd', 'e', 'f');
  await client.spop('nd:spop', 2);
  await client.set('nd:float', '10.5');
  await client.incrbyfloat('nd:float', '0.1');
  await client.hincrbyfloat('nd:hfloat', 'f', '2.5');
  await client.set('nd:ttl', 'v');
  await client.expire('nd:ttl', 1000);
  await client.set('nd:setex', 'v', 'EX', 2000);
  await client.xadd('nd:stream', '*', 'f', 'v');
  await client.xgroup('CREATE', 'nd:stream', 'g', '0');
  await client.xreadgroup('GROUP', 'g', 'alice', 'COUNT', 1, 'STREAMS', 'nd:stream', '>');
  await client.rpush('nd:list', 'x', 'y');
  await client.blpop('nd:list', 1);
  await client.lmove('nd:list', 'nd:popped', 'LEFT', 'RIGHT');
  await client.eval("redis.call('SET', KEYS[1], 'from-script'); redis.call('SADD', KEYS[1] .. ':set', ARGV[1]); return redis.call('SPOP', KEYS[1] .. ':set')", 1, 'nd:script', 'm');
  await client.multi().set('{tx}a', '1').incr('{tx}b').exec();
  await client.multi().set('tx:1', 'one').set('tx:2', 'two').incr('tx:3').exec();
  await client.mset('m:1', 'a', 'm:2', 'b', 'm:3', 'c', 'm:4', 'd');
  await client.select(3);
  await client.set('in-db3', 'third database');
  await client.select(0);
}

/** What a user sees of every key written (its absolute expiry time included). */
async function view(client: Redis): Promise<unknown[]> {
  const seen: unknown[] = [await client.dbsize()];
  for (const key of [...EVERY_TYPE_KEYS, ...EXTRA_KEYS, 'nd:script:set', 'm:1', 'm:2', 'm:3', 'm:4']) {
    seen.push([key, await showKey(client, key)]);
  }
  seen.push(await client.xpending('nd:stream', 'g'));
  seen.push((await client.smembers('nd:spop')).sort());
  await client.select(3);
  seen.push(await client.get('in-db3'));
  await client.select(0);
  return seen;
}

describe('kill -9 with appendfsync always', () => {
  for (const shards of [1, 2]) {
    it(`loses no acknowledged write of any type (--shards ${shards})`, async () => {
      const dir = freshDir();
      const first = await ours(dir, shards, ['--appendonly', 'yes', '--appendfsync', 'always']);
      await writeEverything(first.client);
      const before = await view(first.client);
      expect(infoField((await first.client.info('persistence')) as string, 'aof_enabled')).toBe(1);
      await killHard(first);
      const second = await ours(dir, shards, ['--appendonly', 'yes', '--appendfsync', 'always']);
      try {
        expect(await view(second.client)).toEqual(before);
        // It appends on after the load: one more write, one more restart.
        await second.client.set('after', 'restart');
        await killHard(second);
        const third = await ours(dir, shards, ['--appendonly', 'yes']);
        expect(await third.client.get('after')).toBe('restart');
        expect(await view(third.client)).toEqual([(before[0] as number) + 1, ...before.slice(1)]);
        await stop(third);
      } finally {
        if (second.server.process.exitCode === null && second.server.process.signalCode === null) await stop(second);
      }
    }, 60000);
  }
});

/** Every key of databases 0 to 5 with its DEBUG DIGEST-VALUE and expiry time. */
async function digestsByKey(client: Redis): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  for (let db = 0; db <= 5; db++) {
    await client.select(db);
    for (const key of (await client.keys('*')).sort()) seen[`${db}:${key}`] = [await client.call('debug', 'digest-value', key), await client.pexpiretime(key)];
  }
  await client.select(0);
  return seen;
}

describe('kill -9 after writes of every family', () => {
  it('comes back with the same DEBUG DIGEST (--shards 2)', async () => {
    const dir = freshDir();
    const first = await ours(dir, 2, ['--appendonly', 'yes', '--appendfsync', 'always']);
    const c = first.client;
    await c.set('s', 'hello');
    await c.setrange('s', 2, 'XY');
    await c.append('s', '!');
    await c.getex('s', 'PX', 900000);
    await c.set('ex', 'v', 'EX', 5000);
    await c.persist('ex');
    await c.setex('sx', 3000, 'v');
    await c.psetex('psx', 3000000, 'v');
    const dumped = await c.dumpBuffer('s');
    await c.restore('restored', 600000, dumped as Buffer);
    await c.restore('restored-abs', Date.now() + 700000, dumped as Buffer, 'ABSTTL');
    await c.pfadd('h1', 'a', 'b');
    await c.pfadd('h2', 'c');
    await c.pfmerge('h3', 'h1', 'h2');
    await c.geoadd('geo', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania');
    await c.geosearchstore('geo-near', 'geo', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km');
    await c.zadd('z', 'INCR', 1.5, 'm');
    await c.zincrby('z', 2, 'n');
    await c.zpopmin('z');
    await c.sadd('src', 'a', 'b', 'c');
    await c.smove('src', 'dst', 'a');
    await c.sinterstore('inter', 'src', 'dst');
    await c.sunionstore('union', 'src', 'dst');
    await c.rpush('sortme', 3, 1, 2);
    await c.sort('sortme', 'STORE', 'sorted');
    await c.lpush('lst', 'a', 'b', 'c');
    await c.linsert('lst', 'BEFORE', 'b', 'x');
    await c.lset('lst', 0, 'first');
    await c.ltrim('lst', 0, 2);
    await c.rpoplpush('lst', 'lst2');
    await c.hset('hh', 'a', '1', 'b', '2');
    await c.hincrby('hh', 'a', 5);
    await c.hdel('hh', 'b');
    await c.setbit('bits', 7, 1);
    await c.bitop('OR', 'bits2', 'bits', 'bits');
    await c.call('bitfield', 'bf', 'SET', 'u8', '0', '200', 'INCRBY', 'u8', '0', '100');
    await c.xadd('xs', 'MAXLEN', '~', '10', '*', 'a', '1');
    await c.xgroup('CREATE', 'xs', 'g', '0');
    await c.xgroup('CREATECONSUMER', 'xs', 'g', 'bob');
    await c.xreadgroup('GROUP', 'g', 'alice', 'STREAMS', 'xs', '>');
    await c.xclaim('xs', 'g', 'bob', 0, '0-0', 'JUSTID');
    await c.xautoclaim('xs', 'g', 'carol', 0, '0-0');
    await c.copy('s', 's-copy');
    await c.rename('s-copy', 's-renamed');
    await c.move('s-renamed', 2);
    await c.swapdb(2, 4);
    await c.mset('k1', 'a', 'k2', 'b', 'k3', 'c');
    await c.del('k1', 'k2');
    await c.msetnx('n1', 'a', 'n2', 'b');
    await c.eval("redis.call('INCRBYFLOAT', KEYS[1], '1.25'); redis.call('EXPIRE', KEYS[1], 100000); return redis.call('SPOP', KEYS[2])", 2, 'script:f', 'src');
    await c.select(5);
    await c.set('other-db', 'x');
    await c.flushdb();
    await c.set('after-flush', 'y');
    await c.select(0);
    const digest = await c.call('debug', 'digest');
    const before = await digestsByKey(c);
    await killHard(first);
    const second = await ours(dir, 2, ['--appendonly', 'yes']);
    expect(await digestsByKey(second.client)).toEqual(before);
    expect(await second.client.call('debug', 'digest')).toBe(digest);
    await stop(second);
  }, 60000);
});

describe('evicted keys', () => {
  it('are journaled as DELs: the keys maxmemory evicted stay gone after kill -9', async () => {
    const dir = freshDir();
    const first = await ours(dir, 1, ['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'allkeys-random']);
    const c = first.client;
    const used = infoField((await c.info('memory')) as string, 'used_memory');
    await c.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
    const value = 'v'.repeat(1000);
    for (let i = 0; i < 8000; i += 200) {
      const batch = c.pipeline();
      for (let j = i; j < i + 200; j++) batch.set(`evict:${j}`, value);
      await batch.exec();
    }
    expect(infoField((await c.info('stats')) as string, 'evicted_keys')).toBeGreaterThan(0);
    const keys = (await c.keys('evict:*')).sort();
    expect(keys.length).toBeLessThan(8000);
    await killHard(first);
    const second = await ours(dir, 1, ['--appendonly', 'yes']);
    expect((await second.client.keys('evict:*')).sort()).toEqual(keys);
    await stop(second);
  }, 60000);
});

describe('kill -9 with appendfsync everysec', () => {
  it('loses at most about a second of acknowledged writes', async () => {
    const dir = freshDir();
    const first = await ours(dir, 2, ['--appendonly', 'yes', '--appendfsync', 'everysec']);
    const acked: number[] = [];
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 2500) {
      const batch = first.client.pipeline();
      for (let i = 0; i < 50; i++) batch.set(`seq:${n % 100}`, String(n++));
      batch.set('seq:last', String(n - 1));
      await batch.exec();
      acked.push(Date.now());
    }
    const killedAt = Date.now();
    const last = n - 1;
    await killHard(first);
    const second = await ours(dir, 2, ['--appendonly', 'yes']);
    const recovered = Number(await second.client.get('seq:last'));
    // Every batch acknowledged more than ~1.5 s before the kill is there.
    const batchesBefore = acked.filter((at) => at < killedAt - 1500).length;
    expect(recovered).toBeGreaterThanOrEqual(batchesBefore * 50 - 1);
    expect(recovered).toBeLessThanOrEqual(last);
    // What is there is a prefix: the keys hold the values of the writes up to `recovered`.
    for (let i = Math.max(0, recovered - 99); i <= recovered; i++) expect(await second.client.get(`seq:${i % 100}`)).toBe(String(i));
    await stop(second);
  }, 30000);
});

/** The increment files of a directory, by shard. */
function increments(dir: string): string[] {
  return readdirSync(join(dir, 'appendonlydir')).filter((name) => name.endsWith('.incr.aof')).sort().map((name) => join(dir, 'appendonlydir', name));
}

describe('a transaction over several shards', () => {
  it('is replayed all or nothing when one shard\'s segment is torn inside it', async () => {
    const dir = freshDir();
    const first = await ours(dir, 2, ['--appendonly', 'yes', '--appendfsync', 'always']);
    const client = first.client;
    await client.mset('k:1', 'old', 'k:2', 'old', 'k:3', 'old', 'k:4', 'old');
    await client.multi().set('k:1', 'new').set('k:2', 'new').set('k:3', 'new').set('k:4', 'new').exec();
    expect(await client.mget('k:1', 'k:2', 'k:3', 'k:4')).toEqual(['new', 'new', 'new', 'new']);
    await killHard(first);
    // Shard 1's last transaction block loses its end, as a write cut short by a crash leaves it.
    const [, shard1] = increments(dir);
    const bytes = readFileSync(shard1);
    const lastBlock = bytes.lastIndexOf('#TX ');
    const exec = bytes.indexOf('EXEC', lastBlock);
    expect(lastBlock).toBeGreaterThan(0);
    truncateSync(shard1, exec - 6);
    const second = await ours(dir, 2, ['--appendonly', 'yes']);
    // Every key is back as the MSET left it: the EXEC is lost on both shards, not just where it was torn.
    expect(await second.client.mget('k:1', 'k:2', 'k:3', 'k:4')).toEqual(['old', 'old', 'old', 'old']);
    expect(second.server.output()).toMatch(/missing from another shard's AOF|short read while loading the AOF/);
    await stop(second);
  }, 30000);

  it('a script over several shards (keys it did not declare) is replayed all or nothing too, whichever segment is torn', async () => {
    for (const torn of [0, 1]) {
      const dir = freshDir();
      const first = await ours(dir, 2, ['--appendonly', 'yes', '--appendfsync', 'always']);
      const client = first.client;
      await client.mset('k:1', 'old', 'k:2', 'old', 'k:3', 'old', 'k:4', 'old');
      await client.eval("for i = 1, 4 do redis.call('SET', 'k:' .. i, 'new') end return 1", 0);
      expect(await client.mget('k:1', 'k:2', 'k:3', 'k:4')).toEqual(['new', 'new', 'new', 'new']);
      await killHard(first);
      // Each shard's segment ends with the script's block, its own thread's shard too.
      const segment = increments(dir)[torn];
      const bytes = readFileSync(segment);
      const lastBlock = bytes.lastIndexOf('#TX ');
      expect(bytes.subarray(lastBlock).includes('new')).toBe(true);
      truncateSync(segment, bytes.indexOf('EXEC', lastBlock) - 6);
      const second = await ours(dir, 2, ['--appendonly', 'yes']);
      expect(await second.client.mget('k:1', 'k:2', 'k:3', 'k:4')).toEqual(['old', 'old', 'old', 'old']);
      await stop(second);
    }
  }, 60000);

  it('on one shard, is one MULTI/EXEC block, dropped whole when torn', async () => {
    const dir = freshDir();
    const first = await ours(dir, 1, ['--appendonly', 'yes', '--appendfsync', 'always']);
    await first.client.mset('t:a', 'old', 't:b', 'old');
    expect(await first.client.multi().set('t:a', 'new').set('t:b', 'new').exec()).toEqual([[null, 'OK'], [null, 'OK']]);
    await killHard(first);
    const [segment] = increments(dir);
    const text = readFileSync(segment, 'latin1');
    expect(text).toMatch(/\*1\r\n\$5\r\nMULTI\r\n[^]*t:b\r\n\$3\r\nnew\r\n\*1\r\n\$4\r\nEXEC\r\n$/);
    truncateSync(segment, text.lastIndexOf('EXEC') - 6);
    const second = await ours(dir, 1, ['--appendonly', 'yes']);
    expect(await second.client.mget('t:a', 't:b')).toEqual(['old', 'old']);
    await stop(second);
  }, 30000);

  it('is refused at start-up with aof-load-truncated no', async () => {
    const dir = freshDir();
    const first = await ours(dir, 2, ['--appendonly', 'yes', '--appendfsync', 'always']);
    await first.client.mset('k:1', 'a', 'k:2', 'b', 'k:3', 'c');
    await killHard(first);
    const [shard0] = increments(dir);
    truncateSync(shard0, readFileSync(shard0).lastIndexOf('EXEC'));
    const port = await freePort();
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(process.execPath, [SERVER_ENTRY, '--port', String(port), '--bind', '127.0.0.1', '--shards', '2', '--dir', dir, '--appendonly', 'yes', '--aof-load-truncated', 'no'], { timeout: 20000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), output: stdout + stderr });
      });
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('Unexpected end of file reading the append only file');
  }, 30000);
});

describe('turning the AOF on and rewriting it', () => {
  it('CONFIG SET appendonly yes writes a base of what is there first; BGREWRITEAOF and DEBUG LOADAOF keep every key', async () => {
    const dir = freshDir();
    const first = await ours(dir, 2);
    const client = first.client;
    await writeEverything(client);
    expect(await errorOf(client.call('debug', 'loadaof'))).toBe('ERR');
    // With appendonly no, as Redis: a base alone, which DEBUG LOADAOF loads.
    expect(await client.call('bgrewriteaof')).toBe('Background append only file rewriting started');
    const manifestPath = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
    expect(readFileSync(manifestPath, 'latin1')).toBe('file appendonly.aof.s0.1.base.rdb seq 1 type b shard 0\nfile appendonly.aof.s1.1.base.rdb seq 1 type b shard 1\n');
    const atRewrite = await view(client);
    expect(await client.call('debug', 'loadaof')).toBe('OK');
    expect(await view(client)).toEqual(atRewrite);
    expect(await client.config('SET', 'appendonly', 'yes')).toBe('OK');
    expect(readFileSync(manifestPath, 'latin1')).toBe(
      'file appendonly.aof.s0.2.base.rdb seq 2 type b shard 0\nfile appendonly.aof.s0.2.incr.aof seq 2 type i shard 0\n'
      + 'file appendonly.aof.s1.2.base.rdb seq 2 type b shard 1\nfile appendonly.aof.s1.2.incr.aof seq 2 type i shard 1\n',
    );
    await client.set('written', 'after');
    const before = await view(client);
    expect(await client.call('debug', 'loadaof')).toBe('OK');
    expect(await view(client)).toEqual(before);
    expect(await client.call('bgrewriteaof')).toBe('Background append only file rewriting started');
    const names = readdirSync(join(dir, 'appendonlydir')).sort();
    expect(names).toEqual(['appendonly.aof.manifest', 'appendonly.aof.s0.3.base.rdb', 'appendonly.aof.s0.3.incr.aof', 'appendonly.aof.s1.3.base.rdb', 'appendonly.aof.s1.3.incr.aof']);
    const info = (await client.info('persistence')) as string;
    expect(infoField(info, 'aof_enabled')).toBe(1);
    expect(infoField(info, 'aof_rewrites')).toBe(3);
    await client.set('after', 'rewrite');
    await killHard(first);
    const second = await ours(dir, 2, ['--appendonly', 'yes']);
    expect(await second.client.get('after')).toBe('rewrite');
    expect(await view(second.client)).toEqual([(before[0] as number) + 1, ...before.slice(1)]);
    // Turned off, nothing more is appended.
    expect(await second.client.config('SET', 'appendonly', 'no')).toBe('OK');
    expect(infoField((await second.client.info('persistence')) as string, 'aof_enabled')).toBe(0);
    await stop(second);
  }, 60000);

  it('rewrites by itself past auto-aof-rewrite-min-size and -percentage', async () => {
    const dir = freshDir();
    const running = await ours(dir, 1, ['--appendonly', 'yes', '--auto-aof-rewrite-min-size', '20000', '--auto-aof-rewrite-percentage', '100']);
    for (let i = 0; i < 40; i++) await running.client.set('same', 'x'.repeat(1000));
    await waitFor(async () => infoField((await running.client.info('persistence')) as string, 'aof_rewrites') >= 1, 5000);
    const size = infoField((await running.client.info('persistence')) as string, 'aof_current_size');
    expect(size).toBeLessThan(20000);
    expect(await running.client.get('same')).toBe('x'.repeat(1000));
    await stop(running);
  }, 30000);

  it('writes the base as commands with aof-use-rdb-preamble no', async () => {
    const dir = freshDir();
    const first = await ours(dir, 1, ['--aof-use-rdb-preamble', 'no']);
    await writeEverything(first.client);
    const before = await view(first.client);
    await first.client.config('SET', 'appendonly', 'yes');
    expect(existsSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.aof'))).toBe(true);
    await killHard(first);
    const second = await ours(dir, 1, ['--appendonly', 'yes']);
    expect(await view(second.client)).toEqual(before);
    await stop(second);
  }, 30000);
});

describe('interop with stock redis-server 7.0.15 (one shard)', () => {
  async function stock(dir: string): Promise<Running> {
    const port = await freePort();
    const server = await launchServer(port, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
    started.push(server);
    return { server, client: await connectIoredis(server) };
  }

  /** A key as a user sees it, without its encoding (a string's embstr or raw form after a load is the loader's choice). */
  async function shown(client: Redis, key: string): Promise<unknown> {
    const { encoding: _encoding, ...rest } = (await showKey(client, key)) as Record<string, unknown>;
    return rest;
  }

  it('loads the multi-part AOF stock Redis writes, base and increment', async () => {
    const dir = freshDir();
    const theirs = await stock(dir);
    await fillEveryType(theirs.client);
    await waitFor(async () => infoField((await theirs.client.info('persistence')) as string, 'aof_rewrite_in_progress') === 0, 5000);
    await theirs.client.set('str:after-base', 'in the increment');
    await theirs.client.expire('ttl:key', 5000);
    const before = [];
    for (const key of [...EVERY_TYPE_KEYS, 'str:after-base']) before.push([key, await shown(theirs.client, key)]);
    await killHard(theirs);
    const mine = await ours(dir, 1, ['--appendonly', 'yes']);
    const after = [];
    for (const key of [...EVERY_TYPE_KEYS, 'str:after-base']) after.push([key, await shown(mine.client, key)]);
    expect(after).toEqual(before);
    const ttl = await mine.client.ttl('ttl:key');
    expect(ttl).toBeGreaterThan(4900);
    await stop(mine);
    // And the other way: what this server appended loads in stock Redis.
    const back = await stock(dir);
    expect(await back.client.get('str:after-base')).toBe('in the increment');
    expect(await shown(back.client, 'zset:skiplist')).toEqual(after.find(([key]) => key === 'zset:skiplist')?.[1]);
    await stop(back);
  }, 60000);

  it('refuses a one-shard AOF at more shards, with a clear error', async () => {
    const dir = freshDir();
    const first = await ours(dir, 1, ['--appendonly', 'yes']);
    await first.client.set('a', '1');
    await stop(first);
    const port = await freePort();
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(process.execPath, [SERVER_ENTRY, '--port', String(port), '--bind', '127.0.0.1', '--shards', '2', '--dir', dir, '--appendonly', 'yes'], { timeout: 20000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), output: stdout + stderr });
      });
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('start with the same --shards');
  }, 30000);
});

describe('throughput with the AOF', () => {
  async function setRate(port: number): Promise<number> {
    const { stdout } = await execFileAsync('redis-benchmark', ['-p', String(port), '-t', 'set', '-n', '200000', '-c', '50', '-P', '16', '-r', '100000', '--csv'], { timeout: 120000 });
    const line = stdout.trim().split('\n').find((row) => row.startsWith('"SET"')) as string;
    return Number(JSON.parse(`[${line}]`)[1]);
  }

  it('SET -P 16 with appendonly on (everysec, always) and off, next to stock Redis', async () => {
    const rows: string[] = [];
    for (const fsync of ['off', 'everysec', 'always']) {
      const dir = freshDir();
      const aof = fsync === 'off' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', fsync];
      const mine = await ours(dir, 2, aof);
      const port = await freePort();
      const stockServer = await launchServer(port, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', freshDir(), ...aof]);
      started.push(stockServer);
      const ourRate = await setRate(mine.server.port);
      const stockRate = await setRate(port);
      if (fsync !== 'off') expect(infoField((await mine.client.info('persistence')) as string, 'aof_current_size')).toBeGreaterThan(200000 * 20);
      rows.push(`appendfsync ${fsync}: threadis ${Math.round(ourRate)} SET/s, stock ${Math.round(stockRate)} SET/s (${(ourRate / stockRate).toFixed(2)})`);
      expect(ourRate).toBeGreaterThan(0);
      await stop(mine);
      await stockServer.stop();
    }
    console.log(rows.join('\n'));
  }, 180000);
});

describe('AOF on a full disk', () => {
  it('a failed append (a file-size limit) refuses writes and PING with MISCONF, keeps what it could not write, and takes writes again once the AOF is off', async () => {
    const dir = freshDir();
    const port = await freePort();
    // 1 MB per file; SIGXFSZ ignored, so a write past it fails with EFBIG as a full disk fails with ENOSPC.
    const server = await launchServer(port, 'bash', [
      '-c', 'trap "" XFSZ; ulimit -f 1024; exec "$0" "$@"',
      process.execPath, SERVER_ENTRY, '--port', String(port), '--bind', '127.0.0.1', '--shards', '2', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
    ]);
    started.push(server);
    const client = await connectIoredis(server);
    try {
      expect(await client.set('before', 'v')).toBe('OK');
      let refusal = '';
      for (let i = 0; i < 400 && refusal === ''; i++) {
        const reply = await client.set(`big:${i}`, 'x'.repeat(10_000)).catch((error: Error) => error.message);
        if (reply !== 'OK') refusal = reply as string;
      }
      expect(refusal).toBe('MISCONF Errors writing to the AOF file: No space left on device');
      expect(await errorOf(client.ping())).toBe(refusal);
      expect(await client.get('before')).toBe('v');
      expect(await client.info('persistence')).toContain('aof_last_write_status:err');
      expect(await client.config('SET', 'appendonly', 'no')).toBe('OK');
      expect(await client.set('after', 'v')).toBe('OK');
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  }, 60000);
});
