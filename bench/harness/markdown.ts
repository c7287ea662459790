// The Markdown page of a bench run: ratio table, per-scenario charts, the
// redis-benchmark cross-check.

import { describeMachine } from './sysinfo.ts';
import type { BenchReport, CheckRow } from './report-types.ts';
import { fileNameOf } from '../scenarios.ts';

const fmtInt = (n: number): string => n.toLocaleString('en-US');

function ratio(a: number, b: number): string {
  if (!(a > 0) || !(b > 0)) return '–';
  return `${(a / b).toFixed(2)}`;
}

export interface MarkdownOptions {
  /** Prefix of chart links, relative to where the Markdown will live. */
  readonly chartBase: string;
  /** Heading level of the top heading (1 for a page, 2 or 3 inside README). */
  readonly level: number;
  readonly charts: boolean;
}

export function benchMarkdown(r: BenchReport, mo: MarkdownOptions): string {
  const H = '#'.repeat(mo.level);
  const s = r.settings;
  const [a, b] = [r.servers[0] ?? 'redis', r.servers[1] ?? 'threadis'];
  const out: string[] = [];
  out.push(`${H} Benchmark ${r.stamp}: ${b} vs stock Redis`, '');
  out.push(`- Date: ${r.date}`);
  out.push(`- Machine: ${describeMachine(r.machine)}`);
  out.push(`- Command: \`make bench\` (\`node_modules/.bin/node bench/harness/bench.ts\`), ${s.rounds} alternating rounds ` +
    `(${r.servers.join(' ')} ${r.servers.join(' ')}...) of ${s.seconds} s after ${s.warmup} s warm-up per scenario and server; ` +
    `total ${Math.round(r.seconds)} s`);
  out.push(`- Load: ${s.threads} generator thread(s) x ${s.clients} connections, pipeline ${s.pipeline} unless the scenario says, ` +
    `keys uniform over ${fmtInt(s.keyMaximum + 1)}, ${s.dataSize}-byte values, seed ${s.seed}`);
  for (const [name, cmd] of Object.entries(r.serverCommands)) out.push(`- ${name}: \`${cmd}\``);
  out.push('');
  out.push(`Ratios are ${b}/${a}: above 1 is more throughput, and for latency percentiles, below 1 is better. ` +
    `Latencies in ms, merged over all rounds. CPU is the server process's, % of one core. ` +
    `"client-bound" marks a run where a generator thread was above 90% busy.`, '');
  out.push(`| scenario | P | ops/s ${a} | ops/s ${b} | ops/s × | p50 ${a} / ${b} | × | p99 ${a} / ${b} | × | p99.9 ${a} / ${b} | × | max ${a} / ${b} | × | CPU % ${a} / ${b} | notes |`);
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const sc of r.scenarios) {
    const A = sc.servers[a]?.aggregate ?? null;
    const B = sc.servers[b]?.aggregate ?? null;
    const notes: string[] = [];
    for (const [name, o] of Object.entries(sc.servers)) {
      if (o.skipped) notes.push(`${name}: skipped (${o.skipped.replace(/\|/g, '\\|').slice(0, 60)})`);
      if (o.aggregate?.clientBound) notes.push(`client-bound on ${name}`);
      if (o.aggregate && o.aggregate.errors > 0) notes.push(`${name}: ${o.aggregate.errors} errors`);
    }
    const pair = (f: (x: NonNullable<typeof A>) => number): string => `${A ? f(A) : '–'} / ${B ? f(B) : '–'}`;
    const rt = (f: (x: NonNullable<typeof A>) => number): string => (A && B ? ratio(f(B), f(A)) : '–');
    out.push(`| ${sc.name} | ${sc.pipeline} | ${A ? fmtInt(A.opsPerSec) : '–'} | ${B ? fmtInt(B.opsPerSec) : '–'} | ${rt((x) => x.opsPerSec)} ` +
      `| ${pair((x) => x.p50)} | ${rt((x) => x.p50)} | ${pair((x) => x.p99)} | ${rt((x) => x.p99)} ` +
      `| ${pair((x) => x.p999)} | ${rt((x) => x.p999)} | ${pair((x) => x.max)} | ${rt((x) => x.max)} ` +
      `| ${pair((x) => x.serverCpuPct)} | ${notes.join('; ')} |`);
  }
  out.push('');
  out.push(...checkSection(r, `${H}#`));
  if (mo.charts) {
    out.push(`${H}# Charts`, '');
    out.push(`![summary](${mo.chartBase}summary.svg)`, '');
    for (const sc of r.scenarios) {
      if (Object.values(sc.servers).some((o) => o.aggregate)) out.push(`![${sc.name}](${mo.chartBase}${fileNameOf(sc.name)}.svg)`);
    }
    out.push('');
  }
  out.push(`${H}# Reproduce one scenario`, '', '```', ...r.scenarios.slice(0, 3).map((sc) => sc.generatorCommand), '```', '');
  return out.join('\n');
}

