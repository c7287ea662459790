// Generic family, the commands over given keys: DEL, UNLINK, EXISTS, TOUCH,
// TYPE, RENAME, RENAMENX, COPY, MOVE. Each multi-key one is its per-shard ops
// and their glue (shard-ops.ts), the same code whether its keys share a shard
// or not. RENAME and COPY move a key's entry as its type code, its value as
// opaque bytes (its type's encode and decode hooks) and its absolute expiry,
// so every data type moves the same way. Commands over the whole keyspace
// (KEYS, SCAN, FLUSHALL...) are keyspace.ts.

import type { CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInt32, parseInteger } from '../protocol/args.ts';
import { VALUE_TYPES } from '../store/value-types.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { expireTime, ValueEncoding, type ExpireTime } from '../store/record.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { mergeSum, shardOp, splitCommand, steppedCommand, type OpCall, type OpValue, type StepRequest } from './shard-ops.ts';

// --- DEL, UNLINK, EXISTS, TOUCH: each shard counts its keys, the counts add up ---

const deleteKeys = shardOp('delete-keys', "Delete a shard's keys of DEL or UNLINK", (ctx) => {
  let deleted = 0;
  for (let i = 1; i < ctx.argc; i++) if (ctx.store.delete(ctx.db, ctx.argv[i], ctx.now)) deleted++;
  return deleted;
});

/** EXISTS (touch = false) and TOUCH: how many of the keys exist, each counted as often as named. */
function countExisting(touch: boolean): (ctx: CommandContext) => number {
  return (ctx) => {
    let count = 0;
    for (let i = 1; i < ctx.argc; i++) if (ctx.store.lookupRead(ctx.db, ctx.argv[i], ctx.now, touch) !== 0) count++;
    return count;
  };
}

const existingKeys = shardOp('existing-keys', "Count a shard's keys of EXISTS that exist", countExisting(false));
const touchKeys = shardOp('touch-keys', "Touch a shard's keys of TOUCH, counting those that exist", countExisting(true));

const del = splitCommand({ step: 1, op: deleteKeys, merge: mergeSum });
const exists = splitCommand({ step: 1, op: existingKeys, merge: mergeSum });
const touch = splitCommand({ step: 1, op: touchKeys, merge: mergeSum });

function type(ctx: CommandContext): void {
  const ref = ctx.store.lookupRead(ctx.db, ctx.argv[1], ctx.now, false);
  ctx.out.simple(ref === 0 ? 'none' : VALUE_TYPES[ctx.store.typeOf(ref)].name);
}

// --- RENAME, RENAMENX, COPY, MOVE ---

/**
 * A key's entry as it travels: [type code, value bytes, absolute expiry in ms
 * or 0, 1 when the value is held as a structure (ValueType.decode)], or null
 * when the key does not exist.
 */
type EntryValue = [number, Buffer, ExpireTime, number] | null;

/** entry-get key read|write: the key's entry, looked up as a read (COPY's source) or a write (RENAME's). */
const getEntry = shardOp('entry-get', "Read a key's type, value and expiry, to store it under another name", (ctx): EntryValue => {
  const { store, argv } = ctx;
  const ref = isKeyword(argv[2], 'read') ? store.lookupRead(ctx.db, argv[1], ctx.now) : store.lookupWrite(ctx.db, argv[1], ctx.now);
  if (ref === 0) return null;
  const type = store.typeOf(ref);
  return [type, VALUE_TYPES[type].encode(store, ref), store.exactExpireAt(ref), store.encodingOf(ref) === ValueEncoding.Structure ? 1 : 0];
});

/** entry-put key type value expire-at structure NX|REPLACE: stores the entry; 0 when NX and the key exists, else 1. */
const putEntry = shardOp('entry-put', 'Store a key read by entry-get', (ctx) => {
  const { argv, store, db, now } = ctx;
  const key = argv[1];
  if (isKeyword(argv[6], 'nx') && store.lookupWrite(db, key, now) !== 0) return 0;
  const type = VALUE_TYPES[Number(parseInteger(argv[2]))];
  type.decode(store, db, key, argv[3], expireTime(parseInteger(argv[4]) ?? 0n), now, argv[5][0] === 0x31 /* 1 */);
  return 1;
});

const READ = Buffer.from('read');
const WRITE = Buffer.from('write');
const NX = Buffer.from('nx');
const REPLACE = Buffer.from('replace');

function entryGetCall(request: StepRequest, db: number, key: Buffer, mode: Buffer, last: boolean): OpCall {
  return { shard: request.shardOfKey(key), db, op: getEntry, args: [key, mode], last };
}

function entryPutCall(request: StepRequest, db: number, key: Buffer, entry: EntryValue & object, replace: boolean): OpCall {
  const [type, value, expireAt, structure] = entry;
  const args = [key, Buffer.from(String(type)), value, Buffer.from(String(expireAt)), Buffer.from(String(structure)), replace ? REPLACE : NX];
  return { shard: request.shardOfKey(key), db, op: putEntry, args, last: true };
}

/** RENAME and RENAMENX: read the source's entry, store it under the new name, delete the source. */
function renameSteps(nx: boolean): (request: StepRequest) => Generator<OpCall[], void, OpValue[]> {
  return function* (request) {
    const { args, db, out } = request;
    const [, source, destination] = args;
    const same = source.equals(destination);
    const [entry] = (yield [entryGetCall(request, db, source, WRITE, same)]) as [EntryValue];
    if (entry === null) throw new ReplyError(Errors.noSuchKey);
    if (same) {
      if (nx) out.integer(0);
      else out.ok();
      return;
    }
    if (nx) {
      const [stored] = yield [entryPutCall(request, db, destination, entry, false)];
      if (stored === 1) yield [{ shard: request.shardOfKey(source), db, op: deleteKeys, args: [source], last: true }];
      out.integer(stored === 1 ? 1 : 0);
      return;
    }
    yield [entryPutCall(request, db, destination, entry, true), { shard: request.shardOfKey(source), db, op: deleteKeys, args: [source], last: true }];
    out.ok();
  };
}

const rename = steppedCommand(renameSteps(false));
const renamenx = steppedCommand(renameSteps(true));

const INT32_RANGE_ERROR = 'ERR value is out of range, value must between -2147483648 and 2147483647';

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

/** COPY: read the source's entry, store it under the destination (replacing it only with REPLACE). */
function* copySteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  const { args, db, out } = request;
  const options = parseCopyOptions(args, args.length, db);
  if (typeof options === 'string') throw new ReplyError(options);
  const [entry] = (yield [entryGetCall(request, db, args[1], READ, true)]) as [EntryValue];
  if (entry === null) {
    out.integer(0);
    return;
  }
  const [stored] = yield [entryPutCall(request, options.db, args[2], entry, options.replace)];
  out.integer(stored === 1 ? 1 : 0);
}

const copy = steppedCommand(copySteps);

/** MOVE key db: one key, one shard (a key's shard is the same in every database). */
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

// --- the bindings (the rows are table/keys.ts) ---

export const keyBindings: Bindings = {
  del,
  unlink: del,
  exists,
  touch,
  type,
  rename,
  renamenx,
  copy,
  move,
};
