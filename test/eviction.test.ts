// maxmemory and its eviction policies against a real server. The budget is
// set relative to the used_memory measured at the time (the threads' heaps
// make a baseline of tens of MB), so each case frees a known slice of data:
// what must survive is compared with what Redis's policies would keep.

import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer } from './helpers/server.ts';
import { errorOf, flushBeforeEach, infoField, useClient } from './helpers/clients.ts';
import { keysOnEveryShard, RawSession } from './helpers/raw-client.ts';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const VALUE = 'v'.repeat(1000);
/** Keys the policy may evict in each case: about 6 MB of values. */
const CANDIDATES = 6000;
/** Keys the policy must keep. */
const KEPT = 300;
/** How much the budget is lowered below the memory in use: a third of the candidates' data. */
const CUT = 2 * 1024 * 1024;

function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}:${i}`);
}

async function fill(client: Redis, keys: string[], ttlSeconds = 0): Promise<void> {
  const pipeline = client.pipeline();
  for (const key of keys) {
    if (ttlSeconds > 0) pipeline.set(key, VALUE, 'EX', ttlSeconds);
    else pipeline.set(key, VALUE);
  }
  await pipeline.exec();
}

/** Reads every key `times` times (an access for LRU and LFU). */
async function read(client: Redis, keys: string[], times = 1): Promise<void> {
  const pipeline = client.pipeline();
  for (let i = 0; i < times; i++) for (const key of keys) pipeline.get(key);
  await pipeline.exec();
}

async function existing(client: Redis, keys: string[]): Promise<number> {
  let count = 0;
  for (let i = 0; i < keys.length; i += 500) count += await client.exists(...keys.slice(i, i + 500));
  return count;
}

async function usedMemory(client: Redis): Promise<number> {
  return infoField(await client.info('memory'), 'used_memory');
}

/** Sets maxmemory `CUT` below what is used now, then waits until the server is back within it. */
async function lowerBudget(client: Redis): Promise<number> {
  const budget = (await usedMemory(client)) - CUT;
  await client.config('SET', 'maxmemory', String(budget));
  let used = await usedMemory(client);
  for (let tries = 0; tries < 100 && used > budget; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    used = await usedMemory(client);
  }
  expect(used).toBeLessThanOrEqual(budget);
  return budget;
}

/** Lifts the budget (no more evictions), then checks that evicted_keys counts every key that went. */
async function expectEvictedCount(client: Redis, written: number): Promise<number> {
  await client.config('SET', 'maxmemory', '0');
  const left = await client.dbsize();
  expect(infoField(await client.info('stats'), 'evicted_keys')).toBe(written - left);
  return left;
}

interface PolicyCase {
  policy: string;
  /** Writes the keys: those the policy must keep, and those it may evict. */
  setUp(client: Redis): Promise<{ kept: string[]; candidates: string[] }>;
}

const CASES: PolicyCase[] = [
  {
    policy: 'allkeys-lru',
    async setUp(client) {
      const candidates = names('cold', CANDIDATES);
      const kept = names('hot', KEPT);
      await fill(client, candidates);
      await fill(client, kept);
      // The LRU clock counts seconds: let the cold keys age past the hot ones.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await read(client, kept);
      return { kept, candidates };
    },
  },
  {
    policy: 'allkeys-lfu',
    async setUp(client) {
      const candidates = names('rare', CANDIDATES);
      const kept = names('frequent', KEPT);
      await fill(client, kept);
      await fill(client, candidates);
      await read(client, kept, 3);
      return { kept, candidates };
    },
  },
  {
    policy: 'volatile-lru',
    async setUp(client) {
      // The keys without a TTL are the coldest, yet only keys with a TTL may go.
      const kept = names('persistent', KEPT);
      const candidates = names('volatile', CANDIDATES);
      await fill(client, kept);
      await fill(client, candidates, 1000);
      await read(client, candidates);
      return { kept, candidates };
    },
  },
  {
    policy: 'volatile-lfu',
    async setUp(client) {
      const kept = names('persistent', KEPT);
      const candidates = names('volatile', CANDIDATES);
      await fill(client, kept);
      await fill(client, candidates, 1000);
      await read(client, candidates, 3);
      return { kept, candidates };
    },
  },
  {
    policy: 'volatile-ttl',
    async setUp(client) {
      const persistent = names('persistent', KEPT);
      const late = names('late', KEPT);
      const candidates = names('soon', CANDIDATES);
      await fill(client, persistent);
      await fill(client, late, 100000);
      await fill(client, candidates, 1000);
      return { kept: [...persistent, ...late], candidates };
    },
  },
  {
    policy: 'volatile-random',
    async setUp(client) {
      const kept = names('persistent', KEPT);
      const candidates = names('volatile', CANDIDATES);
      await fill(client, kept);
      await fill(client, candidates, 1000);
      return { kept, candidates };
    },
  },
  {
    policy: 'allkeys-random',
    async setUp(client) {
      const candidates = names('any', CANDIDATES);
      await fill(client, candidates);
      return { kept: [], candidates };
    },
  },
];

describe('maxmemory eviction --shards 2', () => {
  const server = useServer({ shards: 2 });
  const client = useClient(server);
  flushBeforeEach(client);
  afterEach(async () => {
    await client.config('SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction');
  });

  for (const { policy, setUp } of CASES) {
    it(`${policy} evicts only what it should, down to a maxmemory lowered at run time`, async () => {
      await client.config('SET', 'maxmemory-policy', policy);
      await client.config('RESETSTAT');
      const { kept, candidates } = await setUp(client);
      const before = await client.dbsize();
      await lowerBudget(client);
      expect(await existing(client, kept)).toBe(kept.length);
      const left = await existing(client, candidates);
      expect(left).toBeLessThan(candidates.length);
      expect(left).toBeGreaterThan(0);
      // Writes go on within the budget: room is made for them.
      await fill(client, names('new', 500));
      expect(await existing(client, kept)).toBe(kept.length);
      await expectEvictedCount(client, before + 500);
    });
  }

  it('volatile-lru with no key left to evict refuses writes, keeps the keys without a TTL, and serves reads', async () => {
    await client.config('SET', 'maxmemory-policy', 'volatile-lru');
    const persistent = names('persistent', 2000);
    const volatile = names('volatile', 500);
    await fill(client, persistent);
    await fill(client, volatile, 1000);
    await client.config('SET', 'maxmemory', String((await usedMemory(client)) - CUT));
    // Writes pass while some shard still has keys with a TTL to free (each sheds them in slices, on its timer too).
    let refused = '';
    for (let tries = 0; tries < 100 && refused === ''; tries++) {
      refused = await client.set('more', 'x').then(() => '', (error: Error) => error.message);
      if (refused === '') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refused).toBe(OOM);
    expect(await existing(client, volatile)).toBe(0);
    expect(await existing(client, persistent)).toBe(persistent.length);
    expect(await client.get('persistent:1')).toBe(VALUE);
  });

  it('noeviction refuses commands that need memory with the exact error; reads and deletes go on', async () => {
    await client.config('RESETSTAT');
    const keys = names('k', 3000);
    await fill(client, keys);
    await client.set('counter', '10');
    await client.config('SET', 'maxmemory', String((await usedMemory(client)) - CUT));
    expect(await errorOf(client.set('new', 'x'))).toBe(OOM);
    expect(await errorOf(client.set('k:1', 'x'))).toBe(OOM);
    expect(await errorOf(client.incr('counter'))).toBe(OOM);
    expect(await errorOf(client.append('k:1', 'x'))).toBe(OOM);
    expect(await errorOf(client.setrange('k:1', 0, 'x'))).toBe(OOM);
    expect(await errorOf(client.mset('{t}1', 'x', '{t}2', 'y'))).toBe(OOM);
    // Over shards: refused whole, once, before any shard writes.
    const spread = keysOnEveryShard('spread:', 2, 2);
    expect(await errorOf(client.mset(...spread.flatMap((key) => [key, 'x'])))).toBe(OOM);
    expect(await client.exists(...spread)).toBe(0);
    expect(await client.get('k:1')).toBe(VALUE);
    expect(await client.get('counter')).toBe('10');
    expect(await client.exists('k:2')).toBe(1);
    expect(await client.del('k:1', 'k:2')).toBe(2);
    expect(await client.expire('k:3', 100)).toBe(1);
    expect(await client.dbsize()).toBe(keys.length - 1);
    const stats = await client.info('stats');
    expect(infoField(stats, 'evicted_keys')).toBe(0);
    expect(await client.info('errorstats')).toMatch(/^errorstat_OOM:count=7\r$/m);
    expect(await client.info('commandstats')).toMatch(/^cmdstat_set:calls=\d+,usec=\d+,usec_per_call=[\d.]+,rejected_calls=2,failed_calls=0\r$/m);
    expect(await client.info('commandstats')).toMatch(/^cmdstat_mset:calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,failed_calls=0\r$/m);
    await client.config('SET', 'maxmemory', '0');
    expect(await client.set('new', 'x')).toBe('OK');
  });

  it('inside MULTI refuses what would queue, and aborts an EXEC of writes, as Redis when out of memory', async () => {
    // Recorded from stock redis-server 7.0.15: a transaction queued, then maxmemory set below use by another client.
    const session = new RawSession(server.port);
    expect(await session.send('SET a 1\r\nMULTI\r\nSET b 2\r\nGET a\r\n', 4)).toBe('+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n');
    await client.config('SET', 'maxmemory', '1000');
    await client.config('RESETSTAT');
    const oom = `-${OOM}\r\n`;
    expect(await session.send('EXEC\r\nGET b\r\nMULTI\r\nPING\r\nMULTI\r\nWATCH x\r\nDISCARD\r\nMULTI\r\nEXEC\r\nMULTI\r\nGET a\r\nCONFIG SET maxmemory 0\r\n', 12)).toBe(
      `-EXECABORT Transaction discarded because of: ${OOM}\r\n$-1\r\n+OK\r\n${oom}${oom}${oom}+OK\r\n+OK\r\n*0\r\n+OK\r\n${oom}${oom}`,
    );
    session.close();
    await client.config('SET', 'maxmemory', '0');
    expect(await client.info('errorstats')).toBe('# Errorstats\r\nerrorstat_EXECABORT:count=1\r\nerrorstat_OOM:count=5\r\n');
    const stats = await client.info('commandstats');
    for (const name of ['exec', 'ping', 'watch', 'multi', 'get', 'config|set']) expect(stats).toMatch(new RegExp(`^cmdstat_${name.replace('|', '\\|')}:.*,rejected_calls=1,`, 'm'));
  });
});

describe('maxmemory --shards 1', () => {
  const server = useServer({ shards: 1 });
  const client = useClient(server);
  flushBeforeEach(client);

  it('allkeys-random evicts down to a lowered maxmemory; noeviction then refuses writes', async () => {
    await client.config('SET', 'maxmemory-policy', 'allkeys-random');
    const keys = names('k', CANDIDATES);
    await fill(client, keys);
    await lowerBudget(client);
    const left = await expectEvictedCount(client, keys.length);
    expect(left).toBeLessThan(keys.length);
    await client.config('SET', 'maxmemory-policy', 'noeviction', 'maxmemory', String((await usedMemory(client)) - CUT));
    expect(await errorOf(client.set('x', 'y'))).toBe(OOM);
    expect(await client.dbsize()).toBe(left);
    await client.config('SET', 'maxmemory', '0');
  });
});
