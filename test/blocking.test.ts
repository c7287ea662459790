// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP,
// XREAD BLOCK, XREADGROUP BLOCK, which ends when its stream goes) on a
// server of three shards, with clients on every thread: a client blocked on
// keys of any shard is woken by a push from any other thread, clients are
// served in the order they blocked (one element each), timeouts (fractional,
// 0 for ever, negative refused), MULTI/EXEC as a barrier and blocking
// commands inside it answering at once, CLIENT UNBLOCK / KILL and closed
// connections releasing the wait, BLMOVE between shards under an auditor
// that never sees an element twice or nowhere, and a restarted shard whose
// waiters register again. The checks that do not look at threads hold
// against stock Redis too (STOCK_REDIS_PORT, see helpers/stock-server.ts).

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectIoredis, errorOf, flushBeforeEach, infoField, useClient, waitFor } from './helpers/clients.ts';
import { keysOnShard, RawSession, resp } from './helpers/raw-client.ts';
import { connectOnThread, panicThreadOf } from './helpers/threads.ts';
import { STOCK_PORT, useServerOrStock } from './helpers/stock-server.ts';

const SHARDS = 3;
// Keys of each shard (shard n's keys are k<n>_...).
const [A, B, C] = [0, 1, 2].map((shard) => keysOnShard(`k${shard}_`, shard, SHARDS, 4));

