// List family: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE,
// LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS on one key; LMOVE, RPOPLPUSH and
// LMPOP over keys on any shards, atomic as one command. The list's form is
// store/types/list.ts's business, never these handlers'.

import type { BlockingSpec, CommandContext, Bindings } from './command.ts';
import { multiPopCommand, parseTimeout, popFirstBlocking } from './blocking.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { ValueType } from '../store/entry.ts';
import { ByteSlice } from '../store/bytes.ts';
import type { Ref } from '../store/shard-store.ts';
import {
  listCreate, listElementAt, listForEachFrom, listInsertAt, listLength, listPop, listPush, listRemoveEqual, listRemoveRange, listReplaceAt,
} from '../store/types/list.ts';
import { shardOp, steppedCommand, type OpCall, type OpValue, type StepRequest, type Steps } from './shard-ops.ts';

const ListErrors = {
  mustBePositive: 'ERR value is out of range, must be positive',
  rankZero: "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  countNegative: "ERR COUNT can't be negative",
  maxlenNegative: "ERR MAXLEN can't be negative",
  numkeys: 'ERR numkeys should be greater than 0',
  count: 'ERR count should be greater than 0',
} as const;

const INT64_MIN = -9223372036854775808n;

const element = new ByteSlice();

/** Reads a list key: its record, 0 when missing, or -1 after replying WRONGTYPE. */
function lookupList(ctx: CommandContext, key: Buffer, write = false): Ref {
  const ref = write ? ctx.store.lookupWrite(ctx.db, key, ctx.now) : ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.List) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

/** An int64 argument as a number (indexes past 2^53 only clamp), or null after replying Redis's error. */
function integerArg(ctx: CommandContext, arg: Buffer): number | null {
  const value = parseInteger(arg);
  if (value === null) {
    ctx.out.error(Errors.notInteger);
    return null;
  }
  return Number(value);
}

/** The element argv[2] names (negative: from the tail): its index, -1 when outside the list, null after replying an error. */
function indexArg(ctx: CommandContext, ref: Ref): number | null {
  const index = integerArg(ctx, ctx.argv[2]);
  if (index === null) return null;
  const length = listLength(ctx.store, ref);
  const resolved = index < 0 ? index + length : index;
  return resolved >= 0 && resolved < length ? resolved : -1;
}

/** Redis's getPositiveLongFromObjectOrReply: a count >= 0, or null after replying `message` (for a non-integer too). */
function positiveArg(ctx: CommandContext, arg: Buffer, message: string): number | null {
  const value = parseInteger(arg);
  if (value === null || value < 0n) {
    ctx.out.error(message);
    return null;
  }
  return Number(value);
}

/** LEFT or RIGHT: true for the head, null when neither. */
function parseEnd(arg: Buffer): boolean | null {
  if (isKeyword(arg, 'left')) return true;
  if (isKeyword(arg, 'right')) return false;
  return null;
}

function writeElement(out: ReplyWriter, value: ByteSlice): void {
  out.bulkRange(value.bytes, value.start, value.length);
}

// --- pushes and pops ---

/** LPUSH, RPUSH, and with `onlyExisting` LPUSHX, RPUSHX: the list's length after. */
function pushGeneric(ctx: CommandContext, atHead: boolean, onlyExisting: boolean): void {
  const { argv, argc, store } = ctx;
  let ref = lookupList(ctx, argv[1], true);
  if (ref < 0) return;
  if (ref === 0) {
    if (onlyExisting) {
      ctx.out.integer(0);
      return;
    }
    ref = listCreate(store, ctx.db, argv[1], argv[2], ctx.now);
    for (let i = 3; i < argc; i++) listPush(store, ref, argv[i], atHead);
  } else {
    for (let i = 2; i < argc; i++) listPush(store, ref, argv[i], atHead);
  }
  ctx.out.integer(listLength(store, ref));
}

