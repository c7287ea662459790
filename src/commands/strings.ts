// String family: GET, SET and its variants, MGET/MSET/MSETNX, APPEND, STRLEN,
// GETRANGE/SETRANGE, the integer and float counters, LCS.

import type { CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { ValueType } from '../store/entry.ts';
import type { Ref } from '../store/shard-store.ts';
import type { ExpireTime } from '../store/record.ts';
import { ByteSlice } from '../store/bytes.ts';
import { lcsTableBytes, longestCommonSubsequence, type LcsResult } from '../store/lcs.ts';
import { addLongDoubles, formatLongDoubleHuman, parseLongDouble, type LongDouble } from '../protocol/number-format.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { mergeInKeyOrder, mergeOk, ONE_STEP, shardOp, splitCommand, splitKeys, steppedCommand, type OpCall, type OpValue, type StepRequest } from './shard-ops.ts';

/** The string family's own error replies (t_string.c). */
const StringErrors = {
  tooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  offsetRange: 'ERR offset is out of range',
  nanOrInfinity: 'ERR increment would produce NaN or Infinity',
  decrementOverflow: 'ERR decrement would overflow',
  lcsWrongType: 'ERR The specified keys must contain string values',
  lcsLenAndIdx: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTableTooBig: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  lcsNoMemory: 'ERR Insufficient memory, failed allocating transient memory for LCS',
} as const;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** Largest EX/EXAT amount whose milliseconds fit in an int64 (LLONG_MAX / 1000). */
const MAX_EXPIRE_SECONDS = INT64_MAX / 1000n;

// --- shared helpers ---

/** Reads a string key: its record, 0 when missing, or -1 after replying WRONGTYPE. */
function lookupString(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.String) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

/** Stores `value` under `key`, replacing any value; keeps the TTL only when asked. */
function storeString(ctx: CommandContext, key: Buffer, value: Buffer, expireAt: ExpireTime, keepTtl: boolean): void {
  const store = ctx.store;
  if (keepTtl) {
    const existing = store.lookupWrite(ctx.db, key, ctx.now);
    if (existing !== 0) expireAt = store.exactExpireAt(existing);
  }
  store.setString(ctx.db, key, value, expireAt, ctx.now);
}

/** Redis's checkStringLength: false after replying when `length` bytes would pass proto-max-bulk-len. */
function checkStringLength(ctx: CommandContext, length: number): boolean {
  if (length <= ctx.server.parserLimits.maxBulkLength) return true;
  ctx.out.error(StringErrors.tooLong);
  return false;
}

// --- SET and GETEX options (Redis's parseExtendedStringArgumentsOrReply) ---

const OPT_NX = 1;
const OPT_XX = 2;
const OPT_GET = 4;
const OPT_KEEPTTL = 8;
const OPT_PERSIST = 16;
const OPT_EX = 32;
const OPT_PX = 64;
const OPT_EXAT = 128;
const OPT_PXAT = 256;
const OPT_ANY_EXPIRE = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;

/** The amount that followed EX/PX/EXAT/PXAT in the options parsed last. */
let optionExpire: Buffer | undefined;

function expireOption(arg: Buffer): number {
  if (isKeyword(arg, 'ex')) return OPT_EX;
  if (isKeyword(arg, 'px')) return OPT_PX;
  if (isKeyword(arg, 'exat')) return OPT_EXAT;
  if (isKeyword(arg, 'pxat')) return OPT_PXAT;
  return 0;
}

/**
 * Parses SET's options (from argv[3]) or GETEX's (from argv[2]); returns the
 * flags, or -1 after replying a syntax error. The expiry amount is only read
 * later, so a syntax error anywhere wins over a bad number, as in Redis.
 */
function parseStringOptions(ctx: CommandContext, first: number, forSet: boolean): number {
  const { argv, argc } = ctx;
  let flags = 0;
  optionExpire = undefined;
  for (let j = first; j < argc; j++) {
    const option = argv[j];
    const unit = expireOption(option);
    if (forSet && isKeyword(option, 'nx') && !(flags & OPT_XX)) flags |= OPT_NX;
    else if (forSet && isKeyword(option, 'xx') && !(flags & OPT_NX)) flags |= OPT_XX;
    else if (forSet && isKeyword(option, 'get')) flags |= OPT_GET;
    else if (forSet && isKeyword(option, 'keepttl') && !(flags & OPT_ANY_EXPIRE)) flags |= OPT_KEEPTTL;
    else if (!forSet && isKeyword(option, 'persist') && !(flags & OPT_ANY_EXPIRE)) flags |= OPT_PERSIST;
    else if (unit !== 0 && !(flags & (OPT_KEEPTTL | OPT_PERSIST | (OPT_ANY_EXPIRE & ~unit))) && j + 1 < argc) {
      flags |= unit;
      optionExpire = argv[++j];
    } else {
      ctx.out.error(Errors.syntax);
      return -1;
    }
  }
  return flags;
}

/**
 * Redis's getExpireMillisecondsOrReply: the absolute expiry in ms for an
 * EX/PX/EXAT/PXAT amount, or -1 after replying an error.
 */
function expireAtFromOption(ctx: CommandContext, amount: Buffer, unit: number, command: string): ExpireTime {
  const value = parseInteger(amount);
  if (value === null) {
    ctx.out.error(Errors.notInteger);
    return -1;
  }
  const seconds = (unit & (OPT_EX | OPT_EXAT)) !== 0;
  const relative = (unit & (OPT_EX | OPT_PX)) !== 0;
  if (value <= 0n || (seconds && value > MAX_EXPIRE_SECONDS)) {
    ctx.out.error(Errors.invalidExpire(command));
    return -1;
  }
  const ms = (seconds ? Number(value) * 1000 : Number(value)) + (relative ? ctx.now : 0);
  if (ms <= Number.MAX_SAFE_INTEGER) return ms;
  // Past 2^53 ms, exactly: Redis keeps any int64 and refuses what overflows one.
  const exact = (seconds ? value * 1000n : value) + (relative ? BigInt(ctx.now) : 0n);
  if (exact > INT64_MAX) {
    ctx.out.error(Errors.invalidExpire(command));
    return -1;
  }
  return exact;
}

// --- GET, SET and variants ---

function get(ctx: CommandContext): void {
  const ref = lookupString(ctx, ctx.argv[1]);
  if (ref === 0) ctx.out.nullBulk();
  else if (ref > 0) ctx.store.writeString(ctx.out, ref);
}

/** How SETNX answers where SET answers OK / nil. */
const SETNX_REPLIES = { done: 1, refused: 0 } as const;

/** Redis's setGenericCommand: SET, SETNX, SETEX, PSETEX. */
function setGeneric(ctx: CommandContext, flags: number, expire: Buffer | undefined, value: Buffer, command: string, integerReplies?: typeof SETNX_REPLIES): void {
  const key = ctx.argv[1];
  let expireAt: ExpireTime = 0;
  if (expire !== undefined) {
    expireAt = expireAtFromOption(ctx, expire, flags & OPT_ANY_EXPIRE, command);
    if (expireAt < 0) return;
  }
  let existing = 0;
  if (flags & OPT_GET) {
    existing = lookupString(ctx, key);
    if (existing < 0) return;
    if (existing === 0) ctx.out.nullBulk();
    else ctx.store.writeString(ctx.out, existing);
  } else if (flags & (OPT_NX | OPT_XX)) {
    existing = ctx.store.lookupWrite(ctx.db, key, ctx.now);
  }
  if ((flags & OPT_NX && existing !== 0) || (flags & OPT_XX && existing === 0)) {
    if (flags & OPT_GET) return;
    if (integerReplies === undefined) ctx.out.nullBulk();
    else ctx.out.integer(integerReplies.refused);
    return;
  }
  storeString(ctx, key, value, expireAt, (flags & OPT_KEEPTTL) !== 0);
  if (flags & OPT_GET) return;
  if (integerReplies === undefined) ctx.out.ok();
  else ctx.out.integer(integerReplies.done);
}

function set(ctx: CommandContext): void {
  const flags = parseStringOptions(ctx, 3, true);
  if (flags >= 0) setGeneric(ctx, flags, optionExpire, ctx.argv[2], 'set');
}

function setnx(ctx: CommandContext): void {
  setGeneric(ctx, OPT_NX, undefined, ctx.argv[2], 'setnx', SETNX_REPLIES);
}

function setex(ctx: CommandContext): void {
  setGeneric(ctx, OPT_EX, ctx.argv[2], ctx.argv[3], 'setex');
}

function psetex(ctx: CommandContext): void {
  setGeneric(ctx, OPT_PX, ctx.argv[2], ctx.argv[3], 'psetex');
}

function getset(ctx: CommandContext): void {
  const ref = lookupString(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0) ctx.out.nullBulk();
  else ctx.store.writeString(ctx.out, ref);
  storeString(ctx, ctx.argv[1], ctx.argv[2], 0, false);
}

function getdel(ctx: CommandContext): void {
  const ref = lookupString(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0) {
    ctx.out.nullBulk();
    return;
  }
  ctx.store.writeString(ctx.out, ref);
  ctx.store.remove(ref);
}

function getex(ctx: CommandContext): void {
  const flags = parseStringOptions(ctx, 2, false);
  if (flags < 0) return;
  const ref = lookupString(ctx, ctx.argv[1]);
  if (ref === 0) ctx.out.nullBulk();
  if (ref <= 0) return;
  let expireAt: ExpireTime = 0;
  if (optionExpire !== undefined) {
    expireAt = expireAtFromOption(ctx, optionExpire, flags & OPT_ANY_EXPIRE, 'getex');
    if (expireAt < 0) return;
  }
  const store = ctx.store;
  store.writeString(ctx.out, ref);
  if (flags & (OPT_EXAT | OPT_PXAT) && expireAt <= ctx.now) store.remove(ref);
  else if (optionExpire !== undefined) store.setExpire(ref, expireAt);
  else if (flags & OPT_PERSIST && store.expireAt(ref) !== 0) store.setExpire(ref, 0);
}

// --- several keys ---

/** MGET's values, reused: read in place, so a GET-like op allocates nothing per key. */
const mgetSlices: ByteSlice[] = [];
const mgetValues: (ByteSlice | null)[] = [];

/**
 * MGET's op: this shard's keys' strings (null for a missing key or another
 * type), read in place. The list is reused: it is valid until the op runs
 * again, which is why only one-step glue, whose merge or hop reply consumes
 * it at once, may use it.
 */
const stringValues = shardOp('string-values', "Read a shard's keys of MGET", (ctx) => {
  const { argv, argc, store } = ctx;
  mgetValues.length = 0;
  for (let i = 1; i < argc; i++) {
    const ref = store.lookupRead(ctx.db, argv[i], ctx.now);
    if (ref === 0 || store.typeOf(ref) !== ValueType.String) {
      mgetValues.push(null);
      continue;
    }
    let slice = mgetSlices[i];
    if (slice === undefined) mgetSlices[i] = slice = new ByteSlice();
    store.readString(ref, slice);
    mgetValues.push(slice);
  }
  return mgetValues;
});

/** MSET's op: stores this shard's key-value pairs. */
const storePairs = shardOp('store-pairs', "Store a shard's key-value pairs of MSET", (ctx) => {
  const { argv, argc } = ctx;
  for (let i = 1; i < argc; i += 2) storeString(ctx, argv[i], argv[i + 1], 0, false);
  return null;
});

/** MSETNX's first op: how many keys of this shard's key-value pairs exist. */
const pairKeysTaken = shardOp('pair-keys-taken', "Count the existing keys of a shard's pairs of MSETNX", (ctx) => {
  let taken = 0;
  for (let i = 1; i < ctx.argc; i += 2) if (ctx.store.lookupWrite(ctx.db, ctx.argv[i], ctx.now) !== 0) taken++;
  return taken;
});

/** MSET and MSETNX refuse an odd key-value list before it is split (the split needs whole pairs). */
function wholePairs(command: string): (argv: readonly Buffer[], argc: number) => string | null {
  return (_argv, argc) => (argc % 2 === 0 ? Errors.wrongArgs(command) : null);
}

const mget = splitCommand({ step: 1, op: stringValues, merge: mergeInKeyOrder });

const mset = splitCommand({ step: 2, check: wholePairs('mset'), op: storePairs, merge: mergeOk });

const checkMsetnxPairs = wholePairs('msetnx');

/** MSETNX: first ask every shard involved whether any of its keys exists, then set them all. */
function* msetnxSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  const { args, db, out } = request;
  const error = checkMsetnxPairs(args, args.length);
  if (error !== null) throw new ReplyError(error);
  const parts = splitKeys(request.shardOfKey, args, 1, 2);
  const taken = yield parts.map((part) => ({ shard: part.shard, db, op: pairKeysTaken, args: part.args }));
  if (taken.some((count) => count !== 0)) {
    out.integer(0);
    return;
  }
  yield parts.map((part) => ({ shard: part.shard, db, op: storePairs, args: part.args, last: true }));
  out.integer(1);
}

