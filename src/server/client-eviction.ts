// maxmemory-clients: the memory of every client of every thread together
// stays under the limit, the biggest clients closed first, as Redis 7.0 does.
//
// Each thread measures its own clients every CHECK_MS and publishes, in
// shared memory, what they hold and the size of its biggest evictable client
// (CLIENT NO-EVICT ones are not). Over the limit, a thread closes its biggest
// clients while they are at least as big as every other thread's biggest:
// the biggest clients of the whole server go first, without the threads
// asking each other, and a thread that saw another's figures from before its
// evictions does not evict small clients for them.

import type { Config } from '../config/config.ts';
import { log } from '../util/log.ts';
import type { Client } from './client.ts';
import type { ServerContext } from './server-context.ts';

export const CHECK_MS = 100;
/** Redis's floor: a smaller limit would leave no client able to talk to the server. */
const SMALLEST_LIMIT = 128 * 1024;

/** The limit in bytes (0: none) for maxmemory-clients, a size or a percentage of maxmemory. */
export function clientMemoryLimit(config: Config): number {
  const setting = config.get('maxmemory-clients');
  const maxmemory = config.getNumber('maxmemory');
  const bytes = setting.endsWith('%') ? Math.floor((maxmemory * Number(setting.slice(0, -1))) / 100) : Number(setting);
  if (bytes === 0) return 0;
  return Math.max(SMALLEST_LIMIT, bytes);
}

export class ClientEviction {
  private readonly server: ServerContext;
  /** Writes a client's CLIENT LIST line, for the log line of an eviction. */
  private readonly describe: (client: Client) => string;

  constructor(server: ServerContext, describe: (client: Client) => string) {
    this.server = server;
    this.describe = describe;
  }

  /** Measures this thread's clients and publishes them; evicts while all clients together are over the limit. */
  check(): void {
    const server = this.server;
    const evictable: [number, Client][] = [];
    let own = 0;
    for (const client of server.clients.values()) {
      const bytes = client.memoryUsage();
      own += bytes;
      if (!client.noEvict && !client.closed) evictable.push([bytes, client]);
    }
    evictable.sort((a, b) => b[0] - a[0]);
    const limit = clientMemoryLimit(server.config);
    let next = 0;
    if (limit !== 0) {
      const elsewhere = server.clientMemoryElsewhere();
      const biggestElsewhere = server.biggestClientElsewhere();
      // Redis evicts until the total is strictly under the limit.
      while (own + elsewhere >= limit && next < evictable.length && evictable[next][0] >= biggestElsewhere) {
        const [bytes, client] = evictable[next++];
        log('notice', `Evicting client: ${this.describe(client).trimEnd()}`);
        client.parser.stop();
        client.kill();
        server.stats.evictedClients++;
        own -= bytes;
      }
      if (own + elsewhere >= limit && next === evictable.length && biggestElsewhere === 0) {
        log('warning', 'Over client maxmemory after evicting all evictable clients');
      }
    }
    server.publishClientMemory(own, next < evictable.length ? evictable[next][0] : 0);
  }
}
