// What a writer knows of its own keys, and how replies and read-backs are
// checked against that: a key's value (string, hash or set), whether it has
// a TTL, and replies described as checks.

import { ReplyError } from '../../src/protocol/reply-reader.ts';
import { show, type Reply } from './resp.ts';

export type Kind = 'string' | 'hash' | 'set';
export type Data = string | Map<string, string> | Set<string>;

/** A TTL long enough never to run out during a soak. */
export const LONG_TTL_SECONDS = 100000;

export interface KeyState {
  /** null: no such key. An empty hash or set is no key either. */
  data: Data | null;
  /** `long`: a TTL of LONG_TTL_SECONDS (or about that); ignored when there is no key. */
  ttl: 'none' | 'long';
  /** A short TTL whose command was answered: gone for sure after this time (ms since the epoch), maybe before. */
  expiresBy?: number;
  /** A short TTL (ms) set by a command not answered yet; becomes expiresBy once it is. */
  expiresIn?: number;
}

export const ABSENT: KeyState = { data: null, ttl: 'none' };

/** What a read of a key found: its value and its PTTL. */
export interface Observed {
  data: Data | null;
  pttl: number;
}

export function isEmpty(data: Data | null): boolean {
  if (data === null) return true;
  return typeof data !== 'string' && data.size === 0;
}

/** A state with an empty collection made into no key, as the server does. */
export function normalized(state: KeyState): KeyState {
  return isEmpty(state.data) ? ABSENT : state;
}

export function sameData(a: Data | null, b: Data | null): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [field, value] of a) if (b.get(field) !== value) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const member of a) if (!b.has(member)) return false;
    return true;
  }
  return false;
}

function showData(data: Data | null): string {
  if (data === null) return 'none';
  if (typeof data === 'string') return JSON.stringify(data.length > 60 ? `${data.slice(0, 60)}...(${data.length})` : data);
  const items = data instanceof Map ? [...data].map(([f, v]) => `${f}=${v}`) : [...data];
  items.sort();
  return `${data instanceof Map ? 'hash' : 'set'}{${items.slice(0, 20).join(',')}${items.length > 20 ? `,...(${items.length})` : ''}}`;
}

export function showState(state: KeyState): string {
  if (isEmpty(state.data)) return 'none';
  const ttl = state.expiresBy !== undefined ? ` expiring by +${state.expiresBy - Date.now()}ms` : state.ttl === 'long' ? ' with TTL' : '';
  return `${showData(state.data)}${ttl}`;
}

export function showObserved(observed: Observed): string {
  return `${showData(isEmpty(observed.data) ? null : observed.data)} pttl=${observed.pttl}`;
}

/** Clock slack between the server's expiry and this process's clock (same machine; whole milliseconds). */
const EXPIRY_SLACK_MS = 10;

/** Whether a read sent at `readAt` may have found `observed` of a key in `state`. */
export function matches(state: KeyState, observed: Observed, readAt: number): boolean {
  if (state.expiresBy !== undefined) {
    if (isEmpty(observed.data)) return true;
    // Read before the latest moment it expires: still there, with its TTL (or just gone between the two reads).
    return readAt <= state.expiresBy + EXPIRY_SLACK_MS && sameData(state.data, observed.data) && observed.pttl !== -1;
  }
  if (isEmpty(state.data)) return isEmpty(observed.data) && observed.pttl === -2;
  if (!sameData(state.data, observed.data)) return false;
  return state.ttl === 'none' ? observed.pttl === -1 : observed.pttl > 0 && observed.pttl <= LONG_TTL_SECONDS * 1000;
}

/** The state once an answered short TTL or a passed expiry is taken into account. */
export function settled(state: KeyState, now: number): KeyState {
  if (state.expiresBy !== undefined && now > state.expiresBy + EXPIRY_SLACK_MS) return ABSENT;
  return state;
}

/** The commands that read a key of `kind` back whole. */
export function readCommands(key: string, kind: Kind): string[][] {
  const read = kind === 'string' ? 'GET' : kind === 'hash' ? 'HGETALL' : 'SMEMBERS';
  return [[read, key], ['PTTL', key]];
}

