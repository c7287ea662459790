// Atomicity under concurrency, with keys spread over every shard: no client
// ever sees half of a multi-shard command or of an EXEC.
//
// - 50 clients move money between 100 accounts in MULTI/EXEC while an
//   auditor sums every account with MGET: the total never changes;
// - writers MSET 20 keys to a value of their own while readers MGET them: a
//   reader never sees two values;
// - pipelined MSET, MGET, EXISTS and DEL over shards (which the server runs
//   together, one transaction for a run of them) answer in order, each
//   whole, while readers MGET the same keys;
// - 20 clients increment two counters on different shards with
//   WATCH/MULTI/EXEC, retrying on a null EXEC: both end at exactly the count;
// - a randomized mix of all of these (plus RENAME of a token between
//   shards, MSETNX, DEL) for a bounded time (TX_MIX_SECONDS, 60 by default):
//   every invariant holds at every check, and every command is answered.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startServer, type TestServer } from './helpers/server.ts';
import { connectIoredis } from './helpers/clients.ts';
import { keysOnShard } from './helpers/raw-client.ts';
import { ACCOUNTS, START_BALANCE, TOTAL, groupValues, randomInt, sum, transfer as moveMoney, watchedTransfer, writeGroup as msetGroup } from './helpers/accounts.ts';

const MIX_SECONDS = Number(process.env.TX_MIX_SECONDS ?? 60);

async function connectMany(server: TestServer, count: number): Promise<Redis[]> {
  return Promise.all(Array.from({ length: count }, () => connectIoredis(server)));
}

/** A transfer whose every command succeeded. */
async function transfer(client: Redis, accounts: string[]): Promise<void> {
  const replies = await moveMoney(client, accounts);
  expect(replies?.every(([error]) => error === null)).toBe(true);
}

/** MSET of every key of the group to one value. */
async function writeGroup(client: Redis, group: string[], value: string): Promise<void> {
  expect(await msetGroup(client, group, value)).toBe('OK');
}

/** MGET of the group: every key holds the same value (or none exists yet). */
async function readGroup(client: Redis, group: string[]): Promise<void> {
  const values = await groupValues(client, group);
  expect(values.size, `one MGET saw ${[...values].join(', ')}`).toBe(1);
}

