// Text report of one load result.

import type { LoadResult } from './run.ts';

export function formatResult(r: LoadResult): string {
  const o = r.options;
  const l = r.latencyMs;
  const lines = [
    `${r.label}: ${o.threads} threads x ${o.clients} clients, pipeline ${o.pipeline}${o.pipelineBatch ? ' (batches)' : ''}, ` +
      `keys ${o.keyPattern} [${o.keyMinimum}..${o.keyMaximum}], ${o.dataSize} B values, port ${o.ports.join(',')}`,
    `  ops/s ${r.opsPerSec.toLocaleString('en-US')}   (${r.ops} ops in ${r.seconds} s)   errors ${r.errors}`,
    `  latency ms: p50 ${l.p50}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  mean ${l.mean}`,
    `  traffic: in ${r.kbInPerSec} KB/s, out ${r.kbOutPerSec} KB/s`,
    `  client CPU: ${r.clientCpu.processPct}% of a core (process), threads ${r.clientCpu.threadPcts.join('% ')}%` +
      (r.clientBound ? '   ** CLIENT-BOUND: a generator thread is saturated; add --threads or the figures are the client\'s limit **' : ''),
  ];
  for (const e of r.errorTexts) lines.push(`  error: ${e}`);
  return lines.join('\n');
}
