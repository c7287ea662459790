// A generator thread (one piscina task per thread): opens its share of the
// connections, waits at the start barrier, runs the load, and returns its
// histogram (encoded) and counters.

import * as hdr from 'hdr-histogram-js';
import { MixEncoder } from './command.ts';
import { LoadClient, ThreadStats } from './client.ts';
import type { LoadOptions } from './options.ts';
import { KeyPattern, Prng } from './prng.ts';

export interface WorkerTask {
  readonly options: LoadOptions;
  readonly thread: number;
  /** Int32 control words: [0] threads ready, [1] 0 wait / 1 go / 2 abort. */
  readonly control: SharedArrayBuffer;
}

export interface WorkerResult {
  readonly thread: number;
  readonly histogram: string; // hdr compressed base64, values in ns
  readonly ops: number;
  readonly errors: number;
  readonly errorTexts: string[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Epoch ms (timeOrigin + now) when measuring began and ended. */
  readonly measureStart: number;
  readonly measureEnd: number;
  /** This thread's CPU time (user + system) while measuring, ms. */
  readonly cpuMs: number;
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: 3 });
}

function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export default async function runThread(task: WorkerTask): Promise<WorkerResult> {
  const o = task.options;
  const control = new Int32Array(task.control);
  const stats = new ThreadStats(newHistogram());
  const mix = new MixEncoder(o.mix, { keyPrefix: o.keyPrefix, keyDigits: o.keyDigits, dataSize: o.dataSize, fieldRange: o.fieldRange });
  const totalClients = o.threads * o.clients;
  const clients: LoadClient[] = [];
  for (let c = 0; c < o.clients; c++) {
    const id = task.thread * o.clients + c; // global client index
    const rng = new Prng(o.seed + id);
    const keys = new KeyPattern(o.keyPattern, o.keyMinimum, o.keyMaximum, rng, id, totalClients, o.keyStddev);
    const port = o.ports[id % o.ports.length]!;
    clients.push(new LoadClient(o.host, port, mix, keys, rng, stats, o.pipeline, o.requests, o.pipelineBatch));
  }
  try {
    await Promise.all(clients.map((c) => c.connected()));
  } catch (e) {
    for (const c of clients) c.destroy();
    Atomics.store(control, 1, 2);
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
    throw e;
  }
  Atomics.add(control, 0, 1);
  Atomics.notify(control, 0);
  const w = Atomics.waitAsync(control, 1, 0);
  if (w.async) await w.value;
  if (Atomics.load(control, 1) !== 1) {
    for (const c of clients) c.destroy();
    throw new Error('aborted at start barrier');
  }

  let measureStart = epochNow();
  let cpuStart = threadCpuMs();
  let warmupTimer: NodeJS.Timeout | undefined;
  if (o.warmup > 0 && o.requests === 0) {
    warmupTimer = setTimeout(() => {
      stats.histogram.reset();
      stats.ops = 0;
      stats.errors = 0;
      stats.bytesIn = 0;
      stats.bytesOut = 0;
      measureStart = epochNow();
      cpuStart = threadCpuMs();
    }, o.warmup * 1000);
  }
  let stopTimer: NodeJS.Timeout | undefined;
  if (o.requests === 0) {
    stopTimer = setTimeout(() => {
      stats.stopping = true;
    }, (o.warmup + o.testTime) * 1000);
  }
  for (const c of clients) c.start();
  await Promise.all(clients.map((c) => c.done));
  const measureEnd = epochNow();
  const cpuMs = threadCpuMs() - cpuStart;
  if (warmupTimer) clearTimeout(warmupTimer);
  if (stopTimer) clearTimeout(stopTimer);
  return {
    thread: task.thread,
    histogram: hdr.encodeIntoCompressedBase64(stats.histogram),
    ops: stats.ops,
    errors: stats.errors,
    errorTexts: stats.errorTexts,
    bytesIn: stats.bytesIn,
    bytesOut: stats.bytesOut,
    measureStart,
    measureEnd,
    cpuMs,
  };
}
