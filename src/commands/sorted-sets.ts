// Sorted set family: ZADD, ZINCRBY, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCARD,
// ZCOUNT, ZLEXCOUNT, ZRANGE and its older forms, ZREM, ZREMRANGEBY*, ZPOPMIN,
// ZPOPMAX, ZRANDMEMBER, ZSCAN on one key; ZRANGESTORE, ZMPOP, ZUNION, ZINTER,
// ZDIFF, their *STORE forms and ZINTERCARD over keys on any shards, atomic
// as one command (stepped glue: the sources are read where they live, the
// result is computed here and stored where the destination lives). The sorted
// set's form is store/types/zset.ts's business, never these handlers'.

import type { Bindings, CommandContext, Glue } from './command.ts';
import { multiPopCommand, parseTimeout, popFirstBlocking } from './blocking.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { parseDoubleArg, parseRangeDouble } from '../protocol/strtod.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { formatDouble } from '../protocol/number-format.ts';
import { ValueType } from '../store/entry.ts';
import { ByteSlice } from '../store/bytes.ts';
import { globMatch } from '../store/glob.ts';
import type { Ref, ShardStore } from '../store/shard-store.ts';
import { setMembers } from '../store/types/set.ts';
import {
  zsetAdd, zsetAddResult, zsetCreate, zsetEntries, zsetLength, zsetNext, zsetPop, zsetRank, zsetRankOfMember, zsetRankOfScore, zsetRemove,
  zsetRemoveRange, zsetScan, zsetScore, zsetSeek, zsetStartsBig, zsetStore, ZaddFlag, ZaddOut,
} from '../store/types/zset.ts';
import { replyCollectionScan } from './scan-args.ts';
import { ONE_STEP, shardOp, splitKeys, steppedCommand, type OpCall, type OpValue, type StepRequest, type Steps } from './shard-ops.ts';

/** The sorted set family's own error replies (t_zset.c). */
const ZsetErrors = {
  nan: 'ERR resulting score is not a number (NaN)',
  xxNx: 'ERR XX and NX options at the same time are not compatible',
  gtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  incrPair: 'ERR INCR option supports a single increment-element pair',
  scoreRange: 'ERR min or max is not a float',
  lexRange: 'ERR min or max not valid string range item',
  limitRank: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  scoresLex: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  mustBePositive: 'ERR value is out of range, must be positive',
  outOfRange: 'ERR value is out of range',
  countRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  weight: 'ERR weight value is not a float',
  limitNegative: "ERR LIMIT can't be negative",
  numkeys: 'ERR numkeys should be greater than 0',
  count: 'ERR count should be greater than 0',
  atLeastOneKey: (command: string) => `ERR at least 1 input key is needed for '${command}' command`,
} as const;

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const member = new ByteSlice();

/** A sorted set key for reading: its record, 0 when missing, or -1 after replying WRONGTYPE. */
function lookupZset(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.ZSet) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

