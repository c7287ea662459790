// The server answers real clients over real TCP, on one and on several shards.
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { connectIoredis, connectResp3 } from './helpers/clients.ts';

for (const shards of [1, 2]) {
  describe(`smoke --shards ${shards}`, () => {
    const server = useServer({ shards });

    it('answers ioredis', async () => {
      const client = await connectIoredis(server);
      expect(await client.ping()).toBe('PONG');
      expect(await client.set('smoke:a', 'x')).toBe('OK');
      expect(await client.get('smoke:a')).toBe('x');
      client.disconnect();
    });

    it('answers node-redis over RESP3', async () => {
      const client = await connectResp3(server);
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
