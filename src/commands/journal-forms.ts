// How a write is journaled (store/journal.ts), by command: most as they were
// sent, which replays them exactly; those whose effect depends on the clock or
// on chance as their effect, as Redis propagates them: relative expiry as an
// absolute PEXPIREAT (or the key's SET ... PXAT), INCRBYFLOAT as SET,
// HINCRBYFLOAT as HSET, SPOP as SREM, a served blocking pop as its plain pop,
// XADD's generated id written out, a stream's approximate trim as the exact
// one it came to. Those whose effect holds times (consumer
// groups' delivery and seen times, RESTORE's relative TTL) journal the image
// of each key they changed: RESTORE ... REPLACE ABSTTL, or DEL when it went.
// EXEC and scripts journal nothing themselves: the commands they run are
// journaled as they run.

import type { CommandSpec } from './command.ts';
import { Flag } from './command-row.ts';
import type { Journal } from '../store/journal.ts';
import type { ShardStore } from '../store/shard-store.ts';
import { ValueType } from '../store/entry.ts';
import { dumpPayload } from '../store/rdb/rdb-value.ts';
import { formatId, MAX_ID, openStream, ZERO_ID } from '../store/types/stream.ts';
import { readReply, type ReplyValue } from '../protocol/reply-reader.ts';
import { isKeyword } from '../protocol/args.ts';

/** A journaled form: writes the command's effect, given its arguments and its reply's bytes. */
type Form = (out: JournalWrite, argv: Buffer[], argc: number, reply: Buffer) => void;

/** What a form writes with: the journal, the store after the command, its database. */
export interface JournalWrite {
  journal: Journal;
  store: ShardStore;
  db: number;
  /** Keys the command changed, recorded for forms that journal images (null: not recorded). */
  changedKeys: readonly Buffer[] | null;
}

const b = (text: string): Buffer => Buffer.from(text);
const SET = b('SET');
const DEL = b('DEL');
const PEXPIREAT = b('PEXPIREAT');
const PERSIST = b('PERSIST');
const PXAT = b('PXAT');
const KEEPTTL = b('KEEPTTL');
const HSET = b('HSET');
const SREM = b('SREM');
const RESTORE = b('RESTORE');
const REPLACE = b('REPLACE');
const ABSTTL = b('ABSTTL');

function replyOf(reply: Buffer): ReplyValue {
  try {
    return readReply(reply);
  } catch {
    return null;
  }
}

function bulkOf(value: ReplyValue): Buffer | null {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value);
  if (typeof value === 'number' || typeof value === 'bigint') return Buffer.from(String(value));
  return null;
}

/** The key as it is now: SET key value [PXAT t] for a string, its TTL alone for another type, or DEL. */
function stringImage(out: JournalWrite, key: Buffer): void {
  const { store, db, journal } = out;
  const ref = store.lookupRead(db, key, 0, false);
  if (ref === 0) {
    journal.append(db, [DEL, key]);
    return;
  }
  const expireAt = store.exactExpireAt(ref);
  if (store.typeOf(ref) !== ValueType.String) {
    journal.append(db, expireAt === 0 ? [PERSIST, key] : [PEXPIREAT, key, b(String(expireAt))]);
    return;
  }
  const value = Buffer.from(store.stringView(ref));
  journal.append(db, expireAt === 0 ? [SET, key, value] : [SET, key, value, PXAT, b(String(expireAt))]);
}

/** The key's TTL as it is now: PEXPIREAT at its absolute time, PERSIST, or DEL when it went. */
function ttlImage(out: JournalWrite, key: Buffer): void {
  const { store, db, journal } = out;
  const ref = store.lookupRead(db, key, 0, false);
  if (ref === 0) journal.append(db, [DEL, key]);
  else {
    const expireAt = store.exactExpireAt(ref);
    journal.append(db, expireAt === 0 ? [PERSIST, key] : [PEXPIREAT, key, b(String(expireAt))]);
  }
}

/** The whole key as it is now, whatever its type: RESTORE ... REPLACE ABSTTL, or DEL. */
function keyImage(out: JournalWrite, key: Buffer): void {
  const { store, db, journal } = out;
  const ref = store.lookupRead(db, key, 0, false);
  if (ref === 0) journal.append(db, [DEL, key]);
  else journal.append(db, [RESTORE, key, b(String(store.exactExpireAt(ref))), dumpPayload(store, ref, false), REPLACE, ABSTTL]);
}

const imageOfChangedKeys: Form = (out) => {
  const seen = new Set<string>();
  for (const key of out.changedKeys ?? []) {
    const name = key.toString('latin1');
    if (seen.has(name)) continue;
    seen.add(name);
    keyImage(out, key);
  }
};

