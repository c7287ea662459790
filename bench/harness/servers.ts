// Starting and stopping the servers under test: stock redis-server (installed
// from Debian when missing) and this server, with the same settings, on
// loopback. Also their CPU time, read from /proc.

import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join, relative, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const TMP = join(REPO, 'bench/results/tmp');

export type ServerKind = 'redis' | 'threadis';

export interface ServerHandle {
  readonly kind: ServerKind;
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** User + system CPU of the whole process (all threads), ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** Settings both servers get, as redis-server flags. */
export const COMMON_SETTINGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];

function have(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian's redis-server and redis-tools when redis-server or redis-benchmark is missing. */
export function ensureRedisInstalled(): void {
  if (have('redis-server') && have('redis-benchmark')) return;
  console.log('redis-server/redis-benchmark missing: apt-get install -y redis-server redis-tools');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'redis-server', 'redis-tools'], { stdio: 'inherit', env });
  if (!have('redis-server') || !have('redis-benchmark')) throw new Error('redis-server still missing after apt-get');
}

export function redisVersion(): string {
  return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
}

/** The command that starts this server: THREADIS_CMD, else the pinned node on src/main.js. */
export function threadisCommand(): string[] {
  const override = process.env.THREADIS_CMD;
  if (override) return override.split(' ').filter((s) => s.length > 0);
  const entry = ['src/main.js', 'src/main.ts'].map((p) => join(REPO, p)).find((p) => existsSync(p));
  if (!entry) throw new Error('no src/main.js: this server is not there yet');
  return [process.execPath, entry];
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime, stime
  } catch {
    return 0;
  }
}

/**
 * Sends one inline command and resolves with `take(received)` once that is not
 * null (the reply is complete), or rejects after timeoutMs.
 */
function exchange(port: number, command: string, timeoutMs: number, take: (received: string) => string | null): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`timeout waiting for ${command} on ${port}`));
    }, timeoutMs);
    s.on('connect', () => s.write(`${command}\r\n`));
    s.on('data', (d) => {
      data += d.toString('latin1');
      const reply = take(data);
      if (reply !== null) {
        clearTimeout(timer);
        s.destroy();
        resolvePromise(reply);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function firstLine(received: string): string | null {
  const eol = received.indexOf('\r\n');
  return eol < 0 ? null : received.slice(0, eol);
}

/** Sends one inline command and returns the first reply line. */
export function rawCommand(port: number, command: string, timeoutMs = 2000): Promise<string> {
  return exchange(port, command, timeoutMs, firstLine);
}

/** The fields of INFO <section> (name -> value); throws on an error reply. */
export async function infoFields(port: number, section: string, timeoutMs = 5000): Promise<Map<string, string>> {
  const text = await exchange(port, `INFO ${section}`, timeoutMs, (received) => {
    const head = firstLine(received);
    if (head === null || !head.startsWith('$')) return head;
    const start = head.length + 2;
    const end = start + Number(head.slice(1));
    return received.length >= end + 2 ? received.slice(start, end) : null;
  });
  if (!text.includes(':')) throw new Error(`INFO ${section} on ${port}: ${text}`);
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export interface ProcessMemory {
  /** Resident set size now (VmRSS), bytes. */
  readonly rss: number;
  /** Highest resident set size so far (VmHWM), bytes. */
  readonly peakRss: number;
}

/** The process's resident memory, from /proc/<pid>/status (all its threads share it). */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

/** Arguments quoted for a POSIX shell, for command lines shown in reports. */
export function shellQuote(args: readonly string[]): string {
  return args.map((x) => (x === '' ? "''" : /[^\w@%+=:,./-]/.test(x) ? `'${x.replace(/'/g, "'\\''")}'` : x)).join(' ');
}

/** How a server is started, for reports: PORT and DIR stand for the run's port and directory. */
export function serverCommandLine(kind: ServerKind, extra: readonly string[] = []): string {
  if (kind === 'redis') return shellQuote(['redis-server', '--port', 'PORT', ...COMMON_SETTINGS, '--dir', 'DIR', ...extra]);
  return shellQuote([...threadisCommand().map((p) => relative(REPO, p) || p), '--port', 'PORT', ...COMMON_SETTINGS, '--dir', 'DIR', ...extra])
    .replace(/^\S*node /, 'node_modules/.bin/node ');
}

/** A port nobody listens on now (the kernel picks it; another process could still take it before us). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export async function waitForPing(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`server on ${port} exited with ${child.exitCode}`);
    try {
      const r = await rawCommand(port, 'PING', 1000);
      if (r === '+PONG') return;
      last = r;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no PONG on port ${port} within ${timeoutMs} ms (${last})`);
}

/** Is this server there and answering PING? (For checks before a run.) */
export async function threadisAnswers(port: number): Promise<boolean> {
  let h: ServerHandle | undefined;
  try {
    h = await startThreadis(port, 1, 5000);
    return true;
  } catch {
    return false;
  } finally {
    await h?.stop();
  }
}

export interface StartOptions {
  /** Extra arguments, e.g. --shards N. */
  readonly extra?: readonly string[];
  /** Prefix command such as ['taskset', '-c', '0-1']. */
  readonly wrap?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Starts a server on `port` (0: a free one) and waits until it answers PING. */
export async function startServer(kind: ServerKind, name: string, port: number, opts: StartOptions = {}): Promise<ServerHandle> {
  if (port === 0) port = await freePort();
  const dir = join(TMP, `${name}-${port}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const base = kind === 'redis' ? ['redis-server'] : threadisCommand();
  const argv = [...(opts.wrap ?? []), ...base, '--port', String(port), ...COMMON_SETTINGS, '--dir', dir, ...(opts.extra ?? [])];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: opts.env ?? process.env,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitForPing(port, opts.timeoutMs ?? 20_000, child);
    // A PONG from someone else's server on that port: ours would have exited (address in use).
    await new Promise((r) => setTimeout(r, 300));
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}); port ${port} taken?`);
  } catch (e) {
    await stop();
    throw new Error(`${name} did not start: ${e instanceof Error ? e.message : String(e)}\n${argv.join(' ')}\n${stderr}`);
  }
  const pid = child.pid!;
  return { kind, name, port, pid, cpuMs: () => processCpuMs(pid), stop };
}

export function startRedis(port: number, opts: StartOptions = {}): Promise<ServerHandle> {
  return startServer('redis', 'redis', port, opts);
}

export function startThreadis(port: number, shards: number, timeoutMs = 20_000, opts: StartOptions = {}): Promise<ServerHandle> {
  return startServer('threadis', 'threadis', port, { ...opts, timeoutMs, extra: ['--shards', String(shards), ...(opts.extra ?? [])] });
}
