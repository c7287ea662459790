// Running one scenario against one server: support probe, flush + prefill, and
// the measured load, with the server's CPU over the same window.

import net from 'node:net';
import { MixEncoder } from '../generator/command.ts';
import type { LoadOptions } from '../generator/options.ts';
import { defaultOptions } from '../generator/options.ts';
import { KeyPattern, Prng } from '../generator/prng.ts';
import { ReplyReader } from '../generator/reply-reader.ts';
import type { LoadResult } from '../generator/run.ts';
import { runLoad } from '../generator/run.ts';
import type { Scenario } from '../scenarios.ts';
import { keyPrefixOf } from '../scenarios.ts';
import { rawCommand } from './servers.ts';
import type { ServerHandle } from './servers.ts';

export interface RunSettings {
  readonly threads: number;
  readonly clients: number;
  readonly pipeline: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly keyMaximum: number;
  readonly dataSize: number;
  readonly seed: number;
}

export function scenarioOptions(s: Scenario, settings: RunSettings, ports: number[]): LoadOptions {
  const o = defaultOptions();
  o.ports = ports;
  o.threads = settings.threads;
  o.clients = settings.clients;
  o.pipeline = s.pipeline ?? settings.pipeline;
  o.mix = s.mix;
  o.label = s.name;
  o.keyPattern = s.keys?.pattern ?? 'uniform';
  o.keyMinimum = s.keys?.min ?? 0;
  o.keyMaximum = s.keys?.max ?? settings.keyMaximum;
  o.fieldRange = s.fieldRange ?? 16;
  o.keyPrefix = keyPrefixOf(s);
  o.dataSize = settings.dataSize;
  o.testTime = settings.seconds;
  o.warmup = settings.warmup;
  o.seed = settings.seed;
  return o;
}

/** Sends each unit of the mix once; returns the first error text, or null when all succeeded. */
export async function probe(port: number, s: Scenario, o: LoadOptions): Promise<string | null> {
  const mix = new MixEncoder(s.mix, { keyPrefix: o.keyPrefix, keyDigits: o.keyDigits, dataSize: o.dataSize, fieldRange: o.fieldRange });
  const rng = new Prng(o.seed);
  const keys = new KeyPattern('uniform', o.keyMinimum, o.keyMaximum, rng, 0, 1);
  const out = Buffer.alloc(mix.maxUnitBytes * mix.units.length + 64);
  let pos = 0;
  let expected = 0;
  for (let u = 0; u < mix.units.length; u++) {
    pos = mix.encode(u, out, pos, keys, rng);
    expected += mix.units[u]!.replies;
  }
  return new Promise((resolve) => {
    let got = 0;
    let firstError: string | null = null;
    let anyError = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('probe timed out');
    }, 5000);
    const reader = new ReplyReader({
      onReply(error: boolean): void {
        if (error) anyError = true;
        if (++got === expected) {
          clearTimeout(timer);
          sock.destroy();
          resolve(anyError ? (firstError ?? 'error reply') : null);
        }
      },
      onErrorText(text: string): void {
        firstError ??= text;
      },
    });
    sock.on('connect', () => sock.write(out.subarray(0, pos)));
    sock.on('data', (d: Buffer) => reader.feed(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      resolve(`probe: ${e.message}`);
    });
  });
}

/** FLUSHALL, best effort: a server without it still works, the key prefixes keep families apart. */
export async function flush(server: ServerHandle): Promise<void> {
  await rawCommand(server.port, 'FLUSHALL').catch(() => '');
}

/** FLUSHALL, then the scenario's prefill over the whole key range. */
export async function prepare(server: ServerHandle, s: Scenario, o: LoadOptions): Promise<void> {
  await flush(server);
  if (!s.prefill) return;
  const span = o.keyMaximum - o.keyMinimum + 1;
  const clients = Math.min(8, span);
  const p: LoadOptions = {
    ...o,
    mix: s.prefill,
    label: `${s.name}-prefill`,
    threads: 1,
    clients,
    pipeline: 64,
    keyPattern: 'sequential',
    requests: Math.ceil(span / clients),
    warmup: 0,
  };
  const r = await runLoad(p);
  if (r.errors > 0) throw new Error(`prefill of ${s.name} on ${server.name}: ${r.errors} errors (${r.errorTexts.join('; ')})`);
}

export interface MeasuredRun {
  readonly server: string;
  readonly round: number;
  readonly result: LoadResult;
  /** Server process CPU over the run, % of one core. */
  readonly serverCpuPct: number;
}

export async function measure(servers: readonly ServerHandle[], name: string, round: number, o: LoadOptions): Promise<MeasuredRun> {
  const cpu0 = servers.reduce((a, s) => a + s.cpuMs(), 0);
  const t0 = performance.now();
  const result = await runLoad(o);
  const wall = performance.now() - t0;
  const cpu = servers.reduce((a, s) => a + s.cpuMs(), 0) - cpu0;
  return { server: name, round, result, serverCpuPct: Math.round((100 * cpu) / Math.max(1, wall)) };
}
