// Client-side caching on a server of two shards: the tracking client, the
// writers and the redirect client sit on different threads, the keys on
// both shards. Default mode (RESP3 pushes, one invalidation per read),
// BCAST with prefixes, OPTIN / OPTOUT with CLIENT CACHING, NOLOOP for the
// client's own writes sent to the other shard, RESP2 redirection to a
// `__redis__:invalidate` subscriber, a redirect gone, flushes, and
// node-redis's own client-side cache kept right by the invalidations.

import { afterEach, describe, expect, it } from 'vitest';
import { BasicClientSideCache, createClient } from 'redis';
import { errorOf, infoField, useClient } from './helpers/clients.ts';
import { keysOnShard, resp, type RawSession } from './helpers/raw-client.ts';
import { rawOnThread } from './helpers/threads.ts';
import { useServer } from './helpers/server.ts';

const SHARDS = 2;

/** RESP3's invalidation push of `keys` (null: a flush). */
function invalidate(keys: string[] | null): string {
  const value = keys === null ? '_\r\n' : `*${keys.length}\r\n${keys.map((key) => `$${key.length}\r\n${key}\r\n`).join('')}`;
  return `>2\r\n$10\r\ninvalidate\r\n${value}`;
}

/** The `__redis__:invalidate` message a RESP2 redirect client gets. */
function invalidateMessage(keys: string[]): string {
  return `*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*${keys.length}\r\n${keys.map((key) => `$${key.length}\r\n${key}\r\n`).join('')}`;
}

