// The commands a writer sends to its own keys, family by family (strings,
// keys, expiry, hashes, sets), each with the reply the model predicts and
// what it leaves behind. A step is built against a Draft: the writer's
// state with the changes of the steps before it in the same transaction.

import { randomInt, pickOne } from './context.ts';
import {
  ABSENT, LONG_TTL_SECONDS, array, bulk, bulks, error, int, isEmpty, normalized, ok, pairs, satisfying, simple, stringsOf, unordered,
  type Data, type Expect, type KeyState, type Kind,
} from './model.ts';
import type { Reply } from './resp.ts';

export interface Step {
  command: string[];
  expect: Expect;
  writes: boolean;
  /** Only alone (not in MULTI): what it leaves depends on its reply (SPOP). */
  alone?: boolean;
  /** Updates the draft from the reply, for steps whose effect only the reply tells. */
  learn?: (reply: Reply, draft: Draft) => void;
  /** For a step with `learn`: whether the state read back is one it may have left (its reply never came). */
  mayLeave?: (before: Map<string, KeyState>, found: Map<string, Data | null>) => boolean;
}

/** A writer's state seen through the changes of the steps drafted so far. */
export class Draft {
  readonly changed = new Map<string, KeyState>();
  /** Keys the drafted steps touch. */
  readonly touched = new Set<string>();
  private readonly base: (key: string) => KeyState;
  private readonly free: readonly string[];
  private readonly kinds: ReadonlyMap<string, Kind>;

  constructor(base: (key: string) => KeyState, free: readonly string[], kinds: ReadonlyMap<string, Kind>) {
    this.base = base;
    this.free = free;
    this.kinds = kinds;
  }

  state(key: string): KeyState {
    return this.changed.get(key) ?? this.base(key);
  }

  set(key: string, state: KeyState): void {
    this.changed.set(key, normalized(state));
  }

  data(key: string): Data | null {
    const data = this.state(key).data;
    return isEmpty(data) ? null : data;
  }

  exists(key: string): boolean {
    return this.data(key) !== null;
  }

  /** A random free key of `kind`, marked touched; null when there is none. */
  pick(kind: Kind): string | null {
    const keys = this.free.filter((key) => this.kinds.get(key) === kind);
    if (keys.length === 0) return null;
    const key = pickOne(keys);
    this.touched.add(key);
    return key;
  }

  /** Up to `count` distinct random free keys of `kind` (of any kind when null). */
  pickMany(kind: Kind | null, count: number): string[] {
    const keys = this.free.filter((key) => kind === null || this.kinds.get(key) === kind);
    const picked: string[] = [];
    while (picked.length < count && keys.length > 0) picked.push(keys.splice(randomInt(keys.length), 1)[0]);
    for (const key of picked) this.touched.add(key);
    return picked;
  }

  kindOf(key: string): Kind {
    return this.kinds.get(key) as Kind;
  }
}

// --- values ---

export function stringValue(): string {
  const roll = Math.random();
  if (roll < 0.3) return String(randomInt(2000) - 500);
  if (roll < 0.35) return `${'x'.repeat(200 + randomInt(3000))}${randomInt(1000)}`;
  if (roll < 0.36) return `${'y'.repeat(20000 + randomInt(40000))}${randomInt(1000)}`;
  return `v${randomInt(1e6)}`;
}

function fieldName(): string {
  return `f${randomInt(20)}`;
}

function member(): string {
  return Math.random() < 0.5 ? String(randomInt(700)) : `m${randomInt(60)}`;
}

/** A short TTL in ms: the key is gone soon after. */
function shortTtl(): number {
  return 1 + randomInt(300);
}

/** An integer in canonical form that both the server and this model read the same way. */
function integerOf(value: string): number | null {
  return /^(0|-?[1-9]\d{0,14})$/.test(value) ? Number(value) : null;
}

