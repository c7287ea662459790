// Client connections to a test server (ioredis, node-redis in RESP3) and small
// helpers for reading their replies.

import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import { createClient } from 'redis';
import type { TestServer } from './server.ts';

/** An ioredis client of the server on 127.0.0.1; it connects in the background. */
export function ioredis(server: Pick<TestServer, 'port'>, options: RedisOptions = {}): Redis {
  return new Redis({ port: server.port, host: '127.0.0.1', ...options });
}

/** An ioredis client of the server on 127.0.0.1, once it is connected. */
export async function connectIoredis(server: Pick<TestServer, 'port'>, options: RedisOptions = {}): Promise<Redis> {
  const client = ioredis(server, { ...options, lazyConnect: true });
  await client.connect();
  return client;
}

/** A node-redis client speaking RESP3 to the server on 127.0.0.1, once it is connected. */
export async function connectResp3(server: Pick<TestServer, 'port'>, options: { password?: string } = {}) {
  const client = createClient({ socket: { port: server.port, host: '127.0.0.1' }, password: options.password, RESP: 3 });
  await client.connect();
  return client;
}

/**
 * One ioredis client for the tests of the enclosing describe: connected in
 * beforeAll (after `useServer`'s start, so call it after `useServer`),
 * disconnected in afterAll (before the server stops). The object returned
 * stands for that client in hooks and tests.
 */
export function useClient(server: TestServer, options: RedisOptions = {}): Redis {
  let connected: Redis | undefined;
  beforeAll(async () => {
    connected = await connectIoredis(server, options);
  });
  afterAll(() => {
    connected?.disconnect();
  });
  return new Proxy({} as Redis, {
    get(_, property) {
      if (connected === undefined) throw new Error('useClient: the client connects in beforeAll; use it in hooks and tests');
      const value: unknown = Reflect.get(connected, property, connected);
      return typeof value === 'function' ? value.bind(connected) : value;
    },
  });
}

/** Before each test of the enclosing describe: the client back on database 0, every database empty. */
export function flushBeforeEach(client: Redis): void {
  beforeEach(async () => {
    await client.select(0);
    await client.flushall();
  });
}

/** The message of the error `promise` rejects with; fails if it resolves. */
export async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error reply');
}

/** An integer field of INFO text (`name:123`), or NaN when it is not there. */
export function infoField(info: string, name: string): number {
  const match = new RegExp(`^${name}:(\\d+)\\r$`, 'm').exec(info);
  return match === null ? NaN : Number(match[1]);
}

/** Resolves once `check` holds (polled every 25 ms); fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
