// RDB snapshots against real servers: SAVE, BGSAVE, LASTSAVE, DEBUG RELOAD,
// SHUTDOWN SAVE / NOSAVE and the load at start-up, at 1 and 2 shards, with
// every type and encoding; and interop both ways with stock redis-server
// 7.0.15: a file written here passes redis-check-rdb and loads in stock with
// every key, value, encoding and TTL, and a file stock writes loads here.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { SERVER_ENTRY, freePort, launchServer, startServer, type TestServer } from './helpers/server.ts';
import { startStockRedis } from './helpers/stock-server.ts';
import { connectIoredis, errorOf, infoField, waitFor } from './helpers/clients.ts';
import { EVERY_TYPE_KEYS, fillEveryType, showKey } from './helpers/every-type.ts';

const execFileAsync = promisify(execFile);

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadis-rdb-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every key of databases 0 and 3 as a user sees it. */
async function snapshot(client: Redis): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (const db of [0, 3]) {
    await client.select(db);
    seen.push(await client.dbsize());
    for (const key of db === 0 ? EVERY_TYPE_KEYS : ['in-db3']) seen.push([db, key, await showKey(client, key)]);
  }
  await client.select(0);
  return seen;
}

async function fill(client: Redis): Promise<void> {
  await client.flushall();
  await fillEveryType(client);
  await client.select(3);
  await client.set('in-db3', 'third database');
  await client.select(0);
}

/** A server of ours on `dir` with a client; both go at the end of the test. */
async function ours(dir: string, shards: number, extra: string[] = []): Promise<{ server: TestServer; client: Redis }> {
  const server = await startServer({ shards, args: ['--dir', dir, ...extra] });
  return { server, client: await connectIoredis(server) };
}

async function stop(running: { server: TestServer; client: Redis }): Promise<void> {
  running.client.disconnect();
  await running.server.stop();
}