/** No integer by anyone's reading (digits with leading zeros and the like are left out: no step uses them). */
function surelyNotInteger(value: string): boolean {
  return !/^[-+]?\d+$/.test(value.trim()) || value.trim() !== value;
}

/** A number the server's float parsing and this model's agree on (integers and halves). */
function halfStepOf(value: string): number | null {
  return /^-?(0|[1-9]\d{0,11})(\.5)?$/.test(value) && value !== '-0' ? Number(value) : null;
}

/** How the server writes a float result here (integers and halves only). */
function floatText(value: number): string {
  return String(value === 0 ? 0 : value);
}

function stringOf(draft: Draft, key: string): string | null {
  return draft.data(key) as string | null;
}

function hashOf(draft: Draft, key: string): Map<string, string> {
  return new Map((draft.data(key) as Map<string, string> | null) ?? []);
}

function setOf(draft: Draft, key: string): Set<string> {
  return new Set((draft.data(key) as Set<string> | null) ?? []);
}

/** Whether the key has a TTL, long or short. */
function hasTtl(state: KeyState): boolean {
  return state.ttl === 'long' || state.expiresIn !== undefined;
}

/** The same value with another TTL: none, the long one, or a short one of `ms`. */
function withTtl(state: KeyState, ttl: 'none' | 'long' | number): KeyState {
  return typeof ttl === 'number' ? { data: state.data, ttl: 'none', expiresIn: ttl } : { data: state.data, ttl };
}

/** A new value keeps the key's TTL (APPEND, INCR, HSET... on a key that exists). */
function keepTtl(draft: Draft, key: string, data: Data): KeyState {
  const state = draft.state(key);
  return isEmpty(state.data) ? { data, ttl: 'none' } : { ...state, data };
}

// --- strings ---

function setStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const value = stringValue();
  const old = stringOf(draft, key);
  const condition = pickOne(['', '', 'NX', 'XX']);
  const get = Math.random() < 0.3;
  const expiry = pickOne(['', '', '', 'EX', 'PX', 'KEEPTTL']);
  const command = ['SET', key, value];
  if (condition) command.push(condition);
  if (get) command.push('GET');
  let after: KeyState = { data: value, ttl: 'none' };
  if (expiry === 'EX') {
    command.push('EX', String(LONG_TTL_SECONDS));
    after = { data: value, ttl: 'long' };
  } else if (expiry === 'PX') {
    const ms = shortTtl();
    command.push('PX', String(ms));
    after = { data: value, ttl: 'none', expiresIn: ms };
  } else if (expiry === 'KEEPTTL') {
    command.push('KEEPTTL');
    after = keepTtl(draft, key, value);
  }
  const applies = !(condition === 'NX' && old !== null) && !(condition === 'XX' && old === null);
  if (applies) draft.set(key, after);
  return { command, writes: true, expect: get ? bulk(old) : applies ? ok : bulk(null) };
}

function getStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  return key === null ? null : { command: ['GET', key], writes: false, expect: bulk(stringOf(draft, key)) };
}

function getSetStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const old = stringOf(draft, key);
  const variant = pickOne(['GETSET', 'GETDEL', 'GETEX']);
  if (variant === 'GETSET') {
    const value = stringValue();
    draft.set(key, { data: value, ttl: 'none' });
    return { command: ['GETSET', key, value], writes: true, expect: bulk(old) };
  }
  if (variant === 'GETDEL') {
    draft.set(key, ABSENT);
    return { command: ['GETDEL', key], writes: true, expect: bulk(old) };
  }
  const persist = Math.random() < 0.5;
  if (old !== null) draft.set(key, withTtl(draft.state(key), persist ? 'none' : 'long'));
  return { command: persist ? ['GETEX', key, 'PERSIST'] : ['GETEX', key, 'EX', String(LONG_TTL_SECONDS)], writes: true, expect: bulk(old) };
}

function appendStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const tail = Math.random() < 0.5 ? String(randomInt(100)) : `a${randomInt(100)}`;
  const value = (stringOf(draft, key) ?? '') + tail;
  draft.set(key, keepTtl(draft, key, value));
  return { command: ['APPEND', key, tail], writes: true, expect: int(value.length) };
}

function incrStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const old = stringOf(draft, key) ?? '0';
  const by = randomInt(200) - 100;
  const variant = pickOne(['INCR', 'DECR', 'INCRBY', 'DECRBY']);
  const delta = variant === 'INCR' ? 1 : variant === 'DECR' ? -1 : variant === 'INCRBY' ? by : -by;
  const command = variant === 'INCR' || variant === 'DECR' ? [variant, key] : [variant, key, String(by)];
  const number = integerOf(old);
  if (number === null) {
    if (!surelyNotInteger(old)) return null;
    return { command, writes: true, expect: error('ERR value is not an integer or out of range') };
  }
  draft.set(key, keepTtl(draft, key, String(number + delta)));
  return { command, writes: true, expect: int(number + delta) };
}

function incrFloatStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const old = stringOf(draft, key) ?? '0';
  const number = halfStepOf(old);
  const command = ['INCRBYFLOAT', key, '0.5'];
  if (number === null) {
    if (!/[a-z]/.test(old)) return null;
    return { command, writes: true, expect: error('ERR value is not a valid float') };
  }
  const value = floatText(number + 0.5);
  draft.set(key, keepTtl(draft, key, value));
  return { command, writes: true, expect: bulk(value) };
}

function setRangeStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const old = stringOf(draft, key) ?? '';
  const offset = randomInt(Math.min(old.length + 5, 40));
  const piece = `r${randomInt(100)}`;
  const padded = old.length < offset ? old + '\0'.repeat(offset - old.length) : old;
  const value = padded.slice(0, offset) + piece + padded.slice(offset + piece.length);
  draft.set(key, keepTtl(draft, key, value));
  return { command: ['SETRANGE', key, String(offset), piece], writes: true, expect: int(value.length) };
}

/** GETRANGE's indexes as the server reads them: negative from the end, clamped. */
export function substring(value: string, start: number, end: number): string {
  const length = value.length;
  // Both from the end and crossed: empty, before any clamping.
  if (start < 0 && end < 0 && start > end) return '';
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= length) end = length - 1;
  if (length === 0 || start > end) return '';
  return value.slice(start, end + 1);
}

function readStringStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const value = stringOf(draft, key);
  if (Math.random() < 0.5) return { command: ['STRLEN', key], writes: false, expect: int(value?.length ?? 0) };
  const [start, end] = [randomInt(30) - 10, randomInt(30) - 10];
  return { command: ['GETRANGE', key, String(start), String(end)], writes: false, expect: bulk(substring(value ?? '', start, end)) };
}

function setVariantStep(draft: Draft): Step | null {
  const key = draft.pick('string');
  if (key === null) return null;
  const value = stringValue();
  const variant = pickOne(['SETNX', 'SETEX', 'PSETEX']);
  if (variant === 'SETNX') {
    const applies = !draft.exists(key);
    if (applies) draft.set(key, { data: value, ttl: 'none' });
    return { command: ['SETNX', key, value], writes: true, expect: int(applies ? 1 : 0) };
  }
  if (variant === 'SETEX') {
    draft.set(key, { data: value, ttl: 'long' });
    return { command: ['SETEX', key, String(LONG_TTL_SECONDS), value], writes: true, expect: ok };
  }
  const ms = shortTtl();
  draft.set(key, { data: value, ttl: 'none', expiresIn: ms });
  return { command: ['PSETEX', key, String(ms), value], writes: true, expect: ok };
}

