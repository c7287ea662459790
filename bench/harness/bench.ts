// `make bench`: stock redis-server and this server side by side, each
// scenario in alternating rounds, plus redis-benchmark as a cross-check.
// Writes bench/results/<stamp>.json, <stamp>.md and <stamp>/<scenario>.svg;
// with --check-only, just the cross-check: <stamp>-check.json and .md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileNameOf, findScenario, SCENARIOS } from '../scenarios.ts';
import type { Scenario } from '../scenarios.ts';
import { aggregate } from './aggregate.ts';
import { scenarioChart, summaryChart } from './bench-charts.ts';
import { benchMarkdown, checkMarkdown } from './markdown.ts';
import { redisBenchmark, redisBenchmarkArgs } from './redis-benchmark.ts';
import type { BenchReport, CheckRow, CheckSettings, ScenarioReport, ServerOutcome } from './report-types.ts';
import { flush, measure, prepare, probe, scenarioOptions } from './scenario-run.ts';
import type { MeasuredRun, RunSettings } from './scenario-run.ts';
import { ensureRedisInstalled, REPO, serverCommandLine, shellQuote, startRedis, startThreadis } from './servers.ts';
import type { ServerHandle } from './servers.ts';
import { machineInfo, stamp } from './sysinfo.ts';

const USAGE = `usage: node bench/harness/bench.ts [options]
  --duration SEC      measured seconds per run (3)
  --warmup SEC        warm-up seconds per run (1)
  --rounds N          alternating rounds per scenario (2)
  --scenarios a,b     scenario names (default set); "all" for every one
  --threads N         generator threads (cores/2)
  --clients N         connections per generator thread (50/threads)
  --pipeline N        default pipeline depth (16)
  --shards N          this server's shards (cores)
  --key-maximum N     keys 0..N (99999)
  --data-size N       value bytes (32)
  --servers LIST      redis,threadis (default) or redis (generator development only)
  --check-rounds N    alternating rounds of the redis-benchmark check (3); 0 to skip it
  --check-only        only the redis-benchmark check, no scenarios: <stamp>-check.json and .md
                      (--performance is then ignored, so bench/PERFORMANCE.md keeps the last full run)
  --port-base N       ports N (redis) and N+1 (threadis); default: free ports picked by the kernel
  --out DIR           results directory (bench/results)
  --performance FILE  also write the Markdown for README (paths relative to the repo root)`;

interface BenchArgs {
  settings: RunSettings;
  rounds: number;
  scenarios: Scenario[];
  shards: number;
  servers: string[];
  checkRounds: number;
  checkOnly: boolean;
  portBase: number;
  out: string;
  performance: string | null;
}

