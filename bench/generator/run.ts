// Runs a load: a piscina pool with one task per generator thread, a start
// barrier in shared memory, and the threads' histograms merged.

import * as hdr from 'hdr-histogram-js';
import { Piscina } from 'piscina';
import type { LoadOptions } from './options.ts';
import type { WorkerResult, WorkerTask } from './worker.ts';
import { newHistogram } from './worker.ts';

export interface LatencySummary {
  /** Milliseconds. */
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface LoadResult {
  readonly label: string;
  readonly options: Omit<LoadOptions, 'mix'>;
  readonly ops: number;
  readonly errors: number;
  readonly errorTexts: string[];
  /** Seconds measured. */
  readonly seconds: number;
  readonly opsPerSec: number;
  readonly latencyMs: LatencySummary;
  readonly kbInPerSec: number;
  readonly kbOutPerSec: number;
  /** Client CPU: the whole generator process, and its busiest thread, as % of one core. */
  readonly clientCpu: { readonly processPct: number; readonly busiestThreadPct: number; readonly threadPcts: number[] };
  /** True when a generator thread was nearly saturated: the figures may be the client's limit. */
  readonly clientBound: boolean;
  /** Merged histogram, hdr compressed base64, ns. */
  readonly histogram: string;
}

const CLIENT_BOUND_PCT = 90;

const workerUrl = new URL('./worker.ts', import.meta.url).href;

function summarize(h: hdr.Histogram): LatencySummary {
  const ms = (ns: number): number => Math.round(ns / 1000) / 1000;
  return {
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `onStart` runs when the connected threads are released to send (for a client that should see only the load). */
export async function runLoad(o: LoadOptions, onStart?: () => void): Promise<LoadResult> {
  const pool = new Piscina<WorkerTask, WorkerResult>({
    filename: workerUrl,
    minThreads: o.threads,
    maxThreads: o.threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  const control = new SharedArrayBuffer(8);
  const words = new Int32Array(control);
  try {
    const tasks: Promise<WorkerResult>[] = [];
    for (let t = 0; t < o.threads; t++) tasks.push(pool.run({ options: o, thread: t, control }));
    const failed = Promise.allSettled(tasks);
    // Barrier: wait until every thread has connected, then release them together.
    for (;;) {
      const ready = Atomics.load(words, 0);
      if (ready >= o.threads || Atomics.load(words, 1) === 2) break;
      const w = Atomics.waitAsync(words, 0, ready, 10_000);
      const r = w.async ? await w.value : w.value;
      if (r === 'timed-out') {
        Atomics.store(words, 1, 2);
        Atomics.notify(words, 1);
        await failed;
        throw new Error('generator threads did not connect within 10 s');
      }
    }
    const cpu0 = processCpuMs();
    const t0 = performance.now();
    if (Atomics.load(words, 1) !== 2) Atomics.store(words, 1, 1);
    Atomics.notify(words, 1);
    onStart?.();
    const settled = await failed;
    const wall = performance.now() - t0;
    const cpu = processCpuMs() - cpu0;
    const results: WorkerResult[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason instanceof Error ? s.reason : new Error(String(s.reason));
      results.push(s.value);
    }
    const merged = newHistogram();
    let ops = 0;
    let errors = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    const errorTexts: string[] = [];
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    const threadPcts: number[] = [];
    for (const r of results) {
      merged.add(hdr.decodeFromCompressedBase64(r.histogram, 32));
      ops += r.ops;
      errors += r.errors;
      bytesIn += r.bytesIn;
      bytesOut += r.bytesOut;
      for (const e of r.errorTexts) if (errorTexts.length < 5 && !errorTexts.includes(e)) errorTexts.push(e);
      start = Math.min(start, r.measureStart);
      end = Math.max(end, r.measureEnd);
      threadPcts.push(Math.round((100 * r.cpuMs) / Math.max(1, r.measureEnd - r.measureStart)));
    }
    const seconds = Math.max(1e-3, (end - start) / 1000);
    const busiest = Math.max(...threadPcts);
    const { mix: _mix, ...rest } = o;
    return {
      label: o.label,
      options: rest,
      ops,
      errors,
      errorTexts,
      seconds: Math.round(seconds * 1000) / 1000,
      opsPerSec: Math.round(ops / seconds),
      latencyMs: summarize(merged),
      kbInPerSec: Math.round(bytesIn / 1024 / seconds),
      kbOutPerSec: Math.round(bytesOut / 1024 / seconds),
      clientCpu: { processPct: Math.round((100 * cpu) / Math.max(1, wall)), busiestThreadPct: busiest, threadPcts },
      clientBound: busiest >= CLIENT_BOUND_PCT,
      histogram: hdr.encodeIntoCompressedBase64(merged),
    };
  } finally {
    await pool.destroy();
  }
}