function lookupZsetWrite(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupWrite(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.ZSet) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

/** Redis's getLongFromObject: an int64 as a number (past 2^53 only clamps), or null. */
function longArg(arg: Uint8Array): number | null {
  const value = parseInteger(arg);
  return value === null ? null : Number(value);
}

function writeMember(out: ReplyWriter, m: ByteSlice): void {
  out.bulkRange(m.bytes, m.start, m.length);
}

// --- ZADD, ZINCRBY ---

function zaddGeneric(ctx: CommandContext, initialFlags: number): void {
  const { argv, argc, out, store } = ctx;
  let flags = initialFlags;
  let ch = false;
  let scoreIndex = 2;
  for (; scoreIndex < argc; scoreIndex++) {
    const option = argv[scoreIndex];
    if (isKeyword(option, 'nx')) flags |= ZaddFlag.Nx;
    else if (isKeyword(option, 'xx')) flags |= ZaddFlag.Xx;
    else if (isKeyword(option, 'ch')) ch = true;
    else if (isKeyword(option, 'incr')) flags |= ZaddFlag.Incr;
    else if (isKeyword(option, 'gt')) flags |= ZaddFlag.Gt;
    else if (isKeyword(option, 'lt')) flags |= ZaddFlag.Lt;
    else break;
  }
  const incr = (flags & ZaddFlag.Incr) !== 0;
  const nx = (flags & ZaddFlag.Nx) !== 0;
  const xx = (flags & ZaddFlag.Xx) !== 0;
  const gt = (flags & ZaddFlag.Gt) !== 0;
  const lt = (flags & ZaddFlag.Lt) !== 0;
  const rest = argc - scoreIndex;
  if (rest === 0 || rest % 2 !== 0) {
    out.error(Errors.syntax);
    return;
  }
  const elements = rest / 2;
  if (nx && xx) {
    out.error(ZsetErrors.xxNx);
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    out.error(ZsetErrors.gtLtNx);
    return;
  }
  if (incr && elements > 1) {
    out.error(ZsetErrors.incrPair);
    return;
  }
  // Every score parsed before anything changes: the command runs whole or not at all.
  const scores = scoreScratch(elements);
  for (let j = 0; j < elements; j++) {
    const score = parseDoubleArg(argv[scoreIndex + j * 2]);
    if (Number.isNaN(score)) {
      out.error(Errors.notFloat);
      return;
    }
    scores[j] = score;
  }
  let ref = lookupZsetWrite(ctx, argv[1]);
  if (ref < 0) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (ref === 0 && !xx) ref = zsetCreate(store, ctx.db, argv[1], ctx.now, zsetStartsBig(store, argv[scoreIndex + 1].length));
  if (ref !== 0) {
    for (let j = 0; j < elements; j++) {
      const result = zsetAdd(store, ref, scores[j], argv[scoreIndex + 1 + j * 2], flags);
      if (result === ZaddOut.Nan) {
        if (zsetLength(store, ref) === 0) store.remove(ref);
        out.error(ZsetErrors.nan);
        return;
      }
      if (result === ZaddOut.Added) added++;
      else if (result === ZaddOut.Updated) updated++;
      if (result !== ZaddOut.Nop) {
        processed++;
        score = zsetAddResult.score;
      }
    }
    if (zsetLength(store, ref) === 0) store.remove(ref);
  }
  if (incr) {
    if (processed > 0) out.double(score);
    else out.nullBulk();
  } else {
    out.integer(ch ? added + updated : added);
  }
}

let scoreArray = new Float64Array(16);
function scoreScratch(count: number): Float64Array {
  if (scoreArray.length < count) scoreArray = new Float64Array(count * 2);
  return scoreArray;
}

// --- single reads ---

function zcard(ctx: CommandContext): void {
  const ref = lookupZset(ctx, ctx.argv[1]);
  if (ref >= 0) ctx.out.integer(ref === 0 ? 0 : zsetLength(ctx.store, ref));
}

function zscore(ctx: CommandContext): void {
  const ref = lookupZset(ctx, ctx.argv[1]);
  if (ref < 0) return;
  const score = ref === 0 ? NaN : zsetScore(ctx.store, ref, ctx.argv[2]);
  if (Number.isNaN(score)) ctx.out.nullBulk();
  else ctx.out.double(score);
}

function zmscore(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  const ref = lookupZset(ctx, argv[1]);
  if (ref < 0) return;
  out.arrayHeader(argc - 2);
  for (let i = 2; i < argc; i++) {
    const score = ref === 0 ? NaN : zsetScore(ctx.store, ref, argv[i]);
    if (Number.isNaN(score)) out.nullBulk();
    else out.double(score);
  }
}

function zrankGeneric(ctx: CommandContext, reverse: boolean): void {
  const ref = lookupZset(ctx, ctx.argv[1]);
  if (ref < 0) return;
  const rank = ref === 0 ? -1 : zsetRank(ctx.store, ref, ctx.argv[2], reverse);
  if (rank < 0) ctx.out.nullBulk();
  else ctx.out.integer(rank);
}

// --- ranges ---

const RangeKind = { Auto: 0, Rank: 1, Score: 2, Lex: 3 } as const;
type RangeKind = (typeof RangeKind)[keyof typeof RangeKind];
const Direction = { Auto: 0, Forward: 1, Reverse: 2 } as const;
type Direction = (typeof Direction)[keyof typeof Direction];

/** A parsed range query (ZRANGE's arguments in every form), reused from call to call. */
class RangeQuery {
  kind: RangeKind = RangeKind.Rank;
  reverse = false;
  withScores = false;
  offset = 0;
  limit = -1;
  // Rank ranges.
  start = 0;
  end = 0;
  // Score ranges.
  min = 0;
  max = 0;
  minExclusive = false;
  maxExclusive = false;
  // Lex ranges: -1 for "-", 1 for "+", 0 for a member bound.
  minInfinity = 0;
  maxInfinity = 0;
  minMember: Buffer = EMPTY;
  maxMember: Buffer = EMPTY;
  // What resolve() found: the first rank to walk from, and how many.
  first = 0;
  count = 0;
}

const EMPTY = Buffer.alloc(0);
const query = new RangeQuery();

/** A score range bound (Redis's zslParseRange): "(" for exclusive; false when not a float. */
function parseScoreBound(arg: Buffer, isMin: boolean, q: RangeQuery): boolean {
  const exclusive = arg.length > 0 && arg[0] === 0x28;
  const value = parseRangeDouble(arg, exclusive ? 1 : 0);
  if (Number.isNaN(value)) return false;
  if (isMin) {
    q.min = value;
    q.minExclusive = exclusive;
  } else {
    q.max = value;
    q.maxExclusive = exclusive;
  }
  return true;
}

/** A lex range bound: "-", "+", "(member" or "[member"; false otherwise. */
function parseLexBound(arg: Buffer, isMin: boolean, q: RangeQuery): boolean {
  if (arg.length === 0) return false;
  const c = arg[0];
  let infinity = 0;
  let exclusive = false;
  if (c === 0x2b || c === 0x2d) {
    if (arg.length !== 1) return false;
    infinity = c === 0x2b ? 1 : -1;
  } else if (c === 0x28) exclusive = true;
  else if (c !== 0x5b) return false;
  const bound = infinity === 0 ? arg.subarray(1) : EMPTY;
  if (isMin) {
    q.minInfinity = infinity;
    q.minExclusive = exclusive;
    q.minMember = bound;
  } else {
    q.maxInfinity = infinity;
    q.maxExclusive = exclusive;
    q.maxMember = bound;
  }
  return true;
}

/** Both bounds of a lex range (min, max), into `q`; false when either is invalid. */
function parseLexRange(min: Buffer, max: Buffer, q: RangeQuery): boolean {
  return parseLexBound(min, true, q) && parseLexBound(max, false, q);
}

/**
 * Redis's zrangeGenericCommand parse over argv[keyIndex..]: <key> <min> <max>
 * [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]; fills `query`
 * or returns the error to reply.
 */
function parseRange(argv: readonly Buffer[], argc: number, keyIndex: number, store: boolean, kind: RangeKind, direction: Direction): string | null {
  const q = query;
  q.withScores = false;
  q.offset = 0;
  q.limit = -1;
  for (let j = keyIndex + 3; j < argc; j++) {
    const left = argc - j - 1;
    const arg = argv[j];
    if (!store && isKeyword(arg, 'withscores')) {
      q.withScores = true;
    } else if (isKeyword(arg, 'limit') && left >= 2) {
      const offset = longArg(argv[j + 1]);
      const limit = offset === null ? null : longArg(argv[j + 2]);
      if (offset === null || limit === null) return Errors.notInteger;
      q.offset = offset;
      q.limit = limit;
      j += 2;
    } else if (direction === Direction.Auto && isKeyword(arg, 'rev')) {
      direction = Direction.Reverse;
    } else if (kind === RangeKind.Auto && isKeyword(arg, 'bylex')) {
      kind = RangeKind.Lex;
    } else if (kind === RangeKind.Auto && isKeyword(arg, 'byscore')) {
      kind = RangeKind.Score;
    } else {
      return Errors.syntax;
    }
  }
  if (direction === Direction.Auto) direction = Direction.Forward;
  if (kind === RangeKind.Auto) kind = RangeKind.Rank;
  if (q.limit !== -1 && kind === RangeKind.Rank) return ZsetErrors.limitRank;
  if (q.withScores && kind === RangeKind.Lex) return ZsetErrors.scoresLex;
  q.kind = kind;
  q.reverse = direction === Direction.Reverse;
  let minArg = argv[keyIndex + 1];
  let maxArg = argv[keyIndex + 2];
  if (q.reverse && kind !== RangeKind.Rank) [minArg, maxArg] = [maxArg, minArg];
  if (kind === RangeKind.Rank) {
    const start = longArg(minArg);
    const end = start === null ? null : longArg(maxArg);
    if (start === null || end === null) return Errors.notInteger;
    q.start = start;
    q.end = end;
  } else if (kind === RangeKind.Score) {
    if (!parseScoreBound(minArg, true, q) || !parseScoreBound(maxArg, false, q)) return ZsetErrors.scoreRange;
  } else if (!parseLexRange(minArg, maxArg, q)) {
    return ZsetErrors.lexRange;
  }
  if (store) q.withScores = true;
  return null;
}

/** The ranks [lo, hi) a score range covers. */
function scoreSpan(store: ShardStore, ref: Ref, q: RangeQuery): [number, number] {
  const lo = zsetRankOfScore(store, ref, q.min, q.minExclusive);
  const hi = zsetRankOfScore(store, ref, q.max, !q.maxExclusive);
  return [lo, Math.max(lo, hi)];
}

/** The ranks [lo, hi) a lex range covers (members of one score, as Redis assumes). */
function lexSpan(store: ShardStore, ref: Ref, q: RangeQuery): [number, number] {
  const length = zsetLength(store, ref);
  const lo = q.minInfinity < 0 ? 0 : q.minInfinity > 0 ? length : zsetRankOfMember(store, ref, q.minMember, q.minExclusive);
  const hi = q.maxInfinity < 0 ? 0 : q.maxInfinity > 0 ? length : zsetRankOfMember(store, ref, q.maxMember, !q.maxExclusive);
  return [lo, Math.max(lo, hi)];
}

/** Where the query's walk starts and how many members it takes (q.first, q.count). */
function resolveRange(store: ShardStore, ref: Ref, q: RangeQuery): void {
  const length = zsetLength(store, ref);
  if (q.kind === RangeKind.Rank) {
    let start = q.start;
    let end = q.end;
    if (start < 0) start = length + start;
    if (end < 0) end = length + end;
    if (start < 0) start = 0;
    if (start > end || start >= length) {
      q.count = 0;
      return;
    }
    if (end >= length) end = length - 1;
    q.count = end - start + 1;
    q.first = q.reverse ? length - 1 - start : start;
    return;
  }
  const [lo, hi] = q.kind === RangeKind.Score ? scoreSpan(store, ref, q) : lexSpan(store, ref, q);
  // Redis skips `offset` members one by one: a negative offset skips them all.
  if (q.offset < 0) {
    q.count = 0;
    return;
  }
  let count = Math.max(0, hi - lo - q.offset);
  if (q.limit >= 0 && q.limit < count) count = q.limit;
  q.count = count;
  q.first = q.reverse ? hi - 1 - q.offset : lo + q.offset;
}

/** Replies the resolved range: members, with their scores when asked (RESP3: [member, score] pairs). */
function replyRange(out: ReplyWriter, store: ShardStore, ref: Ref, q: RangeQuery): void {
  const count = q.count;
  const pairs = q.withScores && out.proto === 3;
  out.arrayHeader(q.withScores && !pairs ? count * 2 : count);
  if (count === 0) return;
  zsetSeek(store, ref, q.first, q.reverse);
  for (let i = 0; i < count; i++) {
    const score = zsetNext(member);
    if (pairs) out.arrayHeader(2);
    writeMember(out, member);
    if (q.withScores) out.double(score);
  }
}

/** ZRANGE and its older forms, replied. */
function zrangeCommand(ctx: CommandContext, kind: RangeKind, direction: Direction): void {
  const error = parseRange(ctx.argv, ctx.argc, 1, false, kind, direction);
  if (error !== null) {
    ctx.out.error(error);
    return;
  }
  const ref = lookupZset(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0) {
    ctx.out.arrayHeader(0);
    return;
  }
  resolveRange(ctx.store, ref, query);
  replyRange(ctx.out, ctx.store, ref, query);
}

/** ZCOUNT and ZLEXCOUNT: how many members a score or lex range covers. */
function zcountGeneric(ctx: CommandContext, lex: boolean): void {
  const { argv, out } = ctx;
  const q = query;
  if (lex ? !parseLexRange(argv[2], argv[3], q) : !parseScoreBound(argv[2], true, q) || !parseScoreBound(argv[3], false, q)) {
    out.error(lex ? ZsetErrors.lexRange : ZsetErrors.scoreRange);
    return;
  }
  const ref = lookupZset(ctx, argv[1]);
  if (ref < 0) return;
  if (ref === 0) {
    out.integer(0);
    return;
  }
  const [lo, hi] = lex ? lexSpan(ctx.store, ref, q) : scoreSpan(ctx.store, ref, q);
  out.integer(hi - lo);
}

/** ZREMRANGEBYRANK / BYSCORE / BYLEX: the members removed. */
function zremrangeGeneric(ctx: CommandContext, kind: RangeKind): void {
  const { argv, out, store } = ctx;
  const q = query;
  if (kind === RangeKind.Rank) {
    const start = longArg(argv[2]);
    const end = start === null ? null : longArg(argv[3]);
    if (start === null || end === null) {
      out.error(Errors.notInteger);
      return;
    }
    q.start = start;
    q.end = end;
  } else if (kind === RangeKind.Score) {
    if (!parseScoreBound(argv[2], true, q) || !parseScoreBound(argv[3], false, q)) {
      out.error(ZsetErrors.scoreRange);
      return;
    }
  } else if (!parseLexRange(argv[2], argv[3], q)) {
    out.error(ZsetErrors.lexRange);
    return;
  }
  const ref = lookupZsetWrite(ctx, argv[1]);
  if (ref < 0) return;
  if (ref === 0) {
    out.integer(0);
    return;
  }
  let lo: number;
  let hi: number;
  if (kind === RangeKind.Rank) {
    q.kind = RangeKind.Rank;
    q.reverse = false;
    resolveRange(store, ref, q);
    lo = q.first;
    hi = q.first + q.count;
  } else {
    [lo, hi] = kind === RangeKind.Score ? scoreSpan(store, ref, q) : lexSpan(store, ref, q);
  }
  out.integer(hi > lo ? zsetRemoveRange(store, ref, lo, hi) : 0);
}

// --- removal, pops ---

function zrem(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  const ref = lookupZsetWrite(ctx, argv[1]);
  if (ref < 0) return;
  let removed = 0;
  if (ref !== 0) {
    for (let i = 2; i < argc; i++) {
      if (zsetRemove(store, ref, argv[i])) removed++;
      if (zsetLength(store, ref) === 0) {
        store.remove(ref);
        break;
      }
    }
  }
  ctx.out.integer(removed);
}

let popOut: ReplyWriter | null = null;
let popPairs = false;
function writePopped(m: ByteSlice, score: number): void {
  const out = popOut as ReplyWriter;
  if (popPairs) out.arrayHeader(2);
  writeMember(out, m);
  out.double(score);
}

/** ZPOPMIN / ZPOPMAX key [count]. */
function zpopGeneric(ctx: CommandContext, min: boolean): void {
  const { argc, out, store } = ctx;
  if (argc > 3) {
    out.error(Errors.syntax);
    return;
  }
  let count = -1;
  if (argc === 3) {
    const value = parseInteger(ctx.argv[2]);
    if (value === null || value < 0n) {
      out.error(ZsetErrors.mustBePositive);
      return;
    }
    count = Number(value);
  }
  const ref = lookupZsetWrite(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0 || count === 0) {
    out.arrayHeader(0);
    return;
  }
  const nested = out.proto === 3 && count !== -1;
  const taken = Math.min(count === -1 ? 1 : count, zsetLength(store, ref));
  out.arrayHeader(nested ? taken : taken * 2);
  popOut = out;
  popPairs = nested;
  zsetPop(store, ref, min, taken, writePopped);
  popOut = null;
}

// --- ZRANDMEMBER ---

function writeEntry(out: ReplyWriter, m: ByteSlice, score: number, withScores: boolean): void {
  if (withScores && out.proto === 3) out.arrayHeader(2);
  writeMember(out, m);
  if (withScores) out.double(score);
}

/** The member at `rank`, into `member`; its score. */
function entryAtRank(store: ShardStore, ref: Ref, rank: number): number {
  zsetSeek(store, ref, rank, false);
  return zsetNext(member);
}

function zrandmember(ctx: CommandContext): void {
  const { argv, argc, out, store } = ctx;
  if (argc === 2) {
    const ref = lookupZset(ctx, argv[1]);
    if (ref < 0) return;
    if (ref === 0) {
      out.nullBulk();
      return;
    }
    entryAtRank(store, ref, Math.floor(Math.random() * zsetLength(store, ref)));
    writeMember(out, member);
    return;
  }
  const value = parseInteger(argv[2]);
  if (value === null) {
    out.error(Errors.notInteger);
    return;
  }
  if (value === INT64_MIN) {
    out.error(ZsetErrors.countRange);
    return;
  }
  if (argc > 4 || (argc === 4 && !isKeyword(argv[3], 'withscores'))) {
    out.error(Errors.syntax);
    return;
  }
  const withScores = argc === 4;
  if (withScores && (value < -(INT64_MAX / 2n) || value > INT64_MAX / 2n)) {
    out.error(ZsetErrors.outOfRange);
    return;
  }
  const ref = lookupZset(ctx, argv[1]);
  if (ref < 0) return;
  if (ref === 0 || value === 0n) {
    out.arrayHeader(0);
    return;
  }
  const size = zsetLength(store, ref);
  const unique = value > 0n;
  const flat = withScores && out.proto === 2;
  if (!unique || value === 1n) {
    // Picks with repetition, in random order; too many for one reply is refused rather than built.
    if (-value > 1n << 24n) {
      out.error(ZsetErrors.outOfRange);
      return;
    }
    const count = Number(unique ? value : -value);
    out.arrayHeader(flat ? count * 2 : count);
    for (let i = 0; i < count; i++) {
      const score = entryAtRank(store, ref, Math.floor(Math.random() * size));
      writeEntry(out, member, score, withScores);
    }
    return;
  }
  const count = value >= BigInt(size) ? size : Number(value);
  out.arrayHeader(flat ? count * 2 : count);
  if (count === size) {
    // The whole set, from the highest score down, as Redis's iterator of sorted sets walks.
    zsetSeek(store, ref, size - 1, true);
    for (let i = 0; i < size; i++) {
      const score = zsetNext(member);
      writeEntry(out, member, score, withScores);
    }
    return;
  }
  // Distinct ranks picked at random (a partial shuffle), returned in random order.
  const ranks = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (size - i));
    const picked = ranks.get(j) ?? j;
    ranks.set(j, ranks.get(i) ?? i);
    const score = entryAtRank(store, ref, picked);
    writeEntry(out, member, score, withScores);
  }
}

