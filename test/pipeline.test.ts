// Pipelines and hops between shards: replies leave in request order whatever
// shard computed them, values bigger than a ring (1 MiB) cross intact, and
// many clients at once are each answered in their own order.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { useServer } from './helpers/server.ts';
import { connectResp3, ioredis, useClient } from './helpers/clients.ts';
import { keysOnShard } from './helpers/raw-client.ts';

/** `perShard` keys on each shard, interleaved: consecutive keys live on different shards. */
function keysOnEveryShard(prefix: string, shards: number, perShard: number): string[] {
  const byShard = Array.from({ length: shards }, (_, shard) => keysOnShard(`${prefix}${shard}:`, shard, shards, perShard));
  const keys: string[] = [];
  for (let i = 0; i < perShard; i++) for (const group of byShard) keys.push(group[i]);
  return keys;
}

/** A value whose bytes depend on its size and a seed, so a mix-up shows. */
function patterned(size: number, seed: number): Buffer {
  const value = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) value[i] = (i * 31 + seed) & 0xff;
  return value;
}

function runRedisCliPipe(port: number, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', () => resolve(output));
    child.stdin.end(input);
  });
}

for (const shards of [1, 2, 4]) {
  describe(`pipelines --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);

    it('answers a pipeline of 10,000 commands over keys on all shards in order', async () => {
      const keys = keysOnEveryShard('p10k:', shards, 16);
      const counters = keysOnEveryShard('p10k:n:', shards, 4);
      const strings = new Map<string, string>();
      const numbers = new Map<string, number>();
      const pipeline = client.pipeline();
      const expected: unknown[] = [];
      for (let i = 0; i < 10000; i++) {
        const key = keys[i % keys.length];
        const other = keys[(i * 7 + 3) % keys.length];
        const counter = counters[i % counters.length];
        switch (i % 5) {
          case 0:
            pipeline.set(key, `v${i}`);
            strings.set(key, `v${i}`);
            expected.push('OK');
            break;
          case 1:
            pipeline.get(key);
            expected.push(strings.get(key) ?? null);
            break;
          case 2:
            pipeline.incr(counter);
            numbers.set(counter, (numbers.get(counter) ?? 0) + 1);
            expected.push(numbers.get(counter));
            break;
          case 3:
            pipeline.mget(key, other, counter, 'p10k:missing');
            expected.push([strings.get(key) ?? null, strings.get(other) ?? null, String(numbers.get(counter) ?? '') || null, null]);
            break;
          default:
            pipeline.del(other, `p10k:absent:${i}`, counter);
            expected.push((strings.delete(other) ? 1 : 0) + (numbers.delete(counter) ? 1 : 0));
        }
      }
      const replies = await pipeline.exec();
      expect(replies).toHaveLength(10000);
      expect(replies?.map(([error, value]) => error?.message ?? value)).toEqual(expected);
    });

    it('answers node-redis (RESP3) commands sent in one tick in order', async () => {
      const resp3 = await connectResp3(server);
      const keys = keysOnEveryShard('r3:', shards, 25);
      const writes = keys.map((key, i) => resp3.set(key, `value ${i}`));
      const reads = keys.map((key) => resp3.get(key));
      const all = await Promise.all([...writes, ...reads, resp3.mGet(keys)]);
      expect(all.slice(0, keys.length)).toEqual(keys.map(() => 'OK'));
      expect(all.slice(keys.length, 2 * keys.length)).toEqual(keys.map((_, i) => `value ${i}`));
      expect(all[2 * keys.length]).toEqual(keys.map((_, i) => `value ${i}`));
      await resp3.quit();
    });

    it('answers 50 clients pipelining at once, each in its own order', async () => {
      const clients = Array.from({ length: 50 }, () => ioredis(server));
      const keys = keysOnEveryShard('many:', shards, 8);
      await Promise.all(
        clients.map(async (each, c) => {
          for (let round = 0; round < 10; round++) {
            const pipeline = each.pipeline();
            for (const key of keys) pipeline.set(`${key}:${c}`, `${c}:${round}`).get(`${key}:${c}`).incr(`many:count:${c}`);
            const replies = await pipeline.exec();
            const got = replies?.filter((_, i) => i % 3 === 1).map(([, value]) => value);
            expect(got).toEqual(keys.map(() => `${c}:${round}`));
            expect(replies?.[replies.length - 1][1]).toBe((round + 1) * keys.length);
          }
        }),
      );
      for (const each of clients) each.disconnect();
    });

    it('takes a mass insertion from redis-cli --pipe', async () => {
      let input = '';
      for (let i = 0; i < 20000; i++) input += `*3\r\n$3\r\nSET\r\n$${`pipe:${i}`.length}\r\npipe:${i}\r\n$${String(i).length}\r\n${i}\r\n`;
      const output = await runRedisCliPipe(server.port, input);
      expect(output).toContain('errors: 0, replies: 20000');
      expect(await client.mget('pipe:0', 'pipe:12345', 'pipe:19999')).toEqual(['0', '12345', '19999']);
    });
  });
}

for (const shards of [1, 2]) {
  describe(`values bigger than a ring --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);

    for (const [label, size] of [['1 KB', 1024], ['100 KB', 100 * 1024], ['20 MB', 20 * 1024 * 1024]] as const) {
      it(`stores and returns ${label} values on every shard, alone, pipelined and through MGET`, async () => {
        const keys = keysOnEveryShard(`big${size}:`, shards, 2);
        const values = keys.map((_, i) => patterned(size, i));
        for (let i = 0; i < keys.length; i++) {
          expect(await client.set(keys[i], values[i])).toBe('OK');
          expect((await client.getBuffer(keys[i]))?.equals(values[i])).toBe(true);
        }
        const pipeline = client.pipeline();
        for (let i = 0; i < keys.length; i++) pipeline.set(keys[i], values[keys.length - 1 - i]);
        for (const key of keys) pipeline.getBuffer(key);
        const replies = (await pipeline.exec()) ?? [];
        for (let i = 0; i < keys.length; i++) {
          expect(replies[i][1]).toBe('OK');
          expect((replies[keys.length + i][1] as Buffer).equals(values[keys.length - 1 - i])).toBe(true);
        }
        const all = await client.mgetBuffer(...keys, 'big:missing');
        expect(all).toHaveLength(keys.length + 1);
        expect(all[keys.length]).toBeNull();
        for (let i = 0; i < keys.length; i++) expect(all[i]?.equals(values[keys.length - 1 - i])).toBe(true);
        expect(await client.del(...keys)).toBe(keys.length);
      }, 60000);
    }
  });
}
