// Faults of a client's connection across shards, answered as stock
// redis-server 7.0.15 answers them (its replies read from its socket with the
// same writes): the commands a client sent before a protocol error in the
// same read run and reply first, whatever shard their keys live on; a client
// that shuts down its sending side (SHUT_WR) after sending still gets every
// reply, those coming from other shards included, then the end of the stream.
// maxclients counts the clients of every thread; a shard that keeps dying
// stops the server with exit status 1, so that systemd, Docker or Kubernetes
// restart it. client-output-buffer-limit (set and shown as Redis does) closes
// a client that does not read its replies, those waiting on other shards
// counted too; `timeout` closes idle clients. Time stands still inside EXEC,
// on every shard it touches, as Redis freezes its clock for the whole EXEC;
// a HELLO queued in it switches the protocol of the replies after it.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServer, useServer, type TestServer } from './helpers/server.ts';
import { connectIoredis, errorOf, infoField, useClient, waitFor } from './helpers/clients.ts';
import { exchange, keysOnShard, respCommands } from './helpers/raw-client.ts';
import { withoutClientId } from './helpers/recorded-sessions.ts';
import { restartCount, threadOfMarker } from './helpers/threads.ts';

for (const shards of [2, 3]) {
  describe(`connection faults --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);
    const [a, b] = [keysOnShard('fault', 0, shards, 1)[0], keysOnShard('fault', 1, shards, 1)[0]];

    it('runs and answers the cross-shard commands before a protocol error in the same read, then the error, then closes', async () => {
      await client.del(a, b);
      const commands = respCommands(['MSET', a, '1', b, '2'], ['MGET', a, b], ['EXISTS', a, b], ['LCS', a, b]);
      const outcome = await exchange(server.port, [`${commands}*1\r\n$-5\r\n`], { quietMs: 2000 });
      expect(outcome).toEqual({ reply: '+OK\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n:2\r\n$0\r\n\r\n-ERR Protocol error: invalid bulk length\r\n', closed: true });
      expect(await client.mget(a, b)).toEqual(['1', '2']);
    });

    it('answers what came before an inline protocol error too, DEL over shards among it', async () => {
      await client.mset(a, 'x', b, 'y');
      const outcome = await exchange(server.port, [`DEL ${a} ${b}\r\nSET "unbalanced\r\n`], { quietMs: 2000 });
      expect(outcome).toEqual({ reply: ':2\r\n-ERR Protocol error: unbalanced quotes in request\r\n', closed: true });
      expect(await client.exists(a, b)).toBe(0);
    });

    it('answers a protocol error after a command over every shard when the client half-closes right after it', async () => {
      // The end of the stream came while DBSIZE was being scheduled on every shard, and lost the error's reply (most times).
      for (let i = 0; i < 20; i++) {
        const outcome = await exchange(server.port, ['DBSIZE\r\nSET "unbalanced\r\n'], { quietMs: 2000, halfClose: true });
        expect(outcome.reply).toMatch(/^:\d+\r\n-ERR Protocol error: unbalanced quotes in request\r\n$/);
        expect(outcome.closed).toBe(true);
      }
    });

    it('gives a client that half-closes after sending every reply, from every shard, then ends the stream', async () => {
      const keys = [...keysOnShard('half', 0, shards, 3), ...keysOnShard('half', 1, shards, 3)];
      const sets = keys.map((key, i) => ['SET', key, String(i)]);
      const outcome = await exchange(server.port, [respCommands(...sets, ['MGET', ...keys], ['GET', keys[5]])], { quietMs: 2000, halfClose: true });
      const values = keys.map((_, i) => `$1\r\n${i}\r\n`).join('');
      expect(outcome).toEqual({ reply: `${'+OK\r\n'.repeat(6)}*6\r\n${values}$1\r\n5\r\n`, closed: true });
    });
  });
}

/** The first line a new connection gets for a PING; it stays open. */
function pingFrom(port: number, open: net.Socket[]): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    open.push(socket);
    socket.on('error', () => resolve('error'));
    socket.once('data', (data: Buffer) => resolve(data.toString('latin1').split('\r\n')[0]));
  });
}

