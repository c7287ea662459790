// `make fill`: loads N keys (16-byte keys, 32-byte values) into a fresh stock
// redis-server, then into a fresh server of this project, one after the other,
// and reports bytes per key (INFO used_memory and the process's RSS) and the
// GET latency that one steady client saw while the keys went in.
// Writes bench/results/fill-<stamp>.json and .md.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { Histogram } from 'hdr-histogram-js';
import { defaultOptions } from '../generator/options.ts';
import type { LoadOptions } from '../generator/options.ts';
import { ReplyReader } from '../generator/reply-reader.ts';
import type { ReplySink } from '../generator/reply-reader.ts';
import { runLoad } from '../generator/run.ts';
import type { LatencySummary } from '../generator/run.ts';
import { newHistogram } from '../generator/worker.ts';
import { findScenario } from '../scenarios.ts';
import {
  ensureRedisInstalled, infoFields, processMemory, rawCommand, REPO, serverCommandLine, shellQuote, startRedis, startThreadis,
} from './servers.ts';
import type { ServerHandle, ServerKind } from './servers.ts';
import { describeMachine, machineInfo, stamp } from './sysinfo.ts';
import type { MachineInfo } from './sysinfo.ts';

const USAGE = `usage: node bench/harness/fill.ts [options]
  --keys LIST         key counts, comma-separated (1000000,10000000)
  --shards N          this server's shards (cores)
  --clients N         loader connections (4)
  --pipeline N        SETs in flight per loader connection (64)
  --servers LIST      redis,threadis (default) or one of them
  --settle SEC        pause between the end of the fill and the memory reading (1)
  --timeout SEC       limit per fill; the server is stopped past it (60 + keys / 10000)
  --server-cpus LIST  start the servers under taskset -c LIST
  --client-cpus LIST  pin this process (loader and probe) to LIST with taskset
  --out DIR           results directory (bench/results)`;

/** "k:" and 14 digits: every key is 16 bytes. */
const KEY_PREFIX = 'k:';
const KEY_DIGITS = 14;
const VALUE_BYTES = 32;
/** A GET slower than this is a pause. */
const PAUSE_MS = 5;
const PROGRESS_EVERY_MS = 10_000;

interface FillArgs {
  keys: number[];
  shards: number;
  clients: number;
  pipeline: number;
  servers: ServerKind[];
  settleSeconds: number;
  timeoutSeconds: number;
  serverCpus: string;
  clientCpus: string;
  out: string;
}