const msetnx = steppedCommand(msetnxSteps);

// --- APPEND, STRLEN, ranges ---

function append(ctx: CommandContext): void {
  const key = ctx.argv[1];
  const bytes = ctx.argv[2];
  const store = ctx.store;
  const ref = store.lookupWrite(ctx.db, key, ctx.now);
  if (ref === 0) {
    store.setString(ctx.db, key, bytes, 0, ctx.now);
    ctx.out.integer(bytes.length);
    return;
  }
  if (store.typeOf(ref) !== ValueType.String) {
    ctx.out.error(Errors.wrongType);
    return;
  }
  if (!checkStringLength(ctx, store.valueLength(ref) + bytes.length)) return;
  ctx.out.integer(store.appendString(ref, bytes));
}

function strlen(ctx: CommandContext): void {
  const ref = lookupString(ctx, ctx.argv[1]);
  if (ref === 0) ctx.out.integer(0);
  else if (ref > 0) ctx.out.integer(ctx.store.valueLength(ref));
}

const EMPTY = Buffer.alloc(0);

/** GETRANGE / SUBSTR key start end: inclusive, negative indexes from the end, clamped. */
function getrange(ctx: CommandContext): void {
  const start = parseInteger(ctx.argv[2]);
  const end = start === null ? null : parseInteger(ctx.argv[3]);
  if (start === null || end === null) {
    ctx.out.error(Errors.notInteger);
    return;
  }
  const ref = lookupString(ctx, ctx.argv[1]);
  if (ref === 0) ctx.out.bulk(EMPTY);
  if (ref <= 0) return;
  const value = ctx.store.stringView(ref);
  const length = BigInt(value.length);
  if (start < 0n && end < 0n && start > end) {
    ctx.out.bulk(EMPTY);
    return;
  }
  let from = start < 0n ? length + start : start;
  let to = end < 0n ? length + end : end;
  if (from < 0n) from = 0n;
  if (to < 0n) to = 0n;
  if (to >= length) to = length - 1n;
  if (from > to || length === 0n) ctx.out.bulk(EMPTY);
  else ctx.out.bulk(value.subarray(Number(from), Number(to) + 1));
}

