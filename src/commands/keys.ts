// Generic keyspace family: DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME, RENAMENX,
// COPY, MOVE, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.
//
// RENAME, RENAMENX and COPY whose two keys live on different shards run as a
// stepwise plan of hops: read the source entry (type code, value as bytes,
// absolute expiry) with the internal entry-get, store it with entry-put, then,
// for a rename, delete the source. SCAN walks the shards one after another
// with one cursor (see scanAcrossShards).

import { keyCommandFamily, keysAt, NO_KEYS, type CommandContext, type CommandSpec, type KeySpec, type MultiShardPlan } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { ENTRY_GET, ENTRY_PUT } from './internal.ts';
import { VALUE_TYPES } from '../store/value-types.ts';
import { parseScanCursor, parseScanOptions } from './scan-args.ts';
import type { Ref, ShardStore } from '../store/shard-store.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { globMatch } from '../store/glob.ts';
import { atomically, sumOverKeys, onEveryShardAtomically, mergeSumReplies, mergeOkReplies, mergeConcatReplies, type AtomicPlan } from '../tx/multi-shard.ts';
import { stepwise } from './step-plans.ts';
import type { Transaction } from '../tx/scheduler.ts';
import { HOP_INTERNAL, HOP_PART } from '../shard/hop-format.ts';
import { ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';

function del(ctx: CommandContext): void {
  let deleted = 0;
  for (let i = 1; i < ctx.argc; i++) if (ctx.store.delete(ctx.db, ctx.argv[i], ctx.now)) deleted++;
  ctx.out.integer(deleted);
}

/** EXISTS (touch = false) and TOUCH: how many of the keys exist, each counted as often as named. */
function countExisting(ctx: CommandContext, touch: boolean): void {
  let count = 0;
  for (let i = 1; i < ctx.argc; i++) if (ctx.store.lookupRead(ctx.db, ctx.argv[i], ctx.now, touch) !== 0) count++;
  ctx.out.integer(count);
}

function exists(ctx: CommandContext): void {
  countExisting(ctx, false);
}

function touch(ctx: CommandContext): void {
  countExisting(ctx, true);
}

function type(ctx: CommandContext): void {
  const ref = ctx.store.lookupRead(ctx.db, ctx.argv[1], ctx.now, false);
  ctx.out.simple(ref === 0 ? 'none' : VALUE_TYPES[ctx.store.typeOf(ref)].name);
}

// --- RENAME, RENAMENX, COPY, MOVE ---

/** RENAME and RENAMENX with both keys on this shard. */
function renameKey(ctx: CommandContext, nx: boolean): void {
  const { store, db, now, out } = ctx;
  const source = ctx.argv[1];
  const destination = ctx.argv[2];
  const ref = store.lookupWrite(db, source, now);
  if (ref === 0) {
    out.error(Errors.noSuchKey);
    return;
  }
  if (source.equals(destination)) {
    if (nx) out.integer(0);
    else out.ok();
    return;
  }
  if (nx && store.lookupWrite(db, destination, now) !== 0) {
    out.integer(0);
    return;
  }
  copyKey(store, ref, db, destination, now);
  store.remove(ref); // records never move: `ref` is still the source
  if (nx) out.integer(1);
  else out.ok();
}

function rename(ctx: CommandContext): void {
  renameKey(ctx, false);
}

function renamenx(ctx: CommandContext): void {
  renameKey(ctx, true);
}

const INT32_RANGE_ERROR = 'ERR value is out of range, value must between -2147483648 and 2147483647';

/** Redis's getIntFromObject: an int32, or null. */
function parseInt32(arg: Uint8Array): number | null {
  const value = parseInteger(arg);
  return value === null || value < -2147483648n || value > 2147483647n ? null : Number(value);
}

/** A database index as COPY ... DB and MOVE parse it: the index, or the error to reply. */
function parseDbIndex(arg: Uint8Array): number | string {
  const index = parseInt32(arg);
  if (index === null) return parseInteger(arg) === null ? Errors.notInteger : INT32_RANGE_ERROR;
  return index < 0 || index >= DATABASE_COUNT ? Errors.invalidDb : index;
}

interface CopyOptions {
  db: number;
  replace: boolean;
}

/** COPY source destination [DB destination-db] [REPLACE]: the options, or the error to reply. */
function parseCopyOptions(argv: readonly Buffer[], argc: number, db: number): CopyOptions | string {
  const options: CopyOptions = { db, replace: false };
  for (let i = 3; i < argc; i++) {
    if (isKeyword(argv[i], 'replace')) {
      options.replace = true;
    } else if (isKeyword(argv[i], 'db') && i + 1 < argc) {
      const index = parseDbIndex(argv[++i]);
      if (typeof index === 'string') return index;
      options.db = index;
    } else {
      return Errors.syntax;
    }
  }
  if (options.db === db && argv[1].equals(argv[2])) return Errors.sameObject;
  return options;
}

/** Stores a copy of the key at `ref` (value and TTL) as `key` in `db`, replacing whatever was there. */
function copyKey(store: ShardStore, ref: Ref, db: number, key: Buffer, now: number): void {
  const type = VALUE_TYPES[store.typeOf(ref)];
  const expireAt = store.expireAt(ref);
  type.decode(store, db, key, type.encode(store, ref), expireAt, now);
}

/** COPY with both keys on this shard. */
function copy(ctx: CommandContext): void {
  const { store, now, out } = ctx;
  const options = parseCopyOptions(ctx.argv, ctx.argc, ctx.db);
  if (typeof options === 'string') {
    out.error(options);
    return;
  }
  const ref = store.lookupRead(ctx.db, ctx.argv[1], now);
  if (ref === 0 || (!options.replace && store.lookupWrite(options.db, ctx.argv[2], now) !== 0)) {
    out.integer(0);
    return;
  }
  copyKey(store, ref, options.db, ctx.argv[2], now);
  out.integer(1);
}

function move(ctx: CommandContext): void {
  const { store, db, now, out } = ctx;
  const target = parseDbIndex(ctx.argv[2]);
  if (typeof target === 'string') {
    out.error(target);
    return;
  }
  if (target === db) {
    out.error(Errors.sameObject);
    return;
  }
  const key = ctx.argv[1];
  const ref = store.lookupWrite(db, key, now);
  if (ref === 0 || store.lookupWrite(target, key, now) !== 0) {
    out.integer(0);
    return;
  }
  store.moveToDatabase(ref, target);
  out.integer(1);
}

/** A key's entry as it travels between shards: type code, value as bytes, absolute expiry (0: none). */
interface EntryCopy {
  type: number;
  value: Buffer;
  expireAt: number;
}

/** Reads `key` in `db` on its shard; null when it does not exist. */
async function getEntry(tx: Transaction, db: number, key: Buffer, last: boolean): Promise<EntryCopy | null> {
  const reply = await tx.call(tx.shardOfKey(key), db, [ENTRY_GET, key], HOP_INTERNAL, last);
  if (reply instanceof ReplyError) throw reply;
  if (reply === null) return null;
  const [type, value, expireAt] = reply as [number, Buffer, number | bigint];
  return { type, value, expireAt: Number(expireAt) };
}

/** Stores `entry` under `key` in `db` on its shard; false when `replace` is off and the key exists. */
async function putEntry(tx: Transaction, db: number, key: Buffer, entry: EntryCopy, replace: boolean): Promise<boolean> {
  const args = [ENTRY_PUT, key, Buffer.from(String(entry.type)), entry.value, Buffer.from(String(entry.expireAt)), Buffer.from(replace ? 'replace' : 'nx')];
  const reply = await tx.call(tx.shardOfKey(key), db, args, HOP_INTERNAL, true);
  if (reply instanceof ReplyError) throw reply;
  return reply === 1;
}

const DEL = Buffer.from('del');

/** RENAME / RENAMENX with the keys on two shards: copy the entry over, then delete the source. */
function renameAcrossShards(nx: boolean): AtomicPlan {
  return atomically('keys', async (tx, { args, db }, out) => {
    const [, source, destination] = args;
    const entry = await getEntry(tx, db, source, false);
    if (entry === null) throw new ReplyError(Errors.noSuchKey);
    const stored = await putEntry(tx, db, destination, entry, !nx);
    if (stored) await tx.call(tx.shardOfKey(source), db, [DEL, source], HOP_PART, true);
    if (nx) out.integer(stored ? 1 : 0);
    else out.ok();
  });
}

/** COPY with the keys on two shards. */
const copyAcrossShards = atomically('keys', async (tx, { args, db }, out) => {
  const options = parseCopyOptions(args, args.length, db);
  if (typeof options === 'string') throw new ReplyError(options);
  const entry = await getEntry(tx, db, args[1], true);
  out.integer(entry !== null && (await putEntry(tx, options.db, args[2], entry, options.replace)) ? 1 : 0);
});

// --- whole-keyspace commands: each runs on every shard, the replies merged ---

function keys(ctx: CommandContext): void {
  const pattern = ctx.argv[1];
  const matchAll = pattern.length === 1 && pattern[0] === 0x2a;
  const { store, now } = ctx;
  const found: Buffer[] = [];
  store.forEachKey(ctx.db, (ref) => {
    if (store.isExpired(ref, now)) return;
    const key = store.keyView(ref);
    if (matchAll || globMatch(pattern, key)) found.push(key);
  });
  ctx.out.bulkArray(found);
}

function dbsize(ctx: CommandContext): void {
  ctx.out.integer(ctx.store.dbs[ctx.db].size);
}

/** FLUSHDB / FLUSHALL [ASYNC|SYNC]: freeing is immediate either way. */
function parseFlushMode(ctx: CommandContext): boolean {
  if (ctx.argc > 2 || (ctx.argc === 2 && !isKeyword(ctx.argv[1], 'async') && !isKeyword(ctx.argv[1], 'sync'))) {
    ctx.out.error(Errors.syntax);
    return false;
  }
  return true;
}

function flushdb(ctx: CommandContext): void {
  if (!parseFlushMode(ctx)) return;
  ctx.store.flushDatabase(ctx.db);
  ctx.out.ok();
}

function flushall(ctx: CommandContext): void {
  if (!parseFlushMode(ctx)) return;
  ctx.store.flushAll();
  ctx.out.ok();
}

/** SWAPDB on each shard: every shard swaps its two databases. */
function swapdb(ctx: CommandContext): void {
  const first = parseInt32(ctx.argv[1]);
  if (first === null) {
    ctx.out.error('ERR invalid first DB index');
    return;
  }
  const second = parseInt32(ctx.argv[2]);
  if (second === null) {
    ctx.out.error('ERR invalid second DB index');
    return;
  }
  if (first < 0 || first >= DATABASE_COUNT || second < 0 || second >= DATABASE_COUNT) {
    ctx.out.error(Errors.invalidDb);
    return;
  }
  ctx.store.swapDatabases(first, second);
  ctx.out.ok();
}

/**
 * RANDOMKEY's part on one shard: [number of keys, a random live key or null].
 * Expired keys met on the way are deleted, as Redis's dbRandomKey does.
 */
function randomkey(ctx: CommandContext): void {
  const ref = ctx.store.randomKey(ctx.db, ctx.now);
  ctx.out.arrayHeader(2);
  ctx.out.integer(ctx.store.dbs[ctx.db].size);
  if (ref === 0) ctx.out.nullBulk();
  else ctx.out.bulk(ctx.store.keyView(ref));
}

/** RANDOMKEY over shards: a shard picked with odds proportional to its key count, then its random key. */
function mergeRandomKey(replies: ReplyValue[], out: ReplyWriter): void {
  const parts = (replies as [number, Buffer | null][]).filter(([, key]) => key !== null);
  let pick = Math.random() * parts.reduce((total, [size]) => total + size, 0);
  for (const [size, key] of parts) {
    pick -= size;
    if (pick < 0) {
      out.bulk(key as Buffer);
      return;
    }
  }
  if (parts.length > 0) out.bulk(parts[parts.length - 1][1] as Buffer);
  else out.nullBulk();
}

// --- SCAN ---

/** SCAN's part on one shard: `scan <local cursor> [options]`, replied as Redis does: [next cursor, keys]. */
function scan(ctx: CommandContext): void {
  const { argv, out, store, db, now } = ctx;
  const cursor = parseScanCursor(argv[1]);
  const options = parseScanOptions(argv, ctx.argc, 2, true);
  if (cursor === null || typeof options === 'string') {
    out.error(cursor === null ? 'ERR invalid cursor' : (options as string));
    return;
  }
  const { pattern, typeName } = options;
  const found: Buffer[] = [];
  const next = store.scan(db, Number(cursor), options.count, (ref) => {
    const key = store.keyView(ref);
    if (pattern !== null && !globMatch(pattern, key)) return;
    if (typeName !== null && !isKeyword(typeName, VALUE_TYPES[store.typeOf(ref)].name)) return;
    if (store.isExpired(ref, now)) store.lookupWrite(db, key, now); // deletes it
    else found.push(key);
  });
  out.arrayHeader(2);
  out.bulkString(String(next));
  out.bulkArray(found);
}

/**
 * SCAN over every shard with one cursor: cursor = localCursor * shardCount +
 * shard, where localCursor is a position in that shard's database
 * (Database.scan). A call scans the cursor's shard from its local cursor;
 * when that shard is done and fewer than COUNT keys were found, it goes on
 * with the next shard from its start (so a small keyspace comes back whole
 * from one call, as in Redis). The cursor returned is the next shard's number
 * when a shard ended the call, and 0 after the last shard. With one shard
 * the cursor is the local one.
 */
const scanAcrossShards = stepwise(async (coordinator, client, args, out) => {
  const cursor = parseScanCursor(args[1]);
  if (cursor === null) throw new ReplyError('ERR invalid cursor');
  const options = parseScanOptions(args, args.length, 2, true);
  if (typeof options === 'string') throw new ReplyError(options);
  const shardCount = coordinator.shardCount;
  const shards = BigInt(shardCount);
  let shard = Number(cursor % shards);
  let local = cursor / shards;
  const found: Buffer[] = [];
  for (;;) {
    args[1] = Buffer.from(String(local));
    const reply = await coordinator.call(shard, client.db, HOP_PART, args);
    if (reply instanceof ReplyError) throw reply;
    const [next, keys] = reply as [Buffer, Buffer[]];
    found.push(...keys);
    local = BigInt(next.toString());
    if (local !== 0n || shard + 1 === shardCount || found.length >= options.count) break;
    shard++;
  }
  let nextCursor = 0n;
  if (local !== 0n) nextCursor = local * shards + BigInt(shard);
  else if (shard + 1 < shardCount) nextCursor = BigInt(shard + 1);
  out.arrayHeader(2);
  out.bulkString(String(nextCursor));
  out.bulkArray(found);
});

// --- the table ---

const keyCommand = keyCommandFamily('generic', ['keyspace']);

interface EveryShardCommand {
  name: string;
  arity: number;
  flags: readonly string[];
  group: string;
  aclCategories: readonly string[];
  summary: string;
  since: string;
  /** The command's part on one shard. */
  handler: (ctx: CommandContext) => void;
  multiShard: MultiShardPlan;
}

function everyShardCommand(c: EveryShardCommand): CommandSpec {
  return {
    name: c.name,
    arity: c.arity,
    flags: c.flags,
    ...NO_KEYS,
    aclCategories: c.aclCategories,
    group: c.group,
    since: c.since,
    summary: c.summary,
    placement: 'all-shards',
    handler: c.handler,
    multiShard: c.multiShard,
  };
}

const ALL_KEYS = keysAt(1, -1, 1);
const ONE_KEY = keysAt(1, 1, 1);
const TWO_KEYS = keysAt(1, 2, 1);
const KEYSPACE = ['keyspace'];
const KEYSPACE_DANGEROUS = ['keyspace', 'dangerous'];
const RM_DELETE = ['RM', 'delete'];

/** The first key of a two-key command (the one read: RENAME, COPY's source). */
function sourceKey(flags: readonly string[]): KeySpec {
  return { flags, begin: ['index', 1], find: ['range', 0, 1, 0] };
}

/** The second key of a two-key command (the one written). */
function destinationKey(flags: readonly string[]): KeySpec {
  return { flags, begin: ['index', 2], find: ['range', 0, 1, 0] };
}

/** RENAME and RENAMENX: the old name is read and removed, the new one written with `destination` flags. */
function renameKeys(destination: readonly string[]): KeySpec[] {
  return [sourceKey(['RW', 'access', 'delete']), destinationKey(destination)];
}

export const keyCommands: CommandSpec[] = [
  keyCommand({ name: 'del', arity: -2, flags: ['write'], keys: ALL_KEYS, keyFlags: RM_DELETE, summary: 'Removes keys', since: '1.0.0', handler: del, multiShard: sumOverKeys }),
  keyCommand({ name: 'unlink', arity: -2, flags: ['write', 'fast'], keys: ALL_KEYS, keyFlags: RM_DELETE, summary: 'Removes keys, reclaiming their memory lazily', since: '4.0.0', handler: del, multiShard: sumOverKeys }),
  keyCommand({ name: 'exists', arity: -2, flags: ['readonly', 'fast'], keys: ALL_KEYS, keyFlags: ['RO'], summary: 'Counts how many of the given keys exist', since: '1.0.0', handler: exists, multiShard: sumOverKeys }),
  keyCommand({ name: 'touch', arity: -2, flags: ['readonly', 'fast'], keys: ALL_KEYS, keyFlags: ['RO'], summary: 'Marks keys as just accessed and counts those that exist', since: '3.2.1', handler: touch, multiShard: sumOverKeys }),
  keyCommand({ name: 'type', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, keyFlags: ['RO'], summary: 'Names the type of the value at a key', since: '1.0.0', handler: type }),
  keyCommand({ name: 'rename', arity: 3, flags: ['write'], keys: TWO_KEYS, keySpecs: renameKeys(['OW', 'update']), summary: 'Gives a key another name', since: '1.0.0', handler: rename, multiShard: renameAcrossShards(false) }),
  keyCommand({ name: 'renamenx', arity: 3, flags: ['write', 'fast'], keys: TWO_KEYS, keySpecs: renameKeys(['OW', 'insert']), summary: 'Gives a key another name unless that name is taken', since: '1.0.0', handler: renamenx, multiShard: renameAcrossShards(true) }),
  keyCommand({ name: 'copy', arity: -3, flags: ['write', 'denyoom'], keys: TWO_KEYS, keySpecs: [sourceKey(['RO', 'access']), destinationKey(['OW', 'update'])], summary: "Duplicates a key's value under another key", since: '6.2.0', handler: copy, multiShard: copyAcrossShards }),
  keyCommand({ name: 'move', arity: 3, flags: ['write', 'fast'], keys: ONE_KEY, keyFlags: ['RW', 'access', 'update'], summary: 'Moves a key to another database', since: '1.0.0', handler: move }),
  everyShardCommand({ name: 'keys', arity: 2, flags: ['readonly'], group: 'generic', aclCategories: KEYSPACE_DANGEROUS, summary: 'Lists the keys that match a glob pattern', since: '1.0.0', handler: keys, multiShard: onEveryShardAtomically(mergeConcatReplies) }),
  everyShardCommand({ name: 'scan', arity: -2, flags: ['readonly'], group: 'generic', aclCategories: KEYSPACE, summary: 'Walks the key space with a cursor', since: '2.8.0', handler: scan, multiShard: scanAcrossShards }),
  everyShardCommand({ name: 'randomkey', arity: 1, flags: ['readonly'], group: 'generic', aclCategories: KEYSPACE, summary: 'Returns a key picked at random', since: '1.0.0', handler: randomkey, multiShard: onEveryShardAtomically(mergeRandomKey) }),
  everyShardCommand({ name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], group: 'server', aclCategories: KEYSPACE, summary: 'Counts the keys of the selected database', since: '1.0.0', handler: dbsize, multiShard: onEveryShardAtomically(mergeSumReplies) }),
  everyShardCommand({ name: 'flushdb', arity: -1, flags: ['write'], group: 'server', aclCategories: KEYSPACE_DANGEROUS, summary: 'Empties the selected database', since: '1.0.0', handler: flushdb, multiShard: onEveryShardAtomically(mergeOkReplies) }),
  everyShardCommand({ name: 'flushall', arity: -1, flags: ['write'], group: 'server', aclCategories: KEYSPACE_DANGEROUS, summary: 'Empties every database', since: '1.0.0', handler: flushall, multiShard: onEveryShardAtomically(mergeOkReplies) }),
  everyShardCommand({ name: 'swapdb', arity: 3, flags: ['write', 'fast'], group: 'server', aclCategories: KEYSPACE_DANGEROUS, summary: 'Exchanges the contents of two databases', since: '4.0.0', handler: swapdb, multiShard: onEveryShardAtomically(mergeOkReplies) }),
];
