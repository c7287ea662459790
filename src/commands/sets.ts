// Set family: SADD, SREM, SISMEMBER, SMISMEMBER, SCARD, SMEMBERS,
// SRANDMEMBER, SPOP, SSCAN on one key; SMOVE, SINTER, SINTERCARD,
// SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE over several.
//
// The multi-key commands have one implementation whatever the shards: the
// members of each source set are gathered (read in place on this shard, or
// by SMEMBERS where the key lives, inside one transaction of the scheduler),
// `combineSets` computes the result, and the reply or the store of the
// destination follows. The set's encoding is store/types/set.ts's business.

import type { Bindings, CommandContext, Glue } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { replyCollectionScan } from './scan-args.ts';
import { ValueType } from '../store/entry.ts';
import { ByteSlice } from '../store/bytes.ts';
import { globMatch } from '../store/glob.ts';
import type { Ref, ShardStore } from '../store/shard-store.ts';
import {
  setAdd, setContains, setCreate, setForEach, setMembers, setRandomDistinctMembers, setRandomMember, setRemove, setScan, setSize, setStore,
} from '../store/types/set.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { MAX_REPLY_ELEMENTS } from '../protocol/limits.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { ONE_STEP, shardOp, splitKeys, steppedCommand, type OpCall, type OpValue, type StepRequest } from './shard-ops.ts';

/** The set family's own error replies (t_set.c). */
const SetErrors = {
  outOfRange: 'ERR value is out of range, must be positive',
  countRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  tooMany: 'ERR value is out of range',
  numkeysPositive: 'ERR numkeys should be greater than 0',
  tooManyKeys: "ERR Number of keys can't be greater than number of args",
  limitNegative: "ERR LIMIT can't be negative",
} as const;

const INT64_MIN = -9223372036854775808n;
const member = new ByteSlice();

/** Reads a set key: its record, 0 when missing, or -1 after replying WRONGTYPE. */
function lookupSet(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.Set) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

