// Server family against a real server: INFO, COMMAND (COUNT, LIST, INFO,
// DOCS, GETKEYS, GETKEYSANDFLAGS, HELP), TIME and SHUTDOWN.
//
// Expected replies come from stock redis-server 7.0.15: the raw byte strings
// were read from its socket with the same commands; COMMAND INFO of every
// command we implement was compared with it (arity, flags, key range, key
// specs, ACL categories), in RESP2 and RESP3. Where stock adds documentation
// text (key-spec notes, tips), we state none. COMMAND DOCS has our own
// summaries and no argument lists or history.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { startServer, useServer, type TestServer } from './helpers/server.ts';
import { connectResp3, errorOf, infoField, ioredis } from './helpers/clients.ts';
import { afterHello3, exchange, resp, respCommands } from './helpers/raw-client.ts';

/** The raw replies to `commands` (QUIT is sent last; its +OK is left out). */
async function raw(server: TestServer, ...commands: string[][]): Promise<string> {
  const { reply } = await exchange(server.port, [respCommands(...commands) + resp('QUIT')]);
  return reply.slice(0, -5);
}

/** The reply after HELLO 3's map. */
async function raw3(server: TestServer, command: string[]): Promise<string> {
  return afterHello3(await raw(server, ['HELLO', '3'], command));
}

const GET_INFO_RESP2 =
  '*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n' +
  '*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n' +
  '$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n';

// Stock Redis adds a "notes" entry (documentation text) to this key spec; we state no notes.
const SET_INFO_RESP3 =
  '*10\r\n$3\r\nset\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@write\r\n+@string\r\n+@slow\r\n~0\r\n~1\r\n%3\r\n' +
  '$5\r\nflags\r\n~4\r\n+RW\r\n+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n' +
  '%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n' +
  '%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n';

/** One key spec in RESP2: flags, begin_search by index, find_keys by range. */
function keySpecResp2(flags: string[], index: number, lastKey: number, keyStep: number): string {
  return (
    `*6\r\n$5\r\nflags\r\n*${flags.length}\r\n${flags.map((flag) => `+${flag}\r\n`).join('')}` +
    `$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:${index}\r\n` +
    `$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:${lastKey}\r\n$7\r\nkeystep\r\n:${keyStep}\r\n$5\r\nlimit\r\n:0\r\n`
  );
}

const RENAME_INFO =
  '*10\r\n$6\r\nrename\r\n:3\r\n*1\r\n+write\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*0\r\n' +
  `*2\r\n${keySpecResp2(['RW', 'access', 'delete'], 1, 0, 1)}${keySpecResp2(['OW', 'update'], 2, 0, 1)}*0\r\n`;

const MSET_INFO =
  '*10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n*0\r\n' +
  `*1\r\n${keySpecResp2(['OW', 'update'], 1, -1, 2)}*0\r\n`;

const FLUSHDB_INFO =
  '*10\r\n$7\r\nflushdb\r\n:-1\r\n*1\r\n+write\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@keyspace\r\n+@write\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n';

const COMMAND_COUNT_INFO =
  '*10\r\n$13\r\ncommand|count\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n';

// Stock Redis lists the tip "nondeterministic_output" here; we state no tips.
const CLIENT_LIST_INFO =
  '*10\r\n$11\r\nclient|list\r\n:-2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n' +
  '*0\r\n*0\r\n*0\r\n';