describe('commands of plain hops in a pipeline --shards 3', () => {
  const server = useServer({ shards: 3, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  const keys = [0, 1, 2].flatMap((shard) => keysOnShard('hop', shard, 3, 3));

  it('runs SCAN whole before the commands after it, and after those before it', async () => {
    await client.del(...keys);
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.set(key, 'v');
    pipeline.scan(0, 'COUNT', 1000).del(...keys);
    const replies = (await pipeline.exec()) ?? [];
    const [cursor, found] = replies[keys.length][1] as [string, string[]];
    expect(cursor).toBe('0');
    expect([...found].sort()).toEqual([...keys].sort());
    expect(replies[keys.length + 1][1]).toBe(keys.length);
  });

  it('shows DEBUG DIGEST-VALUE of a key a COPY just made on another shard', async () => {
    const [source, target] = [keysOnShard('copied', 0, 3, 1)[0], keysOnShard('copied', 1, 3, 1)[0]];
    await client.del(source, target);
    const replies = (await client.pipeline().rpush(source, 'a', 'b').copy(source, target).debug('digest-value', source, target).exec()) ?? [];
    const [sourceDigest, targetDigest] = replies[2][1] as string[];
    expect(sourceDigest).not.toBe('0'.repeat(40));
    expect(targetDigest).toBe(sourceDigest);
  });
});

describe('server-wide limits and failures', () => {
  it('admits maxclients clients over all threads together, refusing the rest as Redis does', async () => {
    const server = await startServer({ shards: 2, args: ['--maxclients', '4'] });
    try {
      // One after another, each staying open: the kernel spreads them over both threads.
      const open: net.Socket[] = [];
      const replies: string[] = [];
      for (let i = 0; i < 10; i++) replies.push(await pingFrom(server.port, open));
      for (const socket of open) socket.destroy();
      expect(replies).toEqual([...Array<string>(4).fill('+PONG'), ...Array<string>(6).fill('-ERR max number of clients reached')]);
    } finally {
      await server.stop();
    }
  });

  it('exits with status 1 when a shard keeps dying', async () => {
    const server = await startServer({ shards: 2, args: ['--enable-debug-command', 'yes'] });
    const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
    const restarts = (): number => restartCount(server);
    // 11 panics over 2 shards: one of them dies 6 times, one more than the 5 restarts allowed in a minute.
    for (let panics = 0; panics < 11 && server.process.exitCode === null; panics++) {
      const before = restarts();
      const victim = await connectIoredis(server, { retryStrategy: () => null });
      const gone = new Promise((resolve) => victim.once('close', resolve));
      victim.debug('panic').catch(() => {});
      await gone;
      const deadline = Date.now() + 10000;
      while (restarts() === before && server.process.exitCode === null && !server.output().includes('shutting down') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (server.output().includes('shutting down')) break;
    }
    expect(await exited).toBe(1);
    expect(server.output()).toMatch(/Shard \d worker exited unexpectedly \(code 1\) 6 times within 60 seconds; shutting down/);
  }, 60000);
});

/** A raw connection, and the thread it landed on (DEBUG LOG writes the thread in the log line). */
async function connectHog(server: TestServer, name: string): Promise<{ hog: net.Socket; thread: number }> {
  const hog = net.connect({ port: server.port, host: '127.0.0.1' });
  hog.on('error', () => {});
  const marker = `${name}-${Date.now()}`;
  await new Promise<void>((resolve) => {
    hog.once('data', () => resolve());
    hog.write(`DEBUG LOG ${marker}\r\n`);
  });
  return { hog, thread: await threadOfMarker(server, marker) };
}

describe('client limits --shards 2', () => {
  const server = useServer({ shards: 2, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  const LIMITS = 'client-output-buffer-limit';

  it('sets client-output-buffer-limit class by class and shows it in bytes, refusing bad values in Redis words', async () => {
    const before = await client.config('GET', LIMITS);
    expect(before).toEqual([LIMITS, 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60']);
    expect(await client.config('SET', LIMITS, 'replica 1gb 2mb 30 pubsub 1 2 3')).toBe('OK');
    expect(await client.config('GET', LIMITS)).toEqual([LIMITS, 'normal 0 0 0 slave 1073741824 2097152 30 pubsub 1 2 3']);
    const refusal = (reason: string): string => `ERR CONFIG SET failed (possibly related to argument '${LIMITS}') - ${reason}`;
    expect(await errorOf(client.config('SET', LIMITS, 'normal 1mb 1mb'))).toBe(refusal('Wrong number of arguments in buffer limit configuration.'));
    expect(await errorOf(client.config('SET', LIMITS, 'master 1 1 1'))).toBe(refusal('Invalid client class specified in buffer limit configuration.'));
    expect(await errorOf(client.config('SET', LIMITS, 'normal x 1 1'))).toBe(refusal('Error in hard, soft or soft_seconds setting in buffer limit configuration.'));
    expect(await client.config('SET', LIMITS, 'slave 256mb 64mb 60 pubsub 32mb 8mb 60')).toBe('OK');
    expect(await client.config('GET', LIMITS)).toEqual(before);
  });

  for (const where of ['its own', 'the other'] as const) {
    it(`closes a client that pipelines GETs of a 10 KB value on ${where} thread's shard without reading, once it owes 1 MB`, async () => {
      const { hog, thread } = await connectHog(server, `obuf-${where.replace(' ', '-')}`);
      const big = keysOnShard('obuf', where === 'its own' ? thread : 1 - thread, 2, 1)[0];
      await client.set(big, 'x'.repeat(10000));
      expect(await client.config('SET', LIMITS, 'normal 1mb 1mb 0')).toBe('OK');
      try {
        hog.pause(); // never reads
        hog.write(`CLIENT SETNAME hog\r\n${`GET ${big}\r\n`.repeat(3000)}`);
        await waitFor(async () => !String(await client.client('LIST')).includes('name=hog'), 5000);
        hog.destroy();
        expect(await client.get(big)).toHaveLength(10000);
      } finally {
        await client.config('SET', LIMITS, 'normal 0 0 0');
      }
    });
  }

  it('bounds what a client that never reads is owed by another shard, without a limit set, and keeps serving the others', async () => {
    const { hog, thread } = await connectHog(server, 'unread');
    const big = keysOnShard('unread', 1 - thread, 2, 1)[0];
    await client.set(big, 'x'.repeat(10000));
    hog.pause(); // never reads: 100,000 replies of 10 KB would be 1 GB
    hog.write(`CLIENT SETNAME unread\r\n${`GET ${big}\r\n`.repeat(100000)}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const line = String(await client.client('LIST')).split('\n').find((entry) => entry.includes('name=unread')) ?? '';
    const owed = Number(/omem=(\d+)/.exec(line)?.[1]);
    // Reads stop at 64 MB owed, or 1,024 replies still to come from other shards; one more read's replies may follow.
    expect(owed).toBeGreaterThan(0);
    expect(owed).toBeLessThan(256 * 1024 * 1024);
    expect(await client.ping()).toBe('PONG');
    hog.destroy();
  });

  it('takes maxmemory-clients as a size or a percentage of maxmemory, refusing bad values in Redis words', async () => {
    const refusal = (reason: string): string => `ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - ${reason}`;
    expect(await client.config('SET', 'maxmemory-clients', '10%')).toBe('OK');
    expect(await client.config('GET', 'maxmemory-clients')).toEqual(['maxmemory-clients', '10%']);
    expect(await errorOf(client.config('SET', 'maxmemory-clients', '101%'))).toBe(refusal('percentage argument must be less or equal to 100'));
    expect(await errorOf(client.config('SET', 'maxmemory-clients', '1x'))).toBe(refusal('argument must be a memory or percent value'));
    expect(await client.config('SET', 'maxmemory-clients', '0%')).toBe('OK');
    expect(await client.config('GET', 'maxmemory-clients')).toEqual(['maxmemory-clients', '0']);
  });

  it('counts what clients hold in INFO and CLIENT LIST: a big argument half received, a MULTI queue', async () => {
    const sender = net.connect({ port: server.port, host: '127.0.0.1' });
    sender.on('error', () => {});
    try {
      sender.write(`CLIENT SETNAME halfway\r\n*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$2000000\r\n${'x'.repeat(100000)}`);
      let line = '';
      await waitFor(async () => {
        line = String(await client.client('LIST')).split('\n').find((entry) => entry.includes('name=halfway')) ?? '';
        return Number(/ qbuf=(\d+)/.exec(line)?.[1]) >= 100000;
      }, 5000);
      expect(Number(/tot-mem=(\d+)/.exec(line)?.[1])).toBeGreaterThanOrEqual(100000);
      await waitFor(async () => infoField(await client.info('clients'), 'client_recent_max_input_buffer') >= 100000, 5000);
      expect(infoField(await client.info('memory'), 'mem_clients_normal')).toBeGreaterThanOrEqual(100000);
      sender.write(`${'x'.repeat(1900000)}\r\nMULTI\r\nSET a ${'y'.repeat(5000)}\r\nSET b c\r\n`);
      await waitFor(async () => {
        line = String(await client.client('LIST')).split('\n').find((entry) => entry.includes('name=halfway')) ?? '';
        return line.includes(' multi=2 ');
      }, 5000);
      expect(Number(/multi-mem=(\d+)/.exec(line)?.[1])).toBe('SETa'.length + 5000 + 'SETbc'.length);
      expect(Number(/ qbuf=(\d+)/.exec(line)?.[1])).toBe(0);
      expect(await client.strlen('half')).toBe(2000000);
    } finally {
      sender.destroy();
    }
  });

  it('closes the biggest clients once all clients together hold more than maxmemory-clients, never a NO-EVICT one', async () => {
    const big = keysOnShard('evict', 0, 2, 1)[0];
    await client.set(big, 'x'.repeat(10000));
    const evictedBefore = infoField(await client.info('stats'), 'evicted_clients');
    const { hog: kept } = await connectHog(server, 'kept');
    kept.write('CLIENT NO-EVICT on\r\nCLIENT SETNAME kept\r\n');
    await waitFor(async () => String(await client.client('LIST')).includes('name=kept'), 5000);
    expect(await client.config('SET', 'maxmemory-clients', '2mb')).toBe('OK');
    try {
      kept.pause(); // never reads, but may not be evicted
      kept.write(`GET ${big}\r\n`.repeat(100));
      const { hog } = await connectHog(server, 'evicted');
      hog.pause();
      hog.write(`CLIENT SETNAME evicted\r\n${`GET ${big}\r\n`.repeat(3000)}`);
      await waitFor(async () => !String(await client.client('LIST')).includes('name=evicted'), 5000);
      expect(infoField(await client.info('stats'), 'evicted_clients')).toBe(evictedBefore + 1);
      expect(server.output()).toMatch(/Evicting client: id=\d+ .*name=evicted/);
      expect(String(await client.client('LIST'))).toContain('name=kept');
      expect(await client.get(big)).toHaveLength(10000);
      hog.destroy();
    } finally {
      await client.config('SET', 'maxmemory-clients', '0');
      kept.destroy();
    }
  });

  it('closes a client idle for more than `timeout` seconds, and only then', async () => {
    expect(await client.config('SET', 'timeout', '1')).toBe('OK');
    try {
      const idle = await connectIoredis(server, { retryStrategy: () => null });
      const started = Date.now();
      await new Promise((resolve) => idle.once('close', resolve));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      await client.config('SET', 'timeout', '0');
    }
  });
});

describe('memory given back --shards 2', () => {
  const server = useServer({ shards: 2 });
  const client = useClient(server);

  it('gives the memory of a big value back to the system once it is deleted, whether it crossed threads or not', async () => {
    const rss = async (): Promise<number> => infoField(await client.info('memory'), 'used_memory_rss');
    const before = await rss();
    const value = Buffer.alloc(128 * 1024 * 1024, 'v');
    // One key on each shard: one of them is on the client's own thread, the other on the other one.
    for (const key of [keysOnShard('big', 0, 2, 1)[0], keysOnShard('big', 1, 2, 1)[0]]) {
      expect(await client.set(key, value)).toBe('OK');
      expect((await client.getBuffer(key))?.equals(value)).toBe(true);
      expect(await client.del(key)).toBe(1);
    }
    // The value went through the parser, the rings, the arena and the replies: none of it is kept.
    const deadline = Date.now() + 20000;
    let after = await rss();
    while (after >= before + 64 * 1024 * 1024 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await rss();
    }
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
  });
});

for (const shards of [1, 2]) {
  describe(`EXEC's clock and protocol --shards ${shards}`, () => {
    const server = useServer({ shards, args: ['--enable-debug-command', 'yes'] });

    it('keeps a key set with PX 1 early in an EXEC for the commands after it, though time passes, on one shard and across shards', async () => {
      const [a, b] = [keysOnShard('clock', 0, shards, 1)[0], keysOnShard('clock', shards - 1, shards, 2)[1]];
      const request = `MULTI\r\nSET ${a} v PX 1\r\nDEBUG SLEEP 0.05\r\nGET ${a}\r\nSET ${b} w PX 1\r\nDEBUG SLEEP 0.15\r\nMGET ${a} ${b}\r\nEXEC\r\nGET ${a}\r\n`;
      const outcome = await exchange(server.port, [request], { quietMs: 2000, halfClose: true });
      const queued = '+QUEUED\r\n'.repeat(6);
      expect(outcome).toEqual({ reply: `+OK\r\n${queued}*6\r\n+OK\r\n+OK\r\n$1\r\nv\r\n+OK\r\n+OK\r\n*2\r\n$1\r\nv\r\n$1\r\nw\r\n$-1\r\n`, closed: true });
    });

    it('answers the commands after a HELLO queued in EXEC in the protocol it switched to, across shards too', async () => {
      const [a, b] = [keysOnShard('hello', 0, shards, 1)[0], keysOnShard('hello', shards - 1, shards, 2)[1]];
      const outcome = await exchange(server.port, [`MULTI\r\nGET ${a}\r\nHELLO 3\r\nGET ${a}\r\nMGET ${a} ${b}\r\nHELLO 2\r\nGET ${b}\r\nEXEC\r\nGET ${a}\r\n`], { quietMs: 2000, halfClose: true });
      const hello = (proto: number): string =>
        `${proto === 3 ? '%7' : '*14'}\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:${proto}\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n`;
      expect({ ...outcome, reply: withoutClientId(outcome.reply) }).toEqual({
        reply: `+OK\r\n${'+QUEUED\r\n'.repeat(6)}*6\r\n$-1\r\n${hello(3)}_\r\n*2\r\n_\r\n_\r\n${hello(2)}$-1\r\n$-1\r\n`,
        closed: true,
      });
    });
  });
}