// --- ZSCAN ---

function zscan(ctx: CommandContext): void {
  replyCollectionScan(ctx, lookupZset, (ref, cursor, count, pattern, found) =>
    zsetScan(ctx.store, ref, cursor, count, (m, score) => {
      if (pattern !== null && !globMatch(pattern, m.view())) return;
      found.push(m.copy());
      found.push(Buffer.from(formatDouble(score), 'latin1'));
    }),
  );
}

// --- over several keys ---

/** Scores packed as one buffer of doubles, as they travel between shards. */
export function packScores(scores: readonly number[]): Buffer {
  const packed = Buffer.allocUnsafe(scores.length * 8);
  for (let i = 0; i < scores.length; i++) packed.writeDoubleLE(scores[i], i * 8);
  return packed;
}

function unpackScores(packed: Buffer): number[] {
  const scores: number[] = [];
  for (let at = 0; at < packed.length; at += 8) scores.push(packed.readDoubleLE(at));
  return scores;
}

/** A source of a multi-key command: its members and their scores (a plain set's are 1). */
interface Source {
  members: Buffer[];
  scores: number[];
}

/** zset-entries key...: each key's members and packed scores (null: missing); sets count, with score 1; WRONGTYPE for others. */
const keysEntries = shardOp('zset-entries', "Read the members and scores of a shard's sorted sets (or sets)", (ctx) => {
  const { argv, argc, store } = ctx;
  const values: OpValue[] = [];
  for (let i = 1; i < argc; i++) {
    const ref = store.lookupRead(ctx.db, argv[i], ctx.now);
    if (ref === 0) {
      values.push(null);
      continue;
    }
    const type = store.typeOf(ref);
    if (type === ValueType.Set) {
      const members = setMembers(store, ref);
      values.push([members, packScores(members.map(() => 1))]);
    } else if (type === ValueType.ZSet) {
      const members: Buffer[] = [];
      const scores: number[] = [];
      zsetEntries(store, ref, members, scores);
      values.push([members, packScores(scores)]);
    } else {
      throw new ReplyError(Errors.wrongType);
    }
  }
  return values;
});