describe('client-side caching over two threads', () => {
  const server = useServer({ shards: SHARDS, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  const raws: RawSession[] = [];
  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.close();
    await client.flushall();
    await client.config('SET', 'tracking-table-max-keys', '1000000');
  });

  async function onThread(thread: number): Promise<RawSession> {
    const raw = await rawOnThread(server, thread);
    raws.push(raw);
    return raw;
  }

  async function clientId(raw: RawSession): Promise<string> {
    return /^:(\d+)/.exec(await raw.send(resp('client', 'id'), 1))?.[1] as string;
  }

  /** A key of each shard. */
  const keys = [keysOnShard('cached:', 0, SHARDS, 1)[0], keysOnShard('cached:', 1, SHARDS, 1)[0]];

  for (const thread of [0, 1]) {
    it(`default mode: a key read on thread ${thread} is invalidated once when a client of another thread changes it, on either shard`, async () => {
      const tracker = await onThread(thread);
      const writer = await onThread(1 - thread);
      await tracker.send(resp('hello', '3'), 1);
      expect(await tracker.send(resp('client', 'tracking', 'on'), 1)).toBe('+OK\r\n');
      for (const key of keys) {
        await writer.send(resp('set', key, 'v1'), 1);
        expect(await tracker.send(resp('get', key), 1)).toBe('$2\r\nv1\r\n');
        await writer.send(resp('set', key, 'v2'), 1);
        expect(await tracker.send('', 1)).toBe(invalidate([key]));
        // Forgotten once invalidated: the next change says nothing until it is read again.
        await writer.send(resp('set', key, 'v3'), 1);
        await writer.send(resp('set', 'other', '1'), 1);
        expect(await tracker.send(resp('get', key) + resp('get', 'other'), 2)).toBe('$2\r\nv3\r\n$1\r\n1\r\n');
        await writer.send(resp('del', 'other'), 1);
        expect(await tracker.send('', 1)).toBe(invalidate(['other']));
      }
      // A key only written, never read, is not tracked; a read-only command's every key is (MGET over both shards).
      expect(await tracker.send(resp('mget', ...keys), 1)).toBe('*2\r\n$2\r\nv3\r\n$2\r\nv3\r\n');
      await writer.send(resp('del', ...keys), 1);
      const got = [await tracker.send('', 1), await tracker.send('', 1)].sort();
      expect(got).toEqual(keys.map((key) => invalidate([key])).sort());
      expect(await tracker.send(resp('client', 'trackinginfo'), 1)).toBe(
        '%3\r\n$5\r\nflags\r\n~1\r\n$2\r\non\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n',
      );
    });
  }

  it('RESP2 redirection: invalidations reach a __redis__:invalidate subscriber on the other thread; a redirect gone is reported', async () => {
    const redirect = await onThread(1);
    const id = await clientId(redirect);
    await redirect.send(resp('subscribe', '__redis__:invalidate'), 1);
    const tracker = await onThread(0);
    const writer = await onThread(0);
    expect(await errorOf(client.call('client', 'tracking', 'on', 'redirect', '999999'))).toBe('ERR The client ID you want redirect to does not exist');
    expect(await tracker.send(resp('client', 'tracking', 'on', 'redirect', id), 1)).toBe('+OK\r\n');
    expect(await tracker.send(resp('client', 'getredir'), 1)).toBe(`:${id}\r\n`);
    for (const key of keys) {
      await tracker.send(resp('get', key), 1);
      await writer.send(resp('incr', key), 1);
      expect(await redirect.send('', 1)).toBe(invalidateMessage([key]));
    }
    // The redirect client leaves: the tracking client (RESP3 now) is told so when a key it read changes.
    expect(await tracker.send(resp('hello', '3') + resp('get', keys[1]), 2)).toContain('$1\r\n1\r\n');
    expect(await redirect.send(resp('quit'), 1)).toBe('+OK\r\n');
    await writer.send(resp('incr', keys[1]), 1);
    expect(await tracker.send('', 1)).toBe(`>2\r\n$21\r\ntracking-redir-broken\r\n:${id}\r\n`);
    expect(await tracker.send(resp('client', 'trackinginfo'), 1)).toContain('~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n');
  });

  it('BCAST with prefixes: every change under them on every shard, one message per prefix, nothing read first', async () => {
    const tracker = await onThread(1);
    const writer = await onThread(0);
    await tracker.send(resp('hello', '3'), 1);
    expect(await tracker.send(resp('client', 'tracking', 'on', 'bcast', 'prefix', 'a:', 'prefix', 'b:'), 1)).toBe('+OK\r\n');
    expect(await errorOf(client.call('client', 'tracking', 'on', 'bcast', 'prefix', 'foo', 'prefix', 'fo'))).toBe(
      "ERR Prefix 'foo' overlaps with another provided prefix 'fo'. Prefixes for a single client must not overlap.",
    );
    const aKeys = [keysOnShard('a:', 0, SHARDS, 1)[0], keysOnShard('a:', 1, SHARDS, 1)[0]];
    for (const key of aKeys) {
      await writer.send(resp('set', key, '1') + resp('set', 'c:untracked', '1'), 2);
      expect(await tracker.send('', 1)).toBe(invalidate([key]));
    }
    // Keys of one shard changed by one command come in one message, sorted.
    await writer.send(resp('mset', 'b:2{x}', '1', 'b:1{x}', '1', 'c:1{x}', '1'), 1);
    expect(await tracker.send('', 1)).toBe(invalidate(['b:1{x}', 'b:2{x}']));
    expect(await tracker.send(resp('client', 'trackinginfo'), 1)).toBe(
      '%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*2\r\n$2\r\na:\r\n$2\r\nb:\r\n',
    );
  });

  it('OPTIN tracks only after CLIENT CACHING YES, OPTOUT all but after CLIENT CACHING NO', async () => {
    const tracker = await onThread(0);
    const writer = await onThread(1);
    await tracker.send(resp('hello', '3'), 1);
    expect(await tracker.send(resp('client', 'caching', 'yes'), 1)).toBe(
      '-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n',
    );
    await tracker.send(resp('client', 'tracking', 'on', 'optin'), 1);
    expect(await tracker.send(resp('client', 'caching', 'no'), 1)).toBe('-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n');
    await tracker.send(resp('get', keys[0]) + resp('client', 'caching', 'yes') + resp('get', keys[1]), 3);
    await writer.send(resp('set', keys[0], '1') + resp('set', keys[1], '1'), 2);
    expect(await tracker.send('', 1)).toBe(invalidate([keys[1]]));
    await tracker.send(resp('client', 'tracking', 'off') + resp('client', 'tracking', 'on', 'optout'), 2);
    await tracker.send(resp('client', 'caching', 'no') + resp('get', keys[0]) + resp('get', keys[1]), 3);
    await writer.send(resp('set', keys[0], '2') + resp('set', keys[1], '2'), 2);
    expect(await tracker.send('', 1)).toBe(invalidate([keys[1]]));
  });

  it("NOLOOP: the client's own writes, on its shard or the other, are not invalidated to it; another client's are", async () => {
    const tracker = await onThread(0);
    const writer = await onThread(1);
    await tracker.send(resp('hello', '3'), 1);
    await tracker.send(resp('client', 'tracking', 'on', 'noloop'), 1);
    for (const key of keys) {
      await tracker.send(resp('get', key), 1);
      await tracker.send(resp('set', key, 'mine'), 1);
      await tracker.send(resp('get', key), 1);
      await writer.send(resp('set', key, 'theirs'), 1);
      expect(await tracker.send('', 1)).toBe(invalidate([key]));
    }
  });

  it('FLUSHALL and FLUSHDB invalidate everything with a null, for tracking clients of every thread', async () => {
    const trackers = [await onThread(0), await onThread(1)];
    for (const tracker of trackers) {
      await tracker.send(resp('hello', '3'), 1);
      await tracker.send(resp('client', 'tracking', 'on') + resp('get', keys[0]), 2);
    }
    expect(infoField(await client.info('stats'), 'tracking_total_keys')).toBe(2);
    expect(infoField(await client.info('clients'), 'tracking_clients')).toBe(2);
    await client.flushall();
    for (const tracker of trackers) expect(await tracker.send('', 1)).toBe(invalidate(null));
    expect(infoField(await client.info('stats'), 'tracking_total_keys')).toBe(0);
    await client.flushdb();
    for (const tracker of trackers) expect(await tracker.send('', 1)).toBe(invalidate(null));
  });

  it('tracking-table-max-keys: past it, keys are invalidated until the table is back under it', async () => {
    const tracker = await onThread(0);
    await tracker.send(resp('hello', '3'), 1);
    await tracker.send(resp('client', 'tracking', 'on'), 1);
    const many = keysOnShard('limit:', 1, SHARDS, 5);
    await tracker.send(resp('mget', ...many), 1);
    await client.config('SET', 'tracking-table-max-keys', '2');
    const got = new Set<string>();
    for (let i = 0; i < 3; i++) got.add(await tracker.send('', 1));
    expect(got.size).toBe(3);
    expect(infoField(await client.info('stats'), 'tracking_total_keys')).toBe(2);
  });

  for (const thread of [0, 1]) {
    it(`an evicted key's invalidation comes before the reply of the command it was evicted for, the key on the other shard (client on thread ${thread})`, async () => {
      // As Redis's "Tracking invalidation message of eviction keys should be
      // before response": volatile-random, the only key with a TTL on shard 1,
      // a big value on shard 0 takes the server over maxmemory, and the next
      // command, on shard 0 (which has nothing to evict), must see shard 1
      // evict first.
      const [volatile] = keysOnShard('volatile:', 1, SHARDS, 1);
      const [big] = keysOnShard('big:', 0, SHARDS, 1);
      const tracker = await onThread(thread);
      await tracker.send(resp('hello', '3'), 1);
      await tracker.send(resp('client', 'tracking', 'on'), 1);
      const memory = await client.info('memory');
      const limit = infoField(memory, 'used_memory') - infoField(memory, 'mem_not_counted_for_evict') + 100 * 1024;
      try {
        await client.config('SET', 'maxmemory-policy', 'volatile-random');
        await client.config('SET', 'maxmemory', String(limit));
        expect(await tracker.send(resp('setex', volatile, '10000', 'x'), 1)).toBe('+OK\r\n');
        expect(await tracker.send(resp('get', volatile), 1)).toBe('$1\r\nx\r\n');
        expect(await tracker.send(resp('setbit', big, '1600000', '0'), 1)).toBe(':0\r\n');
        // (Were a timer to evict in between, its invalidation would come here too: this passes either way then.)
        expect(await tracker.send(resp('getbit', big, '0'), 2)).toBe(`${invalidate([volatile])}:0\r\n`);
        expect(await client.exists(volatile)).toBe(0);
      } finally {
        await client.config('SET', 'maxmemory', '0');
        await client.config('SET', 'maxmemory-policy', 'noeviction');
      }
    });
  }

  it('CLIENT LIST shows tracking (t), BCAST (B), a broken redirect (R), the redirect and a MULTI (x) in progress', async () => {
    const redirect = await onThread(1);
    const id = await clientId(redirect);
    const tracker = await onThread(0);
    const me = await clientId(tracker);
    await tracker.send(resp('hello', '3') + resp('client', 'tracking', 'on', 'bcast', 'redirect', id), 2);
    expect(await client.call('client', 'list', 'id', me)).toMatch(new RegExp(` flags=tB db=0 .* redir=${id} resp=3\n$`));
    await tracker.send(resp('multi'), 1);
    const inMulti = (await client.call('client', 'list', 'id', me)) as string;
    expect(inMulti).toMatch(/ flags=xtB /);
    expect(inMulti).toMatch(/ multi=0 /);
    await tracker.send(resp('discard'), 1);
    expect(await redirect.send(resp('quit'), 1)).toBe('+OK\r\n');
    await client.set('k', '1');
    expect(await tracker.send('', 1)).toBe(`>2\r\n$21\r\ntracking-redir-broken\r\n:${id}\r\n`);
    expect(await client.call('client', 'list', 'id', me)).toMatch(/ flags=tRB /);
  });

  it("node-redis's client-side cache serves repeated reads from memory and drops what another client changes, keys on both shards", async () => {
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
    const cached = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP: 3, clientSideCache: cache });
    await cached.connect();
    try {
      for (const key of keys) await client.set(key, 'first');
      for (const key of keys) {
        expect(await cached.get(key)).toBe('first');
        expect(await cached.get(key)).toBe('first');
      }
      expect(cache.stats().hitCount).toBe(2);
      expect(cache.stats().missCount).toBe(2);
      for (const key of keys) await client.set(key, 'second');
      // The invalidations come as pushes; the next read of each key goes back to the server.
      for (const key of keys) {
        let value: string | null = null;
        for (let i = 0; i < 100 && value !== 'second'; i++) value = await cached.get(key);
        expect(value).toBe('second');
      }
      expect(cache.size()).toBe(2);
    } finally {
      await cached.close();
    }
  });
});
