// Function libraries kept as Redis keeps them, against real servers over two
// shards: FUNCTION DUMP's payload (byte for byte stock Redis 7.0.15's when
// uncompressed, and restored both ways), FUNCTION RESTORE's FLUSH / APPEND / REPLACE, the RDB
// file (a file with a library written here loads in stock, and the
// reverse), DEBUG RELOAD's options, and the AOF (a library loaded, replaced
// or deleted is there after a restart).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startServer, useServer } from './helpers/server.ts';
import type { TestServer } from './helpers/server.ts';
import { startStockRedis } from './helpers/stock-server.ts';
import { connectIoredis, errorOf, infoField, waitFor } from './helpers/clients.ts';
import { connectOnThread, panicThreadOf } from './helpers/threads.ts';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadis-functions-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A library `name` with function `fn` returning `value` (long enough for LZF to compress it in a payload). */
function library(name: string, fn: string, value: string): string {
  return `#!lua name=${name}\nredis.register_function('${fn}', function(keys, args) return '${value}' end)\n-- ${'padding '.repeat(8)}`;
}

async function dump(client: Redis): Promise<Buffer> {
  return (await client.callBuffer('FUNCTION', 'DUMP')) as Buffer;
}

async function names(client: Redis): Promise<string[]> {
  const list = (await client.call('FUNCTION', 'LIST')) as unknown[][];
  return list.map((entry) => String(entry[1])).sort();
}