/** LPOP and RPOP: one element as a bulk string, or with a count an array of them. */
function popGeneric(ctx: CommandContext, atHead: boolean): void {
  const { argv, argc, out } = ctx;
  if (argc > 3) {
    out.error(Errors.wrongArgs(atHead ? 'lpop' : 'rpop'));
    return;
  }
  const hasCount = argc === 3;
  const count = hasCount ? positiveArg(ctx, argv[2], ListErrors.mustBePositive) : 1;
  if (count === null) return;
  const ref = lookupList(ctx, argv[1], true);
  if (ref < 0) return;
  if (ref === 0) {
    if (hasCount) out.nullArray();
    else out.nullBulk();
    return;
  }
  if (hasCount) out.arrayHeader(Math.min(count, listLength(ctx.store, ref)));
  listPop(ctx.store, ref, atHead, count, (value) => writeElement(out, value));
}

// --- reads ---

function llen(ctx: CommandContext): void {
  const ref = lookupList(ctx, ctx.argv[1]);
  if (ref >= 0) ctx.out.integer(ref === 0 ? 0 : listLength(ctx.store, ref));
}

/** Redis's range clamp: negative indexes from the end; null when the range is empty. */
function clampRange(start: number, stop: number, length: number): [number, number] | null {
  if (start < 0) start = length + start;
  if (stop < 0) stop = length + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= length) return null;
  return [start, Math.min(stop, length - 1)];
}

function lrange(ctx: CommandContext): void {
  const { argv, out } = ctx;
  const start = integerArg(ctx, argv[2]);
  if (start === null) return;
  const stop = integerArg(ctx, argv[3]);
  if (stop === null) return;
  const ref = lookupList(ctx, argv[1]);
  if (ref < 0) return;
  const range = ref === 0 ? null : clampRange(start, stop, listLength(ctx.store, ref));
  if (range === null) {
    out.arrayHeader(0);
    return;
  }
  const [first, last] = range;
  out.arrayHeader(last - first + 1);
  listForEachFrom(ctx.store, ref, first, true, (value, index) => {
    writeElement(out, value);
    return index < last;
  });
}

function lindex(ctx: CommandContext): void {
  const ref = lookupList(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0) {
    ctx.out.nullBulk();
    return;
  }
  const index = indexArg(ctx, ref);
  if (index === null) return;
  if (index < 0) {
    ctx.out.nullBulk();
    return;
  }
  listElementAt(ctx.store, ref, index, element);
  writeElement(ctx.out, element);
}

/** LPOS's options, parsed as Redis parses them (before the key is looked at). */
interface PositionOptions {
  /** Matches to skip plus one; negative: from the tail. */
  rank: number;
  /** -1 when COUNT was not given; 0: every match. */
  count: number;
  maxlen: number;
}

function parsePositionOptions(ctx: CommandContext): PositionOptions | null {
  const { argv, argc } = ctx;
  const options: PositionOptions = { rank: 1, count: -1, maxlen: 0 };
  for (let i = 3; i < argc; i++) {
    const more = i + 1 < argc;
    if (isKeyword(argv[i], 'rank') && more) {
      const rank = parseInteger(argv[++i]);
      if (rank === null) {
        ctx.out.error(Errors.notInteger);
        return null;
      }
      if (rank === 0n) {
        ctx.out.error(ListErrors.rankZero);
        return null;
      }
      // Redis negates the rank in C: INT64_MIN stays negative there, so every match counts.
      options.rank = rank === INT64_MIN ? -Number.MAX_VALUE : Number(rank);
    } else if (isKeyword(argv[i], 'count') && more) {
      const count = positiveArg(ctx, argv[++i], ListErrors.countNegative);
      if (count === null) return null;
      options.count = count;
    } else if (isKeyword(argv[i], 'maxlen') && more) {
      const maxlen = positiveArg(ctx, argv[++i], ListErrors.maxlenNegative);
      if (maxlen === null) return null;
      options.maxlen = maxlen;
    } else {
      ctx.out.error(Errors.syntax);
      return null;
    }
  }
  return options;
}