function setrange(ctx: CommandContext): void {
  const { argv } = ctx;
  const offsetArg = parseInteger(argv[2]);
  if (offsetArg === null) {
    ctx.out.error(Errors.notInteger);
    return;
  }
  if (offsetArg < 0n) {
    ctx.out.error(StringErrors.offsetRange);
    return;
  }
  const offset = Number(offsetArg);
  const bytes = argv[3];
  const store = ctx.store;
  const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
  if (ref !== 0 && store.typeOf(ref) !== ValueType.String) {
    ctx.out.error(Errors.wrongType);
    return;
  }
  if (bytes.length === 0) {
    ctx.out.integer(ref === 0 ? 0 : store.valueLength(ref));
    return;
  }
  if (!checkStringLength(ctx, offset + bytes.length)) return;
  const target = ref === 0 ? store.setString(ctx.db, argv[1], EMPTY, 0, ctx.now) : ref;
  ctx.out.integer(store.writeStringRange(target, offset, bytes));
}

// --- counters ---

/** INCR, DECR, INCRBY, DECRBY: adds `delta` to the integer at `key`, keeping its TTL. */
function incrementBy(ctx: CommandContext, delta: bigint): void {
  const key = ctx.argv[1];
  const store = ctx.store;
  const ref = store.lookupWrite(ctx.db, key, ctx.now);
  let current = 0n;
  if (ref !== 0) {
    if (store.typeOf(ref) !== ValueType.String) {
      ctx.out.error(Errors.wrongType);
      return;
    }
    const parsed = parseInteger(store.stringView(ref));
    if (parsed === null) {
      ctx.out.error(Errors.notInteger);
      return;
    }
    current = parsed;
  }
  const result = current + delta;
  if (result > INT64_MAX || result < INT64_MIN) {
    ctx.out.error(Errors.overflow);
    return;
  }
  const bytes = Buffer.from(result.toString(), 'latin1');
  if (ref === 0) store.setString(ctx.db, key, bytes, 0, ctx.now);
  else store.replaceString(ref, bytes);
  ctx.out.integer(result >= -9007199254740991n && result <= 9007199254740991n ? Number(result) : result);
}

