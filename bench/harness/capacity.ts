// `make capacity`: this server at 1, 2, 4, ... shards up to the machine's
// cores, against k stock redis-server processes at each step (k = 1 is one
// stock redis-server; k = cores is what the comparison peers use), and a plot
// of throughput and p99 against cores. Writes bench/results/capacity-<stamp>.*

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { lineChart, panels } from '../charts.ts';
import { findScenario } from '../scenarios.ts';
import type { Scenario } from '../scenarios.ts';
import { aggregate } from './aggregate.ts';
import type { Aggregate } from './aggregate.ts';
import { measure, prepare, scenarioOptions } from './scenario-run.ts';
import type { MeasuredRun, RunSettings } from './scenario-run.ts';
import { ensureRedisInstalled, REPO, startRedis, startThreadis } from './servers.ts';
import type { ServerHandle } from './servers.ts';
import { describeMachine, machineInfo, stamp } from './sysinfo.ts';

const USAGE = `usage: node bench/harness/capacity.ts [options]
  --scenario NAME     scenario to load with (get)
  --max-cores N       last step (the machine's cores)
  --duration SEC      measured seconds per run (3)
  --warmup SEC        (1)
  --rounds N          alternating rounds per step (1)
  --threads N         generator threads (cores/2)
  --clients N         connections per generator thread (50/threads, at least the step's processes)
  --pipeline N        (16)
  --pin               pin the servers to cores 0..k-1 with taskset
  --servers LIST      redis,threadis (default) or one of them
  --port-base N       first port (default: free ports picked by the kernel)
  --out DIR           (bench/results)`;

/** 1, 2, 4, ... up to max, and max itself. */
export function steps(max: number): number[] {
  const s: number[] = [];
  for (let k = 1; k < max; k *= 2) s.push(k);
  s.push(max);
  return s;
}

interface Point {
  readonly cores: number;
  readonly threadis: Aggregate | null;
  readonly redisProcesses: Aggregate | null;
}