for (const shards of [1, 2]) {
  describe(`RDB snapshots --shards ${shards}`, () => {
    it('SAVE writes every database, type, encoding and TTL; a restart loads them back', async () => {
      const dir = freshDir();
      const first = await ours(dir, shards);
      await fill(first.client);
      const before = await snapshot(first.client);
      const startedAt = Math.floor(Date.now() / 1000);
      expect(await first.client.save()).toBe('OK');
      expect(await first.client.lastsave()).toBeGreaterThanOrEqual(startedAt);
      const info = await first.client.info('persistence');
      expect(infoField(info, 'rdb_saves')).toBe(1);
      expect(infoField(info, 'rdb_changes_since_last_save')).toBe(0);
      expect(info).toContain('rdb_last_bgsave_status:ok');
      await first.client.set('after-save', 'not in the file');
      expect(infoField(await first.client.info('persistence'), 'rdb_changes_since_last_save')).toBeGreaterThan(0);
      await stop(first);

      const second = await ours(dir, shards);
      expect(await snapshot(second.client)).toEqual(before);
      expect(await second.client.exists('after-save')).toBe(0);
      expect(infoField(await second.client.info('persistence'), 'rdb_last_load_keys_loaded')).toBe(EVERY_TYPE_KEYS.length + 1);
      await stop(second);
    });

    it('DEBUG RELOAD saves and loads back the same dataset', async () => {
      const running = await ours(freshDir(), shards, ['--enable-debug-command', 'yes']);
      await fill(running.client);
      const before = await snapshot(running.client);
      const digest = await running.client.debug('DIGEST');
      expect(await running.client.debug('RELOAD')).toBe('OK');
      expect(await running.client.debug('DIGEST')).toBe(digest);
      expect(await snapshot(running.client)).toEqual(before);
      // NOSAVE loads the file as it is: a key written since is gone.
      await running.client.set('since', 'x');
      expect(await running.client.debug('RELOAD', 'NOSAVE')).toBe('OK');
      expect(await running.client.exists('since')).toBe(0);
      await stop(running);
    });

    it('a file written here passes redis-check-rdb and loads in stock Redis intact', async () => {
      const dir = freshDir();
      const running = await ours(dir, shards);
      await fill(running.client);
      await running.client.save();
      await stop(running);
      const { stdout } = await execFileAsync('redis-check-rdb', [join(dir, 'dump.rdb')]);
      expect(stdout).toContain('RDB looks OK');
      expect(stdout).toContain('Checksum OK');
      expect(stdout).toContain(`${EVERY_TYPE_KEYS.length + 1} keys read`);

      const back = await ours(dir, shards);
      const stockServer = await startStockRedis(['--dir', dir]);
      const stock = await connectIoredis(stockServer);
      try {
        expect(await snapshot(stock)).toEqual(await snapshot(back.client));
      } finally {
        stock.disconnect();
        await stockServer.stop();
        await stop(back);
      }
    });

    it('a file stock Redis wrote loads here intact', async () => {
      const dir = freshDir();
      const stockServer = await startStockRedis(['--dir', dir]);
      const stock = await connectIoredis(stockServer);
      await fill(stock);
      await stock.save();
      stock.disconnect();
      await stockServer.stop();
      // As stock itself loads the file back (a string's embstr / raw is decided as it loads).
      const reloadedServer = await startStockRedis(['--dir', dir]);
      const reloaded = await connectIoredis(reloadedServer);
      const expected = await snapshot(reloaded);
      reloaded.disconnect();
      await reloadedServer.stop();
      const running = await ours(dir, shards);
      expect(await snapshot(running.client)).toEqual(expected);
      await stop(running);
    });

    it('BGSAVE writes the dataset as it was when it answered, while the server keeps serving', async () => {
      const dir = freshDir();
      const running = await ours(dir, shards);
      await fill(running.client);
      const before = await snapshot(running.client);
      const lastsave = await running.client.lastsave();
      expect(await running.client.bgsave()).toBe('Background saving started');
      // Written after the reply: not in the file.
      await running.client.set('str:int', 'changed after the snapshot');
      await running.client.set('new-key', 'x');
      await waitFor(async () => infoField(await running.client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 10000);
      const info = await running.client.info('persistence');
      expect(info).toContain('rdb_last_bgsave_status:ok');
      expect(infoField(info, 'rdb_last_bgsave_time_sec')).toBeGreaterThanOrEqual(0);
      expect(await running.client.lastsave()).toBeGreaterThanOrEqual(lastsave);
      expect(await errorOf(running.client.call('bgsave', 'now'))).toBe('ERR syntax error');
      await stop(running);
      const back = await ours(dir, shards);
      expect(await snapshot(back.client)).toEqual(before);
      expect(await back.client.exists('new-key')).toBe(0);
      await stop(back);
    });

    it('BGSAVE under transactions over every shard and type writes one point in time, the moment it answered', async () => {
      const dir = freshDir();
      const running = await ours(dir, shards);
      const { client } = running;
      // Enough keys that the shards write their parts over many turns, between the writer's transactions.
      for (let batch = 0; batch < 10; batch++) {
        const pipeline = client.pipeline();
        for (let i = 0; i < 4000; i++) pipeline.set(`filler:${batch}:${i}`, 'x'.repeat(50));
        await pipeline.exec();
      }
      // Step s changes keys of every type on every shard in one transaction, and records s.
      let step = 0;
      const transaction = (s: number) =>
        client.multi().set(`c:${s % 200}`, String(s)).hset(`h:${s % 50}`, 'f', String(s)).rpush(`l:${s % 20}`, String(s))
          .zadd(`z:${s % 20}`, String(s), `m${s}`).sadd(`s:${s % 20}`, String(s)).del(`filler:0:${s}`).set('last', String(s)).exec();
      while (step < 300) await transaction(++step);
      let writing = true;
      const writer = (async () => {
        while (writing) await transaction(++step);
      })();
      expect(await client.bgsave()).toBe('Background saving started');
      await waitFor(async () => infoField(await client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 30000);
      writing = false;
      await writer;
      expect(await client.info('persistence')).toContain('rdb_last_bgsave_status:ok');
      await stop(running);
      const back = await ours(dir, shards);
      const last = Number(await back.client.get('last'));
      expect(last).toBeGreaterThanOrEqual(300);
      // The writer went on while the shards wrote: the file must still be exactly the state after step `last`.
      expect(step).toBeGreaterThan(last);
      const steps = Array.from({ length: last }, (_, i) => i + 1);
      for (let k = 0; k < 200; k++) expect(await back.client.get(`c:${k}`)).toBe(String(Math.max(...steps.filter((s) => s % 200 === k))));
      for (let k = 0; k < 50; k++) expect(await back.client.hget(`h:${k}`, 'f')).toBe(String(Math.max(...steps.filter((s) => s % 50 === k))));
      for (let k = 0; k < 20; k++) {
        const mine = steps.filter((s) => s % 20 === k).map(String);
        expect(await back.client.lrange(`l:${k}`, 0, -1)).toEqual(mine);
        expect(await back.client.zrange(`z:${k}`, '0', '-1')).toEqual(mine.map((s) => `m${s}`));
        expect((await back.client.smembers(`s:${k}`)).sort()).toEqual([...mine].sort());
      }
      expect(await back.client.exists(`filler:0:${last}`, `filler:0:${last + 1}`)).toBe(1);
      expect(await back.client.dbsize()).toBe(40000 - Math.min(last, 3999) + 200 + 50 + 60 + 1);
      await stop(back);
    }, 120000);

    it('SHUTDOWN SAVE writes the file before it exits; SHUTDOWN NOSAVE does not', async () => {
      const dir = freshDir();
      const running = await ours(dir, shards);
      await running.client.set('k', 'v');
      running.client.disconnect();
      const exited = new Promise((resolve) => running.server.process.once('exit', resolve));
      await running.server.cli('shutdown', 'save').catch(() => undefined);
      await exited;
      expect(existsSync(join(dir, 'dump.rdb'))).toBe(true);
      const again = await ours(dir, shards);
      expect(await again.client.get('k')).toBe('v');
      await again.client.set('k', 'changed');
      again.client.disconnect();
      const exitedAgain = new Promise((resolve) => again.server.process.once('exit', resolve));
      await again.server.cli('shutdown', 'nosave').catch(() => undefined);
      await exitedAgain;
      const third = await ours(dir, shards);
      expect(await third.client.get('k')).toBe('v');
      await stop(third);
    });
  });
}

describe('RDB save points', () => {
  it('a save point reached runs a BGSAVE by itself; CONFIG SET save takes pairs of whole numbers, as Redis', async () => {
    const dir = freshDir();
    const running = await ours(dir, 2, ['--save', '1 5']);
    const { client } = running;
    expect(await client.config('GET', 'save')).toEqual(['save', '1 5']);
    for (const bad of ['1', '1 2 3 x', '10 -2', ' 100 10']) {
      expect(await errorOf(client.config('SET', 'save', bad))).toBe("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
    }
    expect(readdirSync(dir)).toEqual([]);
    // Four writes are under the point: nothing is saved.
    for (let i = 0; i < 4; i++) await client.set(`below:${i}`, 'v');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(infoField(await client.info('persistence'), 'rdb_saves')).toBe(0);
    for (let i = 0; i < 4; i++) await client.set(`above:${i}`, 'v');
    await waitFor(async () => infoField(await client.info('persistence'), 'rdb_saves') === 1, 10000);
    await waitFor(async () => infoField(await client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 10000);
    expect(infoField(await client.info('persistence'), 'rdb_changes_since_last_save')).toBe(0);
    expect(await client.config('SET', 'save', '')).toBe('OK');
    await client.set('after', 'not saved');
    await stop(running);
    const back = await ours(dir, 2);
    expect(await back.client.dbsize()).toBe(8);
    await stop(back);
  });

  it('with save points set, a failed BGSAVE refuses writes and PING with MISCONF until a save succeeds (stop-writes-on-bgsave-error)', async () => {
    const dir = freshDir();
    const running = await ours(dir, 2, ['--save', '3600 1']);
    const { client } = running;
    await client.set('k', 'v');
    // A directory where the file goes: the save cannot rename its file over it.
    mkdirSync(join(dir, 'dump.rdb'));
    expect(await client.bgsave()).toBe('Background saving started');
    await waitFor(async () => infoField(await client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 10000);
    expect(await client.info('persistence')).toContain('rdb_last_bgsave_status:err');
    const misconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    expect(await errorOf(client.set('k', 'w'))).toBe(misconf);
    expect(await errorOf(client.ping())).toBe(misconf);
    expect(await client.get('k')).toBe('v');
    expect(await errorOf(client.multi().set('k', 'w').exec())).toContain('EXECABORT');
    expect(await client.config('SET', 'stop-writes-on-bgsave-error', 'no')).toBe('OK');
    expect(await client.set('k', 'w')).toBe('OK');
    expect(await client.config('SET', 'stop-writes-on-bgsave-error', 'yes')).toBe('OK');
    expect(await errorOf(client.set('k', 'x'))).toBe(misconf);
    rmSync(join(dir, 'dump.rdb'), { recursive: true });
    expect(await client.bgsave()).toBe('Background saving started');
    await waitFor(async () => infoField(await client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 10000);
    expect(await client.set('k', 'x')).toBe('OK');
    expect(await client.ping()).toBe('PONG');
    await stop(running);
  });

  it('FLUSHALL with save points set saves the emptied dataset, and drops a BGSAVE under way (its older file never lands)', async () => {
    const dir = freshDir();
    const running = await ours(dir, 2, ['--save', '3600 1']);
    const { client } = running;
    for (let batch = 0; batch < 10; batch++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 5000; i++) pipeline.set(`k:${batch}:${i}`, 'x'.repeat(100));
      await pipeline.exec();
    }
    expect(await client.bgsave()).toBe('Background saving started');
    expect(await client.flushall()).toBe('OK');
    await waitFor(async () => infoField(await client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 20000);
    const info = await client.info('persistence');
    expect(info).toContain('rdb_last_bgsave_status:ok');
    expect(infoField(info, 'rdb_changes_since_last_save')).toBe(0);
    await client.config('SET', 'save', '');
    await stop(running);
    expect(readdirSync(dir)).toEqual(['dump.rdb']);
    const back = await ours(dir, 2);
    expect(await back.client.dbsize()).toBe(0);
    await stop(back);
  });

  it('SIGTERM saves first when save points are set, and not when none are', async () => {
    const dir = freshDir();
    const running = await ours(dir, 2, ['--save', '3600 1']);
    await fill(running.client);
    const before = await snapshot(running.client);
    await stop(running);
    expect(readdirSync(dir)).toEqual(['dump.rdb']);
    const back = await ours(dir, 2);
    expect(await snapshot(back.client)).toEqual(before);
    await back.client.set('unsaved', 'x');
    await stop(back);
    const again = await ours(dir, 2);
    expect(await again.client.exists('unsaved')).toBe(0);
    await stop(again);
  });
});

describe('RDB access records', () => {
  for (const [policy, option, amount] of [['allkeys-lru', 'IDLETIME', 1000], ['allkeys-lfu', 'FREQ', 200]] as const) {
    it(`the file keeps each key's ${option} under ${policy}, here and in stock Redis`, async () => {
      const dir = freshDir();
      const running = await ours(dir, 2, ['--maxmemory-policy', policy]);
      await running.client.set('seed', 'v');
      const payload = await running.client.dumpBuffer('seed');
      expect(await running.client.call('restore', 'k', '0', payload, option, String(amount))).toBe('OK');
      expect(await running.client.save()).toBe('OK');
      await stop(running);
      const back = await ours(dir, 2, ['--maxmemory-policy', policy]);
      const stockServer = await startStockRedis(['--dir', dir, '--maxmemory-policy', policy]);
      const stock = await connectIoredis(stockServer);
      try {
        for (const client of [back.client, stock]) {
          const value = (await client.call('object', option, 'k')) as number;
          // An LFU counter decays one a minute (lfu-decay-time 1): the test takes seconds.
          if (option === 'FREQ') expect(value).toBeGreaterThanOrEqual(amount - 1);
          else expect(value).toBeGreaterThanOrEqual(amount);
          expect(value).toBeLessThan(amount + 60);
        }
      } finally {
        stock.disconnect();
        await stockServer.stop();
        await stop(back);
      }
    });
  }
});

describe('RDB faults', () => {
  it('a SAVE that cannot write answers ERR, keeps LASTSAVE and reports the failure; the old file is untouched', async () => {
    const dir = freshDir();
    const running = await ours(dir, 2);
    await running.client.set('k', 'v1');
    await running.client.save();
    const saved = readFileSync(join(dir, 'dump.rdb'));
    const lastsave = await running.client.lastsave();
    await running.client.set('k', 'v2');
    chmodSync(dir, 0o500);
    try {
      // Root may write anyway: the check needs a directory the server cannot write.
      if (process.getuid?.() !== 0) {
        expect(await errorOf(running.client.save())).toBe('ERR');
        expect(await running.client.lastsave()).toBe(lastsave);
        expect(await running.client.info('persistence')).toContain('rdb_last_bgsave_status:err');
        expect(readFileSync(join(dir, 'dump.rdb'))).toEqual(saved);
      }
    } finally {
      chmodSync(dir, 0o700);
    }
    await stop(running);
    // A file name the server cannot write (a directory stands there).
    const blocked = freshDir();
    const other = await ours(blocked, 2);
    mkdirSync(join(blocked, 'dump.rdb'));
    await other.client.set('k', 'v');
    expect(await errorOf(other.client.save())).toBe('ERR');
    expect(await other.client.info('persistence')).toContain('rdb_last_bgsave_status:err');
    expect(infoField(await other.client.info('persistence'), 'rdb_saves')).toBe(0);
    expect(readdirSync(blocked)).toEqual(['dump.rdb']);
    await stop(other);
  });

  it('a full disk (a file-size limit) fails SAVE and BGSAVE with Redis\'s answers, keeps the last file whole and refuses writes with MISCONF', async () => {
    const dir = freshDir();
    const port = await freePort();
    // 2 MB per file; SIGXFSZ ignored, so a write past it fails with EFBIG as a full disk fails with ENOSPC.
    const server = await launchServer(port, 'bash', [
      '-c', 'trap "" XFSZ; ulimit -f 2048; exec "$0" "$@"',
      process.execPath, SERVER_ENTRY, '--port', String(port), '--bind', '127.0.0.1', '--shards', '2', '--dir', dir, '--save', '3600 1',
    ]);
    const client = await connectIoredis(server);
    try {
      const pipeline = client.pipeline();
      for (let i = 0; i < 500; i++) pipeline.set(`small:${i}`, 'x'.repeat(1000));
      await pipeline.exec();
      expect(await client.save()).toBe('OK');
      const saved = readFileSync(join(dir, 'dump.rdb'));
      const big = client.pipeline();
      for (let i = 0; i < 3000; i++) big.set(`big:${i}`, randomBytes(1000).toString('hex'));
      await big.exec();
      expect(await errorOf(client.save())).toBe('ERR');
      expect(await client.bgsave()).toBe('Background saving started');
      await waitFor(async () => infoField(await client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 20000);
      expect(await client.info('persistence')).toContain('rdb_last_bgsave_status:err');
      expect(await errorOf(client.set('k', 'v'))).toMatch(/^MISCONF /);
      // The last good file is untouched, and no temporary file is left.
      expect(readFileSync(join(dir, 'dump.rdb')).equals(saved)).toBe(true);
      expect(readdirSync(dir)).toEqual(['dump.rdb']);
      await execFileAsync('redis-check-rdb', [join(dir, 'dump.rdb')]);
      // Room again: the next BGSAVE succeeds and writes are taken.
      for (let i = 0; i < 3000; i += 500) await client.del(...Array.from({ length: 500 }, (_, j) => `big:${i + j}`));
      expect(await client.bgsave()).toBe('Background saving started');
      await waitFor(async () => infoField(await client.info('persistence'), 'rdb_bgsave_in_progress') === 0, 20000);
      expect(await client.info('persistence')).toContain('rdb_last_bgsave_status:ok');
      expect(await client.set('k', 'v')).toBe('OK');
    } finally {
      client.disconnect();
      await server.stop();
    }
  }, 60000);

  it('a corrupted or truncated file stops the server at start-up with a clear error', async () => {
    const dir = freshDir();
    const running = await ours(dir, 2);
    await fill(running.client);
    await running.client.save();
    await stop(running);
    const file = readFileSync(join(dir, 'dump.rdb'));
    const flipped = Buffer.from(file);
    flipped[Math.floor(file.length / 2)] ^= 0xff;
    for (const bad of [flipped, file.subarray(0, file.length - 100), Buffer.from('NOTREDIS0010')]) {
      writeFileSync(join(dir, 'dump.rdb'), bad);
      const failure = await startServer({ shards: 2, args: ['--dir', dir] }).then(
        async (server) => {
          await server.stop();
          return 'started';
        },
        (error: Error) => error.message,
      );
      expect(failure).toContain('Fatal error loading the DB');
    }
  });
});
