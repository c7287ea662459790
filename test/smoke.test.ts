// The server answers real clients over real TCP, on one and on several shards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type TestServer } from './helpers/server.ts';

for (const shards of [1, 2]) {
  describe(`smoke --shards ${shards}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ shards });
    });
    afterAll(async () => {
      await server.stop();
    });

    it('answers ioredis', async () => {
      const client = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      expect(await client.set('smoke:a', 'x')).toBe('OK');
      expect(await client.get('smoke:a')).toBe('x');
      client.disconnect();
    });

    it('answers node-redis over RESP3', async () => {
      const client = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP: 3 });
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      await client.set('smoke:b', 'y');
      expect(await client.get('smoke:b')).toBe('y');
      expect(await client.get('smoke:missing')).toBeNull();
      await client.quit();
    });

    it('answers redis-cli', async () => {
      expect((await server.cli('ping')).trim()).toBe('PONG');
      expect((await server.cli('echo', 'hello world')).trim()).toBe('hello world');
    });

    it('reports its shards in INFO server', async () => {
      const info = await server.cli('info', 'server');
      expect(info).toContain(`shards:${shards}`);
      for (let shard = 0; shard < shards; shard++) expect(info).toMatch(new RegExp(`shard${shard}:thread_id=\\d+`));
    });
  });
}