/** The set at `key` for a write; 0 when missing, -1 after replying WRONGTYPE. */
function lookupSetWrite(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupWrite(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.Set) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

// --- one key ---

function sadd(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  let ref = lookupSetWrite(ctx, argv[1]);
  if (ref < 0) return;
  let added = 0;
  let i = 2;
  if (ref === 0) {
    ref = setCreate(store, ctx.db, argv[1], argv[2], ctx.now);
    added = 1;
    i = 3;
  }
  for (; i < argc; i++) if (setAdd(store, ref, argv[i])) added++;
  ctx.out.integer(added);
}

function srem(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  const ref = lookupSetWrite(ctx, argv[1]);
  if (ref < 0) return;
  let removed = 0;
  if (ref !== 0) {
    for (let i = 2; i < argc; i++) {
      if (!setRemove(store, ref, argv[i])) continue;
      removed++;
      if (setSize(store, ref) === 0) {
        store.remove(ref);
        break;
      }
    }
  }
  ctx.out.integer(removed);
}

function sismember(ctx: CommandContext): void {
  const ref = lookupSet(ctx, ctx.argv[1]);
  if (ref >= 0) ctx.out.integer(ref !== 0 && setContains(ctx.store, ref, ctx.argv[2]) ? 1 : 0);
}

function smismember(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  const ref = lookupSet(ctx, argv[1]);
  if (ref < 0) return;
  out.arrayHeader(argc - 2);
  for (let i = 2; i < argc; i++) out.integer(ref !== 0 && setContains(ctx.store, ref, argv[i]) ? 1 : 0);
}

function scard(ctx: CommandContext): void {
  const ref = lookupSet(ctx, ctx.argv[1]);
  if (ref >= 0) ctx.out.integer(ref === 0 ? 0 : setSize(ctx.store, ref));
}

function smembers(ctx: CommandContext): void {
  const { out, store } = ctx;
  const ref = lookupSet(ctx, ctx.argv[1]);
  if (ref < 0) return;
  out.setHeader(ref === 0 ? 0 : setSize(store, ref));
  if (ref !== 0) setForEach(store, ref, (m) => out.bulkRange(m.bytes, m.start, m.length));
}

/** SRANDMEMBER's count (any but INT64_MIN), or SPOP's (not negative), or null after replying Redis's error for it. */
function parseCount(ctx: CommandContext, allowNegative: boolean): bigint | null {
  const count = parseInteger(ctx.argv[2]);
  if (allowNegative && count === null) ctx.out.error(Errors.notInteger);
  else if (allowNegative && count === INT64_MIN) ctx.out.error(SetErrors.countRange);
  else if (!allowNegative && (count === null || count < 0n)) ctx.out.error(SetErrors.outOfRange);
  else return count;
  return null;
}

/** SRANDMEMBER key [count], as Redis 7.0 answers it. */
function srandmember(ctx: CommandContext): void {
  const { argc, out, store } = ctx;
  if (argc > 3) {
    out.error(Errors.syntax);
    return;
  }
  if (argc === 2) {
    const ref = lookupSet(ctx, ctx.argv[1]);
    if (ref < 0) return;
    if (ref === 0) out.nullBulk();
    else {
      setRandomMember(store, ref, member);
      out.bulkRange(member.bytes, member.start, member.length);
    }
    return;
  }
  const count = parseCount(ctx, true);
  if (count === null) return;
  const ref = lookupSet(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0 || count === 0n) {
    out.arrayHeader(0);
    return;
  }
  const size = setSize(store, ref);
  const write = (m: ByteSlice): void => out.bulkRange(m.bytes, m.start, m.length);
  if (count < -MAX_REPLY_ELEMENTS) {
    out.error(SetErrors.tooMany);
  } else if (count < 0n) {
    const picks = Number(-count);
    out.arrayHeader(picks);
    for (let i = 0; i < picks; i++) {
      setRandomMember(store, ref, member);
      write(member);
    }
  } else if (count >= BigInt(size)) {
    out.arrayHeader(size);
    setForEach(store, ref, write);
  } else {
    out.arrayHeader(Number(count));
    setRandomDistinctMembers(store, ref, Number(count), write);
  }
}

/** SPOP key [count]: removes and returns random members; the set goes with its last member. */
function spop(ctx: CommandContext): void {
  const { argc, out, store } = ctx;
  if (argc > 3) {
    out.error(Errors.syntax);
    return;
  }
  const count = argc === 3 ? parseCount(ctx, false) : 1n;
  if (count === null) return;
  const ref = lookupSetWrite(ctx, ctx.argv[1]);
  if (ref < 0) return;
  if (ref === 0) {
    if (argc === 2) out.nullBulk();
    else out.setHeader(0);
    return;
  }
  if (argc === 2) {
    setRandomMember(store, ref, member);
    const popped = member.copy();
    out.bulk(popped);
    removeMembers(store, ref, [popped]);
    return;
  }
  const size = setSize(store, ref);
  if (count === 0n) {
    out.setHeader(0);
    return;
  }
  const popped: Buffer[] = count >= BigInt(size) ? setMembers(store, ref) : [];
  if (popped.length === 0) setRandomDistinctMembers(store, ref, Number(count), (m) => popped.push(m.copy()));
  out.setHeader(popped.length);
  for (const m of popped) out.bulk(m);
  removeMembers(store, ref, popped);
  // A pop of at least five times what it leaves makes Redis store what is left as a set
  // of its own, its encoding by its members: a hashtable of integers comes back an intset.
  const left = size - popped.length;
  if (left > 0 && left * SPOP_MOVE_STRATEGY_MUL <= popped.length) {
    const expireAt = store.expireAt(ref);
    setStore(store, ctx.db, ctx.argv[1], setMembers(store, ref), ctx.now);
    if (expireAt !== 0) store.setExpire(store.peek(ctx.db, ctx.argv[1]), expireAt);
  }
}

/** Redis's SPOP_MOVE_STRATEGY_MUL: above this many popped members per member left, the rest is rebuilt. */
const SPOP_MOVE_STRATEGY_MUL = 5;

/** Removes members known to be in the set at `ref`, deleting the key once it is empty. */
function removeMembers(store: ShardStore, ref: Ref, members: readonly Buffer[]): void {
  if (members.length === setSize(store, ref)) {
    store.remove(ref);
    return;
  }
  for (const m of members) setRemove(store, ref, m);
}

/** SSCAN key cursor [MATCH pattern] [COUNT count]. */
function sscan(ctx: CommandContext): void {
  replyCollectionScan(ctx, lookupSet, (ref, cursor, count, pattern, found) =>
    setScan(ctx.store, ref, cursor, count, (m) => {
      if (pattern === null || globMatch(pattern, m.view())) found.push(m.copy());
    }),
  );
}

// --- several keys: one implementation over the members of each source ---

const Combine = { Inter: 0, Union: 1, Diff: 2 } as const;
type Combine = (typeof Combine)[keyof typeof Combine];

/**
 * The result of intersecting, joining or subtracting sets (null: a missing
 * key, an empty set), distinct members; `limit` stops an intersection early
 * (SINTERCARD). When every member is an integer and Redis would hold the
 * result as an intset, it comes sorted, as Redis returns it.
 */
export function combineSets(op: Combine, sets: readonly (readonly Buffer[] | null)[], limit: number, intsetLimit: number): Buffer[] {
  let result: Buffer[];
  if (op === Combine.Inter) {
    if (sets.some((set) => set === null || set.length === 0)) return [];
    const ordered = [...(sets as Buffer[][])].sort((a, b) => a.length - b.length);
    const others = ordered.slice(1).map((set) => new Set(set.map(memberKey)));
    result = [];
    for (const candidate of ordered[0]) {
      const name = memberKey(candidate);
      if (others.every((other) => other.has(name))) {
        result.push(candidate);
        if (limit !== 0 && result.length >= limit) break;
      }
    }
  } else if (op === Combine.Union) {
    const seen = new Map<string, Buffer>();
    for (const set of sets) for (const m of set ?? []) seen.set(memberKey(m), m);
    result = [...seen.values()];
  } else {
    const removed = new Set<string>();
    for (let i = 1; i < sets.length; i++) for (const m of sets[i] ?? []) removed.add(memberKey(m));
    result = (sets[0] ?? []).filter((m) => !removed.has(memberKey(m)));
  }
  return sortedLikeIntset(result, intsetLimit);
}

function memberKey(m: Buffer): string {
  return m.toString('latin1');
}

/** Integers that Redis would hold as an intset come out ascending, as its iteration gives them. */
function sortedLikeIntset(members: Buffer[], intsetLimit: number): Buffer[] {
  if (members.length === 0 || members.length > intsetLimit) return members;
  const values: bigint[] = [];
  for (const m of members) {
    const value = parseInteger(m);
    if (value === null) return members;
    values.push(value);
  }
  const order = members.map((_, i) => i).sort((a, b) => (values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : 0));
  return order.map((i) => members[i]);
}

/** The members of each of this shard's keys (null: missing); WRONGTYPE for a key of another type. */
const keysMembers = shardOp('set-members', "Read the members of a shard's sets", (ctx) => {
  const { argv, argc, store } = ctx;
  const lists: (Buffer[] | null)[] = [];
  for (let i = 1; i < argc; i++) {
    const ref = store.lookupRead(ctx.db, argv[i], ctx.now);
    if (ref !== 0 && store.typeOf(ref) !== ValueType.Set) throw new ReplyError(Errors.wrongType);
    lists.push(ref === 0 ? null : setMembers(store, ref));
  }
  return lists;
});

/** set-store key member...: replaces `key` with a set of the members (none: deletes it); the count. */
const storeSet = shardOp('set-store', 'Store a set computed from others', (ctx) => {
  const members = ctx.argv.slice(2, ctx.argc);
  setStore(ctx.store, ctx.db, ctx.argv[1], members, ctx.now);
  return members.length;
});

/** The members of each key, from wherever it lives (one op per shard), in the order of `keys`. */
function* gatherMembers(request: StepRequest, keys: readonly Buffer[], last: boolean): Generator<OpCall[], (Buffer[] | null)[], OpValue[]> {
  const parts = splitKeys(request.shardOfKey, keys, 0, 1);
  const values = yield parts.map((part) => ({ shard: part.shard, db: request.db, op: keysMembers, args: part.args, last }));
  const lists = new Array<Buffer[] | null>(keys.length);
  values.forEach((value, part) => parts[part].positions.forEach((position, i) => (lists[position] = (value as (Buffer[] | null)[])[i])));
  return lists;
}

function writeMembers(out: ReplyWriter, members: readonly Buffer[], asSet: boolean): void {
  if (asSet) out.setHeader(members.length);
  else out.arrayHeader(members.length);
  for (const m of members) out.bulk(m);
}

/** SINTER / SUNION / SDIFF source...: the members of the result. */
function combine(op: Combine): Glue {
  return steppedCommand(function* (request) {
    const lists = yield* gatherMembers(request, request.args.slice(1), true);
    writeMembers(request.out, combineSets(op, lists, 0, request.store.limits.setMaxIntsetEntries), true);
  }, ONE_STEP);
}

/** SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination source...: the result stored, its size replied. */
function combineStore(op: Combine): Glue {
  return steppedCommand(function* (request) {
    const { args, db } = request;
    const lists = yield* gatherMembers(request, args.slice(2), false);
    const result = combineSets(op, lists, 0, request.store.limits.setMaxIntsetEntries);
    yield [{ shard: request.shardOfKey(args[1]), db, op: storeSet, args: [args[1], ...result], last: true }];
    request.out.integer(result.length);
  });
}

/** SINTERCARD numkeys key... [LIMIT limit]: the keys and the limit, or the error to reply. */
function parseIntercard(argv: readonly Buffer[], argc: number): { keys: Buffer[]; limit: number } | string {
  // Redis words a bad number the same as an out-of-range one here (getRangeLongFromObjectOrReply with a message).
  const numkeys = parseInteger(argv[1]);
  if (numkeys === null || numkeys <= 0n) return SetErrors.numkeysPositive;
  if (numkeys > BigInt(argc - 2)) return SetErrors.tooManyKeys;
  const keys = argv.slice(2, 2 + Number(numkeys));
  let limit = 0;
  for (let i = 2 + Number(numkeys); i < argc; i++) {
    if (isKeyword(argv[i], 'limit') && i + 1 < argc) {
      const value = parseInteger(argv[++i]);
      if (value === null || value < 0n) return SetErrors.limitNegative;
      limit = value > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(value);
    } else {
      return Errors.syntax;
    }
  }
  return { keys, limit };
}

const sintercard = steppedCommand(function* (request) {
  const parsed = parseIntercard(request.args, request.args.length);
  if (typeof parsed === 'string') throw new ReplyError(parsed);
  const lists = yield* gatherMembers(request, parsed.keys, true);
  request.out.integer(combineSets(Combine.Inter, lists, parsed.limit, 0).length);
}, ONE_STEP);

const KeyKind = { None: 0, Set: 1, Other: 2 } as const;

/** What SMOVE needs to know of a key: [0 missing, 1 a set, 2 another type; 1 when the member is in it]. */
const probeSet = shardOp('set-probe', 'Tell what a key holds, and whether a set has a member', (ctx) => {
  const { store, argv } = ctx;
  const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
  if (ref === 0) return [KeyKind.None, 0];
  if (store.typeOf(ref) !== ValueType.Set) return [KeyKind.Other, 0];
  return [KeyKind.Set, ctx.argc > 2 && setContains(store, ref, argv[2]) ? 1 : 0];
});

const removeMember = shardOp('set-remove', 'Remove a member from a set', (ctx) => {
  const ref = ctx.store.lookupWrite(ctx.db, ctx.argv[1], ctx.now);
  if (ref !== 0) removeMembers(ctx.store, ref, [ctx.argv[2]]);
  return null;
});

const addMember = shardOp('set-add', 'Add a member to a set, creating it when missing', (ctx) => {
  const { store, argv } = ctx;
  const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
  if (ref === 0) setCreate(store, ctx.db, argv[1], argv[2], ctx.now);
  else setAdd(store, ref, argv[2]);
  return null;
});

/** SMOVE: look at both keys, then remove the member on one and add it on the other. */
const smove = steppedCommand(function* (request) {
  const { args, db, out } = request;
  const [, source, destination, moved] = args;
  const sourceShard = request.shardOfKey(source);
  const destinationShard = request.shardOfKey(destination);
  const [sourceProbe, destinationProbe] = (yield [
    { shard: sourceShard, db, op: probeSet, args: [source, moved] },
    { shard: destinationShard, db, op: probeSet, args: [destination] },
  ]) as [number, number][];
  const [sourceKind, isMember] = sourceProbe;
  const destinationKind = destinationProbe[0];
  if (sourceKind === KeyKind.None) {
    out.integer(0);
    return;
  }
  if (sourceKind === KeyKind.Other || destinationKind === KeyKind.Other) throw new ReplyError(Errors.wrongType);
  if (source.equals(destination) || isMember === 0) {
    out.integer(isMember);
    return;
  }
  yield [
    { shard: sourceShard, db, op: removeMember, args: [source, moved], last: true },
    { shard: destinationShard, db, op: addMember, args: [destination, moved], last: true },
  ];
  out.integer(1);
});

// --- the bindings (the rows are table/sets.ts) ---

export const setBindings: Bindings = {
  sadd,
  srem,
  sismember,
  smismember,
  scard,
  smembers,
  srandmember,
  spop,
  sscan,
  smove,
  sinter: combine(Combine.Inter),
  sunion: combine(Combine.Union),
  sdiff: combine(Combine.Diff),
  sinterstore: combineStore(Combine.Inter),
  sunionstore: combineStore(Combine.Union),
  sdiffstore: combineStore(Combine.Diff),
  sintercard,
};