function msetStep(draft: Draft): Step | null {
  const keys = draft.pickMany('string', 2 + randomInt(3));
  if (keys.length < 2) return null;
  const values = keys.map(() => stringValue());
  const args = keys.flatMap((key, i) => [key, values[i]]);
  if (Math.random() < 0.3) {
    const applies = keys.every((key) => !draft.exists(key));
    if (applies) keys.forEach((key, i) => draft.set(key, { data: values[i], ttl: 'none' }));
    return { command: ['MSETNX', ...args], writes: true, expect: int(applies ? 1 : 0) };
  }
  keys.forEach((key, i) => draft.set(key, { data: values[i], ttl: 'none' }));
  return { command: ['MSET', ...args], writes: true, expect: ok };
}

function mgetStep(draft: Draft): Step | null {
  const keys = draft.pickMany('string', 2 + randomInt(4));
  if (keys.length < 2) return null;
  return { command: ['MGET', ...keys], writes: false, expect: bulks(keys.map((key) => stringOf(draft, key))) };
}

export function lcsLength(a: string, b: string): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], row[j - 1]);
    previous = row;
  }
  return previous[b.length];
}

function lcsStep(draft: Draft): Step | null {
  const keys = draft.pickMany('string', 2);
  if (keys.length < 2) return null;
  const [a, b] = keys.map((key) => stringOf(draft, key) ?? '');
  if (a.length > 300 || b.length > 300) return null;
  return { command: ['LCS', keys[0], keys[1], 'LEN'], writes: false, expect: int(lcsLength(a, b)) };
}

// --- keys ---

function delStep(draft: Draft): Step | null {
  const keys = draft.pickMany(null, 1 + randomInt(3));
  if (keys.length === 0) return null;
  const count = keys.filter((key) => draft.exists(key)).length;
  for (const key of keys) draft.set(key, ABSENT);
  return { command: [Math.random() < 0.5 ? 'DEL' : 'UNLINK', ...keys], writes: true, expect: int(count) };
}

function existsStep(draft: Draft): Step | null {
  const keys = draft.pickMany(null, 1 + randomInt(4));
  if (keys.length === 0) return null;
  const count = keys.filter((key) => draft.exists(key)).length;
  const variant = pickOne(['EXISTS', 'TOUCH', 'TYPE']);
  if (variant === 'TYPE') return { command: ['TYPE', keys[0]], writes: false, expect: simple(draft.exists(keys[0]) ? draft.kindOf(keys[0]) : 'none') };
  return { command: [variant, ...keys], writes: false, expect: int(count) };
}

function renameStep(draft: Draft): Step | null {
  const kind = pickOne<Kind>(['string', 'string', 'hash', 'set']);
  const keys = draft.pickMany(kind, 2);
  if (keys.length < 2) return null;
  const [from, to] = keys;
  const source = draft.state(from);
  const variant = pickOne(['RENAME', 'RENAMENX', 'COPY', 'COPY REPLACE']);
  const command = variant === 'COPY REPLACE' ? ['COPY', from, to, 'REPLACE'] : [variant, from, to];
  if (variant.startsWith('COPY')) {
    const applies = draft.exists(from) && (variant === 'COPY REPLACE' || !draft.exists(to));
    if (applies) draft.set(to, copyOf(source));
    return { command, writes: true, expect: int(applies ? 1 : 0) };
  }
  if (!draft.exists(from)) return { command, writes: true, expect: error('ERR no such key') };
  if (variant === 'RENAMENX' && draft.exists(to)) return { command, writes: true, expect: int(0) };
  draft.set(to, copyOf(source));
  draft.set(from, ABSENT);
  return { command, writes: true, expect: variant === 'RENAME' ? ok : int(1) };
}

function copyOf(state: KeyState): KeyState {
  const data = state.data;
  const copied = data instanceof Map ? new Map(data) : data instanceof Set ? new Set(data) : data;
  return { ...state, data: copied };
}

// --- expiry ---

