// Hash family: HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HLEN, HSTRLEN,
// HEXISTS, HINCRBY, HINCRBYFLOAT, HKEYS, HVALS, HGETALL, HRANDFIELD, HSCAN.
// Every command has one key, so each runs whole on the key's shard; the
// hash's encoding is store/types/hash.ts's business, never these handlers'.

import type { CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { replyCollectionScan } from './scan-args.ts';
import { ValueType } from '../store/entry.ts';
import { ByteSlice } from '../store/bytes.ts';
import { globMatch } from '../store/glob.ts';
import type { Ref } from '../store/shard-store.ts';
import {
  hashCreate, hashDelete, hashExists, hashForEach, hashGet, hashLength, hashRandomDistinctPairs, hashRandomPair, hashScan, hashSet,
} from '../store/types/hash.ts';
import { MAX_REPLY_ELEMENTS } from '../protocol/limits.ts';
import { addLongDoubles, formatLongDoubleHuman, parseLongDouble } from '../protocol/number-format.ts';

/** The hash family's own error replies (t_hash.c). */
const HashErrors = {
  notInteger: 'ERR hash value is not an integer',
  notFloat: 'ERR hash value is not a float',
  incrementNanOrInfinity: 'ERR value is NaN or Infinity',
  resultNanOrInfinity: 'ERR increment would produce NaN or Infinity',
  outOfRange: 'ERR value is out of range',
  countRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
} as const;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

const value = new ByteSlice();
const otherValue = new ByteSlice();

/** Reads a hash key: its record, 0 when missing, or -1 after replying WRONGTYPE. */
function lookupHash(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.Hash) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

/** The hash at `key` for a write, made (empty) when missing; -1 after replying WRONGTYPE. */
function lookupHashOrCreate(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupWrite(ctx.db, key, ctx.now);
  if (ref === 0) return hashCreate(ctx.store, ctx.db, key, ctx.now);
  if (ctx.store.typeOf(ref) === ValueType.Hash) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

// --- writes ---

/** HSET and HMSET: pairs from argv[2]; HSET answers how many fields are new, HMSET OK. */
function hsetGeneric(ctx: CommandContext, answerCount: boolean): void {
  const { argv, argc } = ctx;
  if (argc % 2 === 1) {
    ctx.out.error(Errors.wrongArgs(answerCount ? 'hset' : 'hmset'));
    return;
  }
  const ref = lookupHashOrCreate(ctx, argv[1]);
  if (ref < 0) return;
  let created = 0;
  for (let i = 2; i < argc; i += 2) if (hashSet(ctx.store, ref, argv[i], argv[i + 1])) created++;
  if (answerCount) ctx.out.integer(created);
  else ctx.out.ok();
}

function hset(ctx: CommandContext): void {
  hsetGeneric(ctx, true);
}

function hmset(ctx: CommandContext): void {
  hsetGeneric(ctx, false);
}

function hsetnx(ctx: CommandContext): void {
  const { argv, store } = ctx;
  const existing = store.lookupWrite(ctx.db, argv[1], ctx.now);
  if (existing !== 0 && store.typeOf(existing) !== ValueType.Hash) {
    ctx.out.error(Errors.wrongType);
    return;
  }
  if (existing !== 0 && hashExists(store, existing, argv[2])) {
    ctx.out.integer(0);
    return;
  }
  const ref = existing !== 0 ? existing : hashCreate(store, ctx.db, argv[1], ctx.now);
  hashSet(store, ref, argv[2], argv[3]);
  ctx.out.integer(1);
}

function hdel(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
  if (ref !== 0 && store.typeOf(ref) !== ValueType.Hash) {
    ctx.out.error(Errors.wrongType);
    return;
  }
  let deleted = 0;
  if (ref !== 0) {
    for (let i = 2; i < argc; i++) {
      if (!hashDelete(store, ref, argv[i])) continue;
      deleted++;
      if (hashLength(store, ref) === 0) {
        store.remove(ref);
        break;
      }
    }
  }
  ctx.out.integer(deleted);
}

function hincrby(ctx: CommandContext): void {
  const { argv, store } = ctx;
  const increment = parseInteger(argv[3]);
  if (increment === null) {
    ctx.out.error(Errors.notInteger);
    return;
  }
  const ref = lookupHashOrCreate(ctx, argv[1]);
  if (ref < 0) return;
  let current = 0n;
  if (hashGet(store, ref, argv[2], value)) {
    const parsed = parseInteger(value.view());
    if (parsed === null) {
      ctx.out.error(HashErrors.notInteger);
      return;
    }
    current = parsed;
  }
  const sum = current + increment;
  if (sum > INT64_MAX || sum < INT64_MIN) {
    ctx.out.error(Errors.overflow);
    return;
  }
  hashSet(store, ref, argv[2], Buffer.from(sum.toString(), 'latin1'));
  ctx.out.integer(sum);
}

const LONG_DOUBLE_ZERO = { negative: false, significand: 0n, exponent: 0, infinite: false };

/** HINCRBYFLOAT: long double arithmetic and Redis's human formatting, as INCRBYFLOAT. */
function hincrbyfloat(ctx: CommandContext): void {
  const { argv, store } = ctx;
  const increment = parseLongDouble(argv[3]);
  if (increment === null) {
    ctx.out.error(Errors.notFloat);
    return;
  }
  if (increment.infinite) {
    ctx.out.error(HashErrors.incrementNanOrInfinity);
    return;
  }
  const ref = lookupHashOrCreate(ctx, argv[1]);
  if (ref < 0) return;
  let current = LONG_DOUBLE_ZERO;
  if (hashGet(store, ref, argv[2], value)) {
    const parsed = parseLongDouble(value.view());
    if (parsed === null) {
      ctx.out.error(HashErrors.notFloat);
      return;
    }
    current = parsed;
  }
  const sum = addLongDoubles(current, increment);
  if (sum === null || sum.infinite) {
    ctx.out.error(HashErrors.resultNanOrInfinity);
    return;
  }
  const bytes = Buffer.from(formatLongDoubleHuman(sum), 'latin1');
  hashSet(store, ref, argv[2], bytes);
  ctx.out.bulk(bytes);
}

// --- reads ---

function hget(ctx: CommandContext): void {
  const ref = lookupHash(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref !== 0 && hashGet(ctx.store, ref, ctx.argv[2], value)) ctx.out.bulkRange(value.bytes, value.start, value.length);
  else ctx.out.nullBulk();
}

function hmget(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  const ref = lookupHash(ctx, argv[1]);
  if (ref < 0) return;
  out.arrayHeader(argc - 2);
  for (let i = 2; i < argc; i++) {
    if (ref !== 0 && hashGet(ctx.store, ref, argv[i], value)) out.bulkRange(value.bytes, value.start, value.length);
    else out.nullBulk();
  }
}

function hlen(ctx: CommandContext): void {
  const ref = lookupHash(ctx, ctx.argv[1]);
  if (ref >= 0) ctx.out.integer(ref === 0 ? 0 : hashLength(ctx.store, ref));
}

function hstrlen(ctx: CommandContext): void {
  const ref = lookupHash(ctx, ctx.argv[1]);
  if (ref >= 0) ctx.out.integer(ref !== 0 && hashGet(ctx.store, ref, ctx.argv[2], value) ? value.length : 0);
}

function hexists(ctx: CommandContext): void {
  const ref = lookupHash(ctx, ctx.argv[1]);
  if (ref >= 0) ctx.out.integer(ref !== 0 && hashExists(ctx.store, ref, ctx.argv[2]) ? 1 : 0);
}

const WANT_FIELDS = 1;
const WANT_VALUES = 2;

/** HKEYS, HVALS, HGETALL: every field, value, or both (a map in RESP3). */
function hgetallGeneric(ctx: CommandContext, wanted: number): void {
  const { out, store } = ctx;
  const ref = lookupHash(ctx, ctx.argv[1]);
  if (ref < 0) return;
  const length = ref === 0 ? 0 : hashLength(store, ref);
  if (wanted === (WANT_FIELDS | WANT_VALUES)) out.mapHeader(length);
  else out.arrayHeader(length);
  if (ref === 0) return;
  hashForEach(store, ref, (field, fieldValue) => {
    if (wanted & WANT_FIELDS) out.bulkRange(field.bytes, field.start, field.length);
    if (wanted & WANT_VALUES) out.bulkRange(fieldValue.bytes, fieldValue.start, fieldValue.length);
  });
}

function hkeys(ctx: CommandContext): void {
  hgetallGeneric(ctx, WANT_FIELDS);
}

function hvals(ctx: CommandContext): void {
  hgetallGeneric(ctx, WANT_VALUES);
}

function hgetall(ctx: CommandContext): void {
  hgetallGeneric(ctx, WANT_FIELDS | WANT_VALUES);
}

/** HRANDFIELD key [count [WITHVALUES]], as Redis 7.0 answers it. */
function hrandfield(ctx: CommandContext): void {
  const { argv, argc, out, store } = ctx;
  if (argc === 2) {
    const ref = lookupHash(ctx, argv[1]);
    if (ref < 0) return;
    if (ref === 0) {
      out.nullBulk();
      return;
    }
    hashRandomPair(store, ref, value, otherValue);
    out.bulkRange(value.bytes, value.start, value.length);
    return;
  }
  const count = parseInteger(argv[2]);
  if (count === null) {
    out.error(Errors.notInteger);
    return;
  }
  if (count === INT64_MIN) {
    out.error(HashErrors.countRange);
    return;
  }
  if (argc > 4 || (argc === 4 && !isKeyword(argv[3], 'withvalues'))) {
    out.error(Errors.syntax);
    return;
  }
  const withValues = argc === 4;
  // Redis's bound is LONG_MAX / 2 either way (C division truncates toward zero).
  if (withValues && (count < -(INT64_MAX / 2n) || count > INT64_MAX / 2n)) {
    out.error(HashErrors.outOfRange);
    return;
  }
  const ref = lookupHash(ctx, argv[1]);
  if (ref < 0) return;
  if (ref === 0 || count === 0n) {
    out.arrayHeader(0);
    return;
  }
  if (count < -MAX_REPLY_ELEMENTS) {
    out.error(HashErrors.outOfRange);
    return;
  }
  const resp3Pairs = withValues && out.proto === 3;
  const writePair = (field: ByteSlice, fieldValue: ByteSlice): void => {
    if (resp3Pairs) out.arrayHeader(2);
    out.bulkRange(field.bytes, field.start, field.length);
    if (withValues) out.bulkRange(fieldValue.bytes, fieldValue.start, fieldValue.length);
  };
  const length = hashLength(store, ref);
  const wanted = count < 0n ? -count : count;
  // A negative count may repeat fields; a positive one asks for distinct fields, at most all of them.
  const picks = count < 0n || wanted === 1n ? Number(wanted) : Math.min(Number(wanted), length);
  out.arrayHeader(withValues && !resp3Pairs ? picks * 2 : picks);
  if (count < 0n || wanted === 1n) {
    for (let i = 0; i < picks; i++) {
      hashRandomPair(store, ref, value, otherValue);
      writePair(value, otherValue);
    }
  } else if (picks === length) {
    hashForEach(store, ref, writePair);
  } else {
    hashRandomDistinctPairs(store, ref, picks, writePair);
  }
}

/** HSCAN key cursor [MATCH pattern] [COUNT count]: fields matched by the pattern, each with its value. */
function hscan(ctx: CommandContext): void {
  replyCollectionScan(ctx, lookupHash, (ref, cursor, count, pattern, found) =>
    hashScan(ctx.store, ref, cursor, count, (field, fieldValue) => {
      if (pattern === null || globMatch(pattern, field.view())) found.push(field.copy(), fieldValue.copy());
    }),
  );
}

// --- the bindings (the rows are table/hashes.ts) ---

export const hashBindings: Bindings = {
  hset,
  hsetnx,
  hget,
  hmget,
  hmset,
  hdel,
  hlen,
  hstrlen,
  hexists,
  hincrby,
  hincrbyfloat,
  hkeys,
  hvals,
  hgetall,
  hrandfield,
  hscan,
};
