// The benchmark scenarios, as data. A scenario is a weighted mix of units; a
// unit is one or more commands sent back to back and counted as one operation
// (its latency runs from the write of its first command to the reply of its
// last). Arguments are literals or placeholders, expanded per unit by
// bench/generator/command.ts:
//
//   $key            the unit's key (drawn once per unit from the key pattern)
//   $keys:N         N fresh keys from the key pattern (land on different slots,
//                   hence on different shards)
//   $pairs:N        N fresh key/value pairs (for MSET)
//   $tagkeys:N      N keys sharing the unit key's hash tag: {key:123}:0 ...
//                   (same slot, same shard: the multi-key fast path)
//   $tagpairs:N     N key/value pairs over those tagged keys
//   $value          a value of --data-size bytes
//   $field          a field/member name f0 .. f<fieldRange-1>
//   $int            a random integer in [0, 1000000)
//
// A scenario that the server under test does not support yet (its probe gets
// "unknown command") is skipped and reported as such, so the families' slots
// fill in as the server grows, without code changes here.

import type { KeyPatternName } from './generator/prng.ts';

export interface UnitSpec {
  /** Relative frequency of this unit in the mix (default 1). */
  readonly weight?: number;
  /** Commands sent back to back; each is a list of arguments/placeholders. */
  readonly send: readonly (readonly string[])[];
}

export interface Scenario {
  readonly name: string;
  readonly family: 'strings' | 'keys' | 'lists' | 'hashes' | 'sets' | 'zsets' | 'streams' | 'bitmaps' | 'hyperloglog' | 'scripting' | 'transactions';
  readonly description: string;
  readonly mix: readonly UnitSpec[];
  /** Run once before measuring, over the whole key range in sequence. */
  readonly prefill?: readonly UnitSpec[];
  /** Overrides of the run's key settings (e.g. a few hot keys). */
  readonly keys?: { readonly pattern?: KeyPatternName; readonly min?: number; readonly max?: number };
  /** Overrides the run's pipeline depth. */
  readonly pipeline?: number;
  /** Key name prefix (default: "key:" for strings, "<family>:" otherwise, so families never clash on a key's type). */
  readonly keyPrefix?: string;
  /** Size of the $field space (default 16). */
  readonly fieldRange?: number;
  /** Part of the default `make bench` set. */
  readonly inDefaultSet: boolean;
}

