// The keyspace in shared memory, seen from a client: many keys through the
// index's growth, values of every size (inline, in a blob, in a segment of
// their own) and how they change size, SCAN's guarantee while the table
// grows, and the whole-database commands.

import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { flushBeforeEach, useClient } from './helpers/clients.ts';
import { runSession } from './helpers/recorded-sessions.ts';
import { RawSession, resp, respCommands } from './helpers/raw-client.ts';

for (const shards of [1, 2]) {
  describe(`the keyspace (--shards ${shards})`, () => {
    const server = useServer({ shards });
    const client = useClient(server);
    flushBeforeEach(client);

    it('keeps 200,000 keys through the index growing, and deleting half leaves the other half intact', async () => {
      const count = 200_000;
      for (let start = 0; start < count; start += 10_000) {
        const pipeline = client.pipeline();
        for (let i = start; i < start + 10_000; i++) pipeline.set(`key:${i}`, `value:${i}`);
        await pipeline.exec();
      }
      expect(await client.dbsize()).toBe(count);
      const sample = Array.from({ length: 500 }, (_, i) => i * 397);
      expect(await client.mget(sample.map((i) => `key:${i}`))).toEqual(sample.map((i) => `value:${i}`));
      const pipeline = client.pipeline();
      for (let i = 0; i < count; i += 2) pipeline.del(`key:${i}`);
      await pipeline.exec();
      expect(await client.dbsize()).toBe(count / 2);
      expect(await client.mget(sample.map((i) => `key:${i}`))).toEqual(sample.map((i) => (i % 2 === 0 ? null : `value:${i}`)));
      expect(await client.exists('key:199999', 'key:199998')).toBe(1);
    });

    it('SCAN returns every key that was there for the whole scan, each once, while new keys keep growing the table', async () => {
      const initial = 20_000;
      const pipeline = client.pipeline();
      for (let i = 0; i < initial; i++) pipeline.set(`old:${i}`, 'v');
      await pipeline.exec();
      const seen = new Map<string, number>();
      let cursor = '0';
      let added = 0;
      do {
        const [next, keys] = await client.scan(cursor, 'COUNT', 100);
        for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
        cursor = next;
        // Between calls, more keys arrive (the index grows and migrates under the cursor).
        const more = client.pipeline();
        for (let i = 0; i < 30; i++) more.set(`new:${added++}`, 'v');
        await more.exec();
      } while (cursor !== '0');
      expect(added).toBeGreaterThan(5000);
      for (let i = 0; i < initial; i++) expect(seen.get(`old:${i}`), `old:${i}`).toBe(1);
      expect([...seen.values()].every((times) => times === 1)).toBe(true);
    });

    it('SCAN in a pipeline sees the writes before it and none of those after it, as Redis', async () => {
      // Recorded from stock redis-server 7.0.15. scanned:0 and scanned:1 live on the second of two shards,
      // which SCAN reaches after the first: a DEL or MSET sent after it must not get there before it.
      const session = {
        name: 'scan pipelined with writes',
        commands: [['set', 'scanned:2', 'a'], ['set', 'scanned:0', 'b'], ['scan', '0', 'count', '100', 'match', 'scanned:0'], ['del', 'scanned:0'], ['scan', '0'], ['mset', 'scanned:1', 'c'], ['scan', '0', 'match', 'scanned:1']],
        reply: '+OK\r\n+OK\r\n+OK\r\n*2\r\n$1\r\n0\r\n*1\r\n$9\r\nscanned:0\r\n:1\r\n*2\r\n$1\r\n0\r\n*1\r\n$9\r\nscanned:2\r\n+OK\r\n*2\r\n$1\r\n0\r\n*1\r\n$9\r\nscanned:1\r\n',
      };
      expect(await runSession(server.port, session)).toBe(session.reply);
    });

    it("SCAN pipelined after a DEL over shards that waits behind another client's KEYS sees the keys deleted", async () => {
      // KEYS locks every shard: the DEL waits for it, and SCAN, sent after the DEL, must wait too (stock Redis: always empty).
      const [other, session] = [new RawSession(server.port), new RawSession(server.port)];
      let stop = false;
      const load = (async () => {
        while (!stop) await other.send(resp('KEYS', 'nomatch').repeat(20), 20);
      })();
      const replies: string[] = [];
      for (let i = 0; i < 50; i++) {
        const reply = await session.send(respCommands(['SET', 'k6', 'x'], ['SET', 'k1', 'v'], ['SET', '{t}c', 'a'], ['DEL', 'k6', 'k1', '{t}c'], ['SCAN', '0']), 5);
        replies.push(reply.slice(reply.lastIndexOf('*2\r\n')));
      }
      stop = true;
      await load;
      other.close();
      session.close();
      expect(new Set(replies)).toEqual(new Set(['*2\r\n$1\r\n0\r\n*0\r\n']));
    });

    it('stores values of every size and lets them grow and shrink in place', async () => {
      const sizes = [0, 1, 15, 100, 470, 480, 600, 5000, 70_000, 1_100_000, 3 * 1024 * 1024];
      for (const size of sizes) {
        const value = Buffer.alloc(size, size % 251);
        await client.set(`sized:${size}`, value);
        expect((await client.getBuffer(`sized:${size}`))?.equals(value), `size ${size}`).toBe(true);
      }
      // Overwrites that cross from inline to blob and back, keeping the TTL rules of SET.
      await client.set('shape', 'a'.repeat(10), 'EX', 100);
      for (const size of [2000, 5, 2_000_000, 300, 0, 40]) {
        await client.set('shape', 'b'.repeat(size), 'KEEPTTL');
        expect(await client.strlen('shape')).toBe(size);
        expect(await client.get('shape')).toBe('b'.repeat(size));
      }
      expect(await client.ttl('shape')).toBeGreaterThan(90);
    });

    it('APPEND grows a value from a few bytes to a megabyte, and SETRANGE pads with zeros', async () => {
      const piece = 'abcdefghij'.repeat(100);
      let expected = '';
      for (let i = 0; i < 1000; i++) {
        expected += piece;
        expect(await client.append('log', piece)).toBe(expected.length);
      }
      expect(await client.get('log')).toBe(expected);
      expect(await client.getrange('log', 999_990, -1)).toBe('abcdefghij');
      expect(await client.setrange('sparse', 10, 'xy')).toBe(12);
      expect(await client.getBuffer('sparse')).toEqual(Buffer.concat([Buffer.alloc(10), Buffer.from('xy')]));
      expect(await client.setrange('sparse', 2000, 'z')).toBe(2001);
      expect(await client.getrange('sparse', 1999, -1)).toBe('\0z');
      expect(await client.incrby('counter', 5)).toBe(5);
      expect(await client.incrbyfloat('counter', 0.5)).toBe('5.5');
    });

    it('FLUSHDB empties one database, FLUSHALL all, and the memory is reused after', async () => {
      await client.set('in0', 'a');
      await client.select(3);
      await client.set('in3', 'b', 'EX', 100);
      await client.select(0);
      await client.flushdb();
      expect(await client.get('in0')).toBe(null);
      await client.select(3);
      expect(await client.get('in3')).toBe('b');
      await client.flushall();
      expect(await client.dbsize()).toBe(0);
      await client.set('again', 'c', 'PX', 50_000);
      expect(await client.get('again')).toBe('c');
      expect(await client.pttl('again')).toBeGreaterThan(40_000);
      await client.select(0);
    });

    it('SWAPDB and MOVE carry keys, TTLs and SCAN over to the other database', async () => {
      await client.set('moving', 'm', 'EX', 500);
      expect(await client.move('moving', 5)).toBe(1);
      await client.select(5);
      expect(await client.get('moving')).toBe('m');
      expect(await client.ttl('moving')).toBeGreaterThan(400);
      await client.swapdb(5, 6);
      expect(await client.get('moving')).toBe(null);
      await client.select(6);
      expect(await client.scan('0', 'COUNT', 1000)).toEqual(['0', ['moving']]);
      expect(await client.ttl('moving')).toBeGreaterThan(400);
      await client.select(0);
    });

    it('RENAME and COPY move big values and their TTLs', async () => {
      const big = 'q'.repeat(2_500_000);
      await client.set('big:{x}', big, 'EX', 300);
      expect(await client.copy('big:{x}', 'copy:{x}')).toBe(1);
      await client.rename('big:{x}', 'renamed:{y}');
      expect(await client.get('renamed:{y}')).toBe(big);
      expect(await client.get('copy:{x}')).toBe(big);
      expect(await client.ttl('renamed:{y}')).toBeGreaterThan(290);
      expect(await client.exists('big:{x}')).toBe(0);
    });
  });
}
