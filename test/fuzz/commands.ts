// Random valid commands of every family this server has (and a few invalid
// ones: unknown names, wrong arities, bad options), over a small keyspace,
// keys on both shards and three under one hash tag, so that commands collide
// on keys and types; with how each reply is compared with stock Redis's.
//
// Nothing here depends on a reply: the same seed gives the same commands.
// Times to live outlive any run (a key expires only when a command says so,
// or in the short-TTL scenario, which waits and then reads every key), so
// both servers expire the same keys at the same point of the run.

import { keysOnEveryShard } from '../helpers/raw-client.ts';
import type { Random } from './random.ts';

/** The shards this server runs with (the keys below are spread over them). */
export const SHARDS = 2;

export type Check =
  /** Byte for byte. */
  | { kind: 'exact' }
  /** HELLO's map, byte for byte but for the client id. */
  | { kind: 'hello' }
  /** An aggregate in no specified order (SMEMBERS, KEYS, SUNION...): the same multiset. */
  | { kind: 'unordered' }
  /** A hash's fields in its own order (HKEYS, HVALS, HGETALL): the same order while stock keeps the hash as a listpack. */
  | { kind: 'hash-order'; key: string; pairs: boolean }
  /** OBJECT ENCODING, OBJECT REFCOUNT: byte for byte, but for a string's history (see compare.ts). */
  | { kind: 'object'; key: string }
  /**
   * TTL, PTTL, EXPIRETIME, PEXPIRETIME (`relative`: to now; in units of
   * `unitMs`): within `tolerance`, as the servers set and read the time to
   * live moments apart (5 s: a reply up to the stall limit late).
   */
  | { kind: 'ttl'; tolerance: number; relative: boolean; unitMs: number }
  /** SCAN, SSCAN, HSCAN from cursor 0: the whole iteration, as a set. `hash`: the key of an HSCAN. */
  | { kind: 'scan'; cursorAt: number; hash: string | null }
  /** RANDOMKEY: a key of the database, or null on both. */
  | { kind: 'random-key' }
  /** SRANDMEMBER, SPOP: members of the set, as many as stock's (a pop is then replayed on stock: see compare.ts). */
  | { kind: 'random-members'; key: string; count: number | null; pop: boolean }
  /** HRANDFIELD: fields of the hash (and their values), as many as stock's. */
  | { kind: 'random-fields'; key: string; count: number | null; withValues: boolean }
  /** EXEC: each reply by the check of the command queued for it. */
  | { kind: 'exec' };

export interface Command {
  /** The arguments, one character per byte. */
  args: string[];
  check: Check;
  /** Sent as an inline request (its arguments quoted where needed) instead of a multibulk one. */
  inline?: boolean;
  /** Sent this many milliseconds after the replies to everything before it. */
  delayMs?: number;
}

const EXACT: Check = { kind: 'exact' };

/** The databases commands select and write (not 13 and 14, which malformed connections use: malformed.ts). */
export const DATABASES: readonly number[] = [0, 1, 2, 15];

/** Keys on every shard and three under one hash tag (one slot), the keyspace most commands use. */
export const KEYS: readonly string[] = [...keysOnEveryShard('k', SHARDS, 3), '{t}a', '{t}b', '{t}c'];
const ODD_KEYS = ['', 'k\x00\xff', 'a key', '{t}', '{}x'];