function incr(ctx: CommandContext): void {
  incrementBy(ctx, 1n);
}

function decr(ctx: CommandContext): void {
  incrementBy(ctx, -1n);
}

function incrby(ctx: CommandContext): void {
  const delta = parseInteger(ctx.argv[2]);
  if (delta === null) ctx.out.error(Errors.notInteger);
  else incrementBy(ctx, delta);
}

function decrby(ctx: CommandContext): void {
  const delta = parseInteger(ctx.argv[2]);
  if (delta === null) ctx.out.error(Errors.notInteger);
  else if (delta === INT64_MIN) ctx.out.error(StringErrors.decrementOverflow);
  else incrementBy(ctx, -delta);
}

const LONG_DOUBLE_ZERO: LongDouble = { negative: false, significand: 0n, exponent: 0, infinite: false };

/** INCRBYFLOAT: long double arithmetic and "%.17Lf" output, exactly as Redis; keeps the TTL. */
function incrbyfloat(ctx: CommandContext): void {
  const key = ctx.argv[1];
  const store = ctx.store;
  const ref = store.lookupWrite(ctx.db, key, ctx.now);
  if (ref !== 0 && store.typeOf(ref) !== ValueType.String) {
    ctx.out.error(Errors.wrongType);
    return;
  }
  const current = ref === 0 ? LONG_DOUBLE_ZERO : parseLongDouble(store.stringView(ref));
  const increment = current === null ? null : parseLongDouble(ctx.argv[2]);
  if (current === null || increment === null) {
    ctx.out.error(Errors.notFloat);
    return;
  }
  const sum = addLongDoubles(current, increment);
  if (sum === null || sum.infinite) {
    ctx.out.error(StringErrors.nanOrInfinity);
    return;
  }
  const bytes = Buffer.from(formatLongDoubleHuman(sum), 'latin1');
  if (ref === 0) store.setString(ctx.db, key, bytes, 0, ctx.now);
  else store.replaceString(ref, bytes);
  ctx.out.bulk(bytes);
}

