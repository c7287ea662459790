// DUMP and RESTORE against a real server, and against a stock redis-server
// 7.0.15 started here: a value dumped by either restores in the other with
// the same contents, encoding and TTL, for every type and encoding. Error
// replies were read from stock redis-server 7.0.15 with the same commands.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer, type TestServer } from './helpers/server.ts';
import { startStockRedis } from './helpers/stock-server.ts';
import { connectIoredis, errorOf, useClient } from './helpers/clients.ts';
import { EVERY_TYPE_KEYS, fillEveryType, showKey } from './helpers/every-type.ts';
import { crc64 } from '../src/store/rdb/crc64.ts';

/** A payload with its footer's CRC recomputed (the body changed on purpose). */
function withCrc(payload: Buffer): Buffer {
  const fixed = Buffer.from(payload);
  fixed.writeBigUInt64LE(crc64(fixed, 0, fixed.length - 8), fixed.length - 8);
  return fixed;
}

describe('DUMP and RESTORE with a stock redis-server', () => {
  let stockServer: TestServer;
  let stock: Redis;
  beforeAll(async () => {
    stockServer = await startStockRedis(['--enable-debug-command', 'yes']);
    stock = await connectIoredis(stockServer);
  });
  afterAll(async () => {
    stock?.disconnect();
    await stockServer?.stop();
  });

  for (const shards of [1, 2]) {
    describe(`--shards ${shards}`, () => {
      const server = useServer({ shards });
      const client = useClient(server);

      /** Fills `from`, dumps every key, restores each in database 1 of `to` and of `from`: `to`'s copy must look as the original. */
      async function roundTrip(from: Redis, to: Redis): Promise<void> {
        for (const c of [from, to]) await c.flushall();
        await fillEveryType(from);
        for (const key of EVERY_TYPE_KEYS) {
          const payload = await from.dumpBuffer(key);
          expect(payload, key).not.toBeNull();
          const expireAt = Math.max(0, await from.pexpiretime(key));
          const original = (await showKey(from, key)) as { encoding: string };
          for (const c of [from, to]) {
            await c.select(1);
            expect(await c.call('restore', key, String(expireAt), payload, 'ABSTTL'), key).toBe('OK');
          }
          const [here, there] = (await Promise.all([showKey(from, key), showKey(to, key)])) as { encoding: string }[];
          // The contents and TTL as the original's; the encoding as the sender's own restored copy (a
          // string's embstr / raw depends on how it was made).
          expect({ ...there, encoding: '' }, key).toEqual({ ...original, encoding: '' });
          expect(there.encoding, key).toBe(here.encoding);
          for (const c of [from, to]) await c.select(0);
        }
      }

      it('a value dumped by stock Redis restores here, every type and encoding', async () => {
        await roundTrip(stock, client);
      });

      it('a value dumped here restores in stock Redis, every type and encoding', async () => {
        await roundTrip(client, stock);
      });

      it('RESTORE re-encodes to this server\'s limits', async () => {
        await stock.flushall();
        await stock.hset('h', 'a', '1', 'b', '2', 'c', '3');
        await stock.sadd('s', 1, 2, 3);
        await stock.zadd('z', 1, 'a', 2, 'b', 3, 'c');
        await client.config('SET', 'hash-max-listpack-entries', '2');
        await client.config('SET', 'set-max-intset-entries', '2');
        await client.config('SET', 'zset-max-listpack-entries', '2');
        try {
          for (const key of ['h', 's', 'z']) await client.restore(key, 0, await stock.dumpBuffer(key), 'REPLACE');
          expect(await client.object('ENCODING', 'h')).toBe('hashtable');
          expect(await client.object('ENCODING', 's')).toBe('hashtable');
          expect(await client.object('ENCODING', 'z')).toBe('skiplist');
          expect(await client.hgetall('h')).toEqual({ a: '1', b: '2', c: '3' });
          expect(await client.call('zrange', 'z', '0', '-1', 'WITHSCORES')).toEqual(['a', '1', 'b', '2', 'c', '3']);
        } finally {
          await client.config('SET', 'hash-max-listpack-entries', '512');
          await client.config('SET', 'set-max-intset-entries', '512');
          await client.config('SET', 'zset-max-listpack-entries', '128');
        }
      });

      it('the errors and options of RESTORE, as Redis words them', async () => {
        for (const c of [client, stock]) {
          await c.flushall();
          await c.set('k', 'value');
          const payload = await c.dumpBuffer('k');
          expect(await c.dump('missing')).toBeNull();
          expect(await errorOf(c.restore('k', 0, payload))).toBe('BUSYKEY Target key name already exists.');
          expect(await errorOf(c.restore('n', -1, payload))).toBe('ERR Invalid TTL value, must be >= 0');
          expect(await errorOf(c.restore('n', 'x', payload))).toBe('ERR value is not an integer or out of range');
          expect(await errorOf(c.call('restore', 'n', '0', payload, 'BOGUS'))).toBe('ERR syntax error');
          expect(await errorOf(c.restore('n', 0, payload, 'IDLETIME', -1))).toBe('ERR Invalid IDLETIME value, must be >= 0');
          expect(await errorOf(c.restore('n', 0, payload, 'FREQ', 256))).toBe('ERR Invalid FREQ value, must be >= 0 and <= 255');
          expect(await errorOf(c.call('restore', 'n', '0', payload, 'FREQ', '1', 'IDLETIME', '1'))).toBe('ERR syntax error');
          expect(await errorOf(c.call('restore', 'n', '0', payload, 'IDLETIME'))).toBe('ERR syntax error');
          const badCrc = Buffer.from(payload);
          badCrc[badCrc.length - 1] ^= 1;
          expect(await errorOf(c.restore('n', 0, badCrc))).toBe('ERR DUMP payload version or checksum are wrong');
          const newer = Buffer.from(payload);
          newer[newer.length - 10] = 11;
          expect(await errorOf(c.restore('n', 0, withCrc(newer)))).toBe('ERR DUMP payload version or checksum are wrong');
          expect(await errorOf(c.restore('n', 0, Buffer.from('short')))).toBe('ERR DUMP payload version or checksum are wrong');
          const badType = Buffer.from(payload);
          badType[0] = 200;
          expect(await errorOf(c.restore('n', 0, withCrc(badType)))).toBe('ERR Bad data format');
          // A hash listpack cut short, with a good checksum.
          await c.hset('h', 'a', '1');
          const hash = await c.dumpBuffer('h');
          const cut = withCrc(Buffer.concat([hash.subarray(0, 4), hash.subarray(hash.length - 10)]));
          expect(await errorOf(c.restore('n', 0, cut))).toBe('ERR Bad data format');
          expect(await c.exists('n')).toBe(0);

          expect(await c.restore('k', 0, await c.dumpBuffer('h'), 'REPLACE')).toBe('OK');
          expect(await c.type('k')).toBe('hash');
          expect(await c.restore('t', 5000, payload)).toBe('OK');
          expect(await c.pttl('t')).toBeGreaterThan(4000);
          const at = Date.now() + 60000;
          expect(await c.restore('a', at, payload, 'ABSTTL')).toBe('OK');
          expect(Math.abs((await c.pexpiretime('a')) - at)).toBeLessThan(2);
          // A TTL already past: OK, and the key is gone (an old value with it, under REPLACE).
          expect(await c.call('restore', 'a', '1', payload, 'ABSTTL', 'REPLACE')).toBe('OK');
          expect(await c.exists('a')).toBe(0);
          expect(await c.restore('i', 0, payload, 'IDLETIME', 1000)).toBe('OK');
          expect(await c.object('IDLETIME', 'i')).toBeGreaterThanOrEqual(1000);
          await c.config('SET', 'maxmemory-policy', 'allkeys-lfu');
          expect(await c.restore('f', 0, payload, 'FREQ', 100)).toBe('OK');
          expect(await c.object('FREQ', 'f')).toBe(100);
          await c.config('SET', 'maxmemory-policy', 'noeviction');
          expect(await c.get('f')).toBe('value');
        }
      });
    });
  }
});
