// `make fill-collections`: the memory a collection's elements take, in this
// server and in stock redis-server, side by side. For each dataset, a fresh
// server of each kind is started, its used_memory and RSS read, the dataset
// loaded over pipelined connections, and the readings taken again: bytes per
// element from the growth of each. Datasets:
//   hashes      N hashes of 10 fields ("f0".."f9", 8-byte values): listpack in both
//   big-hash    one hash of N fields (8-byte fields and values): hashtable
//   int-set     one set of N integers: hashtable in both (past set-max-intset-entries)
//   string-set  one set of N short strings (10 bytes): hashtable
// Writes bench/results/fill-collections-<stamp>.json and .md.

import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, relative } from 'node:path';
import { ReplyReader } from '../generator/reply-reader.ts';
import { ensureRedisInstalled, infoFields, processMemory, REPO, serverCommandLine, startRedis, startThreadis } from './servers.ts';
import type { ServerHandle, ServerKind } from './servers.ts';
import { describeMachine, machineInfo, stamp } from './sysinfo.ts';

const USAGE = `usage: node bench/harness/fill-collections.ts [options]
  --elements N      elements per dataset (1000000): fields, members; the hashes dataset makes N/10 hashes
  --datasets LIST   hashes,big-hash,int-set,string-set (all)
  --shards N        this server's shards (1: the collections of one dataset live on one shard anyway)
  --servers LIST    redis,threadis (default) or one of them
  --out DIR         results directory (bench/results)`;

const DATASETS = ['hashes', 'big-hash', 'int-set', 'string-set'] as const;
type Dataset = (typeof DATASETS)[number];
/** Elements per command for the one-key datasets. */
const BATCH = 100;
/** Commands in flight per connection. */
const WINDOW = 64;
const CONNECTIONS = 4;

interface Args {
  elements: number;
  datasets: Dataset[];
  shards: number;
  servers: ServerKind[];
  out: string;
}

