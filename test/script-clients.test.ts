// Libraries users run on Redis that are built on scripts, unchanged, against
// a server of two shards: BullMQ (a queue and a worker: 1,000 jobs, some
// failing once and retried, one delayed, all completed, counted by BullMQ
// itself) and redlock (a lock taken, refused to a second owner while held,
// extended, released, then taken by the second), and rate-limiter-flexible's
// Redis limiter (its INCR-with-TTL script, through ioredis defineCommand).
// Their scripts build keys from their arguments across shards. They hold against stock Redis too
// (STOCK_REDIS_PORT, see helpers/stock-server.ts).

import { describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import Redlock from 'redlock';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { flushBeforeEach, useClient } from './helpers/clients.ts';
import { useServerOrStock } from './helpers/stock-server.ts';

describe('script-based client libraries over two shards', () => {
  const server = useServerOrStock({ shards: 2 });
  const client = useClient(server);
  flushBeforeEach(client);

  it('BullMQ runs 1,000 jobs with retries and a delayed job to completion', async () => {
    const connection = { host: '127.0.0.1', port: server.port };
    const queue = new Queue('orders', { connection });
    const total = 1000;
    const seen = new Set<number>();
    let failures = 0;
    const worker = new Worker('orders', async (job) => {
      const n = job.data.n as number;
      if (n % 25 === 0 && job.attemptsMade === 0) {
        failures++;
        throw new Error('transient');
      }
      seen.add(n);
      return n * 2;
    }, { connection, concurrency: 10 });
    try {
      let completed = 0;
      const allDone = new Promise<void>((resolve) => worker.on('completed', () => { if (++completed === total) resolve(); }));
      const delayedAt = Date.now();
      let delayedRanAt = 0;
      worker.on('completed', (job) => { if (job.data.n === 7) delayedRanAt = Date.now(); });
      for (let n = 0; n < total; n++) {
        await queue.add('order', { n }, { attempts: 3, backoff: { type: 'fixed', delay: 20 }, delay: n === 7 ? 500 : 0 });
      }
      await allDone;
      expect(seen.size).toBe(total);
      expect(failures).toBe(total / 25);
      expect(delayedRanAt - delayedAt).toBeGreaterThanOrEqual(450);
      const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
      expect(counts).toEqual({ completed: total, failed: 0, waiting: 0, active: 0, delayed: 0 });
      const job = (await queue.getCompleted(0, 0))[0];
      expect(job.returnvalue).toBe(job.data.n * 2);
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 60_000);

  it("BullMQ with a hash-tag prefix (a queue's keys in one slot, as for Redis Cluster) runs its jobs to completion too", async () => {
    // Its scripts build keys from their arguments in the declared keys' slot: once seen, they run on that shard alone.
    const connection = { host: '127.0.0.1', port: server.port };
    const queue = new Queue('mail', { connection, prefix: '{jobs}' });
    const total = 300;
    const seen = new Set<number>();
    const worker = new Worker('mail', async (job) => {
      if (job.data.n % 30 === 0 && job.attemptsMade === 0) throw new Error('transient');
      seen.add(job.data.n as number);
    }, { connection, concurrency: 10, prefix: '{jobs}' });
    try {
      let completed = 0;
      const allDone = new Promise<void>((resolve) => worker.on('completed', () => { if (++completed === total) resolve(); }));
      for (let n = 0; n < total; n++) await queue.add('mail', { n }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
      await allDone;
      expect(seen.size).toBe(total);
      expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed')).toEqual({ completed: total, failed: 0, waiting: 0, active: 0, delayed: 0 });
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 60_000);

  it('redlock takes, refuses, extends and releases a lock', async () => {
    // redlock 4's types describe the old callback client; ioredis 5 is what it runs on.
    const clients = [client] as unknown as Redlock.CompatibleRedisClient[];
    const first = new Redlock(clients, { retryCount: 0 });
    const second = new Redlock(clients, { retryCount: 0 });
    const lock = await first.lock('locks:report', 5000);
    await expect(second.lock('locks:report', 5000)).rejects.toThrow();
    const extended = await lock.extend(10_000);
    expect(await client.pttl('locks:report')).toBeGreaterThan(5000);
    await extended.unlock();
    expect(await client.exists('locks:report')).toBe(0);
    const taken = await second.lock('locks:report', 1000);
    expect(await client.get('locks:report')).toBe(taken.value);
    await taken.unlock();
  });

  it('rate-limiter-flexible allows the points of a window per key, refuses past them, and allows again once it passed', async () => {
    const limiter = new RateLimiterRedis({ storeClient: client, keyPrefix: 'rl', points: 5, duration: 1 });
    // Keys of users spread over both shards, each with its own window.
    const users = ['alice', 'bob', 'carol', 'dave'];
    for (const user of users) {
      for (let i = 1; i <= 5; i++) expect((await limiter.consume(user)).remainingPoints).toBe(5 - i);
      const refused: unknown = await limiter.consume(user).then(() => null, (error: unknown) => error);
      expect(refused).toBeInstanceOf(RateLimiterRes);
      expect((refused as RateLimiterRes).remainingPoints).toBe(0);
      expect((refused as RateLimiterRes).msBeforeNext).toBeGreaterThan(0);
      expect((refused as RateLimiterRes).msBeforeNext).toBeLessThanOrEqual(1000);
      expect(await client.pttl(`rl:${user}`)).toBeGreaterThan(0);
    }
    expect(await client.get('rl:alice')).toBe('6');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await limiter.consume('alice', 2)).remainingPoints).toBe(3);
    expect((await limiter.get('bob'))).toBeNull();
  });
});