/** zset-store key packed-scores member...: replaces `key` with a sorted set of them (none: deletes it); the count. */
export const storeZset = shardOp('zset-store', 'Store a sorted set computed from others', (ctx) => {
  const members = ctx.argv.slice(3, ctx.argc);
  zsetStore(ctx.store, ctx.db, ctx.argv[1], members, unpackScores(ctx.argv[2]), ctx.now);
  return members.length;
});

/** The sources of `keys`, from wherever they live (one op per shard), in key order; null for a missing key. */
function* gatherSources(request: StepRequest, keys: readonly Buffer[], last: boolean): Generator<OpCall[], (Source | null)[], OpValue[]> {
  const parts = splitKeys(request.shardOfKey, keys, 0, 1);
  const values = yield parts.map((part) => ({ shard: part.shard, db: request.db, op: keysEntries, args: part.args, last }));
  const sources = new Array<Source | null>(keys.length);
  values.forEach((value, part) => parts[part].positions.forEach((position, i) => {
    const entry = (value as OpValue[])[i] as [Buffer[], Buffer] | null;
    sources[position] = entry === null ? null : { members: entry[0], scores: unpackScores(entry[1]) };
  }));
  return sources;
}

const Combine = { Union: 0, Inter: 1, Diff: 2 } as const;
type Combine = (typeof Combine)[keyof typeof Combine];
const Aggregate = { Sum: 0, Min: 1, Max: 2 } as const;
type Aggregate = (typeof Aggregate)[keyof typeof Aggregate];

