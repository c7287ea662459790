// A shard's worker thread that dies is replaced by a new one over the same
// shared memory: every key is still there, only that thread's connections
// are dropped, and the supervisor says so in the log.

import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer } from './helpers/server.ts';
import { connectIoredis } from './helpers/clients.ts';
import { keysOnEveryShard } from './helpers/raw-client.ts';

const SHARDS = 3;

/** Resolves once `client` has seen its connection closed. */
function closed(client: Redis): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a worker thread that dies', () => {
  const server = useServer({ shards: SHARDS, args: ['--enable-debug-command', 'yes'] });

  it('comes back over its memory with every key, dropping only its own connections', async () => {
    const writer = await connectIoredis(server, { retryStrategy: () => null });
    const keys = keysOnEveryShard('survivor:', SHARDS, 400);
    const pipeline = writer.pipeline();
    keys.forEach((key, i) => pipeline.set(key, `value-${i}`));
    // Values of every size class, a big one in a segment of its own, and keys with a TTL.
    pipeline.set('big{a}', 'x'.repeat(3 * 1024 * 1024));
    pipeline.set('medium{b}', 'y'.repeat(5000), 'EX', 1000);
    pipeline.append('grown{c}', 'z'.repeat(100));
    pipeline.append('grown{c}', 'z'.repeat(900));
    await pipeline.exec();
    const digestBefore = await writer.debug('digest');

    // Several bystanders: the kernel spreads them over the threads.
    const bystanders = await Promise.all(Array.from({ length: 8 }, () => connectIoredis(server, { retryStrategy: () => null })));
    const victim = await connectIoredis(server, { retryStrategy: () => null });
    const victimClosed = closed(victim);
    const dropped = new Set<Redis>();
    for (const client of bystanders) client.once('close', () => dropped.add(client));
    victim.debug('panic').catch(() => {});
    await victimClosed;
    await waitFor(() => server.output().includes('worker restarted'), 10000);

    expect(server.output()).toMatch(/Shard \d worker exited unexpectedly \(code 1\); its clients were disconnected/);
    // Bystanders on other threads stayed connected and are served.
    const survivors = bystanders.filter((client) => !dropped.has(client));
    expect(survivors.length).toBeGreaterThan(0);
    for (const client of survivors) expect(await client.get(keys[0])).toBe('value-0');

    const reader = await connectIoredis(server);
    expect(await reader.dbsize()).toBe(keys.length + 3);
    expect(await reader.mget(keys.slice(0, 50))).toEqual(keys.slice(0, 50).map((_, i) => `value-${i}`));
    expect(await reader.strlen('big{a}')).toBe(3 * 1024 * 1024);
    expect(await reader.ttl('medium{b}')).toBeGreaterThan(900);
    expect(await reader.strlen('grown{c}')).toBe(1000);
    expect(await reader.debug('digest')).toBe(digestBefore);

    // The restarted shard keeps working: writes, deletes, growth.
    await reader.set(keys[1], 'changed');
    expect(await reader.get(keys[1])).toBe('changed');
    expect(await reader.del(keys.slice(2, 100))).toBe(98);
    expect(await reader.dbsize()).toBe(keys.length + 3 - 98);

    for (const client of [writer, reader, ...bystanders]) client.disconnect();
  });
});
