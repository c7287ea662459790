// `make bench-blocking`: the wake-up cost of blocking commands, in this server
// and in stock redis-server, in the same run. Two clients play ping-pong over
// two lists: one waits in BLPOP on "ping" and answers each element with an
// RPUSH to "pong"; the other pushes to "ping" and waits in BLPOP on "pong".
// Each round trip is two wake-ups. In this server the two lists live on
// different shards, so every wake-up is served by one thread and delivered
// to a client the kernel may have put on another. Reported: round trips per
// second and the round trip's latency percentiles (HdrHistogram).
// Writes bench/results/blocking-<stamp>.json and .md.

import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { ReplyReader } from '../generator/reply-reader.ts';
import { SlotMap } from '../../src/cluster/slots.ts';
import { ensureRedisInstalled, REPO, startRedis, startThreadis } from './servers.ts';
import type { ServerHandle } from './servers.ts';
import { describeMachine, machineInfo, stamp } from './sysinfo.ts';

const USAGE = `usage: node bench/harness/blocking-pingpong.ts [--duration S] [--shards N] [--pairs N] [--out DIR]
  --duration S   seconds per server (5)
  --shards N     this server's shards (2)
  --pairs N      ping-pong pairs playing at once (1)`;

interface Args {
  duration: number;
  shards: number;
  pairs: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { duration: 5, shards: 2, pairs: 1, out: join(REPO, 'bench/results') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--duration': args.duration = Number(value); i++; break;
      case '--shards': args.shards = Number(value); i++; break;
      case '--pairs': args.pairs = Number(value); i++; break;
      case '--out': args.out = value; i++; break;
      default:
        console.log(USAGE);
        process.exit(argv[i] === '--help' ? 0 : 2);
    }
  }
  return args;
}

/** A connection that sends one command at a time and resolves to its reply. */
class Connection {
  private readonly socket: net.Socket;
  private readonly reader: ReplyReader;
  private waiting: (() => void) | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.reader = new ReplyReader({
      onReply: () => {
        const resolve = this.waiting;
        this.waiting = null;
        resolve?.();
      },
      onErrorText: (text) => console.error(`error reply: ${text}`),
    });
    socket.on('data', (chunk: Buffer) => this.reader.feed(chunk));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(...args: string[]): Promise<void> {
    let text = `*${args.length}\r\n`;
    for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    return new Promise<void>((resolve) => {
      this.waiting = resolve;
      this.socket.write(text);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Two keys of the pair, on different shards of a server with `shards` shards (any two keys for stock Redis). */
function pairKeys(pair: number, shards: number): [string, string] {
  const map = new SlotMap(SlotMap.allocate(Math.max(shards, 1)));
  const ofShard = (prefix: string, shard: number): string => {
    for (let i = 0; ; i++) {
      const key = `${prefix}:${pair}:${i}`;
      if (map.shardOfKey(Buffer.from(key)) === shard % Math.max(shards, 1)) return key;
    }
  };
  return [ofShard('ping', 0), ofShard('pong', 1)];
}

interface Result {
  server: string;
  roundTripsPerSecond: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

async function play(handle: ServerHandle, args: Args, shards: number): Promise<Result> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const deadline = Date.now() + args.duration * 1000;
  let roundTrips = 0;
  const pairs = Array.from({ length: args.pairs }, async (_, pair) => {
    const [ping, pong] = pairKeys(pair, shards);
    const answerer = await Connection.open(handle.port);
    const asker = await Connection.open(handle.port);
    let playing = true;
    const answering = (async () => {
      while (playing) {
        await answerer.send('BLPOP', ping, '1');
        if (playing) await answerer.send('RPUSH', pong, 'x');
      }
    })();
    while (Date.now() < deadline) {
      const started = process.hrtime.bigint();
      await asker.send('RPUSH', ping, 'x');
      await asker.send('BLPOP', pong, '0');
      histogram.recordValue(Number((process.hrtime.bigint() - started) / 1000n));
      roundTrips++;
    }
    playing = false;
    await answering;
    answerer.close();
    asker.close();
  });
  const started = Date.now();
  await Promise.all(pairs);
  const seconds = (Date.now() - started) / 1000;
  return {
    server: handle.name,
    roundTripsPerSecond: Math.round(roundTrips / seconds),
    p50Us: histogram.getValueAtPercentile(50),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    maxUs: histogram.maxValue,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  ensureRedisInstalled();
  const results: Result[] = [];
  const redis = await startRedis(0);
  try {
    results.push(await play(redis, args, 1));
  } finally {
    await redis.stop();
  }
  const threadis = await startThreadis(0, args.shards);
  try {
    results.push(await play(threadis, args, args.shards));
  } finally {
    await threadis.stop();
  }
  const lines = [
    `# Blocking ping-pong (BLPOP woken by RPUSH), ${args.pairs} pair(s), ${args.duration} s per server, this server at --shards ${args.shards}`,
    '',
    describeMachine(machineInfo()),
    '',
    '| server | round trips/s | p50 µs | p99 µs | p99.9 µs | max µs |',
    '|---|--:|--:|--:|--:|--:|',
    ...results.map((r) => `| ${r.server} | ${r.roundTripsPerSecond} | ${r.p50Us} | ${r.p99Us} | ${r.p999Us} | ${r.maxUs} |`),
    '',
  ];
  mkdirSync(args.out, { recursive: true });
  const name = `blocking-${stamp()}`;
  writeFileSync(join(args.out, `${name}.json`), `${JSON.stringify({ args, results }, null, 2)}\n`);
  writeFileSync(join(args.out, `${name}.md`), lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
