// `make flame`: flamegraphs of this server under GET/SET load with pipelining.
//  1. clinic flame (npm "clinic", through its @clinic/flame API: the clinic
//     CLI wrapper exits silently on Node 26) on `--shards 1`, where all the
//     work is on the main thread: clinic's HTML, and an SVG of the same
//     samples by bench/flamegraph.
//  2. `--shards N` with node --cpu-prof --cpu-prof-dir: one .cpuprofile per
//     thread (main + each shard worker), each turned into an SVG.
// Writes flamegraphs/*.svg, flamegraphs/*.html and flamegraphs/README.md.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, join, relative } from 'node:path';
import { flamegraphSvg } from '../flamegraph/flamegraph-svg.ts';
import { loadProfile } from '../flamegraph/convert.ts';
import { topCosts } from '../flamegraph/profile-tree.ts';
import type { CostSummary } from '../flamegraph/profile-tree.ts';
import type { LoadOptions } from '../generator/options.ts';
import type { LoadResult } from '../generator/run.ts';
import { runLoad } from '../generator/run.ts';
import { findScenario } from '../scenarios.ts';
import { prepare, scenarioOptions } from './scenario-run.ts';
import { COMMON_SETTINGS, freePort, REPO, threadisCommand, TMP, waitForPing } from './servers.ts';
import type { ServerHandle } from './servers.ts';
import { describeMachine, machineInfo } from './sysinfo.ts';

interface ClinicFlameTool {
  on(event: 'port', f: (port: number, proc: unknown, cb: () => void) => void): void;
  collect(args: string[], cb: (err: Error | null, dir: string) => void): void;
  visualize(dir: string, out: string, cb: (err: Error | null) => void): void;
}
type ClinicFlameCtor = new (o: { detectPort: boolean; dest: string; name: string }) => ClinicFlameTool;

const USAGE = `usage: node bench/harness/flame.ts [options]
  --duration SEC   load seconds per profile (10)
  --pipeline N     (16)
  --shards N       shards of the multi-thread profile (cores, at least 2)
  --no-clinic      skip the clinic flame profile
  --port N         (default: a free port picked by the kernel)
  --out DIR        (flamegraphs)`;

const log = (m: string): void => console.log(`[flame ${new Date().toISOString().slice(11, 19)}] ${m}`);

interface ProfileEntry {
  readonly title: string;
  readonly svg: string;
  readonly html?: string;
  readonly costs: CostSummary;
}

function loadOptions(port: number, duration: number, pipeline: number): LoadOptions {
  const sc = findScenario('set-get-1:10');
  const cores = availableParallelism();
  const o = scenarioOptions(sc, {
    threads: Math.max(1, Math.floor(cores / 2)), clients: 50, pipeline, seconds: duration, warmup: 0, keyMaximum: 99_999, dataSize: 32, seed: 1,
  }, [port]);
  o.mix = [{ weight: 1, send: [['SET', '$key', '$value']] }, { weight: 1, send: [['GET', '$key']] }];
  o.label = 'set-get-1:1';
  return o;
}

async function loadServer(port: number, o: LoadOptions): Promise<LoadResult> {
  const fake: ServerHandle = { kind: 'threadis', name: 'threadis', port, pid: 0, cpuMs: () => 0, stop: async () => {} };
  await prepare(fake, findScenario('get'), { ...o, ports: [port] });
  const r = await runLoad(o);
  log(`load: ${r.opsPerSec.toLocaleString('en-US')} ops/s, p99 ${r.latencyMs.p99} ms, errors ${r.errors}`);
  return r;
}

function serverArgs(port: number, shards: number, dir: string): string[] {
  return ['--port', String(port), ...COMMON_SETTINGS, '--dir', dir, '--shards', String(shards)];
}