// --- LCS ---

/** LCS's options and reply for the values `a` and `b` (empty when missing). */
function replyLcs(out: ReplyWriter, a: Uint8Array, b: Uint8Array, args: Buffer[], argc: number, maxBulkLength: number): void {
  let wantLength = false;
  let wantIndexes = false;
  let withMatchLength = false;
  let minMatchLength = 0n;
  for (let j = 3; j < argc; j++) {
    const option = args[j];
    if (isKeyword(option, 'idx')) wantIndexes = true;
    else if (isKeyword(option, 'len')) wantLength = true;
    else if (isKeyword(option, 'withmatchlen')) withMatchLength = true;
    else if (isKeyword(option, 'minmatchlen') && j + 1 < argc) {
      const parsed = parseInteger(args[++j]);
      if (parsed === null) {
        out.error(Errors.notInteger);
        return;
      }
      minMatchLength = parsed < 0n ? 0n : parsed;
    } else {
      out.error(Errors.syntax);
      return;
    }
  }
  if (wantLength && wantIndexes) {
    out.error(StringErrors.lcsLenAndIdx);
    return;
  }
  if (lcsTableBytes(a.length, b.length) > maxBulkLength) {
    out.error(StringErrors.lcsTableTooBig);
    return;
  }
  let result: LcsResult;
  try {
    const minimum = minMatchLength > BigInt(a.length) ? a.length + 1 : Number(minMatchLength);
    result = longestCommonSubsequence(a, b, !wantLength && !wantIndexes, wantIndexes, minimum);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    out.error(StringErrors.lcsNoMemory);
    return;
  }
  if (wantIndexes) {
    out.mapHeader(2);
    out.bulkString('matches');
    out.arrayHeader(result.matches.length);
    for (const match of result.matches) {
      out.arrayHeader(withMatchLength ? 3 : 2);
      out.arrayHeader(2);
      out.integer(match.aStart);
      out.integer(match.aEnd);
      out.arrayHeader(2);
      out.integer(match.bStart);
      out.integer(match.bEnd);
      if (withMatchLength) out.integer(match.length);
    }
    out.bulkString('len');
    out.integer(result.length);
  } else if (wantLength) {
    out.integer(result.length);
  } else {
    out.bulk(result.sequence as Buffer);
  }
}