/** What the replies of readCommands say; a string when they make no sense. */
export function observe(kind: Kind, value: Reply, pttl: Reply): Observed | string {
  if (typeof pttl !== 'number') return `PTTL answered ${show(pttl)}`;
  if (kind === 'string') {
    if (value === null) return { data: null, pttl };
    if (!Buffer.isBuffer(value)) return `GET answered ${show(value)}`;
    return { data: value.toString('latin1'), pttl };
  }
  if (!Array.isArray(value) || !value.every(Buffer.isBuffer)) return `${kind === 'hash' ? 'HGETALL' : 'SMEMBERS'} answered ${show(value)}`;
  const items = (value as Buffer[]).map((item) => item.toString('latin1'));
  if (kind === 'set') return { data: new Set(items), pttl };
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < items.length; i += 2) map.set(items[i], items[i + 1]);
  return { data: map, pttl };
}

// --- replies, as checks: null when the reply is the one expected, else what was ---

export type Expect = (reply: Reply) => string | null;

/** The error a hop gets when the shard it went to restarted: the command may or may not have run. */
export function isRestartError(reply: Reply): boolean {
  return reply instanceof ReplyError && reply.message.includes('restarted while running the command');
}

/** Whether a reply (or an EXEC's replies) holds a restart error. */
export function holdsRestartError(reply: Reply): boolean {
  return isRestartError(reply) || (Array.isArray(reply) && reply.some(holdsRestartError));
}

function wanted(description: string): Expect {
  return (reply) => `expected ${description}, got ${show(reply)}`;
}

export function simple(value: string): Expect {
  return (reply) => (reply === value ? null : wanted(value)(reply));
}

export const ok = simple('OK');
export const queued = simple('QUEUED');

export function int(value: number): Expect {
  return (reply) => (reply === value ? null : wanted(String(value))(reply));
}

export function bulk(value: string | null): Expect {
  return (reply) => {
    if (value === null) return reply === null ? null : wanted('nil')(reply);
    return Buffer.isBuffer(reply) && reply.toString('latin1') === value ? null : wanted(JSON.stringify(value.slice(0, 80)))(reply);
  };
}

/** An array of exactly these, in order. */
export function array(items: Expect[]): Expect {
  return (reply) => {
    if (!Array.isArray(reply) || reply.length !== items.length) return wanted(`an array of ${items.length}`)(reply);
    for (let i = 0; i < items.length; i++) {
      const mismatch = items[i](reply[i]);
      if (mismatch !== null) return `item ${i}: ${mismatch}`;
    }
    return null;
  };
}

export function bulks(values: (string | null)[]): Expect {
  return array(values.map(bulk));
}

function strings(reply: Reply): string[] | null {
  if (!Array.isArray(reply) || !reply.every(Buffer.isBuffer)) return null;
  return (reply as Buffer[]).map((item) => item.toString('latin1'));
}

/** An array of these strings in any order (duplicates counted). */
export function unordered(values: string[]): Expect {
  const want = [...values].sort();
  return (reply) => {
    const got = strings(reply)?.sort();
    return got !== undefined && got.length === want.length && got.every((item, i) => item === want[i]) ? null : wanted(`in any order ${JSON.stringify(want.slice(0, 20))}`)(reply);
  };
}

/** HGETALL's reply of this hash (pairs in any order). */
export function pairs(map: Map<string, string>): Expect {
  return (reply) => {
    const got = strings(reply);
    if (got === null || got.length !== map.size * 2) return wanted(`${map.size} field-value pairs`)(reply);
    for (let i = 0; i < got.length; i += 2) if (map.get(got[i]) !== got[i + 1]) return wanted(`the pairs of ${showData(map)}`)(reply);
    return null;
  };
}

export function error(prefix: string): Expect {
  return (reply) => (reply instanceof ReplyError && reply.message.startsWith(prefix) ? null : wanted(`an error ${prefix}...`)(reply));
}

/** Any reply `accept` says yes to. */
export function satisfying(description: string, accept: (reply: Reply) => boolean): Expect {
  return (reply) => (accept(reply) ? null : wanted(description)(reply));
}

export function stringsOf(reply: Reply): string[] | null {
  return strings(reply);
}