interface CombineArgs {
  keys: Buffer[];
  /** Where the options start. */
  optionsAt: number;
}

/** numkeys and the keys after it (argv[numkeysIndex]...), checked as Redis does before reading any key. */
function parseNumkeys(args: readonly Buffer[], numkeysIndex: number, command: string): CombineArgs {
  const numkeys = parseInteger(args[numkeysIndex]);
  if (numkeys === null) throw new ReplyError(Errors.notInteger);
  if (numkeys < 1n) throw new ReplyError(ZsetErrors.atLeastOneKey(command));
  if (numkeys > BigInt(args.length - numkeysIndex - 1)) throw new ReplyError(Errors.syntax);
  const first = numkeysIndex + 1;
  return { keys: args.slice(first, first + Number(numkeys)), optionsAt: first + Number(numkeys) };
}

interface CombineOptions {
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

/** WEIGHTS, AGGREGATE, WITHSCORES (not for a store) and LIMIT (ZINTERCARD only), as Redis parses them. */
function parseCombineOptions(args: readonly Buffer[], at: number, keyCount: number, op: Combine, store: boolean, cardinality: boolean): CombineOptions {
  const options: CombineOptions = { weights: new Array<number>(keyCount).fill(1), aggregate: Aggregate.Sum, withScores: false, limit: 0 };
  let remaining = args.length - at;
  while (remaining > 0) {
    const arg = args[at];
    if (op !== Combine.Diff && !cardinality && remaining >= keyCount + 1 && isKeyword(arg, 'weights')) {
      at++;
      remaining--;
      for (let i = 0; i < keyCount; i++, at++, remaining--) {
        const weight = parseDoubleArg(args[at]);
        if (Number.isNaN(weight)) throw new ReplyError(ZsetErrors.weight);
        options.weights[i] = weight;
      }
    } else if (op !== Combine.Diff && !cardinality && remaining >= 2 && isKeyword(arg, 'aggregate')) {
      const name = args[at + 1];
      if (isKeyword(name, 'sum')) options.aggregate = Aggregate.Sum;
      else if (isKeyword(name, 'min')) options.aggregate = Aggregate.Min;
      else if (isKeyword(name, 'max')) options.aggregate = Aggregate.Max;
      else throw new ReplyError(Errors.syntax);
      at += 2;
      remaining -= 2;
    } else if (!store && !cardinality && isKeyword(arg, 'withscores')) {
      options.withScores = true;
      at++;
      remaining--;
    } else if (cardinality && remaining >= 2 && isKeyword(arg, 'limit')) {
      const limit = parseInteger(args[at + 1]);
      if (limit === null || limit < 0n) throw new ReplyError(ZsetErrors.limitNegative);
      options.limit = Number(limit);
      at += 2;
      remaining -= 2;
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  return options;
}

function aggregateInto(target: number, value: number, aggregate: Aggregate): number {
  if (aggregate === Aggregate.Sum) {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (aggregate === Aggregate.Min) return value < target ? value : target;
  return value > target ? value : target;
}

function memberKey(m: Buffer): string {
  return m.toString('latin1');
}

/** A computed result: members and scores, in no order yet. */
interface Result {
  members: Buffer[];
  scores: number[];
}

/** Redis's zunionInterDiffGenericCommand over gathered sources (null: missing); `limit` stops an intersection early. */
function combineSources(op: Combine, sources: readonly (Source | null)[], options: CombineOptions): Result {
  const result: Result = { members: [], scores: [] };
  const { weights, aggregate } = options;
  const inputs = sources.map((source, i) => ({ source, weight: weights[i] }));
  if (op === Combine.Diff) {
    const first = sources[0];
    if (first === null || first.members.length === 0) return result;
    const removed = new Set<string>();
    for (let i = 1; i < sources.length; i++) for (const m of sources[i]?.members ?? []) removed.add(memberKey(m));
    first.members.forEach((m, i) => {
      if (removed.has(memberKey(m))) return;
      result.members.push(m);
      result.scores.push(first.scores[i]);
    });
    return result;
  }
  // Smallest first, as Redis orders its inputs (a stable sort: ties keep their order).
  inputs.sort((a, b) => (a.source?.members.length ?? 0) - (b.source?.members.length ?? 0));
  if (op === Combine.Inter) {
    const smallest = inputs[0].source;
    if (smallest === null || smallest.members.length === 0) return result;
    const others = inputs.slice(1).map((input) => {
      const map = new Map<string, number>();
      input.source?.members.forEach((m, i) => map.set(memberKey(m), (input.source as Source).scores[i]));
      return { map, weight: input.weight };
    });
    for (let i = 0; i < smallest.members.length; i++) {
      const m = smallest.members[i];
      const name = memberKey(m);
      let score = inputs[0].weight * smallest.scores[i];
      if (Number.isNaN(score)) score = 0;
      let everywhere = true;
      for (const other of others) {
        const found = other.map.get(name);
        if (found === undefined) {
          everywhere = false;
          break;
        }
        score = aggregateInto(score, found * other.weight, aggregate);
      }
      if (!everywhere) continue;
      result.members.push(m);
      result.scores.push(score);
      if (options.limit !== 0 && result.members.length >= options.limit) break;
    }
    return result;
  }
  const index = new Map<string, number>();
  for (const { source, weight } of inputs) {
    if (source === null) continue;
    for (let i = 0; i < source.members.length; i++) {
      const m = source.members[i];
      let score = weight * source.scores[i];
      if (Number.isNaN(score)) score = 0;
      const name = memberKey(m);
      const at = index.get(name);
      if (at === undefined) {
        index.set(name, result.members.length);
        result.members.push(m);
        result.scores.push(score);
      } else {
        result.scores[at] = aggregateInto(result.scores[at], score, aggregate);
      }
    }
  }
  return result;
}

/** The result's positions in (score, member) order. */
function sortedOrder(result: Result): number[] {
  const { members, scores } = result;
  return members.map((_, i) => i).sort((a, b) => (scores[a] !== scores[b] ? (scores[a] < scores[b] ? -1 : 1) : Buffer.compare(members[a], members[b])));
}

function commandName(op: Combine, store: boolean): string {
  return (['zunion', 'zinter', 'zdiff'] as const)[op] + (store ? 'store' : '');
}

/** ZUNION / ZINTER / ZDIFF numkeys key... [options]: the result, with scores when asked. */
function combine(op: Combine): Glue {
  return steppedCommand(function* (request) {
    const { args, out } = request;
    const { keys, optionsAt } = parseNumkeys(args, 1, commandName(op, false));
    const sources = yield* gatherSources(request, keys, true);
    const options = parseCombineOptions(args, optionsAt, keys.length, op, false, false);
    const result = combineSources(op, sources, options);
    const order = sortedOrder(result);
    const withScores = options.withScores;
    const pairs = withScores && out.proto === 3;
    out.arrayHeader(withScores && !pairs ? order.length * 2 : order.length);
    for (const i of order) {
      if (pairs) out.arrayHeader(2);
      out.bulk(result.members[i]);
      if (withScores) out.double(result.scores[i]);
    }
  }, ONE_STEP);
}

/** ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE destination numkeys key... [options]: the result stored, its size replied. */
function combineStore(op: Combine): Glue {
  return steppedCommand(function* (request) {
    const { args, db } = request;
    const { keys, optionsAt } = parseNumkeys(args, 2, commandName(op, true));
    const sources = yield* gatherSources(request, keys, false);
    const options = parseCombineOptions(args, optionsAt, keys.length, op, true, false);
    const result = combineSources(op, sources, options);
    yield [{ shard: request.shardOfKey(args[1]), db, op: storeZset, args: [args[1], packScores(result.scores), ...result.members], last: true }];
    request.out.integer(result.members.length);
  });
}

const zintercard = steppedCommand(function* (request) {
  const { args } = request;
  const { keys, optionsAt } = parseNumkeys(args, 1, 'zintercard');
  const sources = yield* gatherSources(request, keys, true);
  const options = parseCombineOptions(args, optionsAt, keys.length, Combine.Inter, false, true);
  request.out.integer(combineSources(Combine.Inter, sources, options).members.length);
}, ONE_STEP);

/** zset-range src min max [options]: ZRANGESTORE's range of src, as [members, packed scores]; refuses as ZRANGESTORE does. */
const rangeEntries = shardOp('zset-range', "Read a range of a sorted set for ZRANGESTORE", (ctx) => {
  const { store } = ctx;
  const error = parseRange(ctx.argv, ctx.argc, 1, true, RangeKind.Auto, Direction.Auto);
  if (error !== null) throw new ReplyError(error);
  const ref = store.lookupRead(ctx.db, ctx.argv[1], ctx.now);
  const members: Buffer[] = [];
  const scores: number[] = [];
  if (ref !== 0) {
    if (store.typeOf(ref) !== ValueType.ZSet) throw new ReplyError(Errors.wrongType);
    resolveRange(store, ref, query);
    if (query.count > 0) zsetSeek(store, ref, query.first, query.reverse);
    for (let i = 0; i < query.count; i++) {
      scores.push(zsetNext(member));
      members.push(member.copy());
    }
  }
  return [members, packScores(scores)];
});

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]. */
const zrangestore = steppedCommand(function* (request) {
  const { args, db } = request;
  const [[members, scores]] = (yield [{ shard: request.shardOfKey(args[2]), db, op: rangeEntries, args: args.slice(2), last: request.shardOfKey(args[2]) !== request.shardOfKey(args[1]) }]) as [Buffer[], Buffer][];
  yield [{ shard: request.shardOfKey(args[1]), db, op: storeZset, args: [args[1], scores, ...members], last: true }];
  request.out.integer(members.length);
});

const KeyKind = { None: 0, ZSet: 1, Other: 2 } as const;

const probeZset = shardOp('zset-probe', 'Tell whether a key holds a sorted set', (ctx) => {
  const ref = ctx.store.lookupWrite(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0) return KeyKind.None;
  return ctx.store.typeOf(ref) === ValueType.ZSet ? KeyKind.ZSet : KeyKind.Other;
});

/** zset-pop key MIN|MAX count: [members, packed scores] popped (the key must be a sorted set). */
const popEntries = shardOp('zset-pop', 'Pop members from one end of a sorted set', (ctx) => {
  const { store, argv } = ctx;
  const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
  const members: Buffer[] = [];
  const scores: number[] = [];
  if (ref !== 0) {
    zsetPop(store, ref, isKeyword(argv[2], 'min'), Number(argv[3].toString()), (m, score) => {
      members.push(m.copy());
      scores.push(score);
    });
  }
  return [members, packScores(scores)];
});

const MIN = Buffer.from('min');
const MAX = Buffer.from('max');

/** ZMPOP numkeys key... MIN|MAX [COUNT count]: its keys, its end and its count, or the error reply. */
function parseMultiPop(args: readonly Buffer[]): { keys: Buffer[]; min: boolean; count: number } | string {
  const numkeys = parseInteger(args[1]);
  if (numkeys === null || numkeys <= 0n) return ZsetErrors.numkeys;
  const whereAt = 2 + Number(numkeys);
  if (numkeys >= BigInt(args.length) || whereAt >= args.length) return Errors.syntax;
  const keys = args.slice(2, whereAt);
  const where = args[whereAt];
  const min = isKeyword(where, 'min');
  if (!min && !isKeyword(where, 'max')) return Errors.syntax;
  let count = -1;
  for (let j = whereAt + 1; j < args.length; j++) {
    if (count === -1 && isKeyword(args[j], 'count') && j + 1 < args.length) {
      const value = parseInteger(args[++j]);
      if (value === null || value <= 0n) return ZsetErrors.count;
      count = Number(value);
    } else {
      return Errors.syntax;
    }
  }
  return { keys, min, count: count === -1 ? 1 : count };
}

/**
 * Pops up to `count` members from the first of `keys` that exists, as Redis
 * takes it (WRONGTYPE when it is not a sorted set): the key, the members and
 * their scores, or null when none exists.
 */
function* popFromFirstZset(request: StepRequest, keys: readonly Buffer[], min: boolean, count: number): Generator<OpCall[], [Buffer, Buffer[], number[]] | null, OpValue[]> {
  const { db } = request;
  const kinds = (yield keys.map((key) => ({ shard: request.shardOfKey(key), db, op: probeZset, args: [key] }))) as number[];
  const first = kinds.findIndex((kind) => kind !== KeyKind.None);
  if (first < 0) return null;
  if (kinds[first] === KeyKind.Other) throw new ReplyError(Errors.wrongType);
  const key = keys[first];
  const [[members, packed]] = (yield [{ shard: request.shardOfKey(key), db, op: popEntries, args: [key, min ? MIN : MAX, Buffer.from(String(count))], last: true }]) as [Buffer[], Buffer][];
  return [key, members, unpackScores(packed)];
}

const multiPopSteps: Steps = function* (request) {
  const parsed = parseMultiPop(request.args);
  if (typeof parsed === 'string') throw new ReplyError(parsed);
  const { out } = request;
  const popped = yield* popFromFirstZset(request, parsed.keys, parsed.min, parsed.count);
  if (popped === null) {
    out.nullArray();
    return;
  }
  const [key, members, scores] = popped;
  out.arrayHeader(2);
  out.bulk(key);
  out.arrayHeader(members.length);
  for (let i = 0; i < members.length; i++) {
    out.arrayHeader(2);
    out.bulk(members[i]);
    out.double(scores[i]);
  }
};

const zmpop = steppedCommand(multiPopSteps);

// --- blocking: BZPOPMIN, BZPOPMAX, BZMPOP ---
//
// Each is its non-blocking form (what it does inside MULTI, or once a key
// holds a sorted set) and a BlockingSpec for how it waits (commands/blocking.ts).

/** BZPOPMIN and BZPOPMAX key... timeout: [key, member, score] from the first non-empty sorted set, or a null array. */
function popFirstSteps(min: boolean): Steps {
  return function* (request) {
    const { args, out } = request;
    const timeout = parseTimeout(args[args.length - 1]);
    if (typeof timeout === 'string') throw new ReplyError(timeout);
    const popped = yield* popFromFirstZset(request, args.slice(1, args.length - 1), min, 1);
    if (popped === null) {
      out.nullArray();
      return;
    }
    out.arrayHeader(3);
    out.bulk(popped[0]);
    out.bulk(popped[1][0]);
    out.double(popped[2][0]);
  };
}

// --- the bindings (the rows are table/sorted-sets.ts) ---

export const sortedSetBindings: Bindings = {
  zadd: (ctx) => zaddGeneric(ctx, 0),
  zincrby: (ctx) => zaddGeneric(ctx, ZaddFlag.Incr),
  zcard,
  zscore,
  zmscore,
  zrank: (ctx) => zrankGeneric(ctx, false),
  zrevrank: (ctx) => zrankGeneric(ctx, true),
  zcount: (ctx) => zcountGeneric(ctx, false),
  zlexcount: (ctx) => zcountGeneric(ctx, true),
  zrange: (ctx) => zrangeCommand(ctx, RangeKind.Auto, Direction.Auto),
  zrevrange: (ctx) => zrangeCommand(ctx, RangeKind.Rank, Direction.Reverse),
  zrangebyscore: (ctx) => zrangeCommand(ctx, RangeKind.Score, Direction.Forward),
  zrevrangebyscore: (ctx) => zrangeCommand(ctx, RangeKind.Score, Direction.Reverse),
  zrangebylex: (ctx) => zrangeCommand(ctx, RangeKind.Lex, Direction.Forward),
  zrevrangebylex: (ctx) => zrangeCommand(ctx, RangeKind.Lex, Direction.Reverse),
  zrangestore,
  zrem,
  zremrangebyrank: (ctx) => zremrangeGeneric(ctx, RangeKind.Rank),
  zremrangebyscore: (ctx) => zremrangeGeneric(ctx, RangeKind.Score),
  zremrangebylex: (ctx) => zremrangeGeneric(ctx, RangeKind.Lex),
  zpopmin: (ctx) => zpopGeneric(ctx, true),
  zpopmax: (ctx) => zpopGeneric(ctx, false),
  zmpop,
  bzpopmin: { ...steppedCommand(popFirstSteps(true)), blocking: popFirstBlocking(ValueType.ZSet) },
  bzpopmax: { ...steppedCommand(popFirstSteps(false)), blocking: popFirstBlocking(ValueType.ZSet) },
  bzmpop: multiPopCommand(ValueType.ZSet, parseMultiPop, multiPopSteps),
  zrandmember,
  zscan,
  zunion: combine(Combine.Union),
  zinter: combine(Combine.Inter),
  zdiff: combine(Combine.Diff),
  zunionstore: combineStore(Combine.Union),
  zinterstore: combineStore(Combine.Inter),
  zdiffstore: combineStore(Combine.Diff),
  zintercard,
};
