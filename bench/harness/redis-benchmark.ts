// redis-benchmark as an independent check of the generator: same clients,
// pipeline, key range and value size; parses its --csv output.

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

export async function redisBenchmark(s: RedisBenchmarkSettings): Promise<RedisBenchmarkRow[]> {
  const { stdout } = await run('redis-benchmark', redisBenchmarkArgs(s), { timeout: 300_000, maxBuffer: 1 << 20 });
  const rows = parseCsv(stdout);
  if (rows.length === 0) throw new Error(`no CSV rows from redis-benchmark: ${stdout.slice(0, 300)}`);
  return rows;
}
