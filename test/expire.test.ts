// The expiry family against a real server, on one, two and three shards:
// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX XX GT LT and their errors,
// TTL's rounding, EXPIRETIME, PERSIST, lazy expiry on reads, and the active
// expire cycle deleting keys nobody reads.
//
// Expected values come from stock redis-server 7.0.15: the tables were
// produced by running the same commands against it with ioredis.

import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { connectResp3, flushBeforeEach, infoField, ioredis, useClient } from './helpers/clients.ts';
import { keysOnEveryShard } from './helpers/raw-client.ts';
import { runSteps, type Step } from './helpers/command-steps.ts';

/** Every expiry command with its options and error replies, as stock Redis answers them. */
const EXPIRE_STEPS: Step[] = [
  [['flushall'], 'OK'],
  [['set', 'a', '1'], 'OK'],
  [['expire', 'a', '100', 'nx', 'xx'], { error: 'ERR NX and XX, GT or LT options at the same time are not compatible' }],
  [['expire', 'a', '100', 'gt', 'lt'], { error: 'ERR GT and LT options at the same time are not compatible' }],
  [['expire', 'a', '100', 'nx', 'gt'], { error: 'ERR NX and XX, GT or LT options at the same time are not compatible' }],
  [['expire', 'a', '100', 'xx', 'gt'], 0],
  [['expire', 'a', '100', 'foo'], { error: 'ERR Unsupported option foo' }],
  [['expire', 'a', 'x', 'foo'], { error: 'ERR Unsupported option foo' }],
  [['expire', 'a', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['expire', 'a', '100', 'NX', 'NX'], 1],
  [['ttl', 'a'], 100],
  [['expire', 'a', '9223372036854776'], { error: "ERR invalid expire time in 'expire' command" }],
  [['expire', 'a', '9223370399119966'], { error: "ERR invalid expire time in 'expire' command" }],
  [['expire', 'a', '10000000000000000'], { error: "ERR invalid expire time in 'expire' command" }],
  [['expire', 'a', '18446744073709561'], { error: "ERR invalid expire time in 'expire' command" }],
  [['expire', 'a', '-9223372036854776'], { error: "ERR invalid expire time in 'expire' command" }],
  [['expire', 'a', '-9999999999999999'], { error: "ERR invalid expire time in 'expire' command" }],
  [['pexpire', 'a', '9223372036854770000'], { error: "ERR invalid expire time in 'pexpire' command" }],
  [['pexpireat', 'a', '9223372036854770000'], 1],
  [['pexpireat', 'a', '-9223372036854770000'], 1],
  [['exists', 'a'], 0],
  [['set', 'a', '1'], 'OK'],
  [['expireat', 'a', '99999999999999'], 1],
  [['pexpireat', 'a', '99999999999999499'], 1],
  [['pexpireat', 'a', '9999999999999499'], 1],
  [['pexpireat', 'a', '9999999999999500'], 1],
  [['persist', 'a'], 1],
  [['persist', 'a'], 0],
  [['ttl', 'a'], -1],
  [['pttl', 'a'], -1],
  [['ttl', 'nope'], -2],
  [['pttl', 'nope'], -2],
  [['expire', 'nope', '10'], 0],
  [['persist', 'nope'], 0],
  [['expire', 'a', '10', 'xx'], 0],
  [['expire', 'a', '10', 'gt'], 0],
  [['expire', 'a', '10', 'lt'], 1],
  [['ttl', 'a'], 10],
  [['expire', 'a', '20', 'lt'], 0],
  [['expire', 'a', '5', 'lt'], 1],
  [['ttl', 'a'], 5],
  [['expire', 'a', '50', 'gt'], 1],
  [['expire', 'a', '60', 'nx'], 0],
  [['expire', 'a', '60', 'xx'], 1],
  [['ttl', 'a'], 60],
  [['persist', 'a'], 1],
  [['expire', 'a', '60', 'lt'], 1],
  [['ttl', 'a'], 60],
  [['expire', 'a', '0'], 1],
  [['exists', 'a'], 0],
  [['set', 'a', '1'], 'OK'],
  [['expire', 'a', '-5', 'gt'], 0],
  [['expire', 'a', '-5', 'xx'], 0],
  [['expire', 'a', '-5', 'lt'], 1],
  [['exists', 'a'], 0],
  [['set', 'a', '1'], 'OK'],
  [['pexpire', 'a', '100000'], 1],
  [['ttl', 'a'], 100],
  [['pexpireat', 'a', '0'], 1],
  [['exists', 'a'], 0],
  [['set', 'a', '1'], 'OK'],
  [['expireat', 'a', '1'], 1],
  [['exists', 'a'], 0],
  [['expire', 'a'], { error: "ERR wrong number of arguments for 'expire' command" }],
  [['ttl'], { error: "ERR wrong number of arguments for 'ttl' command" }],
  [['persist', 'a', 'b'], { error: "ERR wrong number of arguments for 'persist' command" }],
  [['set', 'a', '1'], 'OK'],
  [['expire', 'a', '100', 'nx', 'foo'], { error: 'ERR Unsupported option foo' }],
  [['expire', 'a', '100', 'nx', 'xx', 'gt', 'lt'], { error: 'ERR NX and XX, GT or LT options at the same time are not compatible' }],
  [['expire', 'a', '100', 'gt', 'lt', 'nx'], { error: 'ERR NX and XX, GT or LT options at the same time are not compatible' }],
];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

for (const shards of [1, 2, 3]) {
  describe(`expiry commands --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);
    flushBeforeEach(client);

    it('answers every command and its errors as Redis does', async () => {
      await runSteps(client, EXPIRE_STEPS);
    });

    it('keeps expiry times up to the int64 limit exactly as given', async () => {
      const exact = ioredis(server, { stringNumbers: true });
      try {
        await exact.set('a', 'v');
        expect(await exact.pexpireat('a', '9223372036854770000')).toBe('1');
        expect(await exact.pexpiretime('a')).toBe('9223372036854770000');
        await exact.set('b', 'v');
        expect(await exact.expireat('b', '99999999999999')).toBe('1');
        expect(await exact.pexpiretime('b')).toBe('99999999999999000');
        // Past 2^53 ms every digit stays: GETEX, SET's PXAT and KEEPTTL, GT and LT one ms apart.
        expect(await exact.getex('a', 'PXAT', '9223372036854775807')).toBe('v');
        expect(await exact.pexpiretime('a')).toBe('9223372036854775807');
        expect(await exact.expiretime('a')).toBe('9223372036854776');
        const pttl = BigInt(await exact.pttl('a'));
        const now = BigInt(Date.now());
        expect(9223372036854775807n - now - pttl).toBeLessThan(5000n);
        expect(9223372036854775807n - now - pttl).toBeGreaterThan(-5000n);
        expect(await exact.set('a', 'w', 'KEEPTTL')).toBe('OK');
        expect(await exact.pexpiretime('a')).toBe('9223372036854775807');
        expect(await exact.set('b', 'v', 'PXAT', '9007199254740993')).toBe('OK');
        expect(await exact.pexpiretime('b')).toBe('9007199254740993');
        expect(await exact.pexpireat('b', '9007199254740994', 'GT')).toBe('1');
        expect(await exact.pexpireat('b', '9007199254740994', 'GT')).toBe('0');
        expect(await exact.pexpireat('b', '9007199254740993', 'LT')).toBe('1');
        expect(await exact.pexpiretime('b')).toBe('9007199254740993');
        // The exact time travels with the key to another shard.
        for (const target of keysOnEveryShard('moved', shards, 1)) {
          expect(await exact.copy('b', target)).toBe('1');
          expect(await exact.pexpiretime(target)).toBe('9007199254740993');
          expect(await exact.rename(target, `${target}:renamed`)).toBe('OK');
          expect(await exact.pexpiretime(`${target}:renamed`)).toBe('9007199254740993');
        }
      } finally {
        exact.disconnect();
      }
    });

    it('rounds TTL and EXPIRETIME to the nearest second, as Redis does', async () => {
      await client.set('a', 'v');
      const ttls: number[] = [];
      for (const ms of [400, 700, 1400, 2700]) {
        await client.pexpire('a', ms);
        ttls.push(await client.ttl('a'));
      }
      expect(ttls).toEqual([0, 1, 1, 3]);
      const pttl = await client.pttl('a');
      expect(pttl).toBeGreaterThan(2500);
      expect(pttl).toBeLessThanOrEqual(2700);
      await client.pexpireat('a', 4102444800499);
      expect(await client.expiretime('a')).toBe(4102444800);
      await client.pexpireat('a', 4102444800500);
      expect(await client.expiretime('a')).toBe(4102444801);
      expect(await client.pexpiretime('a')).toBe(4102444800500);
    });

    it('sets, reads and removes expiries on keys of every shard and database', async () => {
      const keys = keysOnEveryShard('ttl:', shards, 2);
      await client.mset(...keys.flatMap((key) => [key, 'v']));
      for (const key of keys) expect(await client.expire(key, 100)).toBe(1);
      for (const key of keys) expect(await client.ttl(key)).toBe(100);
      for (const key of keys) expect(await client.persist(key)).toBe(1);
      for (const key of keys) expect(await client.ttl(key)).toBe(-1);
      await client.select(5);
      for (const key of keys) expect(await client.expire(key, 100)).toBe(0);
      await client.set(keys[0], 'v');
      expect(await client.pexpire(keys[0], 50000, 'NX')).toBe(1);
      expect(await client.ttl(keys[0])).toBe(50);
      await client.select(0);
      expect(await client.ttl(keys[0])).toBe(-1);
    });

    it('makes a key vanish on read once its time has passed (lazy expiry)', async () => {
      await client.call('CONFIG', 'RESETSTAT');
      const keys = keysOnEveryShard('lazy:', shards, 1);
      for (const key of keys) await client.set(key, 'v', 'PX', 30);
      await sleep(60);
      for (const key of keys) {
        expect(await client.get(key)).toBeNull();
        expect(await client.exists(key)).toBe(0);
        expect(await client.ttl(key)).toBe(-2);
        expect(await client.expire(key, 10)).toBe(0);
      }
      expect(infoField(await client.info('stats'), 'expired_keys')).toBe(keys.length);
    });

    it('deletes 10,000 keys with a 100 ms TTL without reading them, and only those', async () => {
      const pipeline = client.pipeline();
      for (let i = 0; i < 10_000; i++) pipeline.set(`vanish:${i}`, 'v', 'PX', 100);
      for (let i = 0; i < 100; i++) pipeline.set(`stay:${i}`, 'v');
      for (let i = 0; i < 100; i++) pipeline.set(`later:${i}`, 'v', 'EX', 1000);
      await pipeline.exec();
      const deadline = Date.now() + 10_000;
      let size = await client.dbsize();
      while (size > 200 && Date.now() < deadline) {
        await sleep(50);
        size = await client.dbsize();
      }
      expect(size).toBe(200);
      expect(infoField(await client.info('stats'), 'expired_keys')).toBeGreaterThanOrEqual(10_000);
    });

    it('answers RESP3 clients with the same integers (node-redis)', async () => {
      const resp3 = await connectResp3(server);
      try {
        expect(await resp3.ttl('a')).toBe(-2);
        await resp3.set('a', 'v');
        expect(await resp3.expire('a', 100, 'GT')).toBe(0);
        expect(await resp3.expire('a', 100, 'NX')).toBe(1);
        expect(await resp3.expireTime('a')).toBeGreaterThan(Date.now() / 1000);
        expect(await resp3.persist('a')).toBe(1);
        expect(await resp3.pTTL('a')).toBe(-1);
        expect(await resp3.pExpire('a', -1)).toBe(1);
        expect(await resp3.exists('a')).toBe(0);
      } finally {
        await resp3.quit();
      }
    });
  });
}
