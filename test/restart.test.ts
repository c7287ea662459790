// A shard's worker thread that dies is replaced by a new one over the same
// shared memory: every key is still there, only that thread's connections
// are dropped, and the supervisor says so in the log.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer } from './helpers/server.ts';
import { connectIoredis, waitFor } from './helpers/clients.ts';
import { keysOnEveryShard, keysOnShard, respCommands } from './helpers/raw-client.ts';
import { closed, connectOnThread, panicThreadOf, restartCount, threadOf } from './helpers/threads.ts';

const SHARDS = 3;

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

  it('answers an EXEC whose keys all live on a shard that dies under it with that error for each command, not a null EXEC', async () => {
    const doomed = 2;
    const [key] = keysOnShard('doomed:', doomed, SHARDS, 1);
    const client = await connectOnThread(server, 0);
    const victim = await connectOnThread(server, doomed);
    const restarts = restartCount(server);
    // In one read: the doomed thread sleeps, then dies without reading its rings again; the EXEC's hop waits in one.
    const marker = `doomed-${Date.now()}`;
    victim.pipeline().call('debug', 'log', marker).call('debug', 'sleep', '1').debug('panic').exec().catch(() => {});
    await waitFor(() => server.output().includes(marker), 5000);
    const replies = await client.multi().set(key, 'x').incr(key).exec();
    await waitFor(() => restartCount(server) > restarts, 10000);
    // A null EXEC says a watched key changed and nothing ran; here nobody knows whether the commands ran.
    const restarted = 'ERR the shard holding the key restarted while running the command; it may or may not have been applied';
    expect(replies?.map(([error]) => error?.message)).toEqual([restarted, restarted]);
    client.disconnect();
  });

  it('does not leave the locks of the transactions it coordinated held on other shards', async () => {
    const keys = keysOnEveryShard('locked:', SHARDS, 1);
    const restartsBefore = restartCount(server);
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
    await waitFor(() => restartCount(server) === restartsBefore + 3, 10000);
    const client = await connectIoredis(server);
    // Every key on every shard can be written and read again: nothing waits behind an abandoned lock.
    await client.mset(Object.fromEntries(keys.map((key) => [key, 'free'])));
    expect(await client.mget(keys)).toEqual(keys.map(() => 'free'));
    client.disconnect();
  });
});

// A shard keeps its WATCH records (and which watchers' keys changed) on its
// thread's heap: a restarted shard knows nothing of them. Each test watches
// from one thread and kills another (at most four restarts per server: the
// supervisor gives up on a shard restarted more than five times a minute).
describe.each([2, 3])('WATCH across a restart of the shard holding the key --shards %i', (shards) => {
  const server = useServer({ shards, args: ['--enable-debug-command', 'yes'] });

  /** A watcher, a shard off its thread (the one to kill), and a connection on that shard's thread. */
  async function setUp(): Promise<{ watcher: Redis; home: number; restarted: number; victim: Redis }> {
    const watcher = await connectIoredis(server, { retryStrategy: () => null });
    const home = await threadOf(server, watcher);
    const restarted = (home + 1) % shards;
    return { watcher, home, restarted, victim: await connectOnThread(server, restarted) };
  }

  it('fails EXEC when the watched key changes after its shard restarted', async () => {
    const { watcher, restarted, victim } = await setUp();
    const [key] = keysOnShard('after:', restarted, shards, 1);
    await watcher.set(key, '1');
    await watcher.watch(key);
    await panicThreadOf(server, victim);
    const writer = await connectIoredis(server);
    await writer.set(key, '2');
    expect(await watcher.multi().set(key, 'mine').exec()).toBeNull();
    expect(await watcher.get(key)).toBe('2');
    // That EXEC ended the watch: watching the restarted shard's keys works as before.
    await watcher.watch(key);
    expect(await watcher.multi().set(key, 'mine').exec()).toEqual([[null, 'OK']]);
    await watcher.watch(key);
    await writer.set(key, '3');
    expect(await watcher.multi().set(key, 'mine').exec()).toBeNull();
    expect(await watcher.get(key)).toBe('3');
    for (const client of [watcher, writer]) client.disconnect();
  });

  it('fails EXEC when the watched key changed before its shard restarted', async () => {
    const { watcher, restarted, victim } = await setUp();
    const [key] = keysOnShard('before:', restarted, shards, 1);
    await watcher.set(key, '1');
    await watcher.watch(key);
    const writer = await connectIoredis(server, { retryStrategy: () => null });
    await writer.set(key, '2');
    writer.disconnect();
    await panicThreadOf(server, victim);
    expect(await watcher.multi().set(key, 'mine').exec()).toBeNull();
    expect(await watcher.get(key)).toBe('2');
    watcher.disconnect();
  });

  it('fails EXEC when the key changes after a WATCH sent while its shard was dying', async () => {
    const { watcher, restarted, victim } = await setUp();
    const [key] = keysOnShard('during:', restarted, shards, 1);
    const restarts = restartCount(server);
    const gone = closed(victim);
    victim.debug('panic').catch(() => {});
    // Reaches the dying thread, the dead one's ring, or the new thread, as it happens.
    await watcher.watch(key);
    await gone;
    await waitFor(() => restartCount(server) > restarts, 10000);
    const writer = await connectIoredis(server);
    await writer.set(key, '2');
    expect(await watcher.multi().set(key, 'mine').exec()).toBeNull();
    expect(await watcher.get(key)).toBe('2');
    for (const client of [watcher, writer]) client.disconnect();
  });

  it('lets EXEC run when no watched key is on the shard that restarted, and fails it when one is', async () => {
    const { watcher, home, restarted, victim } = await setUp();
    // Another shard than the restarted one: the watcher's own with 2 shards, the third with 3.
    const survivor = shards === 2 ? home : 3 - home - restarted;
    const [kept] = keysOnShard('kept:', survivor, shards, 1);
    const [lost] = keysOnShard('lost:', restarted, shards, 1);
    const neighbour = await connectOnThread(server, home);
    await watcher.watch(kept);
    await neighbour.watch(kept, lost);
    await panicThreadOf(server, victim);
    // Untouched, but its shard restarted since WATCH: EXEC fails, the safe answer when its changes are unknown.
    expect(await neighbour.multi().set(kept, 'theirs').exec()).toBeNull();
    expect(await watcher.multi().set(kept, 'mine').exec()).toEqual([[null, 'OK']]);
    expect(await watcher.get(kept)).toBe('mine');
    // A change of a key on a shard that stayed up still fails EXEC.
    await watcher.watch(kept);
    await neighbour.set(kept, 'changed');
    expect(await watcher.multi().set(kept, 'mine').exec()).toBeNull();
    expect(await watcher.get(kept)).toBe('changed');
    for (const client of [watcher, neighbour]) client.disconnect();
  });
});