function parse(argv: readonly string[]): Args {
  const a: Args = { elements: 1_000_000, datasets: [...DATASETS], shards: 1, servers: ['redis', 'threadis'], out: join(REPO, 'bench/results') };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${flag} needs a value`);
      return x;
    };
    switch (flag) {
      case '--elements': a.elements = Number(v().replace(/_/g, '')); break;
      case '--datasets': a.datasets = v().split(',') as Dataset[]; break;
      case '--shards': a.shards = Math.max(1, Number(v())); break;
      case '--servers': a.servers = v().split(',') as ServerKind[]; break;
      case '--out': a.out = v(); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (!Number.isInteger(a.elements) || a.elements < 10) throw new Error('--elements needs a whole number of at least 10');
  for (const d of a.datasets) if (!DATASETS.includes(d)) throw new Error(`unknown dataset ${d}`);
  return a;
}

function resp(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The commands that load `dataset`, one at a time, by index. */
function commandsOf(dataset: Dataset, elements: number): { count: number; command(i: number): string } {
  switch (dataset) {
    case 'hashes':
      return {
        count: Math.floor(elements / 10),
        command: (i) => resp(['HSET', `h:${pad(i, 8)}`, ...Array.from({ length: 10 }, (_, f) => [`f${f}`, `v${pad(i % 1e6, 6)}${f}x`]).flat()]),
      };
    case 'big-hash':
      return { count: Math.ceil(elements / BATCH), command: (b) => resp(['HSET', 'big', ...batch(b, elements).flatMap((i) => [`f${pad(i, 7)}`, `v${pad(i, 7)}`])]) };
    case 'int-set':
      return { count: Math.ceil(elements / BATCH), command: (b) => resp(['SADD', 'ints', ...batch(b, elements).map((i) => String(i * 7))]) };
    case 'string-set':
      return { count: Math.ceil(elements / BATCH), command: (b) => resp(['SADD', 'strs', ...batch(b, elements).map((i) => `m:${pad(i, 8)}`)]) };
  }
}

function batch(b: number, elements: number): number[] {
  const out: number[] = [];
  for (let i = b * BATCH; i < Math.min(elements, (b + 1) * BATCH); i++) out.push(i);
  return out;
}

/** Sends commands [from, to) of the loader's share over one connection, WINDOW in flight. */
function loadShare(port: number, commands: { command(i: number): string }, from: number, to: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let next = from;
    let inFlight = 0;
    let errors = 0;
    const send = (): void => {
      let chunk = '';
      while (inFlight < WINDOW && next < to) {
        chunk += commands.command(next++);
        inFlight++;
      }
      if (chunk !== '') socket.write(chunk);
    };
    const reader = new ReplyReader({
      onReply: (error) => {
        if (error) errors++;
        inFlight--;
        if (next >= to && inFlight === 0) {
          socket.end();
          resolve(errors);
        } else if (inFlight < WINDOW / 2) send();
      },
      onErrorText: (text) => console.error(`  error: ${text}`),
    });
    socket.on('data', (d: Buffer) => reader.feed(d));
    socket.on('error', reject);
    socket.on('connect', () => (from >= to ? (socket.end(), resolve(0)) : send()));
  });
}

interface Reading {
  usedMemory: number;
  rss: number;
}

async function read(server: ServerHandle): Promise<Reading> {
  const info = await infoFields(server.port, 'memory');
  return { usedMemory: Number(info.get('used_memory')), rss: processMemory(server.pid).rss };
}

interface Result {
  server: ServerKind;
  dataset: Dataset;
  elements: number;
  seconds: number;
  errors: number;
  before: Reading;
  after: Reading;
  usedPerElement: number;
  rssPerElement: number;
  encoding: string;
}

async function fillOnce(kind: ServerKind, dataset: Dataset, a: Args): Promise<Result> {
  const server = kind === 'redis' ? await startRedis(0) : await startThreadis(0, a.shards);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = await read(server);
    const commands = commandsOf(dataset, a.elements);
    const started = performance.now();
    const per = Math.ceil(commands.count / CONNECTIONS);
    const errors = await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => loadShare(server.port, commands, c * per, Math.min(commands.count, (c + 1) * per))));
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const after = await read(server);
    const key = dataset === 'hashes' ? 'h:00000000' : dataset === 'big-hash' ? 'big' : dataset === 'int-set' ? 'ints' : 'strs';
    const encoding = (await rawReply(server.port, resp(['OBJECT', 'ENCODING', key]))).replace(/^\$\d+\r\n|\r\n$/g, '').trim();
    return {
      server: kind, dataset, elements: a.elements, seconds, errors: errors.reduce((x, y) => x + y, 0), before, after, encoding,
      usedPerElement: (after.usedMemory - before.usedMemory) / a.elements,
      rssPerElement: (after.rss - before.rss) / a.elements,
    };
  } finally {
    await server.stop();
  }
}

function rawReply(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(command));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString('latin1'));
    });
    socket.on('error', reject);
  });
}

function markdown(results: Result[], a: Args, command: string): string {
  const lines = [
    `# Collections in memory: bytes per element, stock Redis and this server`,
    '',
    `${describeMachine(machineInfo())}. ${a.elements.toLocaleString('en')} elements per dataset; \`${command}\`.`,
    `Bytes per element = growth of used_memory (or RSS) from the empty server to the loaded one, divided by the elements`,
    `(hash fields, set members). "hashes" is ${(a.elements / 10).toLocaleString('en')} hashes of 10 fields.`,
    '',
    '| dataset | encoding (redis / this) | used_memory B/elem redis | this | × | RSS B/elem redis | this | × | load s redis / this |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const dataset of a.datasets) {
    const r = results.find((x) => x.dataset === dataset && x.server === 'redis');
    const t = results.find((x) => x.dataset === dataset && x.server === 'threadis');
    const f = (x: number | undefined): string => (x === undefined ? '' : x.toFixed(1));
    const ratio = (x: number | undefined, y: number | undefined): string => (x === undefined || y === undefined ? '' : (y / x).toFixed(2));
    lines.push(
      `| ${dataset} | ${r?.encoding ?? ''} / ${t?.encoding ?? ''} | ${f(r?.usedPerElement)} | ${f(t?.usedPerElement)} | ${ratio(r?.usedPerElement, t?.usedPerElement)} | ` +
        `${f(r?.rssPerElement)} | ${f(t?.rssPerElement)} | ${ratio(r?.rssPerElement, t?.rssPerElement)} | ${f(r?.seconds)} / ${f(t?.seconds)} |`,
    );
  }
  lines.push('', `Servers: \`${serverCommandLine('redis')}\` and \`${serverCommandLine('threadis', ['--shards', String(a.shards)])}\`.`, '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const a = parse(argv);
  if (a.servers.includes('redis')) ensureRedisInstalled();
  const results: Result[] = [];
  for (const dataset of a.datasets) {
    for (const kind of a.servers) {
      process.stdout.write(`${dataset} on ${kind}... `);
      const result = await fillOnce(kind, dataset, a);
      results.push(result);
      console.log(`${result.usedPerElement.toFixed(1)} B/elem used, ${result.rssPerElement.toFixed(1)} B/elem RSS, ${result.seconds.toFixed(1)} s, ${result.encoding}${result.errors ? `, ${result.errors} errors` : ''}`);
    }
  }
  mkdirSync(a.out, { recursive: true });
  const base = join(a.out, `fill-collections-${stamp()}`);
  const command = argv.length > 0 ? `make fill-collections FILL_COLLECTIONS_ARGS="${argv.join(' ')}"` : 'make fill-collections';
  // The results folder relative to the repository: a report names no path of the machine it ran on.
  writeFileSync(`${base}.json`, JSON.stringify({ machine: machineInfo(), args: { ...a, out: relative(REPO, a.out) || '.' }, results }, null, 2));
  writeFileSync(`${base}.md`, markdown(results, a, command));
  console.log(`wrote ${relative(REPO, base)}.md`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