function parse(argv: readonly string[]): FillArgs {
  const a: FillArgs = {
    keys: [1_000_000, 10_000_000], shards: availableParallelism(), clients: 4, pipeline: 64, servers: ['redis', 'threadis'],
    settleSeconds: 1, timeoutSeconds: 0, serverCpus: '', clientCpus: '', out: join(REPO, 'bench/results'),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${flag} needs a value`);
      return x;
    };
    const n = (text = v()): number => {
      const x = Number(text);
      if (!Number.isInteger(x) || x < 0) throw new Error(`${flag} needs a whole number, not ${text}`);
      return x;
    };
    switch (flag) {
      case '--keys': a.keys = v().split(',').map((k) => n(k.replace(/_/g, ''))); break;
      case '--shards': a.shards = Math.max(1, n()); break;
      case '--clients': a.clients = Math.max(1, n()); break;
      case '--pipeline': a.pipeline = Math.max(1, n()); break;
      case '--servers': a.servers = v().split(',') as ServerKind[]; break;
      case '--settle': a.settleSeconds = n(); break;
      case '--timeout': a.timeoutSeconds = n(); break;
      case '--server-cpus': a.serverCpus = v(); break;
      case '--client-cpus': a.clientCpus = v(); break;
      case '--out': a.out = v(); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  for (const s of a.servers) if (s !== 'redis' && s !== 'threadis') throw new Error(`unknown server ${s}`);
  for (const k of a.keys) if (k < 1 || k >= 10 ** KEY_DIGITS) throw new Error(`--keys: ${k} is out of range`);
  return a;
}

const log = (m: string): void => console.log(`[fill ${new Date().toISOString().slice(11, 19)}] ${m}`);

function keyName(index: number): string {
  return KEY_PREFIX + String(index).padStart(KEY_DIGITS, '0');
}

/** One connection sending GET <key>, the next one when the reply has arrived; latencies in µs. */
class GetProbe implements ReplySink {
  readonly histogram: Histogram = newHistogram();
  gets = 0;
  errors = 0;
  pauses = 0;
  errorText = '';
  private readonly socket: net.Socket;
  private readonly reader: ReplyReader;
  private readonly request: Buffer;
  private sentAt = 0;
  private stopping = false;
  private finished = false;
  private resolveStopped: () => void = () => {};
  private readonly stopped: Promise<void>;

  constructor(port: number, key: string) {
    this.request = Buffer.from(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`, 'latin1');
    this.reader = new ReplyReader(this);
    this.stopped = new Promise<void>((r) => {
      this.resolveStopped = r;
    });
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (d: Buffer) => this.reader.feed(d));
    this.socket.on('error', (e: Error) => {
      this.errorText ||= `connection: ${e.message}`;
      this.finish();
    });
    this.socket.on('close', () => this.finish());
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(): void {
    this.sentAt = performance.now();
    this.socket.write(this.request);
  }

  onReply(error: boolean): void {
    const ms = performance.now() - this.sentAt;
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
    this.gets++;
    if (ms > PAUSE_MS) this.pauses++;
    if (error) this.errors++;
    if (this.stopping) this.finish();
    else this.send();
  }

  onErrorText(text: string): void {
    this.errorText ||= text;
  }

  /** Stops after the reply in flight (or after timeoutMs without it). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const timer = setTimeout(() => this.finish(), timeoutMs);
    await this.stopped;
    clearTimeout(timer);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.socket.destroy();
    this.resolveStopped();
  }
}

interface ProbeSummary extends Omit<LatencySummary, 'mean'> {
  readonly gets: number;
  readonly errors: number;
  /** GETs slower than PAUSE_MS. */
  readonly overPauseLimit: number;
}

function probeSummary(p: GetProbe): ProbeSummary {
  const h = p.histogram;
  // A percentile is its bucket's upper end, which can be above the largest value recorded.
  const ms = (us: number): number => Math.round(Math.min(us, h.maxValue)) / 1000;
  return {
    gets: p.gets, errors: p.errors, overPauseLimit: p.pauses,
    p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)), p999: ms(h.getValueAtPercentile(99.9)), max: ms(h.maxValue),
  };
}

interface MemoryReading {
  /** INFO memory used_memory, bytes. */
  readonly usedMemory: number;
  /** VmRSS and VmHWM of the server process, bytes. */
  readonly rss: number;
  readonly peakRss: number;
}

async function readMemory(server: ServerHandle): Promise<MemoryReading> {
  const info = await infoFields(server.port, 'memory');
  return { usedMemory: Number(info.get('used_memory')), ...processMemory(server.pid) };
}

interface FillResult {
  readonly before: MemoryReading;
  readonly after: MemoryReading;
  /** Totals after the fill / keys, and (after - before) / keys. */
  readonly bytesPerKey: { readonly usedMemory: number; readonly usedMemoryGrowth: number; readonly rss: number; readonly rssGrowth: number };
  readonly dbsize: number;
  readonly fillSeconds: number;
  readonly setsPerSec: number;
  readonly sets: number;
  readonly setErrors: number;
  readonly setLatencyMs: LatencySummary;
  readonly probe: ProbeSummary;
}

interface FillRun {
  readonly server: ServerKind;
  readonly keys: number;
  /** Null when the run failed before the fill ended. */
  readonly result: FillResult | null;
  readonly error: string | null;
}