function expireStep(draft: Draft): Step | null {
  const [key] = draft.pickMany(null, 1);
  if (key === undefined) return null;
  const state = draft.state(key);
  const exists = draft.exists(key);
  const variant = pickOne(['EXPIRE', 'EXPIRE NX', 'EXPIRE XX', 'EXPIREAT', 'PEXPIRE', 'PERSIST']);
  if (variant === 'PERSIST') {
    const applies = exists && hasTtl(state);
    if (applies) draft.set(key, withTtl(state, 'none'));
    return { command: ['PERSIST', key], writes: true, expect: int(applies ? 1 : 0) };
  }
  if (variant === 'PEXPIRE') {
    const ms = shortTtl();
    if (exists) draft.set(key, withTtl(state, ms));
    return { command: ['PEXPIRE', key, String(ms)], writes: true, expect: int(exists ? 1 : 0) };
  }
  let command = ['EXPIRE', key, String(LONG_TTL_SECONDS)];
  if (variant === 'EXPIREAT') command = ['EXPIREAT', key, String(Math.floor(Date.now() / 1000) + LONG_TTL_SECONDS - 10)];
  if (variant.endsWith('NX') || variant.endsWith('XX')) command.push(variant.slice(-2));
  const applies = exists && !(variant.endsWith('NX') && hasTtl(state)) && !(variant.endsWith('XX') && !hasTtl(state));
  if (applies) draft.set(key, withTtl(state, 'long'));
  return { command, writes: true, expect: int(applies ? 1 : 0) };
}

function ttlStep(draft: Draft): Step | null {
  const [key] = draft.pickMany(null, 1);
  if (key === undefined) return null;
  const state = draft.state(key);
  const variant = pickOne(['TTL', 'PTTL', 'EXPIRETIME']);
  const scale = variant === 'PTTL' ? 1000 : 1;
  const nowSeconds = Date.now() / 1000;
  const short = state.expiresIn;
  const expect = !draft.exists(key)
    ? int(-2)
    : short !== undefined
      ? satisfying('a short TTL', (reply) => typeof reply === 'number' && (variant === 'EXPIRETIME' ? reply >= nowSeconds - 1 : reply >= 0 && reply <= short))
      : state.ttl === 'none'
        ? int(-1)
        : variant === 'EXPIRETIME'
          ? satisfying('a time about a day ahead', (reply) => typeof reply === 'number' && reply > nowSeconds + LONG_TTL_SECONDS / 2)
          : satisfying('a TTL ahead', (reply) => typeof reply === 'number' && reply > 0 && reply <= LONG_TTL_SECONDS * scale);
  return { command: [variant, key], writes: false, expect };
}

// --- hashes ---

function hsetStep(draft: Draft): Step | null {
  const key = draft.pick('hash');
  if (key === null) return null;
  const hash = hashOf(draft, key);
  const many = Math.random() < 0.05;
  const fields = new Map<string, string>();
  const count = many ? 20 + randomInt(20) : 1 + randomInt(3);
  while (fields.size < count) fields.set(many ? `g${randomInt(200)}` : fieldName(), Math.random() < 0.4 ? String(randomInt(100)) : `h${randomInt(1e5)}`);
  let added = 0;
  for (const [field, value] of fields) {
    if (!hash.has(field)) added++;
    hash.set(field, value);
  }
  draft.set(key, keepTtl(draft, key, hash));
  const args = [...fields].flat();
  if (Math.random() < 0.2) return { command: ['HMSET', key, ...args], writes: true, expect: ok };
  return { command: ['HSET', key, ...args], writes: true, expect: int(added) };
}

function hsetnxStep(draft: Draft): Step | null {
  const key = draft.pick('hash');
  if (key === null) return null;
  const hash = hashOf(draft, key);
  const field = fieldName();
  const applies = !hash.has(field);
  if (applies) {
    hash.set(field, `n${randomInt(1000)}`);
    draft.set(key, keepTtl(draft, key, hash));
  }
  return { command: ['HSETNX', key, field, applies ? (hash.get(field) as string) : 'unused'], writes: true, expect: int(applies ? 1 : 0) };
}