/** The pop a served blocking command did, on the key its reply names. */
function popOf(command: Buffer): Form {
  return (out, _argv, _argc, reply) => {
    const value = replyOf(reply);
    if (!Array.isArray(value)) return;
    const key = bulkOf(value[0]);
    if (key !== null) out.journal.append(out.db, [command, key]);
  };
}

/** The command named `name` with the arguments from `from` on (BLMOVE's timeout dropped, BLMPOP's first). */
function renamed(name: Buffer, from: number, dropLast: boolean): Form {
  return (out, argv, argc) => out.journal.append(out.db, [name, ...argv.slice(from, dropLast ? argc - 1 : argc)]);
}

/** Where XADD's id is: past the key and its options. */
function xaddIdAt(argv: Buffer[], argc: number): number {
  let at = 2;
  while (at < argc) {
    if (isKeyword(argv[at], 'nomkstream')) at++;
    else if (isKeyword(argv[at], 'maxlen') || isKeyword(argv[at], 'minid')) {
      at++;
      if (at < argc && (argv[at].length === 1 && (argv[at][0] === 0x3d || argv[at][0] === 0x7e))) at++;
      at++;
    } else if (isKeyword(argv[at], 'limit')) at += 2;
    else break;
  }
  return at;
}

/** A blocking command that ran inside block-try or block-serve, journaled by its own form. */
function journalInner(out: JournalWrite, inner: Buffer[], reply: Buffer): void {
  if (inner.length === 0) return;
  const form = FORMS.get(inner[0].toString('latin1').toLowerCase());
  if (form === undefined) out.journal.append(out.db, inner);
  else form(out, inner, inner.length, reply);
}

/** block-try numkeys key... thread slot generation proto servable command...: the command. */
const blockTried: Form = (out, argv, argc, reply) => {
  const at = 2 + Number(argv[1].toString('latin1')) + 5;
  journalInner(out, argv.slice(at, argc), reply);
};

/** block-serve key command...: the command as served from `key` (BLMPOP and BZMPOP from that key alone). */
const blockServed: Form = (out, argv, argc, reply) => {
  const command = argv.slice(2, argc);
  const name = command[0].toString('latin1').toLowerCase();
  if (name === 'blmpop' || name === 'bzmpop') {
    const keys = Number(command[2].toString('latin1'));
    journalInner(out, [command[0], command[1], b('1'), argv[1], ...command.slice(3 + keys)], reply);
  } else journalInner(out, command, reply);
};

/**
 * A stream's approximate trim (MAXLEN ~ n, MINID ~ id) as the exact trim it
 * came to, as Redis propagates it: how far it trims depends on the node
 * sizes, which a replay may not share. Its LIMIT goes (exact trims take none).
 */
function exactTrims(out: JournalWrite, args: Buffer[], from: number, end: number): Buffer[] {
  let approximate = false;
  for (let i = from; i < end; i++) if (args[i].length === 1 && args[i][0] === 0x7e /* ~ */) approximate = true;
  if (!approximate) return args;
  const ref = out.store.lookupRead(out.db, args[1], 0, false);
  if (ref === 0 || out.store.typeOf(ref) !== ValueType.Stream) return args;
  const stream = openStream(out.store, ref);
  const rewritten = args.slice(0, from);
  for (let i = from; i < end; i++) {
    const arg = args[i];
    if (isKeyword(arg, 'limit')) {
      i++;
      continue;
    }
    rewritten.push(arg);
    if (!isKeyword(arg, 'maxlen') && !isKeyword(arg, 'minid')) continue;
    if (args[i + 1].length === 1 && (args[i + 1][0] === 0x7e || args[i + 1][0] === 0x3d)) i++;
    rewritten.push(b('='));
    i++;
    if (isKeyword(arg, 'maxlen')) rewritten.push(b(String(stream.length)));
    else {
      const first = stream.range(ZERO_ID, MAX_ID, false, 1)[0];
      rewritten.push(first === undefined ? args[i] : b(formatId(first.id)));
    }
  }
  return [...rewritten, ...args.slice(end)];
}

/** A command journaled whenever it runs (it changes no key): as sent, unless it answered an error (it changed nothing then). */
function unlessRefused(out: JournalWrite, argv: Buffer[], argc: number, reply: Buffer): void {
  if (reply[0] !== 0x2d /* - */) out.journal.append(out.db, argv, argc);
}