/** The loader: `clients` connections, each SETting its own slice of the keys once, `pipeline` in flight. */
function loaderOptions(port: number, keys: number, a: FillArgs): LoadOptions {
  const o = defaultOptions();
  const clients = Math.min(a.clients, keys);
  o.ports = [port];
  o.threads = 1;
  o.clients = clients;
  o.pipeline = a.pipeline;
  o.mix = findScenario('set').mix;
  o.label = `fill ${keys}`;
  o.keyPattern = 'sequential';
  o.keyMinimum = 0;
  o.keyMaximum = keys - 1;
  o.keyPrefix = KEY_PREFIX;
  o.keyDigits = KEY_DIGITS;
  o.dataSize = VALUE_BYTES;
  // Slices differ by at most one key; a shorter one rewrites its first key once.
  o.requests = Math.ceil(keys / clients);
  return o;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The server of the run in progress, stopped on Ctrl-C. */
let running: ServerHandle | null = null;

async function fillOnce(kind: ServerKind, keys: number, a: FillArgs): Promise<FillRun> {
  const opts = { wrap: a.serverCpus ? ['taskset', '-c', a.serverCpus] : [] };
  let server: ServerHandle;
  try {
    server = kind === 'redis' ? await startRedis(0, opts) : await startThreadis(0, a.shards, 20_000, opts);
  } catch (e) {
    return { server: kind, keys, result: null, error: e instanceof Error ? e.message : String(e) };
  }
  running = server;
  let probe: GetProbe | null = null;
  let progress: NodeJS.Timeout | undefined;
  try {
    const before = await readMemory(server);
    const probeKey = keyName(0); // the loader writes it again, with the same value
    const ok = await rawCommand(server.port, `SET ${probeKey} ${'x'.repeat(VALUE_BYTES)}`);
    if (ok !== '+OK') throw new Error(`SET ${probeKey}: ${ok}`);
    const p = (probe = new GetProbe(server.port, probeKey));
    await p.connected();
    const t0 = performance.now();
    progress = setInterval(() => {
      log(`  ${kind} ${keys.toLocaleString('en-US')} keys: ${Math.round((performance.now() - t0) / 1000)} s, ${p.gets.toLocaleString('en-US')} GETs, ` +
        `max ${round1(p.histogram.maxValue / 1000)} ms, RSS ${Math.round(processMemory(server.pid).rss / 2 ** 20)} MiB`);
    }, PROGRESS_EVERY_MS);
    const timeoutSeconds = a.timeoutSeconds || Math.round(60 + keys / 10_000);
    let timer: NodeJS.Timeout | undefined;
    const load = runLoad(loaderOptions(server.port, keys, a), () => p.send());
    const deadline = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), timeoutSeconds * 1000);
    });
    const loaded = await Promise.race([load, deadline]);
    clearTimeout(timer);
    if (loaded === null) {
      // Stopping the server closes the loader's connections, which ends it.
      await server.stop();
      await load.catch(() => null);
      throw new Error(`the fill did not finish within ${timeoutSeconds} s`);
    }
    await p.stop(5000);
    clearInterval(progress);
    const probeResult = probeSummary(p);
    const dbsize = Number((await rawCommand(server.port, 'DBSIZE')).slice(1));
    await sleep(a.settleSeconds * 1000);
    const after = await readMemory(server);
    const perKey = (x: number): number => round1(x / keys);
    const result: FillResult = {
      before, after,
      bytesPerKey: {
        usedMemory: perKey(after.usedMemory), usedMemoryGrowth: perKey(after.usedMemory - before.usedMemory),
        rss: perKey(after.rss), rssGrowth: perKey(after.rss - before.rss),
      },
      dbsize, fillSeconds: loaded.seconds, setsPerSec: loaded.opsPerSec, sets: loaded.ops, setErrors: loaded.errors,
      setLatencyMs: loaded.latencyMs, probe: probeResult,
    };
    const problems: string[] = [];
    if (dbsize !== keys) problems.push(`DBSIZE ${dbsize} after loading ${keys} keys`);
    if (loaded.errors > 0) problems.push(`${loaded.errors} SET errors (${loaded.errorTexts.join('; ')})`);
    if (probeResult.errors > 0 || p.errorText) problems.push(`probe: ${probeResult.errors} GET errors ${p.errorText}`.trim());
    return { server: kind, keys, result, error: problems.length > 0 ? problems.join('; ') : null };
  } catch (e) {
    return { server: kind, keys, result: null, error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearInterval(progress);
    await probe?.stop(0);
    await server.stop();
    running = null;
  }
}