function hdelStep(draft: Draft): Step | null {
  const key = draft.pick('hash');
  if (key === null) return null;
  const hash = hashOf(draft, key);
  const fields = [...new Set([fieldName(), ...(hash.size > 0 && Math.random() < 0.7 ? [pickOne([...hash.keys()])] : [])])];
  const removed = fields.filter((field) => hash.delete(field)).length;
  draft.set(key, keepTtl(draft, key, hash));
  return { command: ['HDEL', key, ...fields], writes: true, expect: int(removed) };
}

function hincrStep(draft: Draft): Step | null {
  const key = draft.pick('hash');
  if (key === null) return null;
  const hash = hashOf(draft, key);
  const field = hash.size > 0 && Math.random() < 0.7 ? pickOne([...hash.keys()]) : fieldName();
  const old = hash.get(field) ?? '0';
  if (Math.random() < 0.3) {
    const number = halfStepOf(old);
    const command = ['HINCRBYFLOAT', key, field, '0.5'];
    if (number === null) return /[a-z]/.test(old) ? { command, writes: true, expect: error('ERR hash value is not a float') } : null;
    hash.set(field, floatText(number + 0.5));
    draft.set(key, keepTtl(draft, key, hash));
    return { command, writes: true, expect: bulk(hash.get(field) as string) };
  }
  const by = randomInt(100) - 50;
  const command = ['HINCRBY', key, field, String(by)];
  const number = integerOf(old);
  if (number === null) return surelyNotInteger(old) ? { command, writes: true, expect: error('ERR hash value is not an integer') } : null;
  hash.set(field, String(number + by));
  draft.set(key, keepTtl(draft, key, hash));
  return { command, writes: true, expect: int(number + by) };
}

function hreadStep(draft: Draft): Step | null {
  const key = draft.pick('hash');
  if (key === null) return null;
  const hash = hashOf(draft, key);
  const field = hash.size > 0 && Math.random() < 0.7 ? pickOne([...hash.keys()]) : fieldName();
  switch (pickOne(['HGET', 'HMGET', 'HLEN', 'HEXISTS', 'HSTRLEN', 'HKEYS', 'HVALS', 'HGETALL', 'HRANDFIELD', 'HRANDFIELD COUNT'])) {
    case 'HGET':
      return { command: ['HGET', key, field], writes: false, expect: bulk(hash.get(field) ?? null) };
    case 'HMGET': {
      const fields = [field, fieldName(), fieldName()];
      return { command: ['HMGET', key, ...fields], writes: false, expect: bulks(fields.map((f) => hash.get(f) ?? null)) };
    }
    case 'HLEN':
      return { command: ['HLEN', key], writes: false, expect: int(hash.size) };
    case 'HEXISTS':
      return { command: ['HEXISTS', key, field], writes: false, expect: int(hash.has(field) ? 1 : 0) };
    case 'HSTRLEN':
      return { command: ['HSTRLEN', key, field], writes: false, expect: int(hash.get(field)?.length ?? 0) };
    case 'HKEYS':
      return { command: ['HKEYS', key], writes: false, expect: unordered([...hash.keys()]) };
    case 'HVALS':
      return { command: ['HVALS', key], writes: false, expect: unordered([...hash.values()]) };
    case 'HGETALL':
      return { command: ['HGETALL', key], writes: false, expect: pairs(hash) };
    case 'HRANDFIELD':
      return { command: ['HRANDFIELD', key], writes: false, expect: hash.size === 0 ? bulk(null) : satisfying('one of its fields', (reply) => Buffer.isBuffer(reply) && hash.has(reply.toString('latin1'))) };
    default: {
      const count = randomInt(11) - 5;
      return {
        command: ['HRANDFIELD', key, String(count), 'WITHVALUES'],
        writes: false,
        expect: satisfying(`${Math.abs(count)} of its pairs`, (reply) => {
          const items = stringsOf(reply);
          if (items === null) return false;
          const want = count >= 0 ? Math.min(count, hash.size) : hash.size === 0 ? 0 : -count;
          if (items.length !== want * 2) return false;
          const seen = new Set<string>();
          for (let i = 0; i < items.length; i += 2) {
            if (hash.get(items[i]) !== items[i + 1]) return false;
            seen.add(items[i]);
          }
          return count < 0 || seen.size === want;
        }),
      };
    }
  }
}

