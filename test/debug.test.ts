// DEBUG against a real server. Digests, DEBUG OBJECT fields, PROTOCOL replies
// and error strings were read from stock redis-server 7.0.15 with the same
// commands (keys "a" and "b" are on different shards with 2 shards).

import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { errorOf, ioredis, useClient } from './helpers/clients.ts';
import { exchange, resp } from './helpers/raw-client.ts';

const NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, ' +
  'otherwise you need to set this option in the configuration file, and then restart the server.';

describe('DEBUG disabled (the default)', () => {
  const server = useServer({ shards: 2 });

  it('answers the not-allowed error', async () => {
    const client = ioredis(server);
    expect(await errorOf(client.call('debug', 'help'))).toBe(NOT_ALLOWED);
    expect(await errorOf(client.call('debug', 'log', 'x'))).toBe(NOT_ALLOWED);
    client.disconnect();
  });
});

for (const shards of [1, 2]) {
  describe(`DEBUG enabled --shards ${shards}`, () => {
    const server = useServer({ shards, args: ['--enable-debug-command', 'local'] });
    const client = useClient(server);

    it('DIGEST and DIGEST-VALUE match stock Redis, keys across shards', async () => {
      await client.flushall();
      expect(await client.call('debug', 'digest')).toBe('0000000000000000000000000000000000000000');
      await client.set('k', '123456789012');
      expect(await client.call('debug', 'digest-value', 'k')).toEqual(['116773326adc5913f9494119af445137dfd552e7']);
      expect(await client.call('debug', 'digest')).toBe('8db17750814b0b95417d74adc0f1e9b0f3367ef8');
      await client.set('a', '1');
      await client.set('b', '2');
      expect(await client.call('debug', 'digest')).toBe('5a7ea5075abbd299073758e42472f36c8e9ff4f6');
      expect(await client.call('debug', 'digest-value', 'a', 'b', 'k', 'nokey')).toEqual([
        'b4fc66738120fba0b5aa500ab5c2bf89cea1c5da',
        'cb2b309083384387caadb54216221e7712e7a5c9',
        '116773326adc5913f9494119af445137dfd552e7',
        '0000000000000000000000000000000000000000',
      ]);
      await client.expire('a', 100);
      expect(await client.call('debug', 'digest')).toBe('c22b9ecb789587136aece382b1f45f04a5f47f98');
      expect(await client.call('debug', 'digest-value', 'a')).toEqual(['5279988c5d1911f474bcbbf2f0a87012d40f8459']);
    });

    it('DIGEST mixes in each non-empty database', async () => {
      await client.flushall();
      await client.set('a', '1');
      await client.select(5);
      await client.set('b', '2');
      await client.set('a', '3');
      await client.select(0);
      expect(await client.call('debug', 'digest')).toBe('a3e4b2ba1582b58a6c23128b9677704b972f4c27');
    });

    it('OBJECT reports encoding, refcount and serialized length as Redis', async () => {
      const cases: [string, string][] = [
        ['1', 'refcount:2147483647 encoding:int serializedlength:2'],
        ['-200', 'refcount:1 encoding:int serializedlength:3'],
        ['70000', 'refcount:1 encoding:int serializedlength:5'],
        ['abc', 'refcount:1 encoding:embstr serializedlength:4'],
        ['01', 'refcount:1 encoding:embstr serializedlength:3'],
        ['123456789012', 'refcount:1 encoding:int serializedlength:13'],
      ];
      for (const [value, fields] of cases) {
        await client.set('b', value);
        const line = (await client.call('debug', 'object', 'b')) as string;
        // The LRU clock ticks in whole seconds: a tick between the SET and DEBUG OBJECT shows 1 s idle, in Redis too.
        expect(line).toMatch(/^Value at:0x[0-9a-f]+ refcount:\d+ encoding:\w+ serializedlength:\d+ lru:\d+ lru_seconds_idle:[01]$/);
        expect(line.split(' ').slice(2, 5).join(' ')).toBe(fields);
      }
      expect(await errorOf(client.call('debug', 'object', 'nokey'))).toBe('ERR no such key');
    });

    it('the value keeps its address while INCR changes it in place', async () => {
      await client.set('a', '20000');
      const before = ((await client.call('debug', 'object', 'a')) as string).split(' ')[1];
      await client.incr('a');
      expect(((await client.call('debug', 'object', 'a')) as string).split(' ')[1]).toBe(before);
    });

    it('SET-ACTIVE-EXPIRE 0 leaves expired keys in memory until touched', async () => {
      await client.flushall();
      expect(await client.call('debug', 'set-active-expire', '0')).toBe('OK');
      await client.set('a', 'x', 'PX', 1);
      await client.set('b', 'x', 'PX', 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await client.dbsize()).toBe(2);
      expect(await client.call('debug', 'set-active-expire', '1')).toBe('OK');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await client.dbsize()).toBe(0);
    });

    it('QUICKLIST-PACKED-THRESHOLD gives large elements nodes of their own on every shard, and refuses what Redis refuses', async () => {
      await client.flushall();
      const usage = async (key: string): Promise<number> => Number(await client.call('memory', 'usage', key, 'samples', '0'));
      await client.rpush('packed-a', 'xxxxxxxxxx', 'yyyyyyyyyy', 'zzzzzzzzzz');
      await client.rpush('packed-b', 'xxxxxxxxxx', 'yyyyyyyyyy', 'zzzzzzzzzz');
      try {
        expect(await client.call('debug', 'quicklist-packed-threshold', '1b')).toBe('OK');
        // "a" and "b" are on different shards: both hold one node per element now.
        for (const key of ['a', 'b']) {
          await client.rpush(key, 'xxxxxxxxxx', 'yyyyyyyyyy', 'zzzzzzzzzz');
          expect(await client.lrange(key, 0, -1)).toEqual(['xxxxxxxxxx', 'yyyyyyyyyy', 'zzzzzzzzzz']);
          expect(await usage(key)).toBeGreaterThan(await usage(`packed-${key}`));
          expect(await client.linsert(key, 'AFTER', 'xxxxxxxxxx', '')).toBe(4);
          expect(await client.lset(key, 0, 'w')).toBe('OK');
          expect(await client.lrange(key, 0, -1)).toEqual(['w', '', 'yyyyyyyyyy', 'zzzzzzzzzz']);
        }
        // Redis's memtoull units, its limit of 4 GB less 1 MB, and 0 for the default.
        for (const size of ['5', '5B', '1kb', '2M', '4095mb', '', 'gb', '0']) expect(await client.call('debug', 'quicklist-packed-threshold', size)).toBe('OK');
        for (const size of ['4gb', '4293918721', '-1', '+1', ' 1', '1.5', '0x10', '1 b', '99999999999999999999']) {
          expect(await errorOf(client.call('debug', 'quicklist-packed-threshold', size))).toBe('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
        }
        expect(await errorOf(client.call('debug', 'quicklist-packed-threshold'))).toBe(
          "ERR unknown subcommand or wrong number of arguments for 'quicklist-packed-threshold'. Try DEBUG HELP.",
        );
      } finally {
        await client.call('debug', 'quicklist-packed-threshold', '0');
      }
      await client.rpush('c', 'xxxxxxxxxx', 'yyyyyyyyyy', 'zzzzzzzzzz');
      expect(await usage('c')).toBe(await usage('packed-a'));
      expect((await client.call('debug', 'help')) as string[]).toContain('QUICKLIST-PACKED-THRESHOLD <size>');
    });

    it('LOG, SLEEP, HELP, and the errors', async () => {
      expect(await client.call('debug', 'log', 'hello')).toBe('OK');
      const started = Date.now();
      expect(await client.call('debug', 'sleep', '0.2')).toBe('OK');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(await client.call('debug', 'sleep', '0')).toBe('OK');
      const help = (await client.call('debug', 'help')) as string[];
      expect(help[0]).toBe('DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      expect(help.at(-2)).toBe('HELP');
      expect(await errorOf(client.call('debug', 'foo'))).toBe("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.");
      expect(await errorOf(client.call('debug', 'log'))).toBe("ERR unknown subcommand or wrong number of arguments for 'log'. Try DEBUG HELP.");
      expect(await errorOf(client.call('debug'))).toBe("ERR wrong number of arguments for 'debug' command");
      // With appendonly no there is no AOF to load back (test/aof.test.ts loads one).
      expect(await errorOf(client.call('debug', 'loadaof'))).toBe('ERR');
      expect(await errorOf(client.call('debug', 'protocol', 'nope'))).toBe(
        'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
    });

    it("SCHEDULER counts the shards' lock tables: transactions while MSETs over shards run, nothing once they are done", async () => {
      const counts = async (): Promise<Record<string, number>> => {
        const reply = (await client.call('debug', 'scheduler')) as (string | number)[];
        const fields: Record<string, number> = {};
        for (let i = 0; i < reply.length; i += 2) fields[String(reply[i])] = Number(reply[i + 1]);
        return fields;
      };
      const idle = { transactions: 0, 'lock-holders': 0, 'locked-keys': 0, 'fast-path-waiting': 0 };
      expect(await counts()).toEqual(idle);
      const writers = Array.from({ length: 8 }, () => ioredis(server));
      let seenBusy = false;
      const load = Promise.all(
        writers.map(async (writer) => {
          for (let round = 0; round < 20; round++) {
            const pipeline = writer.pipeline();
            for (let i = 0; i < 50; i++) pipeline.mset('a', String(i), 'b', String(i), 'c', String(i));
            await pipeline.exec();
          }
        }),
      );
      let done = false;
      void load.then(() => (done = true));
      while (!done) if ((await counts()).transactions > 0) seenBusy = true;
      await load;
      for (const writer of writers) writer.disconnect();
      // One shard: MSET never needs a transaction there.
      expect(seenBusy).toBe(shards > 1);
      expect(await counts()).toEqual(idle);
      expect(await errorOf(client.call('debug', 'scheduler', 'x'))).toBe("ERR unknown subcommand or wrong number of arguments for 'scheduler'. Try DEBUG HELP.");
    });

    it('PROTOCOL replies every RESP type, in RESP2 and RESP3', async () => {
      const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'true', 'false', 'verbatim', 'push'];
      const commands = types.map((type) => resp('DEBUG', 'PROTOCOL', type)).join('');
      const resp2 = (await exchange(server.port, [commands + resp('QUIT')])).reply;
      expect(resp2).toBe(
        '$11\r\nHello World\r\n:12345\r\n$5\r\n3.141\r\n$37\r\n1234567999999999999999999999999999999\r\n$-1\r\n*3\r\n:0\r\n:1\r\n:2\r\n' +
          '*3\r\n:0\r\n:1\r\n:2\r\n*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n$39\r\nSome real reply following the attribute\r\n:1\r\n:0\r\n' +
          '$25\r\nThis is a verbatim\nstring\r\n-ERR RESP2 is not supported by this command\r\n+OK\r\n',
      );
      const resp3 = (await exchange(server.port, [resp('HELLO', '3') + commands + resp('QUIT')])).reply;
      expect(resp3.slice(resp3.indexOf('$11\r\nHello World'))).toBe(
        '$11\r\nHello World\r\n:12345\r\n,3.141\r\n(1234567999999999999999999999999999999\r\n_\r\n*3\r\n:0\r\n:1\r\n:2\r\n' +
          '~3\r\n:0\r\n:1\r\n:2\r\n%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n' +
          '$39\r\nSome real reply following the attribute\r\n#t\r\n#f\r\n=29\r\ntxt:This is a verbatim\nstring\r\n' +
          '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n+OK\r\n',
      );
    });
  });
}
