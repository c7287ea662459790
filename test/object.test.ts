// OBJECT and FUNCTION against a real server. Expected replies and errors
// were read from stock redis-server 7.0.15 with the same commands.

import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { errorOf, useClient } from './helpers/clients.ts';

const LFU_NOTE = 'Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

for (const shards of [1, 2]) {
  describe(`OBJECT and FUNCTION --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);

    it('OBJECT ENCODING and REFCOUNT of strings; nil for a missing key', async () => {
      const cases: [string, string, number][] = [
        ['1', 'int', 2147483647],
        ['9999', 'int', 2147483647],
        ['10000', 'int', 1],
        ['-1', 'int', 1],
        ['abc', 'embstr', 1],
        ['01', 'embstr', 1],
        ['a'.repeat(44), 'embstr', 1],
        ['a'.repeat(45), 'raw', 1],
      ];
      for (const key of ['a', 'b']) {
        for (const [value, encoding, refcount] of cases) {
          await client.set(key, value);
          expect(await client.call('object', 'encoding', key)).toBe(encoding);
          expect(await client.call('object', 'refcount', key)).toBe(refcount);
        }
      }
      expect(await client.call('object', 'encoding', 'nokey')).toBeNull();
      expect(await client.call('object', 'refcount', 'nokey')).toBeNull();
      expect(await client.call('object', 'idletime', 'nokey')).toBeNull();
    });

    it('INCR leaves shared integers only in 0..9999', async () => {
      await client.set('a', '-1');
      await client.incr('a');
      expect(await client.call('object', 'refcount', 'a')).toBe(2147483647);
      await client.set('a', '9999');
      await client.incr('a');
      expect(await client.call('object', 'refcount', 'a')).toBe(1);
    });

    it('OBJECT IDLETIME counts from the last access; OBJECT itself does not touch', async () => {
      await client.set('a', 'x');
      expect(await client.call('object', 'idletime', 'a')).toBe(0);
      await client.config('SET', 'maxmemory-policy', 'allkeys-lfu');
      expect(await errorOf(client.call('object', 'idletime', 'a'))).toBe(`ERR An LFU maxmemory policy is selected, idle time not tracked. ${LFU_NOTE}`);
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      expect(await errorOf(client.call('object', 'freq', 'a'))).toBe(`ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${LFU_NOTE}`);
      expect(await client.call('object', 'freq', 'nokey')).toBeNull();
    });

    it('OBJECT errors and HELP', async () => {
      expect(await errorOf(client.call('object', 'foo', 'a'))).toBe("ERR unknown subcommand 'foo'. Try OBJECT HELP.");
      expect(await errorOf(client.call('object', 'encoding'))).toBe("ERR wrong number of arguments for 'object|encoding' command");
      expect(await errorOf(client.call('object'))).toBe("ERR wrong number of arguments for 'object' command");
      const help = (await client.call('object', 'help')) as string[];
      expect(help[0]).toBe('OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      expect(help.at(-2)).toBe('HELP');
    });

    it('FUNCTION FLUSH, LIST and HELP, with their errors', async () => {
      expect(await client.call('function', 'flush')).toBe('OK');
      expect(await client.call('function', 'flush', 'ASYNC')).toBe('OK');
      expect(await client.call('function', 'flush', 'sync')).toBe('OK');
      expect(await errorOf(client.call('function', 'flush', 'x'))).toBe('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
      expect(await errorOf(client.call('function', 'flush', 'a', 'b'))).toBe("ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.");
      expect(await client.call('function', 'list')).toEqual([]);
      expect(await client.call('function', 'list', 'libraryname', 'x*', 'withcode')).toEqual([]);
      expect(await errorOf(client.call('function', 'list', 'libraryname'))).toBe('ERR library name argument was not given');
      expect(await errorOf(client.call('function', 'list', 'withcode', 'withcode'))).toBe('ERR Unknown argument withcode');
      expect(await errorOf(client.call('function', 'load', 'x'))).toBe('ERR Missing library metadata');
      expect(await errorOf(client.call('function', 'nosuch'))).toBe("ERR unknown subcommand 'nosuch'. Try FUNCTION HELP.");
      expect(((await client.call('function', 'help')) as string[])[0]).toBe('FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    });
  });
}
