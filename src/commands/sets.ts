// Set family: SADD, SREM, SISMEMBER, SMISMEMBER, SCARD, SMEMBERS,
// SRANDMEMBER, SPOP, SSCAN on one key; SMOVE, SINTER, SINTERCARD,
// SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE over several.
//
// The multi-key commands have one implementation whatever the shards: the
// members of each source set are gathered (read in place on this shard, or
// by SMEMBERS where the key lives, inside one transaction of the scheduler),
// `combineSets` computes the result, and the reply or the store of the
// destination follows. The set's encoding is store/types/set.ts's business.

import { keyCommandFamily, keysAt, NO_KEYS, type CommandContext, type CommandSpec, type KeySpec } from './command.ts';
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
import { ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import { MAX_REPLY_ELEMENTS } from '../protocol/limits.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { atomically, type AtomicPlan } from '../tx/multi-shard.ts';
import type { Transaction } from '../tx/scheduler.ts';
import { HOP_INTERNAL, HOP_PART } from '../shard/hop-format.ts';

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
}

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

/** The members of each key on this shard (null: missing), or null after replying WRONGTYPE. */
function localMembers(ctx: CommandContext, keys: readonly Buffer[]): (Buffer[] | null)[] | null {
  const lists: (Buffer[] | null)[] = [];
  for (const key of keys) {
    const ref = lookupSet(ctx, key);
    if (ref < 0) return null;
    lists.push(ref === 0 ? null : setMembers(ctx.store, ref));
  }
  return lists;
}

const SMEMBERS = Buffer.from('smembers');
const SET_STORE = Buffer.from('set-store');

/** The members of each key, from wherever it lives, in one hop per key inside `tx`; a WRONGTYPE anywhere throws. */
async function gatherMembers(tx: Transaction, db: number, keys: readonly Buffer[]): Promise<Buffer[][]> {
  const replies = await Promise.all(keys.map((key) => tx.call(tx.shardOfKey(key), db, [SMEMBERS, key], HOP_PART)));
  for (const reply of replies) if (reply instanceof ReplyError) throw reply;
  return replies as Buffer[][];
}

function writeMembers(out: ReplyWriter, members: readonly Buffer[], asSet: boolean): void {
  if (asSet) out.setHeader(members.length);
  else out.arrayHeader(members.length);
  for (const m of members) out.bulk(m);
}

/** SINTER / SUNION / SDIFF: the sources are argv[1..]. */
function combineCommand(op: Combine): (ctx: CommandContext) => void {
  return (ctx) => {
    const lists = localMembers(ctx, ctx.argv.slice(1, ctx.argc));
    if (lists !== null) writeMembers(ctx.out, combineSets(op, lists, 0, ctx.store.limits.setMaxIntsetEntries), true);
  };
}

function combineAcrossShards(op: Combine): AtomicPlan {
  return atomically('keys', async (tx, { args, db, coordinator }, out) => {
    const lists = await gatherMembers(tx, db, args.slice(1));
    writeMembers(out, combineSets(op, lists, 0, coordinator.store.limits.setMaxIntsetEntries), true);
  }, true);
}

/** SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination source...: the result's size. */
function combineStoreCommand(op: Combine): (ctx: CommandContext) => void {
  return (ctx) => {
    const lists = localMembers(ctx, ctx.argv.slice(2, ctx.argc));
    if (lists === null) return;
    const result = combineSets(op, lists, 0, ctx.store.limits.setMaxIntsetEntries);
    setStore(ctx.store, ctx.db, ctx.argv[1], result, ctx.now);
    ctx.out.integer(result.length);
  };
}

function combineStoreAcrossShards(op: Combine): AtomicPlan {
  return atomically('keys', async (tx, { args, db, coordinator }, out) => {
    const lists = await gatherMembers(tx, db, args.slice(2));
    const result = combineSets(op, lists, 0, coordinator.store.limits.setMaxIntsetEntries);
    const stored = await tx.call(tx.shardOfKey(args[1]), db, [SET_STORE, args[1], ...result], HOP_INTERNAL, true);
    if (stored instanceof ReplyError) throw stored;
    out.integer(result.length);
  });
}