function parse(argv: readonly string[]): BenchArgs {
  const cores = availableParallelism();
  const threads = Math.max(1, Math.floor(cores / 2));
  const a: BenchArgs = {
    settings: { threads, clients: Math.ceil(50 / threads), pipeline: 16, seconds: 3, warmup: 1, keyMaximum: 99_999, dataSize: 32, seed: 1 },
    rounds: 2,
    scenarios: SCENARIOS.filter((s) => s.inDefaultSet),
    shards: cores,
    servers: ['redis', 'threadis'],
    checkRounds: 3,
    checkOnly: false,
    portBase: 0,
    out: join(REPO, 'bench/results'),
    performance: null,
  };
  let clientsSet = false;
  const s = a.settings as { -readonly [K in keyof RunSettings]: RunSettings[K] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${flag} needs a value`);
      return x;
    };
    const n = (): number => {
      const x = Number(v());
      if (!Number.isFinite(x) || x < 0) throw new Error(`${flag} needs a number`);
      return x;
    };
    switch (flag) {
      case '--duration': s.seconds = n(); break;
      case '--warmup': s.warmup = n(); break;
      case '--rounds': a.rounds = Math.max(1, n()); break;
      case '--scenarios': {
        const list = v();
        a.scenarios = list === 'all' ? [...SCENARIOS] : list.split(',').map(findScenario);
        break;
      }
      case '--threads': s.threads = Math.max(1, n()); break;
      case '--clients': s.clients = Math.max(1, n()); clientsSet = true; break;
      case '--pipeline': s.pipeline = Math.max(1, n()); break;
      case '--shards': a.shards = Math.max(1, n()); break;
      case '--key-maximum': s.keyMaximum = n(); break;
      case '--data-size': s.dataSize = n(); break;
      case '--servers': a.servers = v().split(','); break;
      case '--check-rounds': a.checkRounds = n(); break;
      case '--check-only': a.checkOnly = true; break;
      case '--port-base': a.portBase = n(); break;
      case '--out': a.out = v(); break;
      case '--performance': a.performance = v(); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (!clientsSet) s.clients = Math.ceil(50 / s.threads);
  for (const name of a.servers) if (name !== 'redis' && name !== 'threadis') throw new Error(`unknown server ${name}`);
  if (a.checkOnly && a.checkRounds === 0) throw new Error('--check-only with --check-rounds 0 has nothing to run');
  return a;
}

const log = (m: string): void => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function runScenario(sc: Scenario, a: BenchArgs, servers: ServerHandle[]): Promise<ScenarioReport> {
  const o0 = scenarioOptions(sc, a.settings, [0]);
  const outcomes: Record<string, ServerOutcome> = {};
  const live: ServerHandle[] = [];
  for (const srv of servers) {
    const o = { ...o0, ports: [srv.port] };
    await flush(srv);
    let err = await probe(srv.port, sc, o);
    if (err !== null && sc.prefill !== undefined) {
      // Its commands may need the prefill's keys (a stream's consumer group): probed again over them.
      err = await prepare(srv, sc, o).then(() => probe(srv.port, sc, o), (e: Error) => e.message);
    }
    if (err !== null) {
      log(`${sc.name}: ${srv.name} skipped: ${err}`);
      outcomes[srv.name] = { skipped: err, aggregate: null };
      continue;
    }
    await prepare(srv, sc, o);
    live.push(srv);
  }
  const runs = new Map<string, MeasuredRun[]>();
  for (let round = 0; round < a.rounds; round++) {
    for (const srv of live) {
      const m = await measure([srv], srv.name, round, { ...o0, ports: [srv.port] });
      const r = m.result;
      log(`${sc.name} round ${round + 1} ${srv.name}: ${r.opsPerSec.toLocaleString('en-US')} ops/s, p50 ${r.latencyMs.p50} ` +
        `p99 ${r.latencyMs.p99} p99.9 ${r.latencyMs.p999} max ${r.latencyMs.max} ms, errors ${r.errors}, ` +
        `server CPU ${m.serverCpuPct}%, client CPU ${r.clientCpu.processPct}%${r.clientBound ? ' CLIENT-BOUND' : ''}` +
        (r.errorTexts.length ? ` (${r.errorTexts[0]})` : ''));
      const list = runs.get(srv.name) ?? [];
      list.push(m);
      runs.set(srv.name, list);
    }
  }
  for (const [name, list] of runs) outcomes[name] = { skipped: null, aggregate: aggregate(list) };
  const gen = ['node_modules/.bin/node', 'bench/load.ts', '--scenario', sc.name, '-t', String(o0.threads), '-c', String(o0.clients),
    '--pipeline', String(o0.pipeline), '--key-maximum', String(o0.keyMaximum), '-d', String(o0.dataSize),
    '--test-time', String(o0.testTime), '--warmup', String(o0.warmup), '-p', 'PORT'];
  return { name: sc.name, description: sc.description, family: sc.family, pipeline: o0.pipeline, generatorCommand: shellQuote(gen), servers: outcomes };
}

/** A client at or above this % of one core is the bottleneck of its run. */
const CLIENT_BOUND_PCT = 90;
const CHECK_CLIENTS = 50;
const CHECK_TESTS = ['set', 'get'] as const;

function checkSettings(a: BenchArgs): CheckSettings {
  return {
    rounds: a.checkRounds, seconds: a.settings.seconds, warmup: a.settings.warmup, generatorPipelineBatch: true,
    clientBoundPct: CLIENT_BOUND_PCT, checkOnly: a.checkOnly,
  };
}

/** Generator (1 thread) vs redis-benchmark, same settings, alternating. */
async function runCheck(a: BenchArgs, servers: ServerHandle[]): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  for (const pipeline of [1, 16]) {
    for (const srv of servers) {
      try {
        rows.push(...(await checkOne(a, srv, pipeline, CHECK_CLIENTS)));
      } catch (e) {
        log(`check ${srv.name} P${pipeline} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return rows;
}

interface CheckSamples {
  genOps: number[];
  genCpu: number[];
  genThreadCpu: number[];
  rbOps: number[];
  rbCpu: number[];
  genServerCpu: number[];
  rbServerCpu: number[];
  /** The latest generator rate: redis-benchmark's -n is sized from it. */
  rate: number;
}

const mean = (xs: readonly number[]): number => Math.round(xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length));

