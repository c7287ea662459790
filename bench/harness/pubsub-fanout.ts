// `make bench-pubsub`: Pub/Sub fan-out in this server and in stock
// redis-server, in the same run. One publisher and N subscribers (100 by
// default) of one channel; the kernel spreads the connections over this
// server's threads (SO_REUSEPORT), so most deliveries cross threads. The
// publisher keeps a window of PUBLISH commands in flight, each message
// carrying its send time; every subscriber records each delivery's latency
// (receive time minus send time, one clock: the same process). Reported:
// deliveries per second, publishes per second, delivery latency percentiles
// (HdrHistogram). Then PUBLISH to a channel nobody listens to, with
// redis-benchmark (50 clients, pipeline 16). Bounded: a fixed time per
// server, loopback only.
// Writes bench/results/pubsub-<stamp>.json and .md.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { ensureRedisInstalled, infoFields, REPO, startRedis, startThreadis } from './servers.ts';
import type { ServerHandle } from './servers.ts';
import { describeMachine, machineInfo, stamp } from './sysinfo.ts';

const USAGE = `usage: node bench/harness/pubsub-fanout.ts [--duration S] [--shards N] [--subscribers N] [--window N] [--out DIR]
  --duration S      seconds of publishing per server (5)
  --shards N        this server's shards (2)
  --subscribers N   subscribers of the channel (100)
  --window N        PUBLISH commands the publisher keeps in flight (4)`;

interface Args {
  duration: number;
  shards: number;
  subscribers: number;
  window: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { duration: 5, shards: 2, subscribers: 100, window: 4, out: join(REPO, 'bench/results') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--duration': args.duration = Number(value); i++; break;
      case '--shards': args.shards = Number(value); i++; break;
      case '--subscribers': args.subscribers = Number(value); i++; break;
      case '--window': args.window = Number(value); i++; break;
      case '--out': args.out = value; i++; break;
      default:
        console.log(USAGE);
        process.exit(argv[i] === '--help' ? 0 : 2);
    }
  }
  return args;
}

const CHANNEL = 'fanout';
/** The message: the send time in ns, 20 digits, so every delivery frame has the same length. */
const STAMP_DIGITS = 20;
const CONFIRMATION = Buffer.from(`*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`);
const FRAME_HEAD = Buffer.from(`*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${STAMP_DIGITS}\r\n`);
const FRAME = FRAME_HEAD.length + STAMP_DIGITS + 2;

