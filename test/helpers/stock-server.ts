// The server of a data-type test file, with a test-only switch for checking
// the recorded expectations: with STOCK_REDIS_PORT=<port> in the
// environment, `useServerOrStock` stands for a stock redis-server already
// listening on 127.0.0.1:<port> (started with --enable-debug-command yes and
// nothing of value in it: the tests flush it) instead of starting ours. Tests
// of this server's own machinery (worker restarts) skip there.
// startStockRedis starts a stock redis-server of its own (the fuzzer runs
// its traffic against one and this server side by side).

import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { freePort, launchServer, startServer, useStartedServer, type ServerOptions, type TestServer } from './server.ts';

const execFileAsync = promisify(execFile);

/** The stock server's port, or undefined for the usual run against this server. */
export const STOCK_PORT: number | undefined = process.env.STOCK_REDIS_PORT ? Number(process.env.STOCK_REDIS_PORT) : undefined;

function stockServer(port: number): TestServer {
  return {
    port,
    get process(): never {
      throw new Error('a stock server has no process here');
    },
    output: () => '',
    stop: async () => {},
    async cli(...args: string[]) {
      const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), ...args]);
      return stdout;
    },
  };
}

/**
 * As `useServer(options)`: a server for the tests of the enclosing describe,
 * started in beforeAll and stopped in afterAll;
 * or the stock server when STOCK_REDIS_PORT is set.
 */
export function useServerOrStock(options: ServerOptions = {}): TestServer {
  return useStartedServer(async () => (STOCK_PORT === undefined ? startServer(options) : stockServer(STOCK_PORT)));
}

/** A stock redis-server of its own (redis-server from PATH) on a free loopback port, saving nothing to disk. */
export async function startStockRedis(args: string[] = []): Promise<TestServer> {
  const port = await freePort();
  return launchServer(port, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), ...args]);
}