describe('blocking list commands over three shards', () => {
  const server = useServerOrStock({ shards: SHARDS, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  flushBeforeEach(client);
  const opened: Redis[] = [];
  afterEach(() => {
    for (const connection of opened.splice(0)) connection.disconnect();
  });

  /** A client of its own, on `thread` when the server is ours (any thread on stock Redis). */
  async function connect(thread: number): Promise<Redis> {
    const connection = STOCK_PORT === undefined ? await connectOnThread(server, thread) : await connectIoredis(server);
    opened.push(connection);
    return connection;
  }

  async function blockedClients(): Promise<number> {
    return infoField(await client.info('clients'), 'blocked_clients');
  }

  /** Waits until `count` clients are blocked. */
  async function blocked(count: number): Promise<void> {
    await waitFor(async () => (await blockedClients()) === count, 5000);
  }

  it('BLPOP on a key of another shard is woken by a push from a third thread, and INFO and CLIENT LIST show it blocked', async () => {
    const waiter = await connect(0);
    const pusher = await connect(2);
    const pending = waiter.blpop(B[0], 0);
    await blocked(1);
    const line = String(await client.client('LIST')).split('\n').find((entry) => entry.includes('cmd=blpop'));
    expect(line).toMatch(/flags=b /);
    expect(await pusher.rpush(B[0], 'x', 'y')).toBe(2);
    expect(await pending).toEqual([B[0], 'x']);
    expect(await client.lrange(B[0], 0, -1)).toEqual(['y']);
    expect(await blockedClients()).toBe(0);
  });

  it('clients blocked on one key are served in the order they blocked, one element each', async () => {
    const waiters = await Promise.all([0, 1, 2, 0].map((thread) => connect(thread)));
    const replies: Promise<[string, string] | null>[] = [];
    for (let i = 0; i < waiters.length; i++) {
      replies.push(waiters[i].brpop(C[0], 0));
      await blocked(i + 1);
    }
    // One push of five (e5 at the head): each waiter in turn takes the tail.
    await client.lpush(C[0], 'e1', 'e2', 'e3', 'e4', 'e5');
    const got = (await Promise.all(replies)).map((reply) => reply?.[1]);
    expect(got).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(await client.lrange(C[0], 0, -1)).toEqual(['e5']);
  });

  it('BLPOP over keys of every shard takes from the first key that has elements, and is served once when several fill at once', async () => {
    await client.rpush(C[1], 'c');
    await client.rpush(B[1], 'b');
    expect(await client.blpop(A[1], B[1], C[1], 1)).toEqual([B[1], 'b']);
    const waiter = await connect(1);
    const pending = waiter.blpop(A[1], B[1], C[1], 0);
    // C[1] still has "c": served at once, without blocking.
    expect(await pending).toEqual([C[1], 'c']);
    const again = waiter.blpop(A[1], B[1], C[1], 0);
    await blocked(1);
    // Pushes to all three at once: exactly one element is taken.
    await Promise.all([client.rpush(A[1], 'a'), client.rpush(B[1], 'b'), client.rpush(C[1], 'c')]);
    const [key, value] = (await again) as [string, string];
    expect(value).toBe(key === A[1] ? 'a' : key === B[1] ? 'b' : 'c');
    const left = (await client.llen(A[1])) + (await client.llen(B[1])) + (await client.llen(C[1]));
    expect(left).toBe(2);
  });

  it('timeouts: a fraction of a second, 0 for ever, negative or not a number refused as Redis does', async () => {
    const started = Date.now();
    expect(await client.blpop(A[2], 0.2)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await client.blmove(A[2], B[2], 'LEFT', 'RIGHT', 0.05)).toBeNull();
    expect(await errorOf(client.blpop(A[2], -1))).toBe('ERR timeout is negative');
    expect(await errorOf(client.blpop(A[2], 'abc'))).toBe('ERR timeout is not a float or out of range');
    expect(await errorOf(client.call('blmpop', '0', '0', A[2], 'LEFT'))).toBe('ERR numkeys should be greater than 0');
    expect(await errorOf(client.call('blmpop', 'x', '1', A[2], 'LEFT'))).toBe('ERR timeout is not a float or out of range');
    expect(await errorOf(client.call('blmove', A[2], B[2], 'UP', 'LEFT', '0'))).toBe('ERR syntax error');
    const forever = (await connect(2)).blpop(A[2], 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await blockedClients()).toBe(1);
    await client.rpush(A[2], 'late');
    expect(await forever).toEqual([A[2], 'late']);
  });

  it('RESP3: the served reply and the timeout reply in RESP3 forms', async () => {
    const r3 = new RawSession(server.port);
    try {
      await r3.send(resp('HELLO', '3'), 1);
      expect(await r3.send(resp('BLPOP', A[3], '0.05'), 1)).toBe('_\r\n');
      expect(await r3.send(resp('BLMOVE', A[3], B[3], 'LEFT', 'LEFT', '0.05'), 1)).toBe('_\r\n');
      const pending = r3.send(resp('BLMPOP', '0', '2', A[3], C[3], 'RIGHT', 'COUNT', '2'), 1);
      await blocked(1);
      await client.rpush(C[3], '1', '2', '3');
      expect(await pending).toBe(`*2\r\n$${C[3].length}\r\n${C[3]}\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n`);
    } finally {
      r3.close();
    }
  });

  it('inside MULTI a blocking command answers at once as on timeout, and a push inside EXEC wakes nobody until it is done', async () => {
    const multi = await client.multi().blpop(A[0], 0).blmove(A[0], B[0], 'LEFT', 'LEFT', 0).call('blmpop', '0', '1', A[0], 'LEFT').exec();
    expect(multi).toEqual([[null, null], [null, null], [null, null]]);
    const waiter = await connect(1);
    const pending = waiter.blpop(A[0], 0);
    await blocked(1);
    // The EXEC pushes and pops on the same key: the blocked client sees only what is left after it.
    const results = await client.multi().rpush(A[0], 'x').rpush(A[0], 'y').lpop(A[0]).rpush(B[0], 'other').exec();
    expect(results).toEqual([[null, 1], [null, 2], [null, 'x'], [null, 1]]);
    expect(await pending).toEqual([A[0], 'y']);
  });

  it('BLMOVE to a list on another shard moves the element atomically once it arrives, BRPOPLPUSH too', async () => {
    const waiter = await connect(2);
    const pending = waiter.blmove(A[1], B[1], 'RIGHT', 'LEFT', 0);
    await blocked(1);
    await client.rpush(A[1], 'first', 'second');
    expect(await pending).toBe('second');
    expect(await client.lrange(A[1], 0, -1)).toEqual(['first']);
    expect(await client.lrange(B[1], 0, -1)).toEqual(['second']);
    const chained = waiter.brpoplpush(C[1], A[1], 0);
    await blocked(1);
    await client.lpush(C[1], 'third');
    expect(await chained).toBe('third');
    expect(await client.lrange(A[1], 0, -1)).toEqual(['third', 'first']);
    // A destination of the wrong type: WRONGTYPE, and the element stays.
    await client.set(B[2], 'string');
    const refused = errorOf(waiter.blmove(C[2], B[2], 'LEFT', 'LEFT', 0));
    await blocked(1);
    await client.rpush(C[2], 'kept');
    expect(await refused).toMatch(/^WRONGTYPE/);
    expect(await client.lrange(C[2], 0, -1)).toEqual(['kept']);
  });

  it('CLIENT UNBLOCK TIMEOUT and ERROR, CLIENT KILL and a closed connection end the wait; nothing pushed later is lost', async () => {
    const waiter = await connect(0);
    const id = (await waiter.client('ID')) as number;
    let pending: Promise<unknown> = waiter.blpop(B[3], 0);
    await blocked(1);
    expect(await client.client('UNBLOCK', id, 'TIMEOUT')).toBe(1);
    expect(await pending).toBeNull();
    const refused = errorOf(waiter.blpop(B[3], 0));
    await blocked(1);
    expect(await client.client('UNBLOCK', id, 'ERROR')).toBe(1);
    expect(await refused).toBe('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(await client.client('UNBLOCK', id)).toBe(0);
    expect(await errorOf(client.call('client', 'unblock', String(id), 'maybe'))).toBe('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
    // Its commands after the blocking one waited for it, and run once it is over.
    pending = waiter.blpop(B[3], 0);
    const after = waiter.ping('after');
    await blocked(1);
    await client.client('UNBLOCK', id);
    expect(await pending).toBeNull();
    expect(await after).toBe('after');

    const victim = await connect(2);
    const victimId = (await victim.client('ID')) as number;
    void victim.blpop(B[3], 0).catch(() => {});
    await blocked(1);
    expect(await client.client('KILL', 'ID', String(victimId))).toBe(1);
    await blocked(0);
    const leaver = await connect(1);
    void leaver.blpop(B[3], 0).catch(() => {});
    await blocked(1);
    leaver.disconnect();
    await blocked(0);
    await client.rpush(B[3], 'kept');
    expect(await client.lrange(B[3], 0, -1)).toEqual(['kept']);
  });

  it('BZPOPMIN, BZPOPMAX and BZMPOP wait for a sorted set on another shard, take by score, and answer nil on timeout', async () => {
    const waiter = await connect(1);
    const min = waiter.bzpopmin(A[3], C[3], 0);
    await blocked(1);
    await client.zadd(C[3], 5, 'five', 1, 'one', 3, 'three');
    expect(await min).toEqual([C[3], 'one', '1']);
    expect(await waiter.bzpopmax(A[3], C[3], 0)).toEqual([C[3], 'five', '5']);
    const counted = waiter.call('bzmpop', '0', '2', A[3], B[3], 'MIN', 'COUNT', '2');
    await blocked(1);
    await client.zadd(B[3], 2, 'b', 1, 'a', 3, 'c');
    expect(await counted).toEqual([B[3], [['a', '1'], ['b', '2']]]);
    expect(await waiter.bzpopmin(A[3], 0.05)).toBeNull();
    expect(await errorOf(waiter.call('bzmpop', '0', '1', A[3], 'MIDDLE'))).toBe('ERR syntax error');
    await client.set(A[2], 'string');
    expect(await errorOf(waiter.bzpopmin(A[2], 0))).toMatch(/^WRONGTYPE/);
  });

  it('XREAD BLOCK and XREADGROUP BLOCK wait for entries past their id on streams of other shards; one XADD serves every reader', async () => {
    await client.xadd(A[0], '1-1', 'old', 'entry');
    const readers = await Promise.all([0, 1, 2].map((thread) => connect(thread)));
    // "$" is the stream's last id when the reader blocked: the old entry is not served.
    const pending = readers.map((reader) => reader.xread('BLOCK', 0, 'STREAMS', A[0], B[0], '$', '$'));
    await blocked(3);
    await client.xadd(B[0], '5-1', 'field', 'value');
    for (const reply of await Promise.all(pending)) expect(reply).toEqual([[B[0], [['5-1', ['field', 'value']]]]]);
    // An explicit id already passed is served at once.
    expect(await readers[0].xread('BLOCK', 0, 'STREAMS', A[0], '0-0')).toEqual([[A[0], [['1-1', ['old', 'entry']]]]]);
    await client.xgroup('CREATE', C[0], 'group', '$', 'MKSTREAM');
    const consumer = readers[1].xreadgroup('GROUP', 'group', 'alice', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', C[0], '>');
    await blocked(1);
    await client.xadd(C[0], '7-1', 'job', '1');
    expect(await consumer).toEqual([[C[0], [['7-1', ['job', '1']]]]]);
    expect(await client.xpending(C[0], 'group')).toEqual([1, '7-1', '7-1', [['alice', '1']]]);
    expect(await readers[2].xread('BLOCK', 50, 'STREAMS', C[0], '$')).toBeNull();
    expect(await client.multi().xread('BLOCK', 0, 'STREAMS', C[0], '$').exec()).toEqual([[null, null]]);
    expect(await errorOf(readers[2].xread('BLOCK', -1, 'STREAMS', C[0], '$'))).toBe('ERR timeout is negative');
  });

  it('XREADGROUP BLOCK ends with UNBLOCKED when its stream is deleted, overwritten or flushed from another thread; XREAD BLOCK waits on', async () => {
    const readers = await Promise.all([0, 1, 2].map((thread) => connect(thread)));
    const writer = await connect(1);
    const ways: [string, () => Promise<unknown>][] = [
      ['DEL', () => writer.del(B[2])],
      ['SET', () => writer.set(B[2], 'string')],
      ['MULTI DEL SADD', () => writer.multi().del(B[2]).sadd(B[2], 'member').exec()],
      ['FLUSHALL', () => writer.flushall()],
    ];
    await client.config('RESETSTAT');
    for (const [way, remove] of ways) {
      await client.del(B[2]);
      await client.xadd(B[2], '1-1', 'f', 'v');
      await client.xgroup('CREATE', B[2], 'group', '$');
      const waiting = readers.map((reader) => errorOf(reader.xreadgroup('GROUP', 'group', 'alice', 'BLOCK', 0, 'STREAMS', B[2], '>')));
      await blocked(3);
      await remove();
      for (const reply of await Promise.all(waiting)) expect([way, reply]).toEqual([way, 'UNBLOCKED the stream key no longer exists']);
      await blocked(0);
    }
    // Each is a failed call, and its error is counted.
    expect(String(await client.info('commandstats'))).toMatch(/cmdstat_xreadgroup:calls=12,.*,failed_calls=12/);
    expect(String(await client.info('errorstats'))).toMatch(/errorstat_UNBLOCKED:count=12/);
    // On a stream that is not there it does not wait at all: there is no group.
    expect(await errorOf(readers[1].xreadgroup('GROUP', 'group', 'alice', 'BLOCK', 0, 'STREAMS', B[3], '>'))).toMatch(/^NOGROUP /);
    expect(await errorOf(readers[1].xreadgroup('GROUP', 'group', 'alice', 'BLOCK', 0, 'STREAMS', A[3], B[3], '>', '>'))).toMatch(/^NOGROUP /);
    // A plain XREAD has no group to lose: it waits for the stream to come back.
    await client.del(B[2]);
    await client.xadd(B[2], '1-1', 'f', 'v');
    const reading = readers[0].xread('BLOCK', 0, 'STREAMS', B[2], '$');
    await blocked(1);
    await writer.del(B[2]);
    await writer.xadd(B[2], '2-1', 'g', 'w');
    expect(await reading).toEqual([[B[2], [['2-1', ['g', 'w']]]]]);
  });

  it.skipIf(STOCK_PORT !== undefined)('a blocked client that keeps sending is closed past client-query-buffer-limit, and the server goes on', async () => {
    await client.config('SET', 'client-query-buffer-limit', '1mb');
    try {
      const flooder = net.connect({ port: server.port, host: '127.0.0.1' });
      const closedByServer = new Promise<void>((resolve) => flooder.on('close', () => resolve()));
      flooder.on('error', () => {});
      flooder.write(resp('BLPOP', A[1], '0'));
      await blocked(1);
      // 2 MB of commands while it waits: held in memory, so bounded like a query buffer.
      const value = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 32; i++) flooder.write(resp('SET', `flood${i}`, value));
      await closedByServer;
      await blocked(0);
      expect(await client.exists('flood0')).toBe(0);
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.config('SET', 'client-query-buffer-limit', '1gb');
    }
  });

  it('BLMOVE between shards under concurrent consumers: an auditor never sees an element twice or nowhere', async () => {
    const source = A[2];
    const destination = C[2];
    const total = 300;
    const consumers = await Promise.all([0, 1, 2, 0, 1, 2].map((thread) => connect(thread)));
    const auditor = await connect(1);
    const producer = await connect(2);
    let produced = 0;
    let moved = 0;
    const consuming = consumers.map(async (consumer) => {
      while (moved < total) {
        const element = await consumer.blmove(source, destination, 'LEFT', 'RIGHT', 0.05);
        if (element !== null) moved++;
      }
    });
    let audits = 0;
    const auditing = (async () => {
      while (moved < total) {
        const sentBefore = produced;
        const [[, inSource], [, inDestination]] = (await auditor.multi().lrange(source, 0, -1).lrange(destination, 0, -1).exec()) as [[null, string[]], [null, string[]]];
        const seen = [...inSource, ...inDestination];
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.length).toBeGreaterThanOrEqual(sentBefore);
        audits++;
      }
    })();
    for (let i = 0; i < total; i++) {
      await producer.rpush(source, `e${i}`);
      produced++;
    }
    await Promise.all([...consuming, auditing]);
    expect(audits).toBeGreaterThan(0);
    const final = await client.lrange(destination, 0, -1);
    expect(final.length).toBe(total);
    expect(new Set(final).size).toBe(total);
    expect(await client.exists(source)).toBe(0);
  });
});

describe.skipIf(STOCK_PORT !== undefined)('a blocked client whose key lives on a shard that restarts', () => {
  const server = useServerOrStock({ shards: 2, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);

  it('registers again on the new thread and is served', async () => {
    const [key] = keysOnShard('restart', 1, 2, 1);
    const waiter = await connectOnThread(server, 0);
    try {
      const pending = waiter.blpop(key, 0);
      await waitFor(async () => infoField(await client.info('clients'), 'blocked_clients') === 1, 5000);
      const pusher = await connectOnThread(server, 1);
      await panicThreadOf(server, pusher);
      const fresh = await connectIoredis(server);
      await waitFor(async () => (await fresh.ping()) === 'PONG', 5000);
      await fresh.rpush(key, 'after-restart');
      expect(await pending).toEqual([key, 'after-restart']);
      fresh.disconnect();
    } finally {
      waiter.disconnect();
    }
  });
});
