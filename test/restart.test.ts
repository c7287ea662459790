// A shard's worker thread that dies is replaced by a new one over the same
// shared memory: every key is still there, only that thread's connections
// are dropped, and the supervisor says so in the log.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer } from './helpers/server.ts';
import { connectIoredis } from './helpers/clients.ts';
import { keysOnEveryShard, respCommands } from './helpers/raw-client.ts';

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

  it('does not leave the locks of the transactions it coordinated held on other shards', async () => {
    const keys = keysOnEveryShard('locked:', SHARDS, 1);
    const restartsBefore = server.output().split('worker restarted').length;
    // An EXEC over every shard that dies halfway, on whichever thread its connection landed.
    const commands = [['MULTI'], ...keys.map((key) => ['SET', key, 'half']), ['DEBUG', 'PANIC'], ['SET', keys[0], 'after'], ['EXEC']];
    for (let attempt = 0; attempt < 3; attempt++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.write(respCommands(...commands)));
        socket.on('data', () => {});
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
    }
    await waitFor(() => server.output().split('worker restarted').length === restartsBefore + 3, 10000);
    const client = await connectIoredis(server);
    // Every key on every shard can be written and read again: nothing waits behind an abandoned lock.
    await client.mset(Object.fromEntries(keys.map((key) => [key, 'free'])));
    expect(await client.mget(keys)).toEqual(keys.map(() => 'free'));
    client.disconnect();
  });
});