function cpuCell(pct: number | undefined, bound: boolean): string {
  if (pct === undefined) return '–';
  return bound ? `**${pct}**` : String(pct);
}

function verdictOf(c: CheckRow): string {
  const v = c.verdict ?? (c.withinTenPercent ? 'yes' : 'no'); // reports from before the verdict
  return v === 'yes' ? 'yes' : v === 'no' ? '**no**' : v;
}

/** The instrument-check section: heading, how to read it, the table, the redis-benchmark command. */
export function checkSection(r: BenchReport, heading: string): string[] {
  if (r.check.length === 0) return [];
  const cs = r.checkSettings;
  const bound = cs?.clientBoundPct ?? 90;
  const out: string[] = [];
  out.push(`${heading} Instrument check: generator vs redis-benchmark`, '');
  out.push(`Same server, command, clients, pipeline, key range and value size; one generator thread, as redis-benchmark has one` +
    (cs?.generatorPipelineBatch ? `, sending its pipeline in whole batches as redis-benchmark -P does (\`--pipeline-batch\`)` : '') +
    (cs ? `; ${cs.rounds} rounds, each test's generator and redis-benchmark runs back to back, alternating which goes first, ` +
      `redis-benchmark's -n sized to about ${cs.seconds} s; figures are means over the rounds.` : '; figures are means over the rounds.'));
  out.push(`CPU is each client's own, % of one core (the generator's load thread; redis-benchmark's user + system time over its wall time, from bash's \`times\`): ` +
    `a row where either client is at or above ${bound}% is client-bound, and its ratio, kept in the table, measures the clients' efficiency, not the server; ` +
    `for the other rows the verdict is whether the generator is within 10% of redis-benchmark.`, '');
  out.push('| server | test | P | clients | generator ops/s | redis-benchmark ops/s | gen / rb | generator CPU % | redis-benchmark CPU % | server CPU % gen / rb | verdict |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const c of r.check) {
    const genCpu = c.generatorThreadCpuPct ?? c.generatorClientCpuPct;
    const server = c.serverCpuPctGenerator !== undefined ? `${c.serverCpuPctGenerator} / ${c.serverCpuPctRedisBenchmark}` : '–';
    out.push(`| ${c.server} | ${c.test} | ${c.pipeline} | ${c.clients} | ${fmtInt(c.generatorOpsPerSec)} | ${fmtInt(c.redisBenchmarkOpsPerSec)} ` +
      `| ${c.ratio.toFixed(2)} | ${cpuCell(genCpu, c.generatorClientBound)} | ${cpuCell(c.redisBenchmarkCpuPct, c.redisBenchmarkClientBound ?? false)} ` +
      `| ${server} | ${verdictOf(c)} |`);
  }
  out.push('');
  out.push(`redis-benchmark command: \`${r.check[0]!.redisBenchmarkCommand}\` (one test per run; -n sized to the generator's rate).`, '');
  return out;
}

/** The page of a --check-only run. */
export function checkMarkdown(r: BenchReport, level: number): string {
  const H = '#'.repeat(level);
  const out: string[] = [];
  out.push(`${H} Instrument check ${r.stamp}`, '');
  out.push(`- Date: ${r.date}`);
  out.push(`- Machine: ${describeMachine(r.machine)}`);
  out.push(`- Command: \`make bench BENCH_ARGS=--check-only\` (\`node_modules/.bin/node bench/harness/bench.ts --check-only\`), total ${Math.round(r.seconds)} s`);
  for (const [name, cmd] of Object.entries(r.serverCommands)) out.push(`- ${name}: \`${cmd}\``);
  out.push('');
  out.push(...checkSection(r, `${H}#`));
  return out.join('\n');
}
