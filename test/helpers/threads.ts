// Which thread a connection landed on, and worker restarts: a shard's thread
// killed with DEBUG PANIC, the supervisor's log saying it came back.

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TestServer } from './server.ts';
import { connectIoredis, waitFor } from './clients.ts';
import { RawSession, resp } from './raw-client.ts';

/** The thread (the role Wn of the log line) that wrote `marker` with DEBUG LOG. */
export async function threadOfMarker(server: Pick<TestServer, 'output'>, marker: string): Promise<number> {
  let line: string | undefined;
  await waitFor(() => (line = server.output().split('\n').find((text) => text.includes(marker))) !== undefined, 5000);
  const thread = /^\d+:W(\d+) /.exec(line as string);
  if (thread === null) throw new Error(`no thread in log line: ${line}`);
  return Number(thread[1]);
}

/** The thread serving `client`'s connection. */
export async function threadOf(server: Pick<TestServer, 'output'>, client: Redis): Promise<number> {
  const marker = `thread-of-${randomUUID()}`;
  await client.call('debug', 'log', marker);
  return threadOfMarker(server, marker);
}

/** A connection (not reconnecting) the kernel handed to thread `thread`: it spreads them, so a few tries. */
export async function connectOnThread(server: TestServer, thread: number): Promise<Redis> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = await connectIoredis(server, { retryStrategy: () => null });
    if ((await threadOf(server, client)) === thread) return client;
    client.disconnect();
  }
  throw new Error(`no connection landed on thread ${thread}`);
}

/** A raw connection the kernel handed to thread `thread`. */
export async function rawOnThread(server: TestServer, thread: number): Promise<RawSession> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const raw = new RawSession(server.port);
    const marker = `raw-${randomUUID()}`;
    await raw.send(resp('debug', 'log', marker), 1);
    if ((await threadOfMarker(server, marker)) === thread) return raw;
    raw.close();
  }
  throw new Error(`no connection landed on thread ${thread}`);
}

/** Resolves once `client` has seen its connection closed. */
export function closed(client: Redis): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** How many times the supervisor logged a worker restarted (of `shard`, or of any). */
export function restartCount(server: Pick<TestServer, 'output'>, shard?: number): number {
  return server.output().split(shard === undefined ? 'worker restarted' : `Shard ${shard} worker restarted`).length - 1;
}

/**
 * Kills `victim`'s thread (a fresh connection's when none is given) with
 * DEBUG PANIC; resolves to the dead thread's shard once the supervisor has
 * started its replacement.
 */
export async function panicThreadOf(server: TestServer, victim?: Redis): Promise<number> {
  const client = victim ?? (await connectIoredis(server, { retryStrategy: () => null }));
  const restarts = restartCount(server);
  const gone = closed(client);
  client.debug('panic').catch(() => {});
  await gone;
  await waitFor(() => restartCount(server) > restarts, 10000);
  const exits = server.output().split('\n').filter((line) => line.includes('worker exited unexpectedly'));
  return Number(/Shard (\d+) worker exited unexpectedly/.exec(exits[exits.length - 1])?.[1]);
}