for (const shards of [1, 2]) {
  describe(`server commands --shards ${shards}`, () => {
    const server = useServer({ shards });

    it('COMMAND INFO in Redis 7.0 shape, RESP2 and RESP3; unknown names are nil', async () => {
      expect(await raw(server, ['COMMAND', 'INFO', 'get'])).toBe(`*1\r\n${GET_INFO_RESP2}`);
      expect(await raw(server, ['COMMAND', 'INFO', 'GET', 'nosuch', 'client|list'])).toBe(`*3\r\n${GET_INFO_RESP2}*-1\r\n${CLIENT_LIST_INFO}`);
      expect(await raw3(server, ['COMMAND', 'INFO', 'set'])).toBe(`*1\r\n${SET_INFO_RESP3}`);
      expect(await raw3(server, ['COMMAND', 'INFO', 'client|nosuch'])).toBe('*1\r\n_\r\n');
    });

    it('COMMAND INFO key specs from each command\'s key positions and key flags; ACL categories stated and implied', async () => {
      expect(await raw(server, ['COMMAND', 'INFO', 'rename', 'mset'])).toBe(`*2\r\n${RENAME_INFO}${MSET_INFO}`);
      expect(await raw(server, ['COMMAND', 'INFO', 'flushdb', 'command|count'])).toBe(`*2\r\n${FLUSHDB_INFO}${COMMAND_COUNT_INFO}`);
    });

    it('COMMAND DOCS: summary, since and group; subcommands nested', async () => {
      expect(await raw3(server, ['COMMAND', 'DOCS', 'get'])).toBe(
        '%1\r\n$3\r\nget\r\n%3\r\n$7\r\nsummary\r\n$32\r\nReads the string stored at a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n',
      );
      expect(await raw(server, ['COMMAND', 'DOCS', 'nosuch'])).toBe('*0\r\n');
      const client = ioredis(server);
      const docs = (await client.call('command', 'docs', 'client', 'get')) as unknown[];
      expect(docs[0]).toBe('client');
      const clientDocs = docs[1] as unknown[];
      expect(clientDocs.slice(0, 7)).toEqual(['summary', 'Subcommands about client connections', 'since', '2.4.0', 'group', 'connection', 'subcommands']);
      const subcommands = clientDocs[7] as unknown[];
      expect(subcommands.filter((_, i) => i % 2 === 0)).toContain('client|list');
      expect(docs[2]).toBe('get');
      client.disconnect();
    });

    it('COMMAND COUNT, LIST and its filters agree with the table', async () => {
      const client = ioredis(server);
      const count = (await client.call('command', 'count')) as number;
      const list = (await client.call('command', 'list')) as string[];
      const topLevel = list.filter((name) => !name.includes('|'));
      expect(topLevel.length).toBe(count);
      for (const name of ['get', 'set', 'client', 'client|list', 'config|get', 'command|docs', 'info', 'ping']) expect(list).toContain(name);
      expect(((await client.call('command', 'list', 'filterby', 'pattern', 'clien*')) as string[]).every((name) => name.startsWith('client'))).toBe(true);
      expect((await client.call('command', 'list', 'filterby', 'pattern', 'CLIENT|L*')) as string[]).toEqual(['client|list']);
      const strings = (await client.call('command', 'list', 'filterby', 'aclcat', 'string')) as string[];
      expect(strings).toContain('get');
      expect(strings).not.toContain('del');
      expect(await client.call('command', 'list', 'filterby', 'aclcat', 'nosuch')).toEqual([]);
      expect(await client.call('command', 'list', 'filterby', 'module', 'x')).toEqual([]);
      expect(await errorOf(client.call('command', 'list', 'filterby', 'foo', 'x'))).toBe('ERR syntax error');
      expect(await errorOf(client.call('command', 'list', 'foo'))).toBe('ERR syntax error');
      expect(await errorOf(client.call('command', 'count', 'x'))).toBe("ERR wrong number of arguments for 'command|count' command");
      expect(await errorOf(client.call('command', 'foo'))).toBe("ERR unknown subcommand 'foo'. Try COMMAND HELP.");
      const info = (await client.call('command', 'info')) as unknown[];
      expect(info.length).toBe(count);
      client.disconnect();
    });

    it('COMMAND GETKEYS and GETKEYSANDFLAGS from the key specs, with their errors', async () => {
      const client = ioredis(server);
      expect(await client.call('command', 'getkeys', 'mset', 'a', 'b', 'c', 'd')).toEqual(['a', 'c']);
      expect(await client.call('command', 'getkeys', 'del', 'a', 'b', 'c')).toEqual(['a', 'b', 'c']);
      expect(await client.call('command', 'getkeys', 'GET', 'k')).toEqual(['k']);
      expect(await client.call('command', 'getkeysandflags', 'del', 'a', 'b')).toEqual([
        ['a', ['RM', 'delete']],
        ['b', ['RM', 'delete']],
      ]);
      expect(await client.call('command', 'getkeysandflags', 'get', 'a')).toEqual([['a', ['RO', 'access']]]);
      expect(await client.call('command', 'getkeysandflags', 'rename', 'a', 'b')).toEqual([
        ['a', ['RW', 'access', 'delete']],
        ['b', ['OW', 'update']],
      ]);
      expect(await client.call('command', 'getkeysandflags', 'copy', 'a', 'b', 'replace')).toEqual([
        ['a', ['RO', 'access']],
        ['b', ['OW', 'update']],
      ]);
      expect(await errorOf(client.call('command', 'getkeys', 'foo', 'a'))).toBe('ERR Invalid command specified');
      expect(await errorOf(client.call('command', 'getkeys', 'ping', 'x'))).toBe('ERR The command has no key arguments');
      expect(await errorOf(client.call('command', 'getkeys', 'client', 'list'))).toBe('ERR The command has no key arguments');
      expect(await errorOf(client.call('command', 'getkeys', 'client', 'foo'))).toBe('ERR Invalid command specified');
      expect(await errorOf(client.call('command', 'getkeys', 'set', 'a'))).toBe('ERR Invalid number of arguments specified for command');
      expect(await errorOf(client.call('command', 'getkeys', 'mset', 'a'))).toBe('ERR Invalid number of arguments specified for command');
      expect(await errorOf(client.call('command', 'getkeys', 'get'))).toBe("ERR wrong number of arguments for 'command|getkeys' command");
      client.disconnect();
    });

    it('COMMAND HELP', async () => {
      const client = ioredis(server);
      const help = (await client.call('command', 'help')) as string[];
      client.disconnect();
      expect(help.length).toBe(21);
      expect(help[0]).toBe('COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      expect(help[1]).toBe('(no subcommand)');
      expect(help.slice(-2)).toEqual(['HELP', '    Prints this help.']);
    });

    it('redis-cli uses COMMAND DOCS for its help', async () => {
      // redis-cli colours its help; the colour codes are left out.
      const help = (await server.cli('help', 'set')).replace(/\u001b\[\d+m/g, '');
      expect(help).toContain('SET');
      expect(help).toContain('summary: Stores a string at a key, with optional expiry and conditions');
      expect(help).toContain('group: string');
    });

    it('INFO sections in Redis order, several at once, in any case; RESP3 verbatim', async () => {
      const client = ioredis(server);
      const all = (await client.info()) as string;
      const titles = [...all.matchAll(/^# (\w+)\r$/gm)].map((match) => match[1]);
      expect(titles).toEqual(['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
      const two = (await client.call('info', 'KEYSPACE', 'server')) as string;
      expect([...two.matchAll(/^# (\w+)\r$/gm)].map((match) => match[1])).toEqual(['Server', 'Keyspace']);
      expect(await client.call('info', 'foo')).toBe('');
      expect((await client.call('info', 'everything')) as string).toContain('# Keyspace\r\n');
      expect(all).toMatch(/^redis_version:7\.0\.15\r$/m);
      expect(all).toMatch(/^tcp_port:\d+\r$/m);
      expect(all).toMatch(/^used_memory:\d+\r$/m);
      expect(all).toMatch(/^instantaneous_ops_per_sec:\d+\r$/m);
      expect(all).toMatch(/^instantaneous_input_kbps:\d+\.\d\d\r$/m);
      expect(all).toMatch(/^role:master\r$/m);
      expect(all).toMatch(/^cluster_enabled:0\r$/m);
      client.disconnect();
      expect(await raw3(server, ['INFO', 'cluster'])).toBe('=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n');
      expect(await raw(server, ['INFO', 'cluster'])).toBe('$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n');
    });

    it('INFO counts clients and keys of every shard', async () => {
      const clients = await Promise.all(Array.from({ length: 5 }, () => ioredis(server)));
      await clients[0].select(4);
      await clients[0].mset('info:a', '1', 'info:b', '2', 'info:c', '3');
      await clients[0].set('info:t', 'x', 'EX', 100);
      const info = (await clients[0].info()) as string;
      expect(infoField(info, 'connected_clients')).toBeGreaterThanOrEqual(5);
      expect(info).toMatch(/^db4:keys=4,expires=1,avg_ttl=0\r$/m);
      await clients[0].flushdb();
      for (const client of clients) client.disconnect();
    });

    it('instantaneous_ops_per_sec follows the load', async () => {
      const client = ioredis(server);
      const deadline = Date.now() + 1000;
      while (Date.now() < deadline) {
        const pipeline = client.pipeline();
        for (let i = 0; i < 200; i++) pipeline.ping();
        await pipeline.exec();
      }
      const ops = infoField((await client.info('stats')) as string, 'instantaneous_ops_per_sec');
      expect(ops).toBeGreaterThan(1000);
      client.disconnect();
    });

    it('TIME replies seconds and microseconds of the wall clock', async () => {
      const client = await connectResp3(server);
      const [seconds, micros] = (await client.sendCommand(['TIME'])) as string[];
      expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(2);
      expect(Number(micros)).toBeGreaterThanOrEqual(0);
      expect(Number(micros)).toBeLessThan(1e6);
      expect(await raw(server, ['TIME', 'x'])).toBe("-ERR wrong number of arguments for 'time' command\r\n");
      client.destroy();
    });

    it('SHUTDOWN SAVE refuses to exit, keeping the data, when the snapshot cannot be written', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'threadis-shutdown-'));
      const own = await startServer({ shards, args: ['--dir', dir] });
      try {
        // A directory where the file should go: the save fails.
        mkdirSync(join(dir, 'dump.rdb'));
        expect(await raw(own, ['SET', 'kept', 'yes'], ['SHUTDOWN', 'SAVE'], ['GET', 'kept'])).toBe(
          '+OK\r\n-ERR Errors trying to SHUTDOWN. Check logs.\r\n$3\r\nyes\r\n',
        );
        // A worker's log line reaches the process's stdout a moment later.
        await vi.waitFor(() => expect(own.output()).toContain("Error trying to save the DB, can't exit"));
      } finally {
        await own.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('SHUTDOWN refuses bad options', async () => {
      expect(await raw(server, ['SHUTDOWN', 'foo'], ['SHUTDOWN', 'nosave', 'save'], ['SHUTDOWN', 'abort', 'nosave'], ['SHUTDOWN', 'abort'])).toBe(
        '-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR No shutdown in progress.\r\n',
      );
    });
  });
}

for (const [shards, words] of [[1, ['SHUTDOWN', 'NOSAVE']], [2, ['SHUTDOWN', 'NOSAVE']], [2, ['SHUTDOWN']]] as const) {
  it(`${words.join(' ')} exits the server with status 0 (--shards ${shards})`, async () => {
    const server = await startServer({ shards });
    const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
    const { reply, closed } = await exchange(server.port, [resp(...words)], { quietMs: 3000 });
    expect(reply).toBe('');
    expect(closed).toBe(true);
    expect(await exited).toBe(0);
    expect(server.output()).toContain('User requested shutdown...');
    expect(server.output()).toContain('is now ready to exit, bye bye...');
  });
}
