// SVG charts of a bench run: per scenario, throughput bars and latency
// percentile curves; and a summary of the ratios.

import { barChart, lineChart, NINES_TICKS, ninesX, panels } from '../charts.ts';
import type { Series } from '../charts.ts';
import type { BenchReport, ScenarioReport } from './report-types.ts';

export function scenarioChart(r: BenchReport, sc: ScenarioReport): string {
  const names = r.servers.filter((n) => sc.servers[n]?.aggregate);
  const aggs = names.map((n) => sc.servers[n]!.aggregate!);
  const bars = barChart({
    title: 'throughput',
    yLabel: 'ops/s',
    seriesNames: names,
    groups: [{ label: `pipeline ${sc.pipeline}`, values: aggs.map((a) => a.opsPerSec) }],
    width: 300,
  });
  const pct = barChart({
    title: 'latency percentiles',
    yLabel: 'ms',
    seriesNames: names,
    groups: [
      { label: 'p50', values: aggs.map((a) => a.p50) },
      { label: 'p99', values: aggs.map((a) => a.p99) },
      { label: 'p99.9', values: aggs.map((a) => a.p999) },
    ],
    width: 380,
  });
  const series: Series[] = names.map((n, i) => ({
    name: n,
    points: aggs[i]!.curve.map(([p, ms]) => [ninesX(p), ms] as const),
  }));
  const curve = lineChart({
    title: 'latency by percentile',
    xLabel: 'percentile',
    yLabel: 'ms',
    series,
    xTicks: NINES_TICKS,
    width: 420,
  });
  return panels(`${sc.name}: ${sc.description}`, [bars, pct, curve]);
}

export function summaryChart(r: BenchReport): string {
  const [a, b] = [r.servers[0]!, r.servers[1]];
  const rows = r.scenarios.filter((sc) => sc.servers[a]?.aggregate && b && sc.servers[b]?.aggregate);
  const ratio = (f: (x: NonNullable<ScenarioReport['servers'][string]['aggregate']>) => number) =>
    rows.map((sc) => {
      const A = sc.servers[a]!.aggregate!;
      const B = sc.servers[b!]!.aggregate!;
      return f(A) > 0 ? Math.round((100 * f(B)) / f(A)) / 100 : 0;
    });
  const tp = ratio((x) => x.opsPerSec);
  const p99 = ratio((x) => x.p99);
  const chart = barChart({
    title: b ? `${b} / ${a}: throughput (higher is better) and p99 (lower is better)` : 'no comparison',
    yLabel: 'ratio',
    seriesNames: ['throughput ×', 'p99 ×'],
    groups: rows.map((sc, i) => ({ label: sc.name, values: [tp[i]!, p99[i]!] })),
    width: Math.max(500, 90 * rows.length + 80),
    height: 320,
  });
  return panels(`bench ${r.stamp}`, [chart]);
}
