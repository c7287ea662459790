// Hashes and sets in the off-heap store, as an operator sees their memory:
// MEMORY USAGE close to what used_memory grew by, every byte given back when
// a big hash or set is deleted, expires or is flushed, and maxmemory evicting
// whole collections under an LRU and a random policy while the survivors stay
// intact.

import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer } from './helpers/server.ts';
import { flushBeforeEach, infoField, useClient } from './helpers/clients.ts';

async function usedMemory(client: Redis): Promise<number> {
  return infoField(await client.info('memory'), 'used_memory');
}

/** Memory held by data (used_memory_dataset: the shards' off-heap bytes less their key indexes; no heap, which moves with garbage collection). */
async function storeMemory(client: Redis): Promise<number> {
  return infoField(await client.info('memory'), 'used_memory_dataset');
}

async function fillHash(client: Redis, key: string, fields: number, valueBytes: number): Promise<void> {
  const value = 'v'.repeat(valueBytes);
  for (let from = 0; from < fields; from += 1000) {
    const pairs: string[] = [];
    for (let i = from; i < Math.min(fields, from + 1000); i++) pairs.push(`field:${i}`, `${value}${i}`);
    await client.hset(key, ...pairs);
  }
}

async function fillSet(client: Redis, key: string, members: number, prefix: string): Promise<void> {
  for (let from = 0; from < members; from += 1000) {
    const batch: string[] = [];
    for (let i = from; i < Math.min(members, from + 1000); i++) batch.push(`${prefix}${i}`);
    await client.sadd(key, ...batch);
  }
}

describe.each([1, 2])('collections in memory --shards %i', (shards) => {
  const server = useServer({ shards });
  const client = useClient(server);
  flushBeforeEach(client);

  it('MEMORY USAGE of a big hash and set is close to what they take, and deleting them gives it all back', async () => {
    const r = client;
    const before = await storeMemory(r);
    await fillHash(r, 'big-hash', 50_000, 20);
    await fillSet(r, 'big-set', 50_000, 'member:');
    await fillSet(r, 'int-set', 50_000, '');
    expect(await r.object('ENCODING', 'big-hash')).toBe('hashtable');
    expect(await r.object('ENCODING', 'int-set')).toBe('hashtable');
    const grown = (await storeMemory(r)) - before;
    let reported = 0;
    for (const key of ['big-hash', 'big-set', 'int-set']) reported += Number(await r.memory('USAGE', key));
    // The store's own accounting: MEMORY USAGE covers the dicts' entries and tables.
    expect(reported).toBeGreaterThan(grown * 0.8);
    expect(reported).toBeLessThan(grown * 1.2);
    // A hash field of 8 + 27 bytes costs well under Redis's ~100 bytes.
    expect(Number(await r.memory('USAGE', 'big-hash')) / 50_000).toBeLessThan(100);
    await r.del('big-hash');
    await r.unlink('big-set');
    await r.pexpire('int-set', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await r.exists('int-set')).toBe(0);
    // What stays is the database's list of keys with a TTL (one 64 KiB chunk, kept for the next ones).
    expect((await storeMemory(r)) - before).toBeLessThanOrEqual(64 * 1024);
  });

  it('FLUSHALL gives back the memory of every collection', async () => {
    const r = client;
    const before = await storeMemory(r);
    for (let i = 0; i < 50; i++) await fillHash(r, `h:${i}`, 600, 10);
    for (let i = 0; i < 50; i++) await fillSet(r, `s:${i}`, 600, 'm');
    expect((await storeMemory(r)) - before).toBeGreaterThan(1_000_000);
    await r.flushall();
    expect((await storeMemory(r)) - before).toBeLessThan(64 * 1024);
  });

  it.each(['allkeys-lru', 'allkeys-random'])('maxmemory evicts whole hashes and sets under %s, the rest stay intact', async (policy) => {
    const r = client;
    await r.config('SET', 'maxmemory-policy', policy);
    const hashes = 400;
    const sets = 400;
    for (let i = 0; i < hashes; i++) await fillHash(r, `eh:${i}`, 40, 40);
    for (let i = 0; i < sets; i++) await fillSet(r, `es:${i}`, 40, 'member-');
    const evictedBefore = infoField(await r.info('stats'), 'evicted_keys');
    const used = await usedMemory(r);
    const budget = used - 400_000;
    try {
      await r.config('SET', 'maxmemory', String(budget));
      let now = await usedMemory(r);
      for (let tries = 0; tries < 100 && now > budget; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        now = await usedMemory(r);
      }
      expect(now).toBeLessThanOrEqual(budget);
      // The heap counts in used_memory and keeps moving, so a shard could go
      // on evicting while the survivors are checked: lift the limit first,
      // then the counts hold still.
      await r.config('SET', 'maxmemory', '0');
      const evicted = infoField(await r.info('stats'), 'evicted_keys') - evictedBefore;
      const left = await r.dbsize();
      expect(evicted).toBeGreaterThan(0);
      expect(left).toBe(hashes + sets - evicted);
      // Whatever survived is whole.
      let checked = 0;
      for (let i = 0; i < hashes; i++) {
        const length = await r.hlen(`eh:${i}`);
        if (length === 0) continue;
        expect(length).toBe(40);
        checked++;
      }
      for (let i = 0; i < sets; i++) {
        const size = await r.scard(`es:${i}`);
        if (size === 0) continue;
        expect(size).toBe(40);
        checked++;
      }
      expect(checked).toBe(left);
    } finally {
      await r.config('SET', 'maxmemory', '0');
      await r.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });
});
