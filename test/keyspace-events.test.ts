// Keyspace notifications (notify-keyspace-events) on a server of two shards:
// the events of every family's writes, as Redis 7.0 names them, reach
// subscribers on both threads whichever shard holds the key; each class masks
// its events; expired (lazily and by the active cycle), evicted, new-key and
// key-miss events; CONFIG SET's letters and their canonical form. The
// expectations are Redis's (they hold against stock Redis too:
// STOCK_REDIS_PORT, see helpers/stock-server.ts).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectIoredis, errorOf, useClient } from './helpers/clients.ts';
import { keysOnShard } from './helpers/raw-client.ts';
import { connectOnThread } from './helpers/threads.ts';
import { STOCK_PORT, useServerOrStock } from './helpers/stock-server.ts';

const SHARDS = 2;
const [A, B] = [0, 1].map((shard) => keysOnShard(`ks${shard}_`, shard, SHARDS, 3));

describe('keyspace notifications over two shards', () => {
  const server = useServerOrStock({ shards: SHARDS, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  const opened: Redis[] = [];
  beforeEach(async () => {
    await client.flushall();
    await client.call('config', 'set', 'notify-keyspace-events', 'KEA');
  });
  afterEach(async () => {
    for (const connection of opened.splice(0)) connection.disconnect();
    await client.call('config', 'set', 'notify-keyspace-events', '');
    await client.call('config', 'set', 'maxmemory', '0');
  });

  async function connect(thread: number): Promise<Redis> {
    const connection = STOCK_PORT === undefined ? await connectOnThread(server, thread) : await connectIoredis(server);
    opened.push(connection);
    return connection;
  }

  /** A subscriber to every key event of database 0; `take(n)` resolves to the next n as "event key". */
  async function keyEvents(thread: number): Promise<(count: number) => Promise<string[]>> {
    const subscriber = await connect(thread);
    const got: string[] = [];
    const waiters: (() => void)[] = [];
    subscriber.on('pmessage', (_pattern: string, channel: string, key: string) => {
      got.push(`${channel.slice('__keyevent@0__:'.length)} ${key}`);
      for (const wake of waiters.splice(0)) wake();
    });
    await subscriber.psubscribe('__keyevent@0__:*');
    return async (count) => {
      while (got.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return got.splice(0, count);
    };
  }

  /** Runs `commands` one after another from a client on `writerThread`; both threads' subscribers see `expected` in order. */
  async function expectEvents(writerThread: number, commands: (string | number)[][], expected: string[], ordered = true): Promise<void> {
    const takes = await Promise.all([keyEvents(0), keyEvents(1)]);
    const writer = await connect(writerThread);
    for (const command of commands) await writer.call(String(command[0]), ...command.slice(1).map(String)).catch(() => {});
    // A marker that ends the run: nothing else may come before it.
    await writer.set('end-of-run', '1');
    for (const take of takes) {
      const got = await take(expected.length + 1);
      if (ordered) expect(got).toEqual([...expected, 'set end-of-run']);
      else expect(got.sort()).toEqual([...expected, 'set end-of-run'].sort());
    }
  }

  it('strings: set, expire, incrby, incrbyfloat, append, setrange, getdel, mset over both shards', async () => {
    await expectEvents(0, [
      ['set', A[0], 'v', 'ex', 100], ['setex', B[0], 100, 'v'], ['incr', A[1]], ['incrbyfloat', B[1], '1.5'], ['append', A[0], 'w'],
      ['setrange', B[0], 1, 'x'], ['getdel', A[1]], ['mset', `{s}${A[2]}`, '1', `{s}${B[2]}`, '2'], ['get', A[0]],
    ], [
      `set ${A[0]}`, `expire ${A[0]}`, `set ${B[0]}`, `expire ${B[0]}`, `incrby ${A[1]}`, `incrbyfloat ${B[1]}`, `append ${A[0]}`,
      `setrange ${B[0]}`, `del ${A[1]}`, `set {s}${A[2]}`, `set {s}${B[2]}`,
    ]);
  });

  it('generic: expire, persist, rename, copy, del, and an EXPIRE in the past deleting the key', async () => {
    const [src, dst] = [`{g}${A[0]}`, `{g}${A[1]}`];
    await expectEvents(1, [
      ['set', src, 'v'], ['expire', src, 100], ['persist', src], ['rename', src, dst], ['copy', dst, `{g}copy`], ['del', dst, `{g}copy`, 'missing'],
      ['set', B[0], 'v'], ['expire', B[0], -1],
    ], [
      `set ${src}`, `expire ${src}`, `persist ${src}`, `rename_from ${src}`, `rename_to ${dst}`, `copy_to {g}copy`, `del ${dst}`, `del {g}copy`,
      `set ${B[0]}`, `del ${B[0]}`,
    ]);
  });

  it('lists, sets, hashes and sorted sets, with del when a write empties the key', async () => {
    await expectEvents(0, [
      ['rpush', A[0], 'a', 'b'], ['lpush', B[0], 'c'], ['lpop', B[0]], ['lset', A[0], 0, 'z'], ['ltrim', A[0], 0, 0],
      ['sadd', B[1], 'm', 'n'], ['srem', B[1], 'm'], ['spop', B[1]],
      ['hset', A[1], 'f', '1'], ['hincrby', A[1], 'f', 2], ['hdel', A[1], 'f'],
      ['zadd', B[2], 1, 'x'], ['zincrby', B[2], 2, 'x'], ['zadd', B[2], 'incr', 1, 'x'], ['zrem', B[2], 'x'],
    ], [
      `rpush ${A[0]}`, `lpush ${B[0]}`, `lpop ${B[0]}`, `del ${B[0]}`, `lset ${A[0]}`, `ltrim ${A[0]}`,
      `sadd ${B[1]}`, `srem ${B[1]}`, `spop ${B[1]}`, `del ${B[1]}`,
      `hset ${A[1]}`, `hincrby ${A[1]}`, `hdel ${A[1]}`, `del ${A[1]}`,
      `zadd ${B[2]}`, `zincr ${B[2]}`, `zincr ${B[2]}`, `zrem ${B[2]}`, `del ${B[2]}`,
    ]);
  });

  it('moves: LMOVE pushes then pops, SMOVE removes then adds, RENAME', async () => {
    const [from, to, set] = [`{m}${A[0]}`, `{m}${A[1]}`, `{m}set`];
    await expectEvents(1, [
      ['rpush', from, 'a', 'b'], ['lmove', from, to, 'left', 'right'], ['rpoplpush', from, to], ['sadd', set, 'm'], ['smove', set, from, 'm'],
      ['rename', to, set],
    ], [
      `rpush ${from}`, `rpush ${to}`, `lpop ${from}`, `lpush ${to}`, `rpop ${from}`, `del ${from}`, `sadd ${set}`, `srem ${set}`, `del ${set}`, `sadd ${from}`,
      `rename_from ${to}`, `rename_to ${set}`,
    ]);
  });

  it('moves between shards notify both sides (the parts of the two shards in no set order)', async () => {
    await expectEvents(0, [['sadd', B[1], 'm'], ['smove', B[1], A[1], 'm']], [`sadd ${B[1]}`, `srem ${B[1]}`, `del ${B[1]}`, `sadd ${A[1]}`], false);
  });

  it('streams, bitmaps and HyperLogLog', async () => {
    await expectEvents(0, [
      ['xadd', A[0], '1-1', 'f', 'v'], ['xadd', A[0], 'maxlen', 1, '2-1', 'f', 'v'], ['xdel', A[0], '2-1'], ['xgroup', 'create', A[0], 'g', '$'],
      ['setbit', B[0], 7, 1], ['bitfield', B[0], 'set', 'u8', 0, 255], ['pfadd', B[1], 'a'],
    ], [
      `xadd ${A[0]}`, `xadd ${A[0]}`, `xtrim ${A[0]}`, `xdel ${A[0]}`, `xgroup-create ${A[0]}`,
      `setbit ${B[0]}`, `setbit ${B[0]}`, `pfadd ${B[1]}`,
    ]);
  });

  it('a class left out of the setting sends nothing of its own; keyspace channels carry the event', async () => {
    await client.call('config', 'set', 'notify-keyspace-events', 'Kl');
    const subscriber = await connect(1);
    const got: string[] = [];
    subscriber.on('pmessage', (_pattern: string, channel: string, event: string) => got.push(`${channel} ${event}`));
    await subscriber.psubscribe('*');
    const writer = await connect(0);
    await writer.set(A[0], 'v');
    await writer.lpush(A[1], 'x');
    await writer.lpush(B[1], 'x');
    await expect.poll(() => got.length).toBe(2);
    expect(got).toEqual([`__keyspace@0__:${A[1]} lpush`, `__keyspace@0__:${B[1]} lpush`]);
  });

  it('expired keys, on access and by the active cycle, on the key’s shard and seen on both threads', async () => {
    const takes = await Promise.all([keyEvents(0), keyEvents(1)]);
    const writer = await connect(0);
    // Long enough that neither key expires before the four events of their SETs are in, on a loaded machine too.
    await writer.call('set', A[0], 'v', 'px', '400');
    await writer.call('set', B[0], 'v', 'px', '400');
    for (const take of takes) expect((await take(4)).sort()).toEqual([`expire ${A[0]}`, `expire ${B[0]}`, `set ${A[0]}`, `set ${B[0]}`].sort());
    await new Promise((resolve) => setTimeout(resolve, 500));
    await writer.get(A[0]);
    for (const take of takes) expect((await take(2)).sort()).toEqual([`expired ${A[0]}`, `expired ${B[0]}`]);
  });

  it('evicted keys under maxmemory, new keys (n) and key misses (m) when asked for', async () => {
    await client.call('config', 'set', 'notify-keyspace-events', 'Eenm');
    const take = await keyEvents(1);
    const writer = await connect(0);
    await writer.set(A[0], 'v');
    await writer.set(A[0], 'w');
    await writer.get(B[0]);
    expect(await take(2)).toEqual([`new ${A[0]}`, `keymiss ${B[0]}`]);
    await client.call('config', 'set', 'maxmemory-policy', 'allkeys-random');
    await client.call('config', 'set', 'maxmemory', '1');
    await writer.get(A[0]).catch(() => {});
    expect(await take(1)).toEqual([`evicted ${A[0]}`]);
    await client.call('config', 'set', 'maxmemory-policy', 'noeviction');
  });

  it('CONFIG SET takes Redis’s letters and shows them in its order; a bad letter is refused', async () => {
    await client.call('config', 'set', 'notify-keyspace-events', 'KEg$lshzxetd');
    expect(await client.call('config', 'get', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE']);
    await client.call('config', 'set', 'notify-keyspace-events', 'KEg$lshzxet');
    expect(await client.call('config', 'get', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'g$lshzxetKE']);
    await client.call('config', 'set', 'notify-keyspace-events', 'mEhs');
    expect(await client.call('config', 'get', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'shEm']);
    expect(await errorOf(client.call('config', 'set', 'notify-keyspace-events', 'KEq'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
    );
  });
});
