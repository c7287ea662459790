// Generic family, the commands over the whole keyspace: KEYS, SCAN,
// RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB. Each is an op every shard runs
// over its own keys and a merge (shard-ops.ts), atomically over every shard;
// SCAN walks the shards one after another with one cursor instead.

import type { Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInt32 } from '../protocol/args.ts';
import { VALUE_TYPES } from '../store/value-types.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { globMatch } from '../store/glob.ts';
import { parseScanCursor, parseScanOptions } from './scan-args.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { saveSteps } from './persistence.ts';
import { everyShardCommand, EVERY_SHARD_LOCKED, mergeConcat, mergeOk, mergeSum, shardOp, steppedCommand, type OpCall, type OpValue, type StepRequest } from './shard-ops.ts';

// --- KEYS, DBSIZE ---

const matchingKeys = shardOp('matching-keys', "List a shard's keys that match KEYS's pattern", (ctx) => {
  const pattern = ctx.argv[1];
  const matchAll = pattern.length === 1 && pattern[0] === 0x2a;
  const { store, now } = ctx;
  const found: Buffer[] = [];
  store.forEachKey(ctx.db, (ref) => {
    if (store.isExpired(ref, now)) return;
    const key = store.keyView(ref);
    if (matchAll || globMatch(pattern, key)) found.push(key);
  });
  return found;
});

const keyCount = shardOp('key-count', "Count a shard's keys in the database", (ctx) => ctx.store.dbs[ctx.db].size);

const keys = everyShardCommand({ op: matchingKeys, merge: mergeConcat });
const dbsize = everyShardCommand({ op: keyCount, merge: mergeSum });

// --- FLUSHDB, FLUSHALL, SWAPDB ---

/** FLUSHDB / FLUSHALL [ASYNC|SYNC]: freeing is immediate either way. */
function checkFlushMode(argv: readonly Buffer[], argc: number): string | null {
  if (argc > 2 || (argc === 2 && !isKeyword(argv[1], 'async') && !isKeyword(argv[1], 'sync'))) return Errors.syntax;
  return null;
}

const flushDatabase = shardOp('flush-database', "Empty a shard's part of the database", (ctx) => {
  ctx.store.flushDatabase(ctx.db);
  // Client-side caching forgets every key on a flush, as Redis: each shard's thread tells its own tracking clients.
  ctx.server.tracking.flushed();
  return null;
});

const flushEverything = shardOp('flush-everything', "Empty every database of a shard", (ctx) => {
  ctx.store.flushAll();
  ctx.server.tracking.flushed();
  return null;
});

/** SWAPDB's two indexes, or the error to reply. */
function parseSwapIndexes(argv: readonly Buffer[]): [number, number] | string {
  const first = parseInt32(argv[1]);
  if (first === null) return 'ERR invalid first DB index';
  const second = parseInt32(argv[2]);
  if (second === null) return 'ERR invalid second DB index';
  if (first < 0 || first >= DATABASE_COUNT || second < 0 || second >= DATABASE_COUNT) return Errors.invalidDb;
  return [first, second];
}

const swapDatabases = shardOp('swap-databases', "Exchange two databases of a shard", (ctx) => {
  const indexes = parseSwapIndexes(ctx.argv);
  if (typeof indexes === 'string') throw new ReplyError(indexes);
  ctx.store.swapDatabases(indexes[0], indexes[1]);
  return null;
});

const flushdb = everyShardCommand({ check: checkFlushMode, op: flushDatabase, merge: mergeOk });
/**
 * FLUSHALL [ASYNC|SYNC]: every shard emptied at once; with save points set
 * the empty dataset is saved right away, as Redis does (a background save
 * under way is dropped by the flush, as Redis kills its child). The reply is
 * OK whether that save could be written or not, as Redis's.
 */
const flushall = steppedCommand(function* (request) {
  const error = checkFlushMode(request.args, request.args.length);
  if (error !== null) throw new ReplyError(error);
  const save = request.server.config.get('save') !== '';
  const calls: OpCall[] = [];
  for (let shard = 0; shard < request.shardCount; shard++) calls.push({ shard, db: request.db, op: flushEverything, args: request.args.slice(1), last: !save });
  yield calls;
  if (save) yield* saveSteps(request, true);
  request.out.ok();
}, EVERY_SHARD_LOCKED);
const swapdb = everyShardCommand({
  check: (argv) => {
    const indexes = parseSwapIndexes(argv);
    return typeof indexes === 'string' ? indexes : null;
  },
  op: swapDatabases,
  merge: mergeOk,
});

// --- RANDOMKEY ---

/**
 * RANDOMKEY's op: [number of keys, a random live key or null]. Expired keys
 * met on the way are deleted, as Redis's dbRandomKey does.
 */
const randomKeyOfShard = shardOp('random-key', 'Pick a random key of a shard, with its key count', (ctx): [number, Buffer | null] => {
  const ref = ctx.store.randomKey(ctx.db, ctx.now);
  return [ctx.store.dbs[ctx.db].size, ref === 0 ? null : ctx.store.keyView(ref)];
});

/** A shard picked with odds proportional to its key count, then its random key. */
function mergeRandomKey(values: readonly [number, Buffer | null][], _positions: unknown, out: ReplyWriter): void {
  const parts = values.filter(([, key]) => key !== null);
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

const randomkey = everyShardCommand({ op: randomKeyOfShard, merge: mergeRandomKey });

// --- SCAN ---

/** SCAN's op: `<local cursor> [options]` over this shard's database: [next local cursor, keys]. */
const scanShard = shardOp('scan-shard', "Scan a shard's keys from a cursor", (ctx): [Buffer, Buffer[]] => {
  const { argv, store, db, now } = ctx;
  const cursor = parseScanCursor(argv[1]) as bigint;
  const options = parseScanOptions(argv, ctx.argc, 2, true);
  if (typeof options === 'string') throw new ReplyError(options);
  const { pattern, typeName } = options;
  const found: Buffer[] = [];
  const next = store.scan(db, Number(cursor), options.count, (ref) => {
    const key = store.keyView(ref);
    if (pattern !== null && !globMatch(pattern, key)) return;
    if (typeName !== null && !isKeyword(typeName, VALUE_TYPES[store.typeOf(ref)].name)) return;
    if (store.isExpired(ref, now)) store.lookupWrite(db, key, now); // deletes it
    else found.push(key);
  });
  return [Buffer.from(String(next)), found];
});

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
function* scanSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  const { args, db, out, shardCount } = request;
  const cursor = parseScanCursor(args[1]);
  if (cursor === null) throw new ReplyError('ERR invalid cursor');
  const options = parseScanOptions(args, args.length, 2, true);
  if (typeof options === 'string') throw new ReplyError(options);
  const shards = BigInt(shardCount);
  let shard = Number(cursor % shards);
  let local = cursor / shards;
  const found: Buffer[] = [];
  for (;;) {
    const [reply] = yield [{ shard, db, op: scanShard, args: [Buffer.from(String(local)), ...args.slice(2)] }];
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
}

/**
 * Walks shard after shard with every shard locked, as one Redis call runs
 * whole: a write the client sent before it (a DEL over shards) has run
 * everywhere first, none sent after it runs before it ends, and inside EXEC
 * no other client's comes between its shards.
 */
const scan = steppedCommand(scanSteps, EVERY_SHARD_LOCKED);

// --- the bindings (the rows are table/keyspace.ts) ---

export const keyspaceBindings: Bindings = {
  keys,
  scan,
  randomkey,
  dbsize,
  flushdb,
  flushall,
  swapdb,
};