/** LCS's op: a string key's value, empty when missing. */
const lcsValue = shardOp('lcs-value', 'Read a string key for LCS', (ctx) => {
  const { store } = ctx;
  const ref = store.lookupRead(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0) return EMPTY;
  if (store.typeOf(ref) !== ValueType.String) throw new ReplyError(StringErrors.lcsWrongType);
  return store.stringView(ref);
});

/** LCS: both values come to the coordinating thread (views here, with both keys on this shard: LCS only reads), then the comparison. */
function* lcsSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  const { args, db } = request;
  const [a, b] = yield [args[1], args[2]].map((key) => ({ shard: request.shardOfKey(key), db, op: lcsValue, args: [key], last: true }));
  replyLcs(request.out, a as Buffer, b as Buffer, args, args.length, request.maxBulkLength);
}

const lcs = steppedCommand(lcsSteps, ONE_STEP);

// --- the bindings (the rows are table/strings.ts) ---

export const stringBindings: Bindings = {
  get,
  set,
  setnx,
  setex,
  psetex,
  getset,
  getdel,
  getex,
  mget,
  mset,
  msetnx,
  append,
  strlen,
  getrange,
  substr: getrange,
  setrange,
  incr,
  decr,
  incrby,
  decrby,
  incrbyfloat,
  lcs,
};