const log = (m: string): void => console.log(`[capacity ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const cores = availableParallelism();
  let scenario: Scenario = findScenario('get');
  let maxCores = cores;
  let rounds = 1;
  let pin = false;
  let portBase = 0;
  let out = join(REPO, 'bench/results');
  let servers = ['redis', 'threadis'];
  let clientsSet = 0;
  const threads0 = Math.max(1, Math.floor(cores / 2));
  const settings: { -readonly [K in keyof RunSettings]: RunSettings[K] } = {
    threads: threads0, clients: 0, pipeline: 16, seconds: 3, warmup: 1, keyMaximum: 99_999, dataSize: 32, seed: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = (): string => argv[++i] ?? '';
    const n = (): number => {
      const x = Number(v());
      if (!Number.isFinite(x) || x < 0) throw new Error(`${flag} needs a number`);
      return x;
    };
    switch (flag) {
      case '--scenario': scenario = findScenario(v()); break;
      case '--max-cores': maxCores = Math.max(1, n()); break;
      case '--duration': settings.seconds = n(); break;
      case '--warmup': settings.warmup = n(); break;
      case '--rounds': rounds = Math.max(1, n()); break;
      case '--threads': settings.threads = Math.max(1, n()); break;
      case '--clients': clientsSet = Math.max(1, n()); break;
      case '--pipeline': settings.pipeline = Math.max(1, n()); break;
      case '--pin': pin = true; break;
      case '--servers': servers = v().split(','); break;
      case '--port-base': portBase = n(); break;
      case '--out': out = v(); break;
      case '-h': case '--help': console.log(USAGE); return;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  ensureRedisInstalled();
  const t0 = performance.now();
  const date = new Date();
  const id = `capacity-${stamp(date)}`;
  const points: Point[] = [];
  const wrapFor = (k: number): string[] => (pin ? ['taskset', '-c', `0-${k - 1}`] : []);
  for (const k of steps(maxCores)) {
    // Enough connections that every redis process gets the same share.
    const perThread = clientsSet || Math.ceil(50 / settings.threads);
    const total = Math.ceil((perThread * settings.threads) / k) * k;
    const runSettings: RunSettings = { ...settings, clients: Math.ceil(total / settings.threads) };
    const runs: Record<string, MeasuredRun[]> = { threadis: [], redis: [] };
    let redisGroup: ServerHandle[] = [];
    let threadis: ServerHandle | null = null;
    try {
      if (servers.includes('redis')) {
        redisGroup = await Promise.all(Array.from({ length: k }, (_, i) => startRedis(portBase === 0 ? 0 : portBase + i, { wrap: wrapFor(k) })));
        for (const r of redisGroup) await prepare(r, scenario, scenarioOptions(scenario, runSettings, [r.port]));
      }
      if (servers.includes('threadis')) {
        threadis = await startThreadis(portBase === 0 ? 0 : portBase + 100, k, 20_000, { wrap: wrapFor(k) });
        await prepare(threadis, scenario, scenarioOptions(scenario, runSettings, [threadis.port]));
      }
      for (let round = 0; round < rounds; round++) {
        if (redisGroup.length > 0) {
          const o = scenarioOptions(scenario, runSettings, redisGroup.map((r) => r.port));
          const m = await measure(redisGroup, `redis x${k}`, round, o);
          runs.redis!.push(m);
          log(`${k} cores, redis x${k}: ${m.result.opsPerSec.toLocaleString('en-US')} ops/s, p99 ${m.result.latencyMs.p99} ms, ` +
            `server CPU ${m.serverCpuPct}%, client CPU ${m.result.clientCpu.processPct}%${m.result.clientBound ? ' CLIENT-BOUND' : ''}`);
        }
        if (threadis) {
          const o = scenarioOptions(scenario, runSettings, [threadis.port]);
          const m = await measure([threadis], `threadis --shards ${k}`, round, o);
          runs.threadis!.push(m);
          log(`${k} cores, threadis --shards ${k}: ${m.result.opsPerSec.toLocaleString('en-US')} ops/s, p99 ${m.result.latencyMs.p99} ms, ` +
            `server CPU ${m.serverCpuPct}%, client CPU ${m.result.clientCpu.processPct}%${m.result.clientBound ? ' CLIENT-BOUND' : ''}`);
        }
      }
    } finally {
      await Promise.all([...redisGroup.map((r) => r.stop()), threadis?.stop()]);
    }
    points.push({
      cores: k,
      threadis: runs.threadis!.length ? aggregate(runs.threadis!) : null,
      redisProcesses: runs.redis!.length ? aggregate(runs.redis!) : null,
    });
  }
  const machine = machineInfo();
  const report = {
    kind: 'capacity', date: date.toISOString(), stamp: id, machine, scenario: scenario.name,
    settings: { ...settings, rounds, pin, maxCores }, points, seconds: Math.round((performance.now() - t0) / 1000),
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${id}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const one = points[0]?.redisProcesses;
  const series = (f: (a: Aggregate) => number) => [
    { name: 'threadis --shards k', points: points.filter((p) => p.threadis).map((p) => [p.cores, f(p.threadis!)] as const) },
    { name: 'k redis-server processes', points: points.filter((p) => p.redisProcesses).map((p) => [p.cores, f(p.redisProcesses!)] as const) },
    ...(one ? [{ name: '1 redis-server', dashed: true, points: points.map((p) => [p.cores, f(one)] as const) }] : []),
  ];
  const svg = panels(`capacity: ${scenario.name}, pipeline ${scenario.pipeline ?? settings.pipeline}, ${machine.cores}-core machine, ${settings.threads} generator thread(s)`, [
    lineChart({ title: 'throughput', xLabel: 'cores (shards / processes)', yLabel: 'ops/s', series: series((a) => a.opsPerSec), width: 460 }),
    lineChart({ title: 'p99 latency', xLabel: 'cores (shards / processes)', yLabel: 'ms', series: series((a) => a.p99), width: 460 }),
  ]);
  writeFileSync(join(out, `${id}.svg`), svg);
  const fmt = (a: Aggregate | null | undefined): string => (a ? `${a.opsPerSec.toLocaleString('en-US')} | ${a.p99}` : '– | –');
  const md = [
    `# Capacity ${id}`, '',
    `- Date: ${report.date}`, `- Machine: ${describeMachine(machine)}`,
    `- Command: \`make capacity\` (\`node_modules/.bin/node bench/harness/capacity.ts\`); scenario ${scenario.name}, ` +
      `${settings.threads} generator thread(s), ${settings.seconds} s per run after ${settings.warmup} s warm-up, ${rounds} round(s)` +
      `${pin ? ', servers pinned with taskset' : ''}`,
    '',
    '| cores | threadis ops/s | p99 ms | k x redis-server ops/s | p99 ms | threadis / redis x k | threadis / 1 redis |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    ...points.map((p) => `| ${p.cores} | ${fmt(p.threadis)} | ${fmt(p.redisProcesses)} | ` +
      `${p.threadis && p.redisProcesses ? (p.threadis.opsPerSec / p.redisProcesses.opsPerSec).toFixed(2) : '–'} | ` +
      `${p.threadis && one ? (p.threadis.opsPerSec / one.opsPerSec).toFixed(2) : '–'} |`),
    '', `![capacity](${id}.svg)`, '',
  ].join('\n');
  writeFileSync(join(out, `${id}.md`), md);
  console.log(`\n${md}`);
  log(`wrote ${relative(REPO, join(out, id))}.{json,md,svg}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