describe.each([2, 4])('atomicity --shards %i', (shards) => {
  let server: TestServer;
  let clients: Redis[];
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acct:${i}`);

  beforeAll(async () => {
    server = await startServer({ shards });
    clients = await connectMany(server, 50);
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });

  it('keeps the total of 100 accounts across 2,000 MULTI/EXEC transfers, at every MGET of an auditor', async () => {
    await writeGroup(clients[0], accounts, String(START_BALANCE));
    let writing = true;
    let audits = 0;
    const auditor = (async () => {
      while (writing) {
        expect(sum(await clients[49].mget(...accounts))).toBe(TOTAL);
        audits++;
      }
    })();
    await Promise.all(
      clients.slice(0, 49).map(async (client) => {
        for (let i = 0; i < 41; i++) await transfer(client, accounts);
      }),
    );
    writing = false;
    await auditor;
    expect(audits).toBeGreaterThan(0);
    const balances = await clients[0].mget(...accounts);
    expect(sum(balances)).toBe(TOTAL);
    expect(balances.some((balance) => Number(balance) !== START_BALANCE)).toBe(true);
  });

  it('never lets an MGET of 20 keys see two MSET writers at once', async () => {
    const group = Array.from({ length: 20 }, (_, i) => `group:${i}`);
    await writeGroup(clients[0], group, 'start');
    let writing = true;
    let reads = 0;
    const readers = clients.slice(10, 20).map(async (client) => {
      while (writing) {
        await readGroup(client, group);
        reads++;
      }
    });
    await Promise.all(
      clients.slice(0, 10).map(async (client, writer) => {
        for (let i = 0; i < 100; i++) await writeGroup(client, group, `writer${writer}:${i}`);
      }),
    );
    writing = false;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(0);
  });

  it('answers pipelined multi-shard commands in order, each whole, while readers MGET the same keys', async () => {
    const groups = Array.from({ length: 4 }, (_, writer) => Array.from({ length: 20 }, (_, i) => `piped:${writer}:${i}`));
    let writing = true;
    let reads = 0;
    const readers = clients.slice(10, 14).map(async (client, reader) => {
      while (writing) {
        await readGroup(client, groups[reader]);
        reads++;
      }
    });
    await Promise.all(
      groups.map(async (group, writer) => {
        const client = clients[writer];
        for (let round = 0; round < 20; round++) {
          const pipeline = client.pipeline();
          const expected: unknown[] = [];
          for (let i = 0; i < 10; i++) {
            const value = `w${writer}:${round}:${i}`;
            pipeline.mset(...group.flatMap((key) => [key, value]));
            pipeline.mget(...group);
            pipeline.exists(...group);
            // A one-key command and a refused one between them: the runs split there, the order holds.
            if (i === 5) pipeline.get(group[7]).call('MSET', group[0], 'v', group[1]);
            expected.push('OK', group.map(() => value), 20, ...(i === 5 ? [value, 'ERR'] : []));
          }
          pipeline.del(...group).mget(...group);
          expected.push(20, group.map(() => null));
          const replies = (await pipeline.exec()) ?? [];
          const answers = replies.map(([error, reply]) => (error ? (error as Error).message.slice(0, 3) : reply));
          expect(answers).toEqual(expected);
        }
      }),
    );
    writing = false;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(0);
  });

  it('counts exactly with WATCH/MULTI/EXEC optimistic increments of two counters on different shards', async () => {
    const counters = [keysOnShard('ctr:', 0, shards, 1)[0], keysOnShard('ctr:', 1, shards, 1)[0]];
    await clients[0].del(...counters);
    const perClient = 15;
    let aborted = 0;
    await Promise.all(
      clients.slice(0, 20).map(async (client) => {
        for (let done = 0; done < perClient; ) {
          await client.watch(...counters);
          const [a, b] = await client.mget(...counters);
          const replies = await client
            .multi()
            .set(counters[0], String(Number(a) + 1))
            .set(counters[1], String(Number(b) + 1))
            .exec();
          if (replies === null) aborted++;
          else done++;
        }
      }),
    );
    expect(await clients[0].mget(...counters)).toEqual([String(20 * perClient), String(20 * perClient)]);
    // Twenty clients racing on the same keys: some EXECs must have found a watched key changed.
    expect(aborted).toBeGreaterThan(0);
  });
});

describe('atomicity under a randomized mix --shards 3', () => {
  let server: TestServer;
  let clients: Redis[];

  beforeAll(async () => {
    server = await startServer({ shards: 3 });
    clients = await connectMany(server, 40);
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });

  it(`holds every invariant for ${MIX_SECONDS} seconds of random transfers, MSETs, renames, MSETNX and DEL`, { timeout: (MIX_SECONDS + 60) * 1000 }, async () => {
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `mix:acct:${i}`);
    const group = Array.from({ length: 20 }, (_, i) => `mix:group:${i}`);
    const tokenKeys = ['mix:token:a', 'mix:token:b', 'mix:token:c'];
    await writeGroup(clients[0], accounts, String(START_BALANCE));
    await writeGroup(clients[0], group, 'start');
    await clients[0].set(tokenKeys[0], 'token');
    const deadline = Date.now() + MIX_SECONDS * 1000;
    const counts = { operations: 0, audits: 0 };

    const operations: ((client: Redis) => Promise<void>)[] = [
      (client) => transfer(client, accounts),
      async (client) => {
        await watchedTransfer(client, accounts);
      },
      (client) => writeGroup(client, group, `v${randomInt(1e9)}`),
      (client) => readGroup(client, group),
      async (client) => expect(sum(await client.mget(...accounts))).toBe(TOTAL),
      async (client) => {
        // The token moves between keys on different shards: exactly one holds it, always.
        const from = tokenKeys[randomInt(3)];
        const to = tokenKeys[randomInt(3)];
        try {
          await client.renamenx(from, to);
        } catch (error) {
          expect((error as Error).message).toBe('ERR no such key');
        }
        expect(await client.exists(...tokenKeys)).toBe(1);
      },
      async (client) => {
        // MSETNX of two fresh keys on different shards, then DEL of both in one EXEC: both or neither.
        const [a, b] = [`mix:nx:${randomInt(50)}`, `mix:nx:${randomInt(50)}:x`];
        await client.msetnx(a, '1', b, '1');
        const count = await client.exists(a, b);
        expect([0, 1, 2]).toContain(count);
        const [[, deleted]] = (await client.multi().del(a, b).exec()) as [[Error | null, number]];
        expect(deleted).toBeLessThanOrEqual(2);
      },
      async (client) => {
        // A pipeline across shards: the replies come back in order.
        const key = accounts[randomInt(ACCOUNTS)];
        const replies = await client.pipeline().get(key).mget(...group).exists(...tokenKeys).get(key).exec();
        expect(replies?.length).toBe(4);
        expect(new Set(replies?.[1][1] as string[]).size).toBe(1);
        expect(replies?.[2][1]).toBe(1);
      },
    ];

    await Promise.all(
      clients.map(async (client, index) => {
        while (Date.now() < deadline) {
          if (index === 0) {
            expect(sum(await client.mget(...accounts))).toBe(TOTAL);
            await readGroup(client, group);
            counts.audits++;
          } else {
            await operations[randomInt(operations.length)](client);
            counts.operations++;
          }
        }
      }),
    );
    expect(counts.audits).toBeGreaterThan(0);
    expect(counts.operations).toBeGreaterThan(0);
    expect(sum(await clients[0].mget(...accounts))).toBe(TOTAL);
    expect(await clients[0].exists(...tokenKeys)).toBe(1);
  });
});
