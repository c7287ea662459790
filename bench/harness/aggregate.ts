// Merging the rounds of one scenario on one server: histograms merged (so the
// percentiles are over every request of every round), throughput over the
// total measured time.

import * as hdr from 'hdr-histogram-js';
import { newHistogram } from '../generator/worker.ts';
import type { MeasuredRun } from './scenario-run.ts';

export interface Aggregate {
  readonly rounds: number;
  readonly opsPerSec: number;
  /** Per-round ops/s, to show the spread. */
  readonly roundOpsPerSec: number[];
  readonly errors: number;
  readonly errorTexts: string[];
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly serverCpuPct: number;
  readonly clientCpuPct: number;
  readonly clientBound: boolean;
  /** [percentile, ms] points for the latency chart. */
  readonly curve: [number, number][];
}

export const CURVE_PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99];

export function aggregate(runs: readonly MeasuredRun[]): Aggregate {
  const h = newHistogram();
  let ops = 0;
  let seconds = 0;
  let errors = 0;
  const errorTexts: string[] = [];
  for (const r of runs) {
    h.add(hdr.decodeFromCompressedBase64(r.result.histogram, 32));
    ops += r.result.ops;
    seconds += r.result.seconds;
    errors += r.result.errors;
    for (const e of r.result.errorTexts) if (!errorTexts.includes(e)) errorTexts.push(e);
  }
  const ms = (ns: number): number => Math.round(ns / 1000) / 1000;
  const mean = (f: (r: MeasuredRun) => number): number => Math.round(runs.reduce((a, r) => a + f(r), 0) / Math.max(1, runs.length));
  return {
    rounds: runs.length,
    opsPerSec: Math.round(ops / Math.max(1e-3, seconds)),
    roundOpsPerSec: runs.map((r) => r.result.opsPerSec),
    errors,
    errorTexts: errorTexts.slice(0, 5),
    p50: ms(h.getValueAtPercentile(50)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    serverCpuPct: mean((r) => r.serverCpuPct),
    clientCpuPct: mean((r) => r.result.clientCpu.processPct),
    clientBound: runs.some((r) => r.result.clientBound),
    curve: CURVE_PERCENTILES.map((p) => [p, ms(p === 0 ? h.minNonZeroValue : h.getValueAtPercentile(p))]),
  };
}