async function clinicProfile(out: string, port: number, o: LoadOptions): Promise<{ entry: ProfileEntry; load: LoadResult }> {
  const require = createRequire(import.meta.url);
  const ClinicFlame = require('@clinic/flame') as ClinicFlameCtor;
  const dest = join(TMP, 'clinic');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const tool = new ClinicFlame({ detectPort: true, dest, name: 'shards1' });
  let load: LoadResult | null = null;
  let loadError: unknown = null;
  tool.on('port', (_port, _proc, cb) => {
    // The port clinic saw may be another listener: load the one we asked for.
    waitForPing(port, 20_000)
      .then(() => loadServer(port, o))
      .then((r) => {
        load = r;
      }, (e: unknown) => {
        loadError = e;
      })
      .finally(cb);
  });
  const [node, ...rest] = threadisCommand();
  const dataDir = join(TMP, 'clinic-data');
  mkdirSync(dataDir, { recursive: true });
  log('clinic flame: starting --shards 1');
  const dir = await new Promise<string>((resolve, reject) => {
    tool.collect([node!, ...rest, ...serverArgs(port, 1, dataDir)], (err, d) => (err ? reject(err) : resolve(d)));
  });
  if (loadError) throw loadError;
  if (!load) throw new Error('clinic flame: the load did not run');
  const html = join(out, 'clinic-flame-shards1-getset-p16.html');
  await new Promise<void>((resolve, reject) => tool.visualize(dir, html, (err) => (err ? reject(err) : resolve())));
  const samples = readdirSync(dir).find((f) => f.endsWith('-samples'));
  if (!samples) throw new Error(`no samples in ${dir}`);
  const tree = loadProfile(join(dir, samples), REPO);
  const costs = topCosts(tree, 15);
  const svg = join(out, 'shards1-getset-p16.svg');
  const title = `threadis --shards 1, GET/SET 1:1, pipeline ${o.pipeline} (clinic flame samples)`;
  writeFileSync(svg, flamegraphSvg(tree, title, `${costs.samples} samples; ${summaryLine(load)}`));
  return { entry: { title, svg, html, costs }, load };
}

function summaryLine(r: LoadResult): string {
  return `${r.opsPerSec.toLocaleString('en-US')} ops/s, p99 ${r.latencyMs.p99} ms, ${r.options.threads}x${r.options.clients} clients`;
}