function lpos(ctx: CommandContext): void {
  const options = parsePositionOptions(ctx);
  if (options === null) return;
  const { out, store } = ctx;
  const ref = lookupList(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0) {
    if (options.count !== -1) out.arrayHeader(0);
    else out.nullBulk();
    return;
  }
  const forward = options.rank > 0;
  const rank = options.rank === -Number.MAX_VALUE ? 1 : Math.abs(options.rank);
  const { count, maxlen } = options;
  const wanted = ctx.argv[2];
  const length = listLength(store, ref);
  const found: number[] = [];
  let matches = 0;
  let scanned = 0;
  listForEachFrom(store, ref, forward ? 0 : length - 1, forward, (value, index) => {
    if (maxlen !== 0 && scanned >= maxlen) return false;
    scanned++;
    if (!sliceEquals(value, wanted)) return true;
    matches++;
    if (matches < rank) return true;
    found.push(index);
    return count !== -1 && (count === 0 || found.length < count);
  });
  if (count === -1) {
    if (found.length === 0) out.nullBulk();
    else out.integer(found[0]);
    return;
  }
  out.arrayHeader(found.length);
  for (const index of found) out.integer(index);
}

function sliceEquals(value: ByteSlice, other: Uint8Array): boolean {
  if (value.length !== other.length) return false;
  const bytes = value.bytes;
  const start = value.start;
  for (let i = 0; i < other.length; i++) if (bytes[start + i] !== other[i]) return false;
  return true;
}

// --- edits ---

function lset(ctx: CommandContext): void {
  const ref = lookupList(ctx, ctx.argv[1], true);
  if (ref < 0) return;
  if (ref === 0) {
    ctx.out.error(Errors.noSuchKey);
    return;
  }
  const index = indexArg(ctx, ref);
  if (index === null) return;
  if (index < 0) {
    ctx.out.error(Errors.outOfRange);
    return;
  }
  listReplaceAt(ctx.store, ref, index, ctx.argv[3]);
  ctx.out.ok();
}

function linsert(ctx: CommandContext): void {
  const { argv, store } = ctx;
  const after = isKeyword(argv[2], 'after');
  if (!after && !isKeyword(argv[2], 'before')) {
    ctx.out.error(Errors.syntax);
    return;
  }
  const ref = lookupList(ctx, argv[1], true);
  if (ref < 0) return;
  if (ref === 0) {
    ctx.out.integer(0);
    return;
  }
  let pivot = -1;
  listForEachFrom(store, ref, 0, true, (value, index) => {
    if (!sliceEquals(value, argv[3])) return true;
    pivot = index;
    return false;
  });
  if (pivot < 0) {
    ctx.out.integer(-1);
    return;
  }
  listInsertAt(store, ref, after ? pivot + 1 : pivot, argv[4]);
  ctx.out.integer(listLength(store, ref));
}

function lrem(ctx: CommandContext): void {
  const count = integerArg(ctx, ctx.argv[2]);
  if (count === null) return;
  const ref = lookupList(ctx, ctx.argv[1], true);
  if (ref < 0) return;
  if (ref === 0) {
    ctx.out.integer(0);
    return;
  }
  ctx.out.integer(listRemoveEqual(ctx.store, ref, ctx.argv[3], Math.abs(count), count < 0));
}

function ltrim(ctx: CommandContext): void {
  const start = integerArg(ctx, ctx.argv[2]);
  if (start === null) return;
  const stop = integerArg(ctx, ctx.argv[3]);
  if (stop === null) return;
  const { store } = ctx;
  const ref = lookupList(ctx, ctx.argv[1], true);
  if (ref < 0) return;
  if (ref !== 0) {
    const length = listLength(store, ref);
    const range = clampRange(start, stop, length);
    if (range === null) {
      listRemoveRange(store, ref, 0, length);
    } else {
      // The tail first: the head's removal would shift its indexes.
      if (range[1] < length - 1) listRemoveRange(store, ref, range[1] + 1, length - range[1] - 1);
      if (range[0] > 0) listRemoveRange(store, ref, 0, range[0]);
    }
  }
  ctx.out.ok();
}

// --- over several keys: LMOVE, RPOPLPUSH, LMPOP ---

const KeyKind = { None: 0, List: 1, Other: 2 } as const;

/** What a move needs to know of a key: [0 missing, 1 a list, 2 another type]. */
const probeList = shardOp('list-probe', 'Tell whether a key holds a list', (ctx) => {
  const ref = ctx.store.lookupWrite(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0) return KeyKind.None;
  return ctx.store.typeOf(ref) === ValueType.List ? KeyKind.List : KeyKind.Other;
});