/** set-store key member...: replaces `key` with a set of the members (none: deletes it); replies the count. */
function setStoreInternal(ctx: CommandContext): void {
  const members = ctx.argv.slice(2, ctx.argc);
  setStore(ctx.store, ctx.db, ctx.argv[1], members, ctx.now);
  ctx.out.integer(members.length);
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

function sintercard(ctx: CommandContext): void {
  const parsed = parseIntercard(ctx.argv, ctx.argc);
  if (typeof parsed === 'string') {
    ctx.out.error(parsed);
    return;
  }
  const lists = localMembers(ctx, parsed.keys);
  if (lists !== null) ctx.out.integer(combineSets(Combine.Inter, lists, parsed.limit, 0).length);
}

const sintercardAcrossShards = atomically('keys', async (tx, { args, db }, out) => {
  const parsed = parseIntercard(args, args.length);
  if (typeof parsed === 'string') throw new ReplyError(parsed);
  const lists = await gatherMembers(tx, db, parsed.keys);
  out.integer(combineSets(Combine.Inter, lists, parsed.limit, 0).length);
}, true);

/** SMOVE's decision from what the two keys hold: the reply, or null to go ahead and move. */
function smoveOutcome(sourceType: string, destinationType: string, isMember: boolean, sameKey: boolean): number | string | null {
  if (sourceType === 'none') return 0;
  if (sourceType !== 'set' || (destinationType !== 'none' && destinationType !== 'set')) return Errors.wrongType;
  if (sameKey || !isMember) return isMember ? 1 : 0;
  return null;
}

function smove(ctx: CommandContext): void {
  const { argv, store, out } = ctx;
  const source = store.lookupWrite(ctx.db, argv[1], ctx.now);
  const destination = store.lookupWrite(ctx.db, argv[2], ctx.now);
  const typeName = (ref: Ref): string => (ref === 0 ? 'none' : store.typeOf(ref) === ValueType.Set ? 'set' : 'other');
  const sourceType = typeName(source);
  const outcome = smoveOutcome(sourceType, typeName(destination), sourceType === 'set' && setContains(store, source, argv[3]), argv[1].equals(argv[2]));
  if (typeof outcome === 'string') out.error(outcome);
  else if (typeof outcome === 'number') out.integer(outcome);
  else {
    removeMembers(store, source, [argv[3]]);
    const target = store.lookupWrite(ctx.db, argv[2], ctx.now);
    if (target === 0) setCreate(store, ctx.db, argv[2], argv[3], ctx.now);
    else setAdd(store, target, argv[3]);
    out.integer(1);
  }
}

const TYPE = Buffer.from('type');
const SISMEMBER = Buffer.from('sismember');
const SREM = Buffer.from('srem');
const SADD = Buffer.from('sadd');

/** SMOVE with the keys on two shards: look at both, then remove on one and add on the other. */
const smoveAcrossShards = atomically('keys', async (tx, { args, db }, out) => {
  const [, source, destination, moved] = args;
  const sourceShard = tx.shardOfKey(source);
  const destinationShard = tx.shardOfKey(destination);
  const [sourceType, destinationType, isMember] = await Promise.all([
    tx.call(sourceShard, db, [TYPE, source], HOP_PART),
    tx.call(destinationShard, db, [TYPE, destination], HOP_PART),
    tx.call(sourceShard, db, [SISMEMBER, source, moved], HOP_PART),
  ]);
  const outcome = smoveOutcome(String(sourceType), String(destinationType), isMember === 1, false);
  if (typeof outcome === 'string') throw new ReplyError(outcome);
  if (typeof outcome === 'number') {
    out.integer(outcome);
    return;
  }
  const results: ReplyValue[] = await Promise.all([
    tx.call(sourceShard, db, [SREM, source, moved], HOP_PART, true),
    tx.call(destinationShard, db, [SADD, destination, moved], HOP_PART, true),
  ]);
  const failure = results.find((reply) => reply instanceof ReplyError);
  if (failure !== undefined) throw failure;
  out.integer(1);
});

// --- the table ---

const setCommand = keyCommandFamily('set', ['set']);

const ONE_KEY = keysAt(1, 1, 1);
const READ_FAST = ['readonly', 'fast'] as const;
const RO_ACCESS = ['RO', 'access'];
const ORDER_TIP = ['nondeterministic_output_order'];
const OUTPUT_TIP = ['nondeterministic_output'];

/** A destination key then source keys (the *STORE commands). */
function storeKeySpecs(destinationFlags: readonly string[]): KeySpec[] {
  return [
    { flags: destinationFlags, begin: ['index', 1], find: ['range', 0, 1, 0] },
    { flags: RO_ACCESS, begin: ['index', 2], find: ['range', -1, 1, 0] },
  ];
}

export const setCommands: CommandSpec[] = [
  setCommand({ name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, keyFlags: ['RW', 'insert'], summary: 'Adds members to a set, creating it when missing', since: '1.0.0', handler: sadd }),
  setCommand({ name: 'srem', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, keyFlags: ['RW', 'delete'], summary: 'Removes members from a set', since: '1.0.0', handler: srem }),
  setCommand({ name: 'sismember', arity: 3, flags: READ_FAST, keys: ONE_KEY, keyFlags: ['RO'], summary: 'Tells whether a value is a member of a set', since: '1.0.0', handler: sismember }),
  setCommand({ name: 'smismember', arity: -3, flags: READ_FAST, keys: ONE_KEY, keyFlags: RO_ACCESS, summary: 'Tells, for each of several values, whether it is a member of a set', since: '6.2.0', handler: smismember }),
  setCommand({ name: 'scard', arity: 2, flags: READ_FAST, keys: ONE_KEY, keyFlags: ['RO'], summary: 'Counts the members of a set', since: '1.0.0', handler: scard }),
  setCommand({ name: 'smembers', arity: 2, flags: ['readonly'], keys: ONE_KEY, keyFlags: RO_ACCESS, tips: ORDER_TIP, summary: 'Returns every member of a set', since: '1.0.0', handler: smembers }),
  setCommand({ name: 'srandmember', arity: -2, flags: ['readonly'], keys: ONE_KEY, keyFlags: RO_ACCESS, tips: OUTPUT_TIP, summary: 'Returns random members of a set', since: '1.0.0', handler: srandmember }),
  setCommand({ name: 'spop', arity: -2, flags: ['write', 'fast'], keys: ONE_KEY, keyFlags: ['RW', 'access', 'delete'], tips: OUTPUT_TIP, summary: 'Removes and returns random members of a set', since: '1.0.0', handler: spop }),
  setCommand({ name: 'sscan', arity: -3, flags: ['readonly'], keys: ONE_KEY, keyFlags: RO_ACCESS, tips: OUTPUT_TIP, summary: 'Walks the members of a set, a few per call', since: '2.8.0', handler: sscan }),
  setCommand({
    name: 'smove', arity: 4, flags: ['write', 'fast'], keys: keysAt(1, 2, 1), summary: 'Moves a member from one set to another', since: '1.0.0', handler: smove, multiShard: smoveAcrossShards,
    keySpecs: [
      { flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] },
      { flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] },
    ],
  }),
  setCommand({ name: 'sinter', arity: -2, flags: ['readonly'], keys: keysAt(1, -1, 1), keyFlags: RO_ACCESS, tips: ORDER_TIP, summary: 'Returns the members every given set has', since: '1.0.0', handler: combineCommand(Combine.Inter), multiShard: combineAcrossShards(Combine.Inter) }),
  setCommand({ name: 'sunion', arity: -2, flags: ['readonly'], keys: keysAt(1, -1, 1), keyFlags: RO_ACCESS, tips: ORDER_TIP, summary: 'Returns the members of any of the given sets', since: '1.0.0', handler: combineCommand(Combine.Union), multiShard: combineAcrossShards(Combine.Union) }),
  setCommand({ name: 'sdiff', arity: -2, flags: ['readonly'], keys: keysAt(1, -1, 1), keyFlags: RO_ACCESS, tips: ORDER_TIP, summary: 'Returns the members of the first set that no other given set has', since: '1.0.0', handler: combineCommand(Combine.Diff), multiShard: combineAcrossShards(Combine.Diff) }),
  setCommand({ name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], keys: keysAt(1, -1, 1), keySpecs: storeKeySpecs(['RW', 'update']), summary: 'Stores the members every given set has', since: '1.0.0', handler: combineStoreCommand(Combine.Inter), multiShard: combineStoreAcrossShards(Combine.Inter) }),
  setCommand({ name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], keys: keysAt(1, -1, 1), keySpecs: storeKeySpecs(['OW', 'update']), summary: 'Stores the members of any of the given sets', since: '1.0.0', handler: combineStoreCommand(Combine.Union), multiShard: combineStoreAcrossShards(Combine.Union) }),
  setCommand({ name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], keys: keysAt(1, -1, 1), keySpecs: storeKeySpecs(['OW', 'update']), summary: 'Stores the members of the first set that no other given set has', since: '1.0.0', handler: combineStoreCommand(Combine.Diff), multiShard: combineStoreAcrossShards(Combine.Diff) }),
  setCommand({
    name: 'sintercard', arity: -3, flags: ['readonly'], keys: keysAt(2, -1, 1), numKeysAt: 1, summary: 'Counts the members every given set has, up to a limit', since: '7.0.0', handler: sintercard, multiShard: sintercardAcrossShards,
    keySpecs: [{ flags: RO_ACCESS, begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  }),
];

export const setInternalCommands: CommandSpec[] = [
  { name: 'set-store', arity: -2, flags: ['internal'], ...NO_KEYS, group: 'internal', since: '', summary: 'Store a set computed on another shard', placement: 'keys', handler: setStoreInternal },
];
