// Killing a worker thread the way an operator's DEBUG PANIC does, and
// waiting for the supervisor to start its replacement over the same memory.

import type { Redis } from 'ioredis';
import type { TestServer } from './server.ts';
import { connectIoredis, waitFor } from './clients.ts';

/** How many worker restarts the server has logged so far. */
export function restartCount(server: TestServer): number {
  return server.output().split('worker restarted').length - 1;
}

/**
 * Kills `victim`'s thread (a fresh connection's when none is given) with
 * DEBUG PANIC; resolves to the dead thread's shard once the supervisor has
 * started its replacement.
 */
export async function panicThreadOf(server: TestServer, victim?: Redis): Promise<number> {
  const client = victim ?? (await connectIoredis(server, { retryStrategy: () => null }));
  const restarts = restartCount(server);
  const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.debug('panic').catch(() => {});
  await gone;
  await waitFor(() => restartCount(server) > restarts, 10000);
  const lines = server.output().split('\n').filter((line) => line.includes('worker exited unexpectedly'));
  return Number(/Shard (\d+) worker exited unexpectedly/.exec(lines[lines.length - 1])?.[1]);
}