/** list-pop key LEFT|RIGHT count: the elements popped (the key must be a list). */
const popElements = shardOp('list-pop', 'Pop elements from one end of a list', (ctx): OpValue => {
  const { store, argv } = ctx;
  const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
  const popped: Buffer[] = [];
  if (ref !== 0) listPop(store, ref, isKeyword(argv[2], 'left'), Number(argv[3].toString()), (value) => popped.push(value.copy()));
  return popped;
});

/** list-push key LEFT|RIGHT element: pushes it, creating the list when missing. */
const pushElement = shardOp('list-push', 'Push an element at one end of a list, creating it when missing', (ctx) => {
  const { store, argv } = ctx;
  const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
  if (ref === 0) listCreate(store, ctx.db, argv[1], argv[3], ctx.now);
  else listPush(store, ref, argv[3], isKeyword(argv[2], 'left'));
  return null;
});

const LEFT = Buffer.from('left');
const RIGHT = Buffer.from('right');
const ONE = Buffer.from('1');

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT, and RPOPLPUSH (RIGHT LEFT): the element moved, or nil. */
function moveSteps(fixedEnds: [boolean, boolean] | null): Steps {
  return function* (request) {
    const { args, db, out } = request;
    const [, source, destination] = args;
    let ends = fixedEnds;
    if (ends === null) {
      const from = parseEnd(args[3]);
      const to = parseEnd(args[4]);
      if (from === null || to === null) throw new ReplyError(Errors.syntax);
      ends = [from, to];
    }
    const sourceShard = request.shardOfKey(source);
    const destinationShard = request.shardOfKey(destination);
    const [sourceKind, destinationKind] = (yield [
      { shard: sourceShard, db, op: probeList, args: [source] },
      { shard: destinationShard, db, op: probeList, args: [destination] },
    ]) as number[];
    if (sourceKind === KeyKind.None) {
      out.nullBulk();
      return;
    }
    if (sourceKind === KeyKind.Other || destinationKind === KeyKind.Other) throw new ReplyError(Errors.wrongType);
    const [popped] = (yield [
      { shard: sourceShard, db, op: popElements, args: [source, ends[0] ? LEFT : RIGHT, ONE], last: sourceShard !== destinationShard },
    ]) as Buffer[][];
    const moved = popped[0];
    yield [{ shard: destinationShard, db, op: pushElement, args: [destination, ends[1] ? LEFT : RIGHT, moved], last: true }];
    out.bulk(moved);
  };
}

const lmove = steppedCommand(moveSteps(null));
const rpoplpush = steppedCommand(moveSteps([false, true]));

/** LMPOP numkeys key... LEFT|RIGHT [COUNT count]: its keys, its end and its count, or the error reply. */
function parseMultiPop(args: readonly Buffer[]): { keys: Buffer[]; atHead: boolean; count: number } | string {
  const numkeys = parseInteger(args[1]);
  if (numkeys === null || numkeys <= 0n) return ListErrors.numkeys;
  if (BigInt(args.length) < 3n + numkeys) return Errors.syntax;
  const keys = args.slice(2, 2 + Number(numkeys));
  let at = 2 + keys.length;
  const atHead = parseEnd(args[at++]);
  if (atHead === null) return Errors.syntax;
  let count = 1;
  let counted = false;
  while (at < args.length) {
    if (!counted && isKeyword(args[at], 'count') && at + 1 < args.length) {
      const value = parseInteger(args[at + 1]);
      if (value === null || value <= 0n) return ListErrors.count;
      count = Number(value);
      counted = true;
      at += 2;
    } else {
      return Errors.syntax;
    }
  }
  return { keys, atHead, count };
}

/**
 * Pops up to `count` elements from the first of `keys` that exists, as Redis
 * takes it (WRONGTYPE when it is not a list): the key and the elements, or
 * null when none exists.
 */
function* popFromFirstList(request: StepRequest, keys: readonly Buffer[], atHead: boolean, count: Buffer): Generator<OpCall[], [Buffer, Buffer[]] | null, OpValue[]> {
  const { db } = request;
  const kinds = (yield keys.map((key) => ({ shard: request.shardOfKey(key), db, op: probeList, args: [key] }))) as number[];
  const first = kinds.findIndex((kind) => kind !== KeyKind.None);
  if (first < 0) return null;
  if (kinds[first] === KeyKind.Other) throw new ReplyError(Errors.wrongType);
  const key = keys[first];
  const [popped] = (yield [{ shard: request.shardOfKey(key), db, op: popElements, args: [key, atHead ? LEFT : RIGHT, count], last: true }]) as Buffer[][];
  return [key, popped];
}