const SET = ['SET', '$key', '$value'];
const GET = ['GET', '$key'];
const PREFILL_STRINGS: readonly UnitSpec[] = [{ send: [SET] }];
/** The ids of a 10-entry stream whose ids are known in advance. */
const STREAM_IDS = Array.from({ length: 10 }, (_, i) => `${i + 1}-1`);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'set', family: 'strings', inDefaultSet: true,
    description: 'SET, uniform keys',
    mix: [{ send: [SET] }],
  },
  {
    name: 'get', family: 'strings', inDefaultSet: true,
    description: 'GET, uniform keys, all present',
    mix: [{ send: [GET] }], prefill: PREFILL_STRINGS,
  },
  {
    name: 'set-p1', family: 'strings', inDefaultSet: true, pipeline: 1,
    description: 'SET without pipelining',
    mix: [{ send: [SET] }],
  },
  {
    name: 'get-p1', family: 'strings', inDefaultSet: true, pipeline: 1,
    description: 'GET without pipelining',
    mix: [{ send: [GET] }], prefill: PREFILL_STRINGS,
  },
  {
    name: 'set-get-1:10', family: 'strings', inDefaultSet: true,
    description: 'memtier default mix: 1 SET per 10 GET',
    mix: [{ weight: 1, send: [SET] }, { weight: 10, send: [GET] }], prefill: PREFILL_STRINGS,
  },
  {
    name: 'get-gaussian', family: 'strings', inDefaultSet: false, keys: { pattern: 'gaussian' },
    description: 'GET, gaussian keys (hot middle of the range)',
    mix: [{ send: [GET] }], prefill: PREFILL_STRINGS,
  },
  {
    name: 'incr-hot', family: 'strings', inDefaultSet: true, keys: { pattern: 'uniform', min: 0, max: 7 }, keyPrefix: 'counter:',
    description: 'INCR on 8 hot keys',
    mix: [{ send: [['INCR', '$key']] }],
  },
  {
    name: 'mset-10-cross', family: 'strings', inDefaultSet: true,
    description: 'MSET of 10 keys on different shards',
    mix: [{ send: [['MSET', '$pairs:10']] }],
  },
  {
    name: 'mget-10-cross', family: 'strings', inDefaultSet: true,
    description: 'MGET of 10 keys on different shards',
    mix: [{ send: [['MGET', '$keys:10']] }], prefill: PREFILL_STRINGS,
  },
  {
    name: 'mget-10-tagged', family: 'strings', inDefaultSet: false,
    description: 'MGET of 10 keys sharing a hash tag (one shard)',
    mix: [{ send: [['MGET', '$tagkeys:10']] }], prefill: [{ send: [['MSET', '$tagpairs:10']] }],
  },
  // Slots for the later families: measured as soon as the server answers them.
  {
    name: 'lpush-rpop', family: 'lists', inDefaultSet: true,
    description: 'LPUSH then RPOP, 1:1 (lists stay short)',
    mix: [{ send: [['LPUSH', '$key', '$value']] }, { send: [['RPOP', '$key']] }],
  },
  {
    name: 'hset-hgetall', family: 'hashes', inDefaultSet: true, fieldRange: 10,
    description: 'HSET of one field, HGETALL of ~10-field hashes, 1:1',
    mix: [{ send: [['HSET', '$key', '$field', '$value']] }, { send: [['HGETALL', '$key']] }],
  },
  {
    name: 'hget', family: 'hashes', inDefaultSet: false, fieldRange: 10,
    description: 'HGET of one field of ~10-field hashes',
    mix: [{ send: [['HGET', '$key', '$field']] }], prefill: [{ send: [['HSET', '$key', 'f0', '$value', 'f1', '$value', 'f2', '$value', 'f3', '$value', 'f4', '$value', 'f5', '$value', 'f6', '$value', 'f7', '$value', 'f8', '$value', 'f9', '$value']] }],
  },
  {
    name: 'sadd-sismember', family: 'sets', inDefaultSet: true, fieldRange: 100,
    description: 'SADD of one member, SISMEMBER of another, 1:1 (sets of up to 100 members)',
    mix: [{ send: [['SADD', '$key', '$field']] }, { send: [['SISMEMBER', '$key', '$field']] }],
  },
  {
    name: 'sinter-cross', family: 'sets', inDefaultSet: true, fieldRange: 20,
    description: 'SINTER of two ~20-member sets on different shards',
    mix: [{ send: [['SINTER', '$key', '$keys:1']] }],
    prefill: [{ send: [['SADD', '$key', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10', 'f11', 'f12', 'f13', 'f14', 'f15', 'f16', 'f17', 'f18', 'f19']] }],
  },
  {
    name: 'zadd-zrange', family: 'zsets', inDefaultSet: true, fieldRange: 100,
    description: 'ZADD of one member, ZRANGE 0 9 WITHSCORES, 1:1',
    mix: [{ send: [['ZADD', '$key', '$int', '$field']] }, { send: [['ZRANGE', '$key', '0', '9', 'WITHSCORES']] }],
  },
  {
    name: 'zrank', family: 'zsets', inDefaultSet: true, fieldRange: 200, keys: { min: 1, max: 1000 },
    description: 'ZRANK of a member of one of 1,000 sorted sets of 200 members (past zset-max-listpack-entries: the big form)',
    mix: [{ send: [['ZRANK', '$key', '$field']] }],
    prefill: [{ send: [['ZADD', '$key', ...Array.from({ length: 200 }, (_, i) => [String(i), `f${i}`]).flat()]] }],
  },
  {
    name: 'xadd', family: 'streams', inDefaultSet: true, keys: { min: 1, max: 1000 },
    description: 'XADD of one field to one of 1,000 streams, trimmed to about 1,000 entries',
    mix: [{ send: [['XADD', '$key', 'MAXLEN', '~', '1000', '*', 'field', '$value']] }],
  },
  {
    name: 'xadd-xread', family: 'streams', inDefaultSet: true, keys: { min: 1, max: 1000 },
    description: 'XADD, and XREAD of the first 10 entries, 1:1 (streams trimmed to about 100 entries)',
    mix: [{ send: [['XADD', '$key', 'MAXLEN', '~', '100', '*', 'field', '$value']] }, { send: [['XREAD', 'COUNT', '10', 'STREAMS', '$key', '0-0']] }],
    prefill: [{ send: [['XADD', '$key', '*', 'field', 'value']] }],
  },
  {
    // The ids are known (explicit), so a unit acknowledges what it read: the group is set back to 0 first,
    // XREADGROUP > delivers the 10 entries again (into the PEL), XACK takes them out.
    name: 'xreadgroup-xack', family: 'streams', inDefaultSet: true, keys: { min: 1, max: 1000 },
    description: 'XGROUP SETID 0, XREADGROUP COUNT 10 > and XACK of the 10 entries read, as one unit (1,000 streams of 10 entries)',
    mix: [{ send: [['XGROUP', 'SETID', '$key', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '10', 'STREAMS', '$key', '>'], ['XACK', '$key', 'g', ...STREAM_IDS]] }],
    prefill: [{ send: [...STREAM_IDS.map((id) => ['XADD', '$key', id, 'field', '$value']), ['XGROUP', 'CREATE', '$key', 'g', '0']] }],
  },
  {
    name: 'setbit-bitcount', family: 'bitmaps', inDefaultSet: true, keys: { min: 1, max: 100 },
    description: 'SETBIT of a random bit below 1,000,000 and BITCOUNT of the whole string, 1:1 (100 keys)',
    mix: [{ send: [['SETBIT', '$key', '$int', '1']] }, { send: [['BITCOUNT', '$key']] }],
  },
  {
    name: 'pfadd-pfcount', family: 'hyperloglog', inDefaultSet: true, fieldRange: 100000, keys: { min: 1, max: 100 },
    description: 'PFADD of one element and PFCOUNT, 1:1 (100 keys, elements from 100,000)',
    mix: [{ send: [['PFADD', '$key', '$field']] }, { send: [['PFCOUNT', '$key']] }],
  },
  {
    name: 'eval-incr', family: 'scripting', inDefaultSet: true,
    description: 'EVAL of a one-key script (INCR + GET)',
    mix: [{ send: [['EVAL', "redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1])", '1', '$key']] }],
  },
  {
    name: 'eval-5-keys', family: 'scripting', inDefaultSet: true,
    description: 'EVAL of a script over 5 declared keys on different slots (shards): INCR of each',
    mix: [{ send: [['EVAL', "for i = 1, #KEYS do redis.call('INCR', KEYS[i]) end return #KEYS", '5', '$keys:5']] }],
  },
  {
    name: 'eval-5-tagged', family: 'scripting', inDefaultSet: true,
    description: 'The same script over 5 declared keys under one hash tag (one shard)',
    mix: [{ send: [['EVAL', "for i = 1, #KEYS do redis.call('INCR', KEYS[i]) end return #KEYS", '5', '$tagkeys:5']] }],
  },
  {
    name: 'eval-undeclared', family: 'scripting', inDefaultSet: true,
    description: 'EVAL of a script given no keys that builds two from its arguments (as BullMQ does) and INCRs them',
    mix: [{ send: [['EVAL', "redis.call('INCR', ARGV[1]) return redis.call('INCR', ARGV[2])", '0', '$keys:2']] }],
  },
  {
    name: 'multi-exec', family: 'transactions', inDefaultSet: true,
    description: 'MULTI, INCR k1, INCRBY k2 2, EXEC as one unit (keys on different shards)',
    mix: [{ send: [['MULTI'], ['INCR', '$key'], ['INCRBY', '$keys:1', '2'], ['EXEC']] }],
  },
  {
    name: 'multi-set-5', family: 'transactions', inDefaultSet: false,
    description: 'MULTI, five SETs of random keys (spread over shards), EXEC as one unit',
    mix: [{ send: [['MULTI'], ['SET', '$key', '$value'], ['SET', '$key', '$value'], ['SET', '$key', '$value'], ['SET', '$key', '$value'], ['SET', '$key', '$value'], ['EXEC']] }],
  },
];

export function keyPrefixOf(s: Scenario): string {
  return s.keyPrefix ?? (s.family === 'strings' ? 'key:' : `${s.family}:`);
}

/** A file-name-safe form of a scenario name (set-get-1:10 -> set-get-1-10). */
export function fileNameOf(name: string): string {
  return name.replace(/[^\w.-]+/g, '-');
}

export function findScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}

/** The plain SET:GET mix of memtier's --ratio option. */
export function ratioMix(sets: number, gets: number): UnitSpec[] {
  const mix: UnitSpec[] = [];
  if (sets > 0) mix.push({ weight: sets, send: [SET] });
  if (gets > 0) mix.push({ weight: gets, send: [GET] });
  if (mix.length === 0) throw new Error('ratio 0:0');
  return mix;
}
