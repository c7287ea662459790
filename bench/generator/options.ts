// Load generator options (memtier_benchmark's names where there is one) and
// their command-line parsing.

import { availableParallelism } from 'node:os';
import type { UnitSpec } from '../scenarios.ts';
import { findScenario, keyPrefixOf, ratioMix } from '../scenarios.ts';
import type { KeyPatternName } from './prng.ts';
import { parseKeyPattern } from './prng.ts';

export interface LoadOptions {
  host: string;
  /** One or more ports; clients are spread over them round-robin. */
  ports: number[];
  threads: number;
  /** Connections per thread. */
  clients: number;
  pipeline: number;
  /** Send `pipeline` units, then wait for all their replies before the next batch (redis-benchmark's -P);
   *  false: keep `pipeline` units in flight, refilling after each read. */
  pipelineBatch: boolean;
  mix: readonly UnitSpec[];
  /** Name shown in reports. */
  label: string;
  keyPattern: KeyPatternName;
  keyMinimum: number;
  keyMaximum: number;
  keyPrefix: string;
  /** Zero-pad key numbers to this many digits (0: none), e.g. 14 with "k:" for 16-byte keys. */
  keyDigits: number;
  /** Gaussian standard deviation (0: range / 6). */
  keyStddev: number;
  dataSize: number;
  fieldRange: number;
  /** Seconds; used when requests is 0. */
  testTime: number;
  /** Units per client; 0 means run for testTime. */
  requests: number;
  /** Seconds of load before measuring starts (duration runs only). */
  warmup: number;
  /** Client c uses seed + c. */
  seed: number;
}

export function defaultOptions(): LoadOptions {
  return {
    host: '127.0.0.1',
    ports: [6379],
    threads: Math.max(1, Math.floor(availableParallelism() / 2)),
    clients: 25,
    pipeline: 1,
    pipelineBatch: false,
    mix: ratioMix(1, 10),
    label: 'set-get-1:10',
    keyPattern: 'uniform',
    keyMinimum: 0,
    keyMaximum: 99_999,
    keyPrefix: 'key:',
    keyDigits: 0,
    keyStddev: 0,
    dataSize: 32,
    fieldRange: 16,
    testTime: 5,
    requests: 0,
    warmup: 0,
    seed: 1,
  };
}

export const USAGE = `usage: node bench/load.ts [options]
  -s, --host HOST            server address (127.0.0.1)
  -p, --port PORT[,PORT..]   port(s); clients spread over them (6379)
  -t, --threads N            generator threads (piscina workers) (cores/2)
  -c, --clients N            connections per thread (25)
      --pipeline N           units in flight per connection (1)
      --pipeline-batch       send N units, wait for all N replies, repeat (redis-benchmark -P); default refills after each read
      --ratio SET:GET        SET:GET mix (1:10)
      --scenario NAME        a scenario from bench/scenarios.ts instead of --ratio
      --key-pattern P        uniform|gaussian|sequential (also R|G|S) (uniform)
      --key-minimum N        (0)
      --key-maximum N        (99999)
      --key-prefix S         (key:)
      --key-digits N         zero-pad key numbers to N digits, for fixed-length keys (0: no padding)
      --key-stddev N         gaussian standard deviation (range/6)
  -d, --data-size N          value bytes (32)
      --test-time SEC        run duration (5)
  -n, --requests N           units per client instead of a duration
      --warmup SEC           load before measuring (0)
      --seed N               client c uses seed+c (1)
      --json                 print the result as JSON
  -h, --help`;

function num(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number`);
  return n;
}

export interface CliArgs {
  options: LoadOptions;
  json: boolean;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const o = defaultOptions();
  let json = false;
  let help = false;
  let scenarioPipeline = 0;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const eq = flag.indexOf('=');
    const name = eq > 0 ? flag.slice(0, eq) : flag;
    const value = (): string => {
      if (eq > 0) return flag.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '-s': case '--host': case '--server': o.host = value(); break;
      case '-p': case '--port': o.ports = value().split(',').map((p) => num(name, p)); break;
      case '-t': case '--threads': o.threads = Math.max(1, num(name, value())); break;
      case '-c': case '--clients': o.clients = Math.max(1, num(name, value())); break;
      case '--pipeline': o.pipeline = Math.max(1, num(name, value())); break;
      case '--pipeline-batch': o.pipelineBatch = true; break;
      case '--ratio': {
        const m = /^(\d+):(\d+)$/.exec(value());
        if (!m) throw new Error('--ratio needs SET:GET, e.g. 1:10');
        o.mix = ratioMix(Number(m[1]), Number(m[2]));
        o.label = `set-get-${m[1]}:${m[2]}`;
        break;
      }
      case '--scenario': {
        const s = findScenario(value());
        o.mix = s.mix;
        o.label = s.name;
        if (s.keys?.pattern) o.keyPattern = s.keys.pattern;
        if (s.keys?.min !== undefined) o.keyMinimum = s.keys.min;
        if (s.keys?.max !== undefined) o.keyMaximum = s.keys.max;
        if (s.fieldRange !== undefined) o.fieldRange = s.fieldRange;
        o.keyPrefix = keyPrefixOf(s);
        if (s.pipeline !== undefined) scenarioPipeline = s.pipeline;
        break;
      }
      case '--key-pattern': o.keyPattern = parseKeyPattern(value()); break;
      case '--key-minimum': o.keyMinimum = num(name, value()); break;
      case '--key-maximum': o.keyMaximum = num(name, value()); break;
      case '--key-prefix': o.keyPrefix = value(); break;
      case '--key-digits': o.keyDigits = num(name, value()); break;
      case '--key-stddev': o.keyStddev = num(name, value()); break;
      case '-d': case '--data-size': o.dataSize = num(name, value()); break;
      case '--test-time': o.testTime = num(name, value()); break;
      case '-n': case '--requests': o.requests = num(name, value()); break;
      case '--warmup': o.warmup = num(name, value()); break;
      case '--seed': o.seed = num(name, value()); break;
      case '--json': json = true; break;
      case '-h': case '--help': help = true; break;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (scenarioPipeline > 0 && !argv.includes('--pipeline')) o.pipeline = scenarioPipeline;
  if (o.keyMaximum < o.keyMinimum) throw new Error('--key-maximum < --key-minimum');
  return { options: o, json, help };
}