async function cpuProfiles(out: string, port: number, shards: number, o: LoadOptions): Promise<{ entries: ProfileEntry[]; load: LoadResult }> {
  const profDir = join(TMP, 'cpuprof');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const dataDir = join(TMP, 'cpuprof-data');
  mkdirSync(dataDir, { recursive: true });
  const [node, ...rest] = threadisCommand();
  const args = ['--cpu-prof', '--cpu-prof-dir', profDir, ...rest, ...serverArgs(port, shards, dataDir)];
  log(`--cpu-prof: starting --shards ${shards}`);
  const child = spawn(node!, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let load: LoadResult;
  try {
    await waitForPing(port, 20_000, child);
    load = await loadServer(port, o);
  } finally {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) throw new Error('no .cpuprofile written: does the server exit cleanly on SIGTERM?');
  for (const f of readdirSync(out)) if (/^shards\d+-getset-p\d+-thread\d+\.svg$/.test(f)) rmSync(join(out, f));
  const entries: ProfileEntry[] = [];
  // CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile: thread 0 is the main thread.
  for (const f of files) {
    const tid = Number(f.split('.')[4]);
    const tree = loadProfile(join(profDir, f), REPO);
    const costs = topCosts(tree, 15);
    const who = tid === 0 ? 'main thread' : `worker thread ${tid}`;
    const title = `threadis --shards ${shards}, ${who}, GET/SET 1:1, pipeline ${o.pipeline} (--cpu-prof)`;
    const svg = join(out, `shards${shards}-getset-p${o.pipeline}-thread${tid}.svg`);
    writeFileSync(svg, flamegraphSvg(tree, title, `${costs.samples} samples, ${costs.idlePct}% idle; ${summaryLine(load)}`));
    entries.push({ title, svg, costs });
  }
  return { entries, load };
}

function costsMarkdown(e: ProfileEntry): string {
  const c = e.costs;
  const lines = [
    `#### ${e.title}`, '',
    `[${basename(e.svg)}](${basename(e.svg)})` + (e.html ? ` · clinic: [${basename(e.html)}](${basename(e.html)})` : ''), '',
    `${c.samples} samples, ${c.idlePct}% idle. Busy time by origin: ${c.byKind.map((k) => `${k.kind} ${k.pct}%`).join(', ')}.`, '',
    '| self % of busy | origin | function |', '|--:|---|---|',
    ...c.bySelf.map((x) => `| ${x.pct} | ${x.kind} | \`${x.name.replace(/\|/g, '\\|')}\` |`), '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let duration = 10;
  let pipeline = 16;
  let shards = Math.max(2, availableParallelism());
  let clinic = true;
  let port = 0;
  let out = join(REPO, 'flamegraphs');
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const n = (): number => Number(argv[++i]);
    switch (flag) {
      case '--duration': duration = n(); break;
      case '--pipeline': pipeline = n(); break;
      case '--shards': shards = n(); break;
      case '--no-clinic': clinic = false; break;
      case '--port': port = n(); break;
      case '--out': out = argv[++i] ?? out; break;
      case '-h': case '--help': console.log(USAGE); return;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  mkdirSync(out, { recursive: true });
  if (port === 0) port = await freePort();
  const o = loadOptions(port, duration, pipeline);
  const entries: ProfileEntry[] = [];
  const loads: string[] = [];
  if (clinic) {
    const c = await clinicProfile(out, port, o);
    entries.push(c.entry);
    loads.push(`--shards 1 under clinic: ${summaryLine(c.load)}`);
  }
  const m = await cpuProfiles(out, port, shards, o);
  entries.push(...m.entries);
  loads.push(`--shards ${shards} under --cpu-prof: ${summaryLine(m.load)}`);
  const notes = join(out, 'NOTES.md');
  const readme = [
    '# Flamegraphs', '',
    '<!-- Generated by `make flame` (bench/harness/flame.ts); hand-written notes go in NOTES.md, included below. -->', '',
    `Made ${new Date().toISOString()} on ${describeMachine(machineInfo())}.`, '',
    '## How they were made', '',
    '`make flame` (`node_modules/.bin/node bench/harness/flame.ts`) starts the server and loads it with the benchmark generator ' +
      `(bench/load.ts: GET/SET 1:1, uniform keys over 100,000 prefilled keys, 32-byte values, pipeline ${pipeline}, ` +
      `${o.threads} generator thread(s) x ${o.clients} connections, ${duration} s), on loopback:`, '',
    '1. **clinic flame on `--shards 1`** (everything on the main thread). `clinic` is the npm package (devDependency); ' +
      'its CLI wrapper exits silently on Node 26, so the harness drives `@clinic/flame` through its API (collect, with the ' +
      'port detection that runs the load once the server listens; then visualize). Output: clinic\'s interactive HTML, and an SVG of ' +
      'the same samples drawn by our converter (bench/flamegraph/).',
    `2. **\`--cpu-prof\` on \`--shards ${shards}\`**: \`node --cpu-prof --cpu-prof-dir DIR src/main.js ...\` writes one ` +
      '.cpuprofile per thread (the main thread and each shard worker) when the server exits on SIGTERM; ' +
      'bench/flamegraph/convert.ts turns each into an SVG flamegraph (our own small converter: no flamegraph dependency).', '',
    'Reading the SVGs: root at the bottom, width = samples; colours by origin: orange = our code, yellow = Node internals ' +
      '(node:...), green = npm dependencies, grey = native/V8 builtins, red = GC, light blue = idle. Hover a frame for its ' +
      'samples. Any .cpuprofile also opens in Chrome DevTools or speedscope; `node bench/flamegraph/convert.ts IN.cpuprofile OUT.svg` ' +
      'redraws one.', '',
    '## Load during the profiles', '', ...loads.map((l) => `- ${l}`), '',
    '## Top costs (self time, % of busy samples)', '',
    ...entries.map(costsMarkdown),
    ...(existsSync(notes) ? ['## Notes', '', readFileSync(notes, 'utf8')] : []),
  ].join('\n');
  writeFileSync(join(out, 'README.md'), `${readme}\n`);
  log(`wrote ${entries.map((e) => relative(REPO, e.svg)).join(', ')} and ${relative(REPO, join(out, 'README.md'))}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