const INTEGERS = ['0', '1', '-1', '3', '10', '42', '-100', '1000', '65535', '2147483648', '123456789012', '9223372036854775807', '-9223372036854775808', '9223372036854775806'];
const NOT_INTEGERS = ['', 'x', '1.5', ' 1', '1 ', '+1', '01', '-0', '0x1f', '1e3', '9223372036854775808', '-9223372036854775809', '99999999999999999999', '1\x00'];
const FLOATS = ['0', '1.5', '-0.25', '3.0', '10', '1e3', '-1E-3', '2.5e2', '0.1', '1e-320', '1.7976931348623157e308', '3.4e38', 'inf', '-inf', '+inf', 'nan', '1e400', '-1e400', ' 1.5', '1.5 ', '1.5x', '', '.5', '5.', '-0', '0x10', '17976931348623157', '1e', 'infinity'];
const WORDS = ['a', 'b', 'abc', 'hello', 'Hello World', 'x\r\ny', '\x00', '\x00\x01', '\xff\xfe', '\xc3\xa9t\xc3\xa9', '"q"', "'", '\\', '*1', '$3', ' ', 'NX', 'GET'];
const MEMBERS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-5', '100', '65536', '4294967296', '9223372036854775807', '-9223372036854775808', '01', 'a', 'b', 'c', 'd', 'x y', '', '\xff', 'm'.repeat(70)];
const FIELDS = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'a', 'b', '1', '2', '-1', '', 'f\x00', 'x'.repeat(70)];
const PATTERNS = ['*', 'k*', '*a', '{t}*', 'k?', 'k[0-3]', 'k[^0-3]', '[{]t[}]*', '\\{t\\}*', '*[', 'k\\', '?', '', 'nomatch', '*k*k*', '[a-z]*', '[z-a]*', 'K*', 'f*', '[0-9]', '*\\*'];
const TYPES = ['string', 'hash', 'set', 'list', 'zset', 'stream', 'none', 'bogus', 'STRING'];
const COUNTS = ['1', '3', '10', '100', '1000', '0', '-1', 'x'];
/** Counts for SRANDMEMBER and HRANDFIELD (none asks for a huge number of repeated picks). */
const PICK_COUNTS = ['-5', '-1', '0', '1', '2', '3', '5', '10', '200', '9223372036854775807', '-9223372036854775808', 'x'];
const OPTION_WORDS = ['NX', 'XX', 'GT', 'LT', 'GET', 'KEEPTTL', 'LEN', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', 'COUNT', 'MATCH', 'TYPE', 'LIMIT', 'WITHVALUES', 'DB', 'REPLACE', 'ASYNC', 'SYNC', 'BAD'];

/** Commands whose reply is byte for byte Redis's whatever their arguments; sent with random ones (arity, syntax and value errors). */
const ANY_ARGS = [
  'get', 'setnx', 'getset', 'getdel', 'mget', 'mset', 'msetnx', 'append', 'strlen', 'getrange', 'substr', 'setrange', 'incr', 'decr',
  'incrby', 'decrby', 'incrbyfloat', 'lcs', 'del', 'unlink', 'exists', 'touch', 'type', 'rename', 'renamenx', 'copy', 'move', 'hset',
  'hsetnx', 'hget', 'hmget', 'hmset', 'hdel', 'hlen', 'hstrlen', 'hexists', 'hincrby', 'hincrbyfloat', 'sadd', 'srem', 'sismember',
  'smismember', 'scard', 'smove', 'sinterstore', 'sunionstore', 'sdiffstore', 'sintercard', 'persist', 'echo', 'ping', 'swapdb',
  'dbsize', 'unwatch', 'select',
];

/** Seconds a relative time to live lasts at least: longer than any run. */
const LONG_TTL = 100_000;
/** Absolute expiry times (unix seconds) start here, far from now plus any relative one. */
const FAR_FUTURE = 4_000_000_000;

export class CommandGenerator {
  private readonly rng: Random;
  /** Whether each client is inside MULTI, as the commands sent so far say. */
  private readonly inMulti: boolean[];
  /** Time-to-live seconds handed out, in 4-second buckets (see freshSeconds). */
  private readonly usedTtls = new Set<number>();

  constructor(rng: Random, clients: number) {
    this.rng = rng;
    this.inMulti = new Array<boolean>(clients).fill(false);
  }

  /** The next commands `client` sends: one, or a pipeline of several. */
  batch(client: number): Command[] {
    const rng = this.rng;
    const size = rng.chance(0.15) ? rng.int(2, 6) : 1;
    const commands: Command[] = [];
    for (let i = 0; i < size; i++) {
      const alone = i === size - 1 && !this.inMulti[client];
      for (const command of this.action(client, alone)) {
        if (rng.chance(0.03)) command.inline = true;
        if (rng.chance(0.03)) command.args[0] = randomCase(rng, command.args[0]);
        commands.push(command);
        this.follow(client, command.args[0].toLowerCase());
      }
      if (commands[commands.length - 1].args[0].toLowerCase() === 'quit') break;
    }
    return commands;
  }

  /** Every client out of its transaction (their connections were replaced). */
  reset(): void {
    this.inMulti.fill(false);
  }

  /**
   * A small data command whose reply is byte for byte Redis's, to be mutated
   * into malformed input: none that reaches another database or every one.
   */
  dataCommand(): Command {
    for (;;) {
      const family = this.rng.weighted<() => Command[]>([
        [3, () => this.strings()],
        [1, () => this.keys()],
        [1, () => this.expiry()],
        [2, () => this.hashes()],
        [2, () => this.sets(false)],
        [1, () => this.invalid()],
      ]);
      const [command] = family();
      const small = command.args.reduce((length, arg) => length + arg.length, 0) <= 1000;
      if (small && command.check.kind === 'exact' && !['move', 'copy', 'swapdb', 'select', 'flushall'].includes(command.args[0].toLowerCase())) return command;
    }
  }

  /** The transaction state each command leaves its client in. */
  private follow(client: number, name: string): void {
    if (name === 'multi') this.inMulti[client] = true;
    else if (name === 'exec' || name === 'discard' || name === 'reset' || name === 'quit') this.inMulti[client] = false;
  }

  /**
   * One command, or a few that belong together. `alone`: nothing follows it
   * in its pipeline and it is not queued in a transaction, so its reply can be
   * checked against the servers' state right after it (random picks).
   */
  private action(client: number, alone: boolean): Command[] {
    const rng = this.rng;
    const family = rng.weighted<() => Command[]>([
      [24, () => this.strings()],
      [9, () => this.keys()],
      [9, () => this.expiry()],
      [20, () => this.hashes()],
      [20, () => this.sets(alone)],
      [5, () => this.keyspace()],
      [6, () => this.transaction(client)],
      [3, () => this.connection()],
      [3, () => this.invalid()],
      [alone ? 0.3 : 0, () => this.shortTtl()],
    ]);
    return family();
  }

  // Values.

  private key(): string {
    return this.rng.chance(0.03) ? this.rng.pick(ODD_KEYS) : this.rng.pick(KEYS);
  }

  private keyList(min: number, max: number): string[] {
    return Array.from({ length: this.rng.int(min, max) }, () => this.key());
  }

  private value(): string {
    const rng = this.rng;
    return rng.weighted<() => string>([
      [30, () => rng.pick(INTEGERS)],
      [30, () => rng.pick(WORDS)],
      [8, () => rng.pick(NOT_INTEGERS)],
      [8, () => rng.pick(FLOATS)],
      [10, () => rng.bytes(rng.int(0, 16))],
      [8, () => 'v'.repeat(rng.int(40, 80))],
      [2, () => rng.text(rng.int(200, 2000), 'abcdef')],
    ])();
  }

  private member(): string {
    return this.rng.chance(0.05) ? this.value() : this.rng.pick(MEMBERS);
  }

  private field(): string {
    return this.rng.chance(0.05) ? this.value() : this.rng.pick(FIELDS);
  }

  private integer(): string {
    return this.rng.chance(0.85) ? this.rng.pick(INTEGERS) : this.rng.pick(NOT_INTEGERS);
  }

  /** A string index: small, either sign, or an extreme or bad one. */
  private index(): string {
    const rng = this.rng;
    return rng.chance(0.85) ? String(rng.int(-20, 20)) : rng.pick(['9223372036854775807', '-9223372036854775808', '1000', 'x', '1.0', '']);
  }

  /** A database index: one of DATABASES, or a bad one. */
  private db(): string {
    return this.rng.weighted([[50, '0'], [30, '1'], [10, '2'], [3, '15'], [2, '16'], [2, '-1'], [2, 'x'], [1, '']]);
  }

  /**
   * Seconds from now that outlive any run, each at least 4 s from every
   * other one handed out: GT and LT then decide the same way on both servers
   * though they compute "now" moments apart.
   */
  private freshSeconds(): number {
    for (;;) {
      const seconds = this.rng.int(LONG_TTL, 50_000_000);
      const bucket = Math.floor(seconds / 4);
      if (this.usedTtls.has(bucket - 1) || this.usedTtls.has(bucket) || this.usedTtls.has(bucket + 1)) continue;
      this.usedTtls.add(bucket);
      return seconds;
    }
  }

  /**
   * A time argument in `unit` (relative, or absolute when `at`): one that
   * outlives the run, or one already past (`past`: the key is gone, or
   * expired but still stored until read), or one Redis refuses.
   */
  private time(unit: 's' | 'ms', at: boolean): { value: string; past: boolean } {
    const rng = this.rng;
    const scale = unit === 'ms' ? 1000 : 1;
    return rng.weighted<() => { value: string; past: boolean }>([
      [80, () => ({ value: String(((at ? FAR_FUTURE : 0) + this.freshSeconds()) * scale), past: false })],
      [8, () => ({ value: at ? String(rng.pick([1, 1_000_000_000, 1_600_000_000]) * scale) : rng.pick(['0', '-1', '-1000']), past: true })],
      [12, () => ({ value: rng.pick([...NOT_INTEGERS, '9223372036854775807', '-9223372036854775808', '9223372036854775', '4611686018427387904', '-9223372036854775']), past: false })],
    ])();
  }

  /** A time option (EX 10, PXAT ...) and whether its time is past. */
  private expiryOption(forms: readonly string[]): { option: string[]; past: boolean } {
    const form = this.rng.pick(forms);
    if (form === 'KEEPTTL' || form === 'PERSIST') return { option: [form], past: false };
    const { value, past } = this.time(form.startsWith('P') ? 'ms' : 's', form.endsWith('AT'));
    return { option: [form, value], past };
  }

  /** A few random words that make a command's options wrong (or repeat one). */
  private junkOptions(): string[] {
    return this.rng.some(OPTION_WORDS, this.rng.int(1, 2));
  }

  // Families.

  private strings(): Command[] {
    const rng = this.rng;
    const key = this.key();
    return rng.weighted<() => Command[]>([
      [10, () => [exact('GET', key)]],
      [14, () => this.set(key)],
      [2, () => [exact('SETNX', key, this.value())]],
      [2, () => this.withPast(key, 'SETEX', this.time('s', false), this.value())],
      [2, () => this.withPast(key, 'PSETEX', this.time('ms', false), this.value())],
      [2, () => [exact('GETSET', key, this.value())]],
      [2, () => [exact('GETDEL', key)]],
      [4, () => this.getex(key)],
      [4, () => [exact('MGET', ...this.keyList(1, 5))]],
      [3, () => [exact(rng.pick(['MSET', 'MSETNX']), ...this.pairs(() => this.key(), () => this.value()))]],
      [5, () => [exact('APPEND', key, this.value())]],
      [2, () => [exact('STRLEN', key)]],
      [3, () => [exact(rng.pick(['GETRANGE', 'SUBSTR']), key, this.index(), this.index())]],
      [3, () => [exact('SETRANGE', key, ...this.setrangeArgs())]],
      [4, () => [exact(rng.pick(['INCR', 'DECR']), key)]],
      [4, () => [exact(rng.pick(['INCRBY', 'DECRBY']), key, this.integer())]],
      [4, () => [exact('INCRBYFLOAT', key, rng.pick(FLOATS))]],
      [2, () => [exact('LCS', key, this.key(), ...this.lcsOptions())]],
    ])();
  }

  private set(key: string): Command[] {
    const rng = this.rng;
    const options: string[][] = [];
    let past = false;
    if (rng.chance(0.3)) options.push([rng.pick(['NX', 'XX'])]);
    if (rng.chance(0.2)) options.push(['GET']);
    if (rng.chance(0.4)) {
      const expiry = this.expiryOption(['EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL']);
      options.push(expiry.option);
      past = expiry.past;
    }
    if (rng.chance(0.05)) options.push(this.junkOptions());
    return this.settled(key, past, exact('SET', key, this.value(), ...rng.shuffle(options).flat()));
  }

  private getex(key: string): Command[] {
    const rng = this.rng;
    const options: string[][] = [];
    let past = false;
    if (rng.chance(0.7)) {
      const expiry = this.expiryOption(['EX', 'PX', 'EXAT', 'PXAT', 'PERSIST']);
      options.push(expiry.option);
      past = expiry.past;
    }
    if (rng.chance(0.1)) options.push(this.junkOptions());
    return this.settled(key, past, exact('GETEX', key, ...rng.shuffle(options).flat()));
  }

  /** SETEX-like: name key time value. */
  private withPast(key: string, name: string, time: { value: string; past: boolean }, value: string): Command[] {
    return this.settled(key, time.past, exact(name, key, time.value, value));
  }

  /**
   * A command, and after one that may leave `key` expired but stored, an
   * EXISTS that removes it on both servers (else DBSIZE would count it until
   * each server's own expiry cycle finds it).
   */
  private settled(key: string, past: boolean, command: Command): Command[] {
    return past ? [command, exact('EXISTS', key)] : [command];
  }

  private setrangeArgs(): string[] {
    const rng = this.rng;
    // None makes a string of more than a few kB.
    return rng.weighted<() => string[]>([
      [80, () => [String(rng.int(0, 60)), this.value()]],
      [8, () => [String(rng.int(100, 3000)), this.value()]],
      [6, () => [rng.pick(['-1', 'x', '1.5', '9223372036854775808']), this.value()]],
      // Up to 512 MB is allowed: each of these is refused, or (empty) writes nothing.
      [6, () => rng.pick([['536870911', 'xy'], ['536870912', 'x'], ['9223372036854775807', 'x'], ['536870911', ''], ['9223372036854775807', '']])],
    ])();
  }

  private lcsOptions(): string[] {
    const rng = this.rng;
    const options: string[][] = [];
    if (rng.chance(0.3)) options.push(['LEN']);
    if (rng.chance(0.3)) options.push(['IDX']);
    if (rng.chance(0.2)) options.push(['MINMATCHLEN', rng.pick(['0', '1', '2', '4', '-1', 'x'])]);
    if (rng.chance(0.2)) options.push(['WITHMATCHLEN']);
    if (rng.chance(0.05)) options.push(this.junkOptions());
    return rng.shuffle(options).flat();
  }

  /** key value key value... (now and then one short, for the arity error). */
  private pairs(first: () => string, second: () => string): string[] {
    const out: string[] = [];
    const count = this.rng.int(1, 4);
    for (let i = 0; i < count; i++) out.push(first(), second());
    if (this.rng.chance(0.05)) out.pop();
    return out;
  }

  private keys(): Command[] {
    const rng = this.rng;
    const key = this.key();
    return rng.weighted<() => Command[]>([
      [4, () => [exact(rng.pick(['DEL', 'UNLINK']), ...this.keyList(1, 4))]],
      [4, () => [exact(rng.pick(['EXISTS', 'TOUCH']), ...this.keyList(1, 4))]],
      [4, () => [exact('TYPE', key)]],
      [3, () => [exact(rng.pick(['RENAME', 'RENAMENX']), key, this.key())]],
      [3, () => [exact('COPY', key, this.key(), ...this.copyOptions())]],
      [2, () => [exact('MOVE', key, this.db())]],
      [5, () => [{ args: ['OBJECT', rng.pick(['ENCODING', 'encoding']), key], check: { kind: 'object', key } }]],
      [1, () => [{ args: ['OBJECT', 'REFCOUNT', key], check: { kind: 'object', key } }]],
      [1, () => [exact('OBJECT', ...(rng.chance(0.5) ? ['ENCODING', ...rng.pick([[], [key, key]])] : ['NOSUCH', ...this.keyList(0, 2)]))]],
    ])();
  }

  private copyOptions(): string[] {
    const options: string[][] = [];
    if (this.rng.chance(0.3)) options.push(['DB', this.db()]);
    if (this.rng.chance(0.3)) options.push(['REPLACE']);
    if (this.rng.chance(0.05)) options.push(this.junkOptions());
    return this.rng.shuffle(options).flat();
  }

  private expiry(): Command[] {
    const rng = this.rng;
    const key = this.key();
    const flags = (): string[] =>
      rng.weighted<() => string[]>([
        [60, () => []],
        [30, () => [rng.pick(['NX', 'XX', 'GT', 'LT'])]],
        [10, () => rng.some(['NX', 'XX', 'GT', 'LT', 'nx', 'YY'], 2)],
      ])();
    const expire = (name: string, unit: 's' | 'ms', at: boolean): Command[] => {
      const time = this.time(unit, at);
      return this.settled(key, time.past, exact(name, key, time.value, ...flags()));
    };
    return rng.weighted<() => Command[]>([
      [5, () => expire('EXPIRE', 's', false)],
      [4, () => expire('PEXPIRE', 'ms', false)],
      [3, () => expire('EXPIREAT', 's', true)],
      [3, () => expire('PEXPIREAT', 'ms', true)],
      [4, () => [{ args: ['TTL', key], check: { kind: 'ttl', tolerance: 5, relative: true, unitMs: 1000 } }]],
      [4, () => [{ args: ['PTTL', key], check: { kind: 'ttl', tolerance: 5000, relative: true, unitMs: 1 } }]],
      [2, () => [{ args: ['EXPIRETIME', key], check: { kind: 'ttl', tolerance: 5, relative: false, unitMs: 1000 } }]],
      [2, () => [{ args: ['PEXPIRETIME', key], check: { kind: 'ttl', tolerance: 5000, relative: false, unitMs: 1 } }]],
      [3, () => [exact('PERSIST', key)]],
    ])();
  }

  private hashes(): Command[] {
    const rng = this.rng;
    const key = this.key();
    const field = (): string => this.field();
    return rng.weighted<() => Command[]>([
      [12, () => [exact('HSET', key, ...this.pairs(field, () => this.value()))]],
      [2, () => [exact('HMSET', key, ...this.pairs(field, () => this.value()))]],
      [2, () => [exact('HSETNX', key, field(), this.value())]],
      [6, () => [exact('HGET', key, field())]],
      [3, () => [exact('HMGET', key, ...rng.some(FIELDS, rng.int(1, 4)))]],
      [4, () => [exact('HDEL', key, ...rng.some(FIELDS, rng.int(1, 3)))]],
      [3, () => [exact('HLEN', key)]],
      [2, () => [exact('HSTRLEN', key, field())]],
      [3, () => [exact('HEXISTS', key, field())]],
      [3, () => [exact('HINCRBY', key, field(), this.integer())]],
      [3, () => [exact('HINCRBYFLOAT', key, field(), rng.pick(FLOATS))]],
      [2, () => [{ args: ['HKEYS', key], check: { kind: 'hash-order', key, pairs: false } }]],
      [2, () => [{ args: ['HVALS', key], check: { kind: 'hash-order', key, pairs: false } }]],
      [3, () => [{ args: ['HGETALL', key], check: { kind: 'hash-order', key, pairs: true } }]],
      [3, () => [this.hrandfield(key)]],
      [2, () => [{ args: ['HSCAN', key, '0', ...this.scanOptions(false)], check: { kind: 'scan', cursorAt: 2, hash: key } }]],
      // Past 512 fields a hash is no longer a listpack.
      [0.4, () => [exact('HSET', key, ...Array.from({ length: rng.int(500, 530) }, (_, i) => [`bf${i}`, String(i)]).flat())]],
    ])();
  }

  private hrandfield(key: string): Command {
    const rng = this.rng;
    if (rng.chance(0.3)) return { args: ['HRANDFIELD', key], check: { kind: 'random-fields', key, count: null, withValues: false } };
    const count = rng.pick(PICK_COUNTS);
    const withValues = rng.chance(0.4);
    return {
      args: ['HRANDFIELD', key, count, ...(withValues ? ['WITHVALUES'] : []), ...(rng.chance(0.03) ? this.junkOptions() : [])],
      check: { kind: 'random-fields', key, count: Number(count), withValues },
    };
  }

  private sets(alone: boolean): Command[] {
    const rng = this.rng;
    const key = this.key();
    const member = (): string => this.member();
    const members = (min: number, max: number): string[] => Array.from({ length: rng.int(min, max) }, member);
    return rng.weighted<() => Command[]>([
      [12, () => [exact('SADD', key, ...members(1, 5))]],
      [5, () => [exact('SREM', key, ...members(1, 3))]],
      [4, () => [exact('SISMEMBER', key, member())]],
      [3, () => [exact('SMISMEMBER', key, ...members(1, 4))]],
      [3, () => [exact('SCARD', key)]],
      [4, () => [{ args: ['SMEMBERS', key], check: { kind: 'unordered' } }]],
      [3, () => [this.srandmember(key)]],
      [3, () => [this.spop(key, alone)]],
      [2, () => [{ args: ['SSCAN', key, '0', ...this.scanOptions(false)], check: { kind: 'scan', cursorAt: 2, hash: null } }]],
      [3, () => [exact('SMOVE', key, this.key(), member())]],
      [4, () => [{ args: [rng.pick(['SINTER', 'SUNION', 'SDIFF']), ...this.keyList(1, 3)], check: { kind: 'unordered' } }]],
      [3, () => [exact(rng.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), key, ...this.keyList(1, 3))]],
      [2, () => [exact('SINTERCARD', ...this.sintercardArgs())]],
      // Past 512 integers a set is no longer an intset.
      [0.4, () => [exact('SADD', key, ...Array.from({ length: rng.int(500, 530) }, (_, i) => String(i * 3)))]],
    ])();
  }

  private srandmember(key: string): Command {
    if (this.rng.chance(0.4)) return { args: ['SRANDMEMBER', key], check: { kind: 'random-members', key, count: null, pop: false } };
    const count = this.rng.pick(PICK_COUNTS);
    return { args: ['SRANDMEMBER', key, count], check: { kind: 'random-members', key, count: Number(count), pop: false } };
  }

  /**
   * SPOP: alone, a random pop (replayed on stock afterwards); else one whose
   * result is determined (none, or the whole set), so that nothing after it
   * in a pipeline or a transaction sees the servers differ.
   */
  private spop(key: string, alone: boolean): Command {
    const rng = this.rng;
    if (!alone || rng.chance(0.2)) return { args: ['SPOP', key, rng.pick(['0', '1000', '-1', 'x'])], check: { kind: 'unordered' } };
    if (rng.chance(0.5)) return { args: ['SPOP', key], check: { kind: 'random-members', key, count: null, pop: true } };
    const count = rng.int(1, 5);
    return { args: ['SPOP', key, String(count)], check: { kind: 'random-members', key, count, pop: true } };
  }

  private sintercardArgs(): string[] {
    const rng = this.rng;
    const keys = this.keyList(1, 3);
    const numkeys = rng.chance(0.85) ? String(keys.length) : rng.pick(['0', '-1', 'x', String(keys.length + 1), '1']);
    const limit = rng.chance(0.3) ? ['LIMIT', rng.pick(['0', '1', '2', '10', '-1', 'x'])] : [];
    return [numkeys, ...keys, ...limit, ...(rng.chance(0.03) ? this.junkOptions() : [])];
  }

  /** MATCH, COUNT (and TYPE, for SCAN) in some order, now and then a bad one. */
  private scanOptions(withType: boolean): string[] {
    const rng = this.rng;
    const options: string[][] = [];
    if (rng.chance(0.4)) options.push(['MATCH', rng.pick(PATTERNS)]);
    if (rng.chance(0.4)) options.push(['COUNT', rng.pick(COUNTS)]);
    if (withType && rng.chance(0.3)) options.push(['TYPE', rng.pick(TYPES)]);
    if (rng.chance(0.03)) options.push(this.junkOptions());
    return rng.shuffle(options).flat();
  }

  private keyspace(): Command[] {
    const rng = this.rng;
    return rng.weighted<() => Command[]>([
      [6, () => [{ args: ['KEYS', rng.pick(PATTERNS)], check: { kind: 'unordered' } }]],
      [6, () => [{ args: ['SCAN', rng.chance(0.97) ? '0' : rng.pick(['x', '', '1.5']), ...this.scanOptions(true)], check: { kind: 'scan', cursorAt: 1, hash: null } }]],
      [6, () => [exact('DBSIZE')]],
      [4, () => [{ args: ['RANDOMKEY'], check: { kind: 'random-key' } }]],
      [1, () => [exact('FLUSHDB', ...(rng.chance(0.5) ? [rng.pick(['ASYNC', 'SYNC', 'BAD'])] : []))]],
      [0.3, () => [exact('FLUSHALL', ...(rng.chance(0.5) ? [rng.pick(['ASYNC', 'SYNC'])] : []))]],
      [0.7, () => [exact('SWAPDB', this.db(), this.db())]],
    ])();
  }

  private transaction(client: number): Command[] {
    const rng = this.rng;
    const inMulti = this.inMulti[client];
    return rng.weighted<() => Command[]>([
      [inMulti ? 2 : 10, () => [exact('MULTI')]],
      [inMulti ? 30 : 1, () => [{ args: ['EXEC'], check: { kind: 'exec' } }]],
      [inMulti ? 5 : 1, () => [exact('DISCARD')]],
      [6, () => [exact('WATCH', ...this.keyList(1, 3))]],
      [2, () => [exact('UNWATCH')]],
    ])();
  }

  private connection(): Command[] {
    const rng = this.rng;
    const hello = (): string[] => {
      const args = ['HELLO'];
      if (rng.chance(0.9)) args.push(rng.weighted([[45, '2'], [45, '3'], [3, '1'], [3, '4'], [2, 'x']]));
      if (rng.chance(0.15)) args.push('SETNAME', rng.pick(['fuzz', 'a b', '']));
      if (rng.chance(0.05)) args.push('AUTH', 'default', 'nopass');
      return args;
    };
    return rng.weighted<() => Command[]>([
      [5, () => [exact('PING', ...(rng.chance(0.5) ? [this.value()] : []))]],
      [3, () => [exact('ECHO', this.value())]],
      [8, () => [exact('SELECT', this.db())]],
      [3, () => [{ args: hello(), check: { kind: 'hello' } }]],
      [1, () => [exact('RESET')]],
      // QUIT closes the connection (the runner opens another): it ends a batch.
      [0.5, () => [exact('QUIT')]],
      [1, () => [exact('AUTH', ...rng.some(['default', 'pw', 'nopass'], rng.int(1, 3)))]],
      [2, () => [exact('CLIENT', 'SETNAME', rng.pick(['fuzz', 'a b', '', 'x\n', 'name-1']))]],
      [2, () => [exact('CLIENT', 'GETNAME')]],
      [1, () => [exact('CLIENT', rng.pick(['NOSUCH', 'setname', 'GETNAME']), ...rng.some(WORDS, rng.int(0, 2)))]],
    ])();
  }

  /** Unknown commands, and known ones with random arguments (wrong arity, bad options and values). */
  private invalid(): Command[] {
    const rng = this.rng;
    const arg = (): string => rng.weighted<() => string>([[3, () => this.key()], [3, () => this.value()], [2, () => rng.pick(OPTION_WORDS)], [1, () => rng.pick(FIELDS)]])();
    const args = (): string[] => Array.from({ length: rng.int(0, 6) }, arg);
    // A digit in the name keeps it off Redis's commands, whatever the letters.
    const unknownName = (): string => rng.chance(0.8) ? rng.text(rng.int(1, 8), 'abcdefghijklmnopqrstuvwxyz') + rng.int(0, 9) : rng.bytes(rng.int(0, 6)) + '\x01';
    return rng.weighted<() => Command[]>([
      [1, () => [exact(unknownName(), ...args())]],
      [4, () => [exact(rng.pick(ANY_ARGS), ...args())]],
    ])();
  }

  /**
   * A key that expires within milliseconds, then (once both servers had time
   * to let it expire) an EXISTS of every key of the database, which removes
   * every expired one on both.
   */
  private shortTtl(): Command[] {
    const rng = this.rng;
    const key = this.key();
    const ttl = String(rng.int(1, 20));
    const set = rng.pick([['SET', key, this.value(), 'PX', ttl], ['PSETEX', key, ttl, this.value()], ['PEXPIRE', key, ttl]]);
    return [exact(...set), { args: ['EXISTS', ...KEYS, ...ODD_KEYS], check: EXACT, delayMs: 60 }];
  }
}

function exact(...args: string[]): Command {
  return { args, check: EXACT };
}

function randomCase(rng: Random, name: string): string {
  return [...name].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
}