// --- sets ---

function saddStep(draft: Draft): Step | null {
  const key = draft.pick('set');
  if (key === null) return null;
  const set = setOf(draft, key);
  const many = Math.random() < 0.05;
  const members = [...new Set(Array.from({ length: many ? 30 + randomInt(30) : 1 + randomInt(3) }, member))];
  let added = 0;
  for (const m of members) {
    if (!set.has(m)) added++;
    set.add(m);
  }
  draft.set(key, keepTtl(draft, key, set));
  return { command: ['SADD', key, ...members], writes: true, expect: int(added) };
}

function sremStep(draft: Draft): Step | null {
  const key = draft.pick('set');
  if (key === null) return null;
  const set = setOf(draft, key);
  const members = [...new Set([member(), ...(set.size > 0 ? [pickOne([...set]), pickOne([...set])] : [])])];
  const removed = members.filter((m) => set.delete(m)).length;
  draft.set(key, keepTtl(draft, key, set));
  return { command: ['SREM', key, ...members], writes: true, expect: int(removed) };
}

function sreadStep(draft: Draft): Step | null {
  const key = draft.pick('set');
  if (key === null) return null;
  const set = setOf(draft, key);
  const m = set.size > 0 && Math.random() < 0.6 ? pickOne([...set]) : member();
  switch (pickOne(['SISMEMBER', 'SMISMEMBER', 'SCARD', 'SMEMBERS', 'SRANDMEMBER', 'SRANDMEMBER COUNT'])) {
    case 'SISMEMBER':
      return { command: ['SISMEMBER', key, m], writes: false, expect: int(set.has(m) ? 1 : 0) };
    case 'SMISMEMBER': {
      const members = [m, member(), member()];
      return { command: ['SMISMEMBER', key, ...members], writes: false, expect: array(members.map((x) => int(set.has(x) ? 1 : 0))) };
    }
    case 'SCARD':
      return { command: ['SCARD', key], writes: false, expect: int(set.size) };
    case 'SMEMBERS':
      return { command: ['SMEMBERS', key], writes: false, expect: unordered([...set]) };
    case 'SRANDMEMBER':
      return { command: ['SRANDMEMBER', key], writes: false, expect: set.size === 0 ? bulk(null) : satisfying('one of its members', (reply) => Buffer.isBuffer(reply) && set.has(reply.toString('latin1'))) };
    default: {
      const count = randomInt(21) - 10;
      return {
        command: ['SRANDMEMBER', key, String(count)],
        writes: false,
        expect: satisfying(`${Math.abs(count)} of its members`, (reply) => {
          const items = stringsOf(reply);
          if (items === null || !items.every((item) => set.has(item))) return false;
          if (count >= 0) return items.length === Math.min(count, set.size) && new Set(items).size === items.length;
          return items.length === (set.size === 0 ? 0 : -count);
        }),
      };
    }
  }
}