/**
 * One server and pipeline depth: per round and test, one generator run and one
 * redis-benchmark run back to back, the generator first in even rounds and
 * redis-benchmark first in odd ones, so drift over the check hits both alike.
 * Both use the same clients, pipeline (the generator in batches, as -P sends
 * them), key range and prefix ("key:"), value size and command; redis-benchmark
 * runs one test per process so its CPU is that test's, and its -n is the
 * generator's rate times the measured seconds, for a similar duration. SET runs
 * before GET in every round, so each client's GETs find the keys its SETs wrote.
 */
async function checkOne(a: BenchArgs, srv: ServerHandle, pipeline: number, clients: number): Promise<CheckRow[]> {
  const samples: Record<string, CheckSamples> = {};
  let cmd = '';
  await flush(srv);
  for (let round = 0; round < a.checkRounds; round++) {
    for (const test of CHECK_TESTS) {
      const x = (samples[test] ??= { genOps: [], genCpu: [], genThreadCpu: [], rbOps: [], rbCpu: [], genServerCpu: [], rbServerCpu: [], rate: 0 });
      const gen = async (): Promise<void> => {
        const o = scenarioOptions(findScenario(test), { ...a.settings, threads: 1, clients, pipeline }, [srv.port]);
        o.pipeline = pipeline;
        o.pipelineBatch = true;
        const m = await measure([srv], srv.name, round, o);
        const r = m.result;
        x.genServerCpu.push(m.serverCpuPct);
        if (r.errors > 0) throw new Error(`generator ${test}: ${r.errors} errors (${r.errorTexts.join('; ')})`);
        x.genOps.push(r.opsPerSec);
        x.genCpu.push(r.clientCpu.processPct);
        x.genThreadCpu.push(r.clientCpu.busiestThreadPct);
        x.rate = r.opsPerSec;
      };
      const rb = async (): Promise<void> => {
        const settings = {
          port: srv.port, clients, pipeline, keyspace: a.settings.keyMaximum + 1, dataSize: a.settings.dataSize, tests: test,
          requests: Math.max(10_000, Math.round(x.rate * a.settings.seconds)),
        };
        cmd = `redis-benchmark ${shellQuote(redisBenchmarkArgs({ ...settings, port: 0, tests: 'TEST' })).replace('-p 0', '-p PORT')}`;
        const cpu0 = srv.cpuMs();
        const run = await redisBenchmark(settings);
        x.rbServerCpu.push(Math.round((100 * (srv.cpuMs() - cpu0)) / Math.max(1, run.wallSeconds * 1000)));
        const row = run.rows.find((r) => r.test.toLowerCase() === test);
        if (!row) throw new Error(`redis-benchmark printed no ${test} row`);
        x.rbOps.push(row.rps);
        x.rbCpu.push(run.cpuPct);
      };
      if (round % 2 === 0 || x.rate === 0) {
        await gen();
        await rb();
      } else {
        await rb();
        await gen();
      }
      log(`check ${srv.name} ${test} P${pipeline} round ${round + 1}: generator ${x.genOps.at(-1)!.toLocaleString('en-US')} ops/s ` +
        `(CPU ${x.genCpu.at(-1)}%, thread ${x.genThreadCpu.at(-1)}%), redis-benchmark ${Math.round(x.rbOps.at(-1)!).toLocaleString('en-US')} ops/s ` +
        `(CPU ${x.rbCpu.at(-1)}%); server CPU ${x.genServerCpu.at(-1)}% / ${x.rbServerCpu.at(-1)}%`);
    }
  }
  const rows: CheckRow[] = [];
  for (const test of CHECK_TESTS) {
    const x = samples[test]!;
    const genOps = mean(x.genOps);
    const rbOps = mean(x.rbOps);
    const ratio = rbOps > 0 ? genOps / rbOps : 0;
    const genThread = mean(x.genThreadCpu);
    const rbCpu = mean(x.rbCpu);
    const genBound = genThread >= CLIENT_BOUND_PCT;
    const rbBound = rbCpu >= CLIENT_BOUND_PCT;
    const within = Math.abs(ratio - 1) <= 0.1;
    const verdict = genBound && rbBound ? 'client-bound: both' : genBound ? 'client-bound: generator'
      : rbBound ? 'client-bound: redis-benchmark' : within ? 'yes' : 'no';
    rows.push({
      server: srv.name, test, pipeline, clients, rounds: x.genOps.length, generatorOpsPerSec: genOps, generatorClientCpuPct: mean(x.genCpu),
      generatorThreadCpuPct: genThread, generatorClientBound: genBound, redisBenchmarkOpsPerSec: rbOps, redisBenchmarkCpuPct: rbCpu,
      serverCpuPctGenerator: mean(x.genServerCpu), serverCpuPctRedisBenchmark: mean(x.rbServerCpu),
      redisBenchmarkClientBound: rbBound, ratio: Math.round(ratio * 1000) / 1000, withinTenPercent: within, verdict,
      redisBenchmarkCommand: cmd,
    });
    log(`check ${srv.name} ${test} P${pipeline}: generator ${genOps.toLocaleString('en-US')} vs redis-benchmark ` +
      `${rbOps.toLocaleString('en-US')} ops/s (x${ratio.toFixed(2)}), CPU ${genThread}% / ${rbCpu}%: ${verdict}`);
  }
  return rows;
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const t0 = performance.now();
  ensureRedisInstalled();
  const date = new Date();
  const id = stamp(date);
  const servers: ServerHandle[] = [];
  const serverCommands: Record<string, string> = {};
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });
  try {
    if (a.servers.includes('redis')) {
      servers.push(await startRedis(a.portBase));
      serverCommands.redis = serverCommandLine('redis');
    }
    if (a.servers.includes('threadis')) {
      servers.push(await startThreadis(a.portBase === 0 ? 0 : a.portBase + 1, a.shards));
      serverCommands.threadis = serverCommandLine('threadis', ['--shards', String(a.shards)]);
    }
    log(`servers: ${servers.map((s) => `${s.name} pid ${s.pid} port ${s.port}`).join(', ')}`);
    const scenarios: ScenarioReport[] = [];
    for (const sc of a.checkOnly ? [] : a.scenarios) {
      try {
        scenarios.push(await runScenario(sc, a, servers));
      } catch (e) {
        const why = `failed: ${e instanceof Error ? e.message : String(e)}`;
        log(`${sc.name} ${why}`);
        scenarios.push({ name: sc.name, description: sc.description, family: sc.family, pipeline: sc.pipeline ?? a.settings.pipeline,
          generatorCommand: '', servers: Object.fromEntries(servers.map((x) => [x.name, { skipped: why, aggregate: null }])) });
      }
    }
    const check = a.checkRounds > 0 ? await runCheck(a, servers) : [];
    const report: BenchReport = {
      kind: 'bench', date: date.toISOString(), stamp: id, machine: machineInfo(),
      settings: { ...a.settings, rounds: a.rounds, shards: a.shards }, serverCommands, servers: servers.map((s) => s.name),
      scenarios, check, ...(check.length > 0 ? { checkSettings: checkSettings(a) } : {}), seconds: Math.round((performance.now() - t0) / 1000),
    };
    if (a.checkOnly) {
      mkdirSync(a.out, { recursive: true });
      writeFileSync(join(a.out, `${id}-check.json`), `${JSON.stringify(report, null, 2)}\n`);
      const md = checkMarkdown(report, 1);
      writeFileSync(join(a.out, `${id}-check.md`), md);
      if (a.performance) log(`--check-only: ${relative(REPO, a.performance) || a.performance} left as it is (it holds the last full run)`);
      console.log(`\n${md}`);
      log(`wrote ${relative(REPO, join(a.out, `${id}-check.json`))} and ${id}-check.md`);
      return;
    }
    mkdirSync(join(a.out, id), { recursive: true });
    writeFileSync(join(a.out, `${id}.json`), `${JSON.stringify(report, null, 2)}\n`);
    for (const sc of scenarios) {
      if (Object.values(sc.servers).some((o) => o.aggregate)) writeFileSync(join(a.out, id, `${fileNameOf(sc.name)}.svg`), scenarioChart(report, sc));
    }
    writeFileSync(join(a.out, id, 'summary.svg'), summaryChart(report));
    const md = benchMarkdown(report, { chartBase: `${id}/`, level: 1, charts: true });
    writeFileSync(join(a.out, `${id}.md`), md);
    if (a.performance) {
      const base = `${relative(REPO, join(a.out, id))}/`;
      writeFileSync(a.performance, benchMarkdown(report, { chartBase: base, level: 3, charts: true }));
    }
    console.log(`\n${md}`);
    log(`wrote ${relative(REPO, join(a.out, `${id}.json`))}, ${id}.md and ${id}/*.svg`);
  } finally {
    await stopAll();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