describe('FUNCTION DUMP and RESTORE', () => {
  const server = useServer({ shards: 2 });
  let client: Redis;
  let stockServer: TestServer;
  let stock: Redis;
  beforeAll(async () => {
    client = await connectIoredis(server);
    stockServer = await startStockRedis();
    stock = await connectIoredis(stockServer);
  });
  afterAll(async () => {
    client.disconnect();
    stock.disconnect();
    await stockServer.stop();
  });

  it('dumps the payload stock Redis dumps, and each restores the other', async () => {
    for (const target of [client, stock]) {
      await target.call('FUNCTION', 'FLUSH');
      await target.call('FUNCTION', 'LOAD', library('lib1', 'f1', 'one'));
    }
    // Byte for byte with one library (stock lists several in its hash table's order), uncompressed (LZF may choose other matches).
    for (const target of [client, stock]) await target.config('SET', 'rdbcompression', 'no');
    expect((await dump(client)).equals(await dump(stock))).toBe(true);
    for (const target of [client, stock]) await target.config('SET', 'rdbcompression', 'yes');
    for (const target of [client, stock]) await target.call('FUNCTION', 'LOAD', library('lib2', 'f2', 'two'));
    for (const [from, to] of [[client, stock], [stock, client]] as const) {
      const payload = await dump(from);
      await to.call('FUNCTION', 'FLUSH');
      expect(await to.call('FUNCTION', 'RESTORE', payload)).toBe('OK');
      expect(await names(to)).toEqual(['lib1', 'lib2']);
      expect(await to.call('FCALL', 'f2', '0')).toBe('two');
    }
  });

  it('APPEND refuses a library of a name loaded, REPLACE replaces it, FLUSH drops the others; a refused restore changes nothing', async () => {
    const payload = await dump(client);
    await client.call('FUNCTION', 'FLUSH');
    await client.call('FUNCTION', 'LOAD', library('lib1', 'f1', 'old'));
    await client.call('FUNCTION', 'LOAD', library('other', 'f9', 'nine'));
    for (const target of [client, stock]) {
      if (target === stock) {
        await stock.call('FUNCTION', 'FLUSH');
        await stock.call('FUNCTION', 'LOAD', library('lib1', 'f1', 'old'));
        await stock.call('FUNCTION', 'LOAD', library('other', 'f9', 'nine'));
      }
      expect(await errorOf(target.call('FUNCTION', 'RESTORE', payload))).toBe('ERR Library lib1 already exists');
      expect(await errorOf(target.call('FUNCTION', 'RESTORE', payload, 'APPEND'))).toBe('ERR Library lib1 already exists');
      expect(await target.call('FCALL', 'f1', '0')).toBe('old');
      expect(await errorOf(target.call('FUNCTION', 'RESTORE', payload, 'BAD'))).toBe('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
      expect(await errorOf(target.call('FUNCTION', 'RESTORE', 'not a payload'))).toBe('ERR DUMP payload version or checksum are wrong');
      expect(await errorOf(target.call('FUNCTION', 'RESTORE', payload, 'FLUSH', 'x'))).toBe("ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.");
      expect(await target.call('FUNCTION', 'RESTORE', payload, 'REPLACE')).toBe('OK');
      expect(await target.call('FCALL', 'f1', '0')).toBe('one');
      expect(await names(target)).toEqual(['lib1', 'lib2', 'other']);
      expect(await target.call('FUNCTION', 'RESTORE', payload, 'FLUSH')).toBe('OK');
      expect(await names(target)).toEqual(['lib1', 'lib2']);
    }
  });

  it('a library whose function clashes with one loaded is refused, and nothing changes', async () => {
    const payload = await dump(client);
    for (const target of [client, stock]) {
      await target.call('FUNCTION', 'FLUSH');
      await target.call('FUNCTION', 'LOAD', library('clash', 'f2', 'mine'));
      expect(await errorOf(target.call('FUNCTION', 'RESTORE', payload))).toBe('ERR Function f2 already exists');
      expect(await names(target)).toEqual(['clash']);
      expect(await target.call('FCALL', 'f2', '0')).toBe('mine');
    }
  });
});

describe('libraries in the RDB file', () => {
  it('a file saved here with libraries loads in stock Redis, and a file stock saved loads here', async () => {
    const dir = freshDir();
    const first = await startServer({ shards: 2, args: ['--dir', dir] });
    let client = await connectIoredis(first);
    await client.call('FUNCTION', 'LOAD', library('saved', 'fsaved', 'from here'));
    await client.set('key', 'value');
    await client.save();
    client.disconnect();
    await first.stop();

    const stockServer = await startStockRedis(['--dir', dir]);
    const stock = await connectIoredis(stockServer);
    expect(await stock.call('FCALL', 'fsaved', '0')).toBe('from here');
    expect(await stock.get('key')).toBe('value');
    await stock.call('FUNCTION', 'LOAD', 'REPLACE', library('saved', 'fsaved', 'from stock'));
    await stock.call('FUNCTION', 'LOAD', library('stocklib', 'fstock', 'stock only'));
    await stock.save();
    stock.disconnect();
    await stockServer.stop();

    const second = await startServer({ shards: 2, args: ['--dir', dir] });
    client = await connectIoredis(second);
    try {
      expect(await names(client)).toEqual(['saved', 'stocklib']);
      expect(await client.call('FCALL', 'fsaved', '0')).toBe('from stock');
      // FCALL runs on whichever thread the client is on: every thread loaded them.
      for (let i = 0; i < 4; i++) {
        const other = await connectIoredis(second);
        expect(await other.call('FCALL', 'fstock', '0')).toBe('stock only');
        other.disconnect();
      }
    } finally {
      client.disconnect();
      await second.stop();
    }
  });

  it('DEBUG RELOAD loads the libraries back; NOFLUSH refuses a library loaded unless MERGE', async () => {
    const server = await startServer({ shards: 2, args: ['--dir', freshDir(), '--enable-debug-command', 'yes'] });
    const client = await connectIoredis(server);
    try {
      await client.call('FUNCTION', 'LOAD', library('test1', 'ft1', 'one'));
      expect(await client.debug('RELOAD')).toBe('OK');
      expect(await client.call('FCALL', 'ft1', '0')).toBe('one');
      expect(await errorOf(client.debug('RELOAD', 'NOFLUSH'))).toMatch(/^ERR Error trying to load the RDB dump/);
      await client.call('FUNCTION', 'LOAD', library('test2', 'ft2', 'two'));
      expect(await client.debug('RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE')).toBe('OK');
      expect(await names(client)).toEqual(['test1', 'test2']);
      expect(await client.call('FCALL', 'ft2', '0')).toBe('two');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});

describe('libraries on a thread that replaces a dead one', () => {
  it('are copied from another thread, so FCALL works on every thread', async () => {
    const server = await startServer({ shards: 2, args: ['--enable-debug-command', 'yes'] });
    const client = await connectIoredis(server);
    try {
      await client.call('FUNCTION', 'LOAD', library('survives', 'fsurvives', 'still here'));
      await panicThreadOf(server);
      for (const thread of [0, 1]) {
        const connection = await connectOnThread(server, thread);
        expect(await connection.call('FCALL', 'fsurvives', '0')).toBe('still here');
        expect(await names(connection)).toEqual(['survives']);
        connection.disconnect();
      }
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});

describe('libraries in the AOF', () => {
  for (const preamble of ['yes', 'no']) {
    it(`loaded, replaced and deleted libraries are as they were after a restart and after a rewrite (aof-use-rdb-preamble ${preamble})`, async () => {
      const dir = freshDir();
      const args = ['--dir', dir, '--appendonly', 'yes', '--aof-use-rdb-preamble', preamble];
      const first = await startServer({ shards: 2, args });
      let client = await connectIoredis(first);
      await client.call('FUNCTION', 'LOAD', library('kept', 'fkept', 'v1'));
      await client.call('FUNCTION', 'LOAD', 'REPLACE', library('kept', 'fkept', 'v2'));
      await client.call('FUNCTION', 'LOAD', library('gone', 'fgone', 'x'));
      await client.call('FUNCTION', 'DELETE', 'gone');
      expect(await errorOf(client.call('FUNCTION', 'LOAD', library('kept', 'fkept', 'refused')))).toBe("ERR Library 'kept' already exists");
      client.disconnect();
      await first.stop();

      const second = await startServer({ shards: 2, args });
      client = await connectIoredis(second);
      expect(await names(client)).toEqual(['kept']);
      expect(await client.call('FCALL', 'fkept', '0')).toBe('v2');
      await client.bgrewriteaof();
      await waitFor(async () => infoField((await client.info('persistence')) as string, 'aof_rewrite_in_progress') === 0, 10_000);
      await client.call('FUNCTION', 'LOAD', library('after', 'fafter', 'later'));
      client.disconnect();
      await second.stop();

      const third = await startServer({ shards: 2, args });
      client = await connectIoredis(third);
      try {
        expect(await names(client)).toEqual(['after', 'kept']);
        expect(await client.call('FCALL', 'fkept', '0')).toBe('v2');
      } finally {
        client.disconnect();
        await third.stop();
      }
    });
  }
});