interface FillReport {
  readonly kind: 'fill';
  readonly date: string;
  readonly stamp: string;
  readonly machine: MachineInfo;
  /** The run's command line, as a make target and as the node command it runs. */
  readonly command: { readonly make: string; readonly node: string };
  readonly settings: Omit<FillArgs, 'out'> & { readonly keyBytes: number; readonly valueBytes: number; readonly pauseMs: number };
  readonly serverCommands: Record<string, string>;
  readonly runs: FillRun[];
  readonly seconds: number;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function fillMarkdown(r: FillReport): string {
  const s = r.settings;
  const out: string[] = [];
  out.push(`# Fill ${r.stamp}: bytes per key, and GET latency while loading`, '');
  out.push(`- Date: ${r.date}`);
  out.push(`- Machine: ${describeMachine(r.machine)}`);
  out.push(`- Command: \`${r.command.make}\` (\`${r.command.node}\`); total ${r.seconds} s`);
  out.push(`- Load: ${s.clients} connections, each SETting its own slice of the keys once, ${s.pipeline} SETs in flight; ` +
    `keys \`${keyName(0)}\`.. (${s.keyBytes} bytes), ${s.valueBytes}-byte values; a fresh server per run, one at a time` +
    (s.serverCpus ? `; servers on CPUs ${s.serverCpus}` : '') + (s.clientCpus ? `; loader and probe on CPUs ${s.clientCpus}` : ''));
  out.push(`- Probe: one more connection sending \`GET ${keyName(0)}\`, one at a time, from the start of the fill to its end (and the few ms the loader takes to close)`);
  for (const [name, cmd] of Object.entries(r.serverCommands)) out.push(`- ${name}: \`${cmd}\``);
  out.push('');
  out.push(`Bytes per key: INFO memory used_memory and the server process's VmRSS after the fill (${s.settleSeconds} s after its end), ` +
    `divided by the keys; "growth" subtracts the empty server's reading first. Latencies in ms. ` +
    `Goal: no more bytes per key than stock Redis, and no GET over ${s.pauseMs} ms.`, '');
  const names = [...new Set(r.runs.map((x) => x.server))];
  for (const keys of s.keys) {
    const runs = names.map((n) => r.runs.find((x) => x.server === n && x.keys === keys));
    const res = runs.map((x) => x?.result ?? null);
    const ratioOf = names.length === 2 && names[0] === 'redis';
    out.push(`## ${fmtInt(keys)} keys`, '');
    out.push(`| | ${names.join(' | ')} |${ratioOf ? ` ${names[1]} / ${names[0]} |` : ''}`);
    out.push(`|---|${names.map(() => '--:|').join('')}${ratioOf ? '--:|' : ''}`);
    /** A table row: each server's cell, and the ratio of `value`. */
    const row = (label: string, value: (x: FillResult) => number, cell: (x: FillResult) => string = (x) => String(value(x))): void => {
      const cells = res.map((x) => (x ? cell(x) : '–'));
      const [first, second] = res;
      const ratio = !ratioOf ? '' : first && second && value(first) > 0 ? ` ${(value(second) / value(first)).toFixed(2)} |` : ' – |';
      out.push(`| ${label} | ${cells.join(' | ')} |${ratio}`);
    };
    row('used_memory bytes/key', (x) => x.bytesPerKey.usedMemory);
    row('used_memory growth bytes/key', (x) => x.bytesPerKey.usedMemoryGrowth);
    row('RSS bytes/key', (x) => x.bytesPerKey.rss);
    row('RSS growth bytes/key', (x) => x.bytesPerKey.rssGrowth);
    row('used_memory empty / full, MiB', (x) => x.after.usedMemory, (x) => `${mib(x.before.usedMemory)} / ${mib(x.after.usedMemory)}`);
    row('RSS empty / full / peak, MiB', (x) => x.after.rss, (x) => `${mib(x.before.rss)} / ${mib(x.after.rss)} / ${mib(x.after.peakRss)}`);
    row('fill time, s', (x) => x.fillSeconds);
    row('SET/s', (x) => x.setsPerSec, (x) => fmtInt(x.setsPerSec));
    row('SET p99 / max, ms', (x) => x.setLatencyMs.max, (x) => `${x.setLatencyMs.p99} / ${x.setLatencyMs.max}`);
    row('probe GETs', (x) => x.probe.gets, (x) => fmtInt(x.probe.gets));
    row('GET p50 ms', (x) => x.probe.p50);
    row('GET p99 ms', (x) => x.probe.p99);
    row('GET p99.9 ms', (x) => x.probe.p999);
    row('GET max ms', (x) => x.probe.max);
    row(`GETs over ${s.pauseMs} ms`, (x) => x.probe.overPauseLimit);
    out.push('');
    const [redis, threadis] = ratioOf ? res : [null, null];
    if (redis && threadis) {
      const verdict = (ok: boolean): string => (ok ? 'yes' : '**no**');
      out.push(`Goal for ${names[1]}: used_memory/key ≤ redis: ${verdict(threadis.bytesPerKey.usedMemory <= redis.bytesPerKey.usedMemory)}; ` +
        `RSS/key ≤ redis: ${verdict(threadis.bytesPerKey.rss <= redis.bytesPerKey.rss)}; ` +
        `no GET over ${s.pauseMs} ms: ${verdict(threadis.probe.overPauseLimit === 0)} (redis: ${verdict(redis.probe.overPauseLimit === 0)})`, '');
    }
    for (const x of runs) if (x?.error) out.push(`- ${x.server}: ${x.error.replace(/\n/g, ' ').slice(0, 300)}`);
    if (runs.some((x) => x?.error)) out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const a = parse(argv);
  ensureRedisInstalled();
  process.once('SIGINT', () => {
    void (running?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  });
  if (a.clientCpus) execFileSync('taskset', ['-a', '-pc', a.clientCpus, String(process.pid)], { stdio: 'ignore' });
  const t0 = performance.now();
  const date = new Date();
  const id = `fill-${stamp(date)}`;
  const runs: FillRun[] = [];
  for (const keys of a.keys) {
    for (const kind of a.servers) {
      log(`${kind}: loading ${keys.toLocaleString('en-US')} keys`);
      const run = await fillOnce(kind, keys, a);
      runs.push(run);
      const x = run.result;
      if (x) {
        log(`${kind} ${keys.toLocaleString('en-US')} keys: used_memory ${x.bytesPerKey.usedMemory} B/key, RSS ${x.bytesPerKey.rss} B/key, ` +
          `${x.fillSeconds} s (${fmtInt(x.setsPerSec)} SET/s); GET p99.9 ${x.probe.p999} max ${x.probe.max} ms, ` +
          `${x.probe.overPauseLimit} over ${PAUSE_MS} ms`);
      }
      if (run.error) log(`${kind} ${keys.toLocaleString('en-US')} keys: ${run.error}`);
    }
  }
  const { out: _out, ...settings } = a;
  const serverCommands: Record<string, string> = {};
  const wrap = a.serverCpus ? `taskset -c ${a.serverCpus} ` : '';
  if (a.servers.includes('redis')) serverCommands.redis = wrap + serverCommandLine('redis');
  if (a.servers.includes('threadis')) serverCommands.threadis = wrap + serverCommandLine('threadis', ['--shards', String(a.shards)]);
  const report: FillReport = {
    kind: 'fill', date: date.toISOString(), stamp: id, machine: machineInfo(),
    command: {
      make: argv.length > 0 ? `make fill FILL_ARGS="${shellQuote(argv)}"` : 'make fill',
      node: `node_modules/.bin/node bench/harness/fill.ts ${shellQuote(argv)}`.trim(),
    },
    settings: { ...settings, keyBytes: KEY_PREFIX.length + KEY_DIGITS, valueBytes: VALUE_BYTES, pauseMs: PAUSE_MS },
    serverCommands, runs, seconds: Math.round((performance.now() - t0) / 1000),
  };
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, `${id}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = fillMarkdown(report);
  writeFileSync(join(a.out, `${id}.md`), md);
  console.log(`\n${md}`);
  log(`wrote ${relative(REPO, join(a.out, id))}.{json,md}`);
  if (runs.some((r) => r.error)) process.exitCode = 2;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