const FORMS = new Map<string, Form>([
  ['block-try', blockTried],
  ['block-serve', blockServed],
  ['set', (out, argv, argc) => (argc > 3 ? stringImage(out, argv[1]) : out.journal.append(out.db, argv, argc))],
  ['setex', (out, argv) => stringImage(out, argv[1])],
  ['psetex', (out, argv) => stringImage(out, argv[1])],
  ['getex', (out, argv) => ttlImage(out, argv[1])],
  ['expire', (out, argv) => ttlImage(out, argv[1])],
  ['pexpire', (out, argv) => ttlImage(out, argv[1])],
  ['expireat', (out, argv) => ttlImage(out, argv[1])],
  ['pexpireat', (out, argv) => ttlImage(out, argv[1])],
  ['incrbyfloat', (out, argv, _argc, reply) => {
    const value = bulkOf(replyOf(reply));
    if (value !== null) out.journal.append(out.db, [SET, argv[1], value, KEEPTTL]);
  }],
  ['hincrbyfloat', (out, argv, _argc, reply) => {
    const value = bulkOf(replyOf(reply));
    if (value !== null) out.journal.append(out.db, [HSET, argv[1], argv[2], value]);
  }],
  ['spop', (out, argv, _argc, reply) => {
    const value = replyOf(reply);
    const members = Array.isArray(value) ? value.map(bulkOf).filter((m): m is Buffer => m !== null) : [bulkOf(value)].filter((m): m is Buffer => m !== null);
    if (members.length !== 0) out.journal.append(out.db, [SREM, argv[1], ...members]);
  }],
  ['blpop', popOf(b('LPOP'))],
  ['brpop', popOf(b('RPOP'))],
  ['bzpopmin', popOf(b('ZPOPMIN'))],
  ['bzpopmax', popOf(b('ZPOPMAX'))],
  ['blmove', renamed(b('LMOVE'), 1, true)],
  ['brpoplpush', renamed(b('RPOPLPUSH'), 1, true)],
  ['blmpop', renamed(b('LMPOP'), 2, false)],
  ['bzmpop', renamed(b('ZMPOP'), 2, false)],
  ['xadd', (out, argv, argc, reply) => {
    const id = bulkOf(replyOf(reply));
    if (id === null) return;
    const at = xaddIdAt(argv, argc);
    const args = argv.slice(0, argc);
    args[at] = id;
    out.journal.append(out.db, exactTrims(out, args, 2, at));
  }],
  ['xtrim', (out, argv, argc) => out.journal.append(out.db, exactTrims(out, argv.slice(0, argc), 2, argc))],
  ['restore', imageOfChangedKeys],
  ['xreadgroup', imageOfChangedKeys],
  ['xclaim', imageOfChangedKeys],
  ['xautoclaim', imageOfChangedKeys],
  ['xgroup|createconsumer', imageOfChangedKeys],
  ['stream-readgroup', imageOfChangedKeys],
  ['function|load', unlessRefused],
  ['function|delete', unlessRefused],
  ['function|flush', unlessRefused],
  ['function|restore', unlessRefused],
]);

/** Internal ops that only read (a key they expire on the way needs no replay: expiry times are absolute), or load. */
const READ_OPS = new Set([
  'string-values', 'lcs-value', 'stream-check', 'stream-read', 'stream-group-check', 'hll-registers', 'list-probe', 'zset-entries', 'zset-range', 'zset-probe',
  'matching-keys', 'key-count', 'random-key', 'scan-shard', 'geo-search', 'existing-keys', 'set-members', 'set-probe', 'bitop-sources', 'sort-load', 'sort-lookup',
  'rdb-slice', 'rdb-load', 'aof-rewrite', 'aof-load-back',
]);

/** Whether the command's writes are journaled at all (a script's or EXEC's are journaled as their commands run). */
export function isJournaled(spec: CommandSpec): boolean {
  if ((spec.flags & Flag.Internal) !== 0) return !READ_OPS.has(spec.name);
  return (spec.flags & Flag.Write) !== 0 && spec.script !== true && spec.name !== 'exec';
}

/**
 * Writes to whole databases, which the shard's write counter does not
 * count, and changes to the function libraries (every thread's AOF has
 * them, as every thread loads them): journaled whenever they run.
 */
const WHOLE_DATABASE = new Set([
  'flushdb', 'flushall', 'swapdb', 'flush-database', 'flush-everything', 'swap-databases', 'function|load', 'function|delete', 'function|flush', 'function|restore',
]);

/** Whether the command is journaled even when the write counter did not move (FLUSHDB, SWAPDB and their parts). */
export function isJournaledAlways(spec: CommandSpec): boolean {
  return WHOLE_DATABASE.has(spec.name);
}

/** Whether the command's form needs the keys it changed (the invoker records them while it runs). */
export function needsChangedKeys(spec: CommandSpec): boolean {
  const form = FORMS.get(spec.name);
  return form === imageOfChangedKeys || form === blockTried || form === blockServed;
}

/** Journals a command that changed data, in its replayable form; `reply` holds the bytes it answered. */
export function journalWrite(out: JournalWrite, spec: CommandSpec, argv: Buffer[], argc: number, reply: Buffer): void {
  const form = FORMS.get(spec.name);
  if (form === undefined) out.journal.append(out.db, argv, argc);
  else form(out, argv, argc, reply);
}
