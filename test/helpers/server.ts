// Starts a real server process on a free loopback port for a test file.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

/** The server's entry point, for tests that spawn it themselves. */
export const SERVER_ENTRY = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const ENTRY = SERVER_ENTRY;
const execFileAsync = promisify(execFile);

export interface TestServer {
  port: number;
  process: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
  /** Runs redis-cli against the server; resolves to its stdout. */
  cli(...args: string[]): Promise<string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.write('PING\r\n');
  });
}

export interface ServerOptions {
  /** --shards (default 2). */
  shards?: number;
  /** More command-line arguments. */
  args?: string[];
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const args = [ENTRY, '--port', String(port), '--bind', '127.0.0.1', '--shards', String(options.shards ?? 2), ...(options.args ?? [])];
  // A log setting can hide the line that says the server is ready.
  const quietLog = (options.args ?? []).some((arg) => arg === '--loglevel' || arg === '--logfile');
  return launchServer(port, process.execPath, args, quietLog);
}

/**
 * Runs `command args...`, a server that listens on `port` (this one, or a
 * stock redis-server), and resolves once it answers PING and has said
 * "Ready to accept connections" (unless `quietLog`).
 */
export async function launchServer(port: number, command: string, args: string[], quietLog = false): Promise<TestServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + 15000;
  // Every thread listens once the server says it is ready; a PING alone may reach the first thread up
  // while the others are still starting (their first replies would then be slow).
  while (!(await ping(port)) || !(quietLog || output.includes('Ready to accept connections'))) {
    if (spawnError) throw new Error(`${command} did not start: ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`server exited during start:\n${output}`);
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    process: child,
    output: () => output,
    /** SIGTERM, then SIGKILL if it has not exited 5 s later (a server stuck in a loop never would, and would outlive the run). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async cli(...cliArgs: string[]) {
      const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), ...cliArgs]);
      return stdout;
    },
  };
}

/**
 * A server for the tests of the enclosing describe: started in beforeAll,
 * stopped in afterAll. The object returned stands for it from then on (use it
 * in hooks and tests, not while the describe is being collected).
 */
export function useServer(options: ServerOptions = {}): TestServer {
  return useStartedServer(() => startServer(options));
}

/** As useServer, for a server `start` gives (ours, or a stock one: stock-server.ts); its stop runs in afterAll. */
export function useStartedServer(start: () => Promise<TestServer>): TestServer {
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    await started?.stop();
  });
  const current = (): TestServer => {
    if (started === undefined) throw new Error('the server starts in beforeAll; use it in hooks and tests');
    return started;
  };
  return {
    get port() {
      return current().port;
    },
    get process() {
      return current().process;
    },
    output: () => current().output(),
    stop: () => current().stop(),
    cli: (...args: string[]) => current().cli(...args),
  };
}