function spopStep(draft: Draft): Step | null {
  const key = draft.pick('set');
  if (key === null) return null;
  const set = setOf(draft, key);
  return {
    command: ['SPOP', key],
    writes: true,
    alone: true,
    expect: set.size === 0 ? bulk(null) : satisfying('one of its members', (reply) => Buffer.isBuffer(reply) && set.has(reply.toString('latin1'))),
    learn: (reply, d) => {
      if (!Buffer.isBuffer(reply)) return;
      const after = setOf(d, key);
      after.delete(reply.toString('latin1'));
      d.set(key, keepTtl(d, key, after));
    },
    // Its reply never came: one member fewer, or none.
    mayLeave: (before, found) => {
      const had = (before.get(key)?.data as Set<string> | null) ?? new Set<string>();
      const has = (found.get(key) as Set<string> | null) ?? new Set<string>();
      return had.size === has.size + 1 && [...has].every((m) => had.has(m));
    },
  };
}

function smoveStep(draft: Draft): Step | null {
  const keys = draft.pickMany('set', 2);
  if (keys.length < 2) return null;
  const [from, to] = keys;
  const source = setOf(draft, from);
  const m = source.size > 0 && Math.random() < 0.8 ? pickOne([...source]) : member();
  const applies = source.delete(m);
  if (applies) {
    draft.set(from, keepTtl(draft, from, source));
    const target = setOf(draft, to);
    target.add(m);
    draft.set(to, keepTtl(draft, to, target));
  }
  return { command: ['SMOVE', from, to, m], writes: true, expect: int(applies ? 1 : 0) };
}

function combine(op: string, sets: Set<string>[]): Set<string> {
  const [first, ...rest] = sets;
  if (op === 'UNION') return new Set(sets.flatMap((set) => [...set]));
  if (op === 'INTER') return new Set([...first].filter((m) => rest.every((set) => set.has(m))));
  return new Set([...first].filter((m) => !rest.some((set) => set.has(m))));
}

function setAlgebraStep(draft: Draft): Step | null {
  const keys = draft.pickMany('set', 2 + randomInt(2));
  if (keys.length < 2) return null;
  const op = pickOne(['INTER', 'UNION', 'DIFF']);
  const result = combine(op, keys.map((key) => setOf(draft, key)));
  const roll = Math.random();
  if (roll < 0.4) return { command: [`S${op}`, ...keys], writes: false, expect: unordered([...result]) };
  if (roll < 0.5) return { command: ['SINTERCARD', String(keys.length), ...keys], writes: false, expect: int(combine('INTER', keys.map((key) => setOf(draft, key))).size) };
  // The destination: one of the sources, or another set key.
  const destination = Math.random() < 0.3 ? keys[0] : (draft.pickMany('set', 1)[0] ?? keys[0]);
  draft.set(destination, { data: result, ttl: 'none' });
  return { command: [`S${op}STORE`, destination, ...keys], writes: true, expect: int(result.size) };
}

// --- the mix ---

const WEIGHTED: [number, (draft: Draft) => Step | null][] = [
  [6, setStep],
  [4, getStep],
  [2, getSetStep],
  [2, appendStep],
  [3, incrStep],
  [1, incrFloatStep],
  [1, setRangeStep],
  [2, readStringStep],
  [2, setVariantStep],
  [3, msetStep],
  [2, mgetStep],
  [1, lcsStep],
  [2, delStep],
  [2, existsStep],
  [3, renameStep],
  [3, expireStep],
  [2, ttlStep],
  [4, hsetStep],
  [1, hsetnxStep],
  [2, hdelStep],
  [2, hincrStep],
  [3, hreadStep],
  [4, saddStep],
  [2, sremStep],
  [3, sreadStep],
  [1, spopStep],
  [2, smoveStep],
  [3, setAlgebraStep],
];
const TOTAL_WEIGHT = WEIGHTED.reduce((total, [weight]) => total + weight, 0);

/** A random step on the draft's free keys; null when the one drawn has nothing to work on. */
export function randomStep(draft: Draft, inTransaction: boolean): Step | null {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const [weight, build] of WEIGHTED) {
    roll -= weight;
    if (roll > 0) continue;
    const step = build(draft);
    return step !== null && inTransaction && step.alone ? null : step;
  }
  return null;
}