function command(...args: string[]): Buffer {
  let text = `*${args.length}\r\n`;
  for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return Buffer.from(text);
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A subscriber: confirms its subscription, then records the latency of every delivery (fixed-size frames). */
class Subscriber {
  received = 0;
  private pending: Buffer = Buffer.alloc(0);
  private confirmed = false;
  readonly ready: Promise<void>;

  constructor(socket: net.Socket, histogram: hdr.Histogram) {
    let onReady: () => void = () => {};
    this.ready = new Promise((resolve) => (onReady = resolve));
    socket.on('data', (chunk: Buffer) => {
      const now = process.hrtime.bigint();
      let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      if (!this.confirmed) {
        if (data.length < CONFIRMATION.length) {
          this.pending = data;
          return;
        }
        if (!data.subarray(0, CONFIRMATION.length).equals(CONFIRMATION)) throw new Error(`unexpected reply: ${data.toString().slice(0, 80)}`);
        this.confirmed = true;
        data = data.subarray(CONFIRMATION.length);
        onReady();
      }
      let at = 0;
      for (; at + FRAME <= data.length; at += FRAME) {
        const sent = BigInt(data.toString('latin1', at + FRAME_HEAD.length, at + FRAME_HEAD.length + STAMP_DIGITS));
        histogram.recordValue(Math.max(1, Number((now - sent) / 1000n)));
        this.received++;
      }
      this.pending = Buffer.from(data.subarray(at));
    });
    socket.write(command('SUBSCRIBE', CHANNEL));
  }
}

interface FanoutResult {
  server: string;
  /** Threads holding subscribers: this server's INFO pubsub_channels counts the channel once per thread that has one (1 for Redis). */
  subscriberThreads: number;
  publishesPerSecond: number;
  deliveriesPerSecond: number;
  delivered: number;
  expected: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

async function fanout(handle: ServerHandle, args: Args): Promise<FanoutResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const sockets = await Promise.all(Array.from({ length: args.subscribers }, () => connect(handle.port)));
  const subscribers = sockets.map((socket) => new Subscriber(socket, histogram));
  await Promise.all(subscribers.map((subscriber) => subscriber.ready));
  const subscriberThreads = Number((await infoFields(handle.port, 'stats')).get('pubsub_channels'));
  const publisher = await connect(handle.port);
  let published = 0;
  let answered = 0;
  let inFlight = 0;
  let wake: () => void = () => {};
  // Every reply is an integer (the receivers): count the lines.
  publisher.on('data', (chunk: Buffer) => {
    for (const byte of chunk) {
      if (byte !== 0x0a) continue;
      answered++;
      inFlight--;
    }
    wake();
  });
  const started = process.hrtime.bigint();
  const deadline = Date.now() + args.duration * 1000;
  while (Date.now() < deadline) {
    while (inFlight < args.window) {
      publisher.write(command('PUBLISH', CHANNEL, String(process.hrtime.bigint()).padStart(STAMP_DIGITS, '0')));
      published++;
      inFlight++;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  const publishSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const expected = published * args.subscribers;
  // The last deliveries may still be on their way: wait for them, a few seconds at most.
  const drainDeadline = Date.now() + 5000;
  const delivered = (): number => subscribers.reduce((sum, subscriber) => sum + subscriber.received, 0);
  while (delivered() < expected && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  publisher.destroy();
  for (const socket of sockets) socket.destroy();
  return {
    server: handle.name,
    subscriberThreads,
    publishesPerSecond: Math.round(answered / publishSeconds),
    deliveriesPerSecond: Math.round(delivered() / seconds),
    delivered: delivered(),
    expected,
    p50Us: histogram.getValueAtPercentile(50),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    maxUs: histogram.maxValue,
  };
}

interface NobodyResult {
  server: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** PUBLISH to a channel without subscribers: redis-benchmark, 50 clients, pipeline 16, 200k requests. */
function publishToNobody(handle: ServerHandle): NobodyResult {
  const csv = execFileSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(handle.port), '-c', '50', '-P', '16', '-n', '200000', '--csv', 'PUBLISH', 'nobody', 'hello'], { encoding: 'utf8' });
  const row = csv.trim().split('\n').pop() as string;
  const fields = row.split(',').map((field) => field.replace(/"/g, ''));
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  return { server: handle.name, requestsPerSecond: Math.round(Number(fields[1])), p50Ms: Number(fields[4]), p99Ms: Number(fields[6]) };
}

async function measure(handle: ServerHandle, args: Args): Promise<{ fanout: FanoutResult; nobody: NobodyResult }> {
  try {
    return { fanout: await fanout(handle, args), nobody: publishToNobody(handle) };
  } finally {
    await handle.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  ensureRedisInstalled();
  const results = [await measure(await startRedis(0), args), await measure(await startThreadis(0, args.shards), args)];
  const lines = [
    `# Pub/Sub fan-out: 1 publisher, ${args.subscribers} subscribers, ${args.window} PUBLISH in flight, ${args.duration} s per server, this server at --shards ${args.shards}`,
    '',
    describeMachine(machineInfo()),
    '',
    '| server | threads with subscribers | deliveries/s | publishes/s | delivered / expected | p50 µs | p99 µs | p99.9 µs | max µs |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.map(({ fanout: r }) => `| ${r.server} | ${r.subscriberThreads} | ${r.deliveriesPerSecond} | ${r.publishesPerSecond} | ${r.delivered} / ${r.expected} | ${r.p50Us} | ${r.p99Us} | ${r.p999Us} | ${r.maxUs} |`),
    '',
    '## PUBLISH to a channel nobody listens to (redis-benchmark -c 50 -P 16 -n 200000)',
    '',
    '| server | requests/s | p50 ms | p99 ms |',
    '|---|--:|--:|--:|',
    ...results.map(({ nobody: r }) => `| ${r.server} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} |`),
    '',
  ];
  mkdirSync(args.out, { recursive: true });
  const name = `pubsub-${stamp()}`;
  writeFileSync(join(args.out, `${name}.json`), `${JSON.stringify({ args, results }, null, 2)}\n`);
  writeFileSync(join(args.out, `${name}.md`), lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