const multiPopSteps: Steps = function* (request) {
  const parsed = parseMultiPop(request.args);
  if (typeof parsed === 'string') throw new ReplyError(parsed);
  const popped = yield* popFromFirstList(request, parsed.keys, parsed.atHead, Buffer.from(String(parsed.count)));
  const { out } = request;
  if (popped === null) {
    out.nullArray();
    return;
  }
  out.arrayHeader(2);
  out.bulk(popped[0]);
  out.bulkArray(popped[1]);
};

const lmpop = steppedCommand(multiPopSteps);

// --- blocking: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP ---
//
// Each is its non-blocking form (what it does inside MULTI, or once a key
// holds a list) and a BlockingSpec for how it waits (commands/blocking.ts).

/** BLPOP and BRPOP key... timeout: [key, element] from the first non-empty list, or a null array. */
function popFirstSteps(atHead: boolean): Steps {
  return function* (request) {
    const { args, out } = request;
    const timeout = parseTimeout(args[args.length - 1]);
    if (typeof timeout === 'string') throw new ReplyError(timeout);
    const popped = yield* popFromFirstList(request, args.slice(1, args.length - 1), atHead, ONE);
    if (popped === null) {
      out.nullArray();
      return;
    }
    out.arrayHeader(2);
    out.bulk(popped[0]);
    out.bulk(popped[1][0]);
  };
}

/** BLMOVE's and BRPOPLPUSH's arguments: the ends (null: RPOPLPUSH's) and where the timeout is. */
function moveBlocking(fixedEnds: boolean, timeoutAt: number): BlockingSpec {
  return {
    parse: (argv) => {
      if (!fixedEnds && (parseEnd(argv[3]) === null || parseEnd(argv[4]) === null)) return Errors.syntax;
      return parseTimeout(argv[timeoutAt]);
    },
    keys: (argv) => [argv[1]],
    valueType: ValueType.List,
    serveArgs: (argv) => argv.slice(),
    alsoTouches: (argv) => [argv[2]],
    timeoutReply: 'null-bulk',
  };
}

/** BLMOVE and BRPOPLPUSH: LMOVE and RPOPLPUSH once the timeout is checked. */
function blockingMoveSteps(fixedEnds: [boolean, boolean] | null, timeoutAt: number): Steps {
  const move = moveSteps(fixedEnds);
  return function* (request) {
    const { args } = request;
    if (fixedEnds === null && (parseEnd(args[3]) === null || parseEnd(args[4]) === null)) throw new ReplyError(Errors.syntax);
    const timeout = parseTimeout(args[timeoutAt]);
    if (typeof timeout === 'string') throw new ReplyError(timeout);
    const moveArgs = fixedEnds === null ? args.slice(0, 5) : args.slice(0, 3);
    return yield* move({ ...request, args: moveArgs });
  };
}

// --- the bindings (the rows are table/lists.ts) ---

export const listBindings: Bindings = {
  lpush: (ctx) => pushGeneric(ctx, true, false),
  rpush: (ctx) => pushGeneric(ctx, false, false),
  lpushx: (ctx) => pushGeneric(ctx, true, true),
  rpushx: (ctx) => pushGeneric(ctx, false, true),
  lpop: (ctx) => popGeneric(ctx, true),
  rpop: (ctx) => popGeneric(ctx, false),
  llen,
  lrange,
  lindex,
  lpos,
  lset,
  linsert,
  lrem,
  ltrim,
  lmove,
  rpoplpush,
  lmpop,
  blpop: { ...steppedCommand(popFirstSteps(true)), blocking: popFirstBlocking(ValueType.List) },
  brpop: { ...steppedCommand(popFirstSteps(false)), blocking: popFirstBlocking(ValueType.List) },
  blmove: { ...steppedCommand(blockingMoveSteps(null, 5)), blocking: moveBlocking(false, 5) },
  brpoplpush: { ...steppedCommand(blockingMoveSteps([false, true], 3)), blocking: moveBlocking(true, 3) },
  blmpop: multiPopCommand(ValueType.List, parseMultiPop, multiPopSteps),
};
