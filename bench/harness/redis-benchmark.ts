// redis-benchmark as an independent check of the generator: same clients,
// pipeline, key range and value size; parses its --csv output. It runs under
// bash, whose `times` builtin then prints the children's user and system CPU,
// so the check knows how busy redis-benchmark itself was (no extra packages).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisBenchmarkRow {
  readonly test: string;
  readonly rps: number;
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface RedisBenchmarkSettings {
  readonly port: number;
  readonly clients: number;
  readonly pipeline: number;
  readonly requests: number;
  readonly keyspace: number;
  readonly dataSize: number;
  /** Comma list for -t, e.g. "set,get". */
  readonly tests: string;
}

export function redisBenchmarkArgs(s: RedisBenchmarkSettings): string[] {
  return ['-h', '127.0.0.1', '-p', String(s.port), '-c', String(s.clients), '-n', String(s.requests),
    '-P', String(s.pipeline), '-r', String(s.keyspace), '-d', String(s.dataSize), '-t', s.tests, '--csv'];
}

export function parseCsv(text: string): RedisBenchmarkRow[] {
  const rows: RedisBenchmarkRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(',').map((x) => x.replace(/^"|"$/g, ''));
    if (f.length < 8 || f[0] === 'test') continue;
    rows.push({ test: f[0]!, rps: Number(f[1]), avgMs: Number(f[2]), p50Ms: Number(f[4]), p99Ms: Number(f[6]), maxMs: Number(f[7]) });
  }
  return rows;
}

export interface RedisBenchmarkRun {
  readonly rows: RedisBenchmarkRow[];
  /** Wall-clock seconds of the whole redis-benchmark process (connecting included). */
  readonly wallSeconds: number;
  /** redis-benchmark's user + system CPU over that time, seconds. */
  readonly cpuSeconds: number;
  /** cpuSeconds / wallSeconds, % of one core; redis-benchmark is single-threaded, so 100 is saturated. */
  readonly cpuPct: number;
}

/** The children's line of bash's `times` ("0m1.234s 0m0.567s", second line): user + system seconds. */
export function parseTimes(text: string): number | null {
  const lines = text.trim().split('\n').slice(-2);
  if (lines.length < 2) return null;
  const m = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(lines[1]!.trim());
  if (!m) return null;
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

export async function redisBenchmark(s: RedisBenchmarkSettings): Promise<RedisBenchmarkRun> {
  const script = 'redis-benchmark "$@"; rc=$?; times; exit $rc';
  const t0 = performance.now();
  const { stdout } = await run('bash', ['-c', script, 'redis-benchmark', ...redisBenchmarkArgs(s)], { timeout: 300_000, maxBuffer: 1 << 20 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const rows = parseCsv(stdout);
  if (rows.length === 0) throw new Error(`no CSV rows from redis-benchmark: ${stdout.slice(0, 300)}`);
  const cpu = parseTimes(stdout);
  if (cpu === null) throw new Error(`no \`times\` output after redis-benchmark: ${stdout.slice(-200)}`);
  return { rows, wallSeconds, cpuSeconds: cpu, cpuPct: Math.round((100 * cpu) / Math.max(1e-3, wallSeconds)) };
}
