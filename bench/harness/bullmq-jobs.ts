// `make bench-bullmq`: BullMQ jobs per second in this server and in stock
// redis-server, in the same run. One producer adds jobs one by one (each
// `queue.add` is a script) while one worker with concurrency 10 runs them
// (each job a few scripts: move to active, complete, fetch the next); the
// job does nothing, so the figure is the server's. Reported: jobs completed
// per second, from the first add to the last completion, and the adds per
// second. Bounded: a fixed number of jobs per server, loopback only.
// Writes bench/results/bullmq-<stamp>.json and .md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { ensureRedisInstalled, REPO, startRedis, startThreadis } from './servers.ts';
import type { ServerHandle } from './servers.ts';
import { describeMachine, machineInfo, stamp } from './sysinfo.ts';

const USAGE = `usage: node bench/harness/bullmq-jobs.ts [--jobs N] [--shards N] [--concurrency N] [--prefix P] [--out DIR]
  --jobs N          jobs per server (5000)
  --shards N        this server's shards (2)
  --concurrency N   the worker's concurrency (10)
  --prefix P        BullMQ's key prefix (bull); '{bull}' puts a queue's keys in one slot, as for Redis Cluster`;

interface Args {
  jobs: number;
  shards: number;
  concurrency: number;
  prefix: string;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { jobs: 5000, shards: 2, concurrency: 10, prefix: 'bull', out: join(REPO, 'bench/results') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--jobs': args.jobs = Number(value); i++; break;
      case '--shards': args.shards = Number(value); i++; break;
      case '--concurrency': args.concurrency = Number(value); i++; break;
      case '--prefix': args.prefix = value; i++; break;
      case '--out': args.out = value; i++; break;
      default:
        console.log(USAGE);
        process.exit(argv[i] === '--help' ? 0 : 2);
    }
  }
  return args;
}

interface JobsResult {
  server: string;
  jobs: number;
  completedPerSecond: number;
  addsPerSecond: number;
  seconds: number;
}

async function run(handle: ServerHandle, args: Args): Promise<JobsResult> {
  const connection = { host: '127.0.0.1', port: handle.port };
  const queue = new Queue('bench', { connection, prefix: args.prefix });
  let completed = 0;
  let done: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (done = resolve));
  const worker = new Worker('bench', async () => 1, { connection, concurrency: args.concurrency, prefix: args.prefix });
  worker.on('completed', () => {
    if (++completed === args.jobs) done();
  });
  try {
    await worker.waitUntilReady();
    const started = performance.now();
    for (let n = 0; n < args.jobs; n++) await queue.add('job', { n }, { removeOnComplete: true });
    const added = performance.now();
    await allDone;
    const seconds = (performance.now() - started) / 1000;
    return {
      server: handle.name,
      jobs: args.jobs,
      completedPerSecond: Math.round(args.jobs / seconds),
      addsPerSecond: Math.round(args.jobs / ((added - started) / 1000)),
      seconds: Math.round(seconds * 100) / 100,
    };
  } finally {
    await worker.close();
    await queue.close();
    await handle.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  ensureRedisInstalled();
  const results = [await run(await startRedis(0), args), await run(await startThreadis(0, args.shards), args)];
  const lines = [
    `# BullMQ: 1 producer, 1 worker of concurrency ${args.concurrency}, ${args.jobs} jobs per server, prefix ${args.prefix}, this server at --shards ${args.shards}`,
    '',
    describeMachine(machineInfo()),
    '',
    '| server | jobs completed/s | adds/s | seconds |',
    '|---|--:|--:|--:|',
    ...results.map((r) => `| ${r.server} | ${r.completedPerSecond} | ${r.addsPerSecond} | ${r.seconds} |`),
    '',
  ];
  mkdirSync(args.out, { recursive: true });
  const name = `bullmq-${stamp()}`;
  writeFileSync(join(args.out, `${name}.json`), `${JSON.stringify({ args, results }, null, 2)}\n`);
  writeFileSync(join(args.out, `${name}.md`), lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
