// SORT and SORT_RO: the elements of a list, set or sorted set, sorted as
// numbers or (ALPHA) as strings, by themselves or by the values of other keys
// (BY pattern, with `*` for the element and `key->field` for a hash field),
// a LIMIT window, each element or the values GET patterns name (`#`: the
// element), returned or stored as a list (STORE). The keys a pattern names
// live on any shard, so the command runs as one transaction over every shard
// (its row's placement): reads of the source and of every pattern key, and
// the STORE, are one atomic step as in Redis.

import type { Bindings, KeyFinder } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { scriptRunning } from '../scripting/lua-vm.ts';
import { strtod, strtodState } from '../protocol/strtod.ts';
import { ValueType } from '../store/entry.ts';
import { ByteSlice } from '../store/bytes.ts';
import { hashGet } from '../store/types/hash.ts';
import { listCreate, listForEachFrom, listPush } from '../store/types/list.ts';
import { setMembers } from '../store/types/set.ts';
import { zsetEntries } from '../store/types/zset.ts';
import { EVERY_SHARD_LOCKED, shardOp, steppedCommand, type OpCall, type OpValue, type StepRequest, type Steps } from './shard-ops.ts';

const SortErrors = {
  notDouble: "ERR One or more scores can't be converted into double",
} as const;

/** What sort-load found: nothing, or the collection's kind (its elements follow). */
const Loaded = { Missing: 0, List: 1, Set: 2, SortedSet: 3 } as const;

/** sort-load key: [kind, ...elements] in the collection's own order (a sorted set's by score); WRONGTYPE for other types. */
const loadElements = shardOp('sort-load', 'Read the elements SORT sorts', (ctx): OpValue => {
  const { store } = ctx;
  const ref = store.lookupRead(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0) return [Loaded.Missing];
  const type = store.typeOf(ref);
  if (type === ValueType.List) {
    const elements: OpValue[] = [Loaded.List];
    listForEachFrom(store, ref, 0, true, (element) => {
      elements.push(element.copy());
      return true;
    });
    return elements;
  }
  if (type === ValueType.Set) return [Loaded.Set, ...setMembers(store, ref)];
  if (type === ValueType.ZSet) {
    const members: Buffer[] = [];
    zsetEntries(store, ref, members, []);
    return [Loaded.SortedSet, ...members];
  }
  throw new ReplyError(Errors.wrongType);
});

const looked = new ByteSlice();

/** sort-lookup key field|"" hasField...: per pair, the string at key or the hash field's value, null when missing or of another type. */
const lookupValues = shardOp('sort-lookup', 'Read the values SORT patterns name', (ctx): OpValue => {
  const { store, argv, argc } = ctx;
  const values: OpValue[] = [];
  for (let i = 1; i + 2 < argc; i += 3) {
    const ref = store.lookupRead(ctx.db, argv[i], ctx.now);
    const wantsField = argv[i + 2][0] === 0x31; // '1'
    if (ref === 0) values.push(null);
    else if (wantsField) values.push(store.typeOf(ref) === ValueType.Hash && hashGet(store, ref, argv[i + 1], looked) ? looked.copy() : null);
    else values.push(store.typeOf(ref) === ValueType.String ? Buffer.from(store.stringView(ref)) : null);
  }
  return values;
});

/** sort-store key element...: the list of the elements replaces the key (deleted when there are none); their count. */
const storeList = shardOp('sort-store', "Store SORT's result as a list", (ctx) => {
  const { store, argv, argc } = ctx;
  if (argc === 2) {
    const ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
    if (ref !== 0) store.remove(ref);
    return 0;
  }
  const ref = listCreate(store, ctx.db, argv[1], argv[2], ctx.now);
  for (let i = 3; i < argc; i++) listPush(store, ref, argv[i], false);
  return argc - 2;
});

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: bigint;
  limitCount: bigint;
  by: Buffer | null;
  /** BY without `*`: nothing to sort, the collection's own order. */
  dontSort: boolean;
  gets: Buffer[];
  store: Buffer | null;
}

/** SORT's options, as Redis reads them (the first bad one is the error). */
function parseOptions(args: readonly Buffer[], readonly: boolean): SortOptions {
  const options: SortOptions = { desc: false, alpha: false, limitStart: 0n, limitCount: -1n, by: null, dontSort: false, gets: [], store: null };
  for (let j = 2; j < args.length; j++) {
    const left = args.length - j - 1;
    const arg = args[j];
    if (isKeyword(arg, 'asc')) options.desc = false;
    else if (isKeyword(arg, 'desc')) options.desc = true;
    else if (isKeyword(arg, 'alpha')) options.alpha = true;
    else if (isKeyword(arg, 'limit') && left >= 2) {
      const start = parseInteger(args[j + 1]);
      const count = parseInteger(args[j + 2]);
      if (start === null || count === null) throw new ReplyError(Errors.notInteger);
      options.limitStart = start;
      options.limitCount = count;
      j += 2;
    } else if (!readonly && isKeyword(arg, 'store') && left >= 1) {
      options.store = args[++j];
    } else if (isKeyword(arg, 'by') && left >= 1) {
      options.by = args[++j];
      options.dontSort = !options.by.includes(0x2a); // '*'
    } else if (isKeyword(arg, 'get') && left >= 1) {
      options.gets.push(args[++j]);
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  return options;
}

/** A pattern with `*` put in for an element: the key, and the hash field after `->` (null for a string). Null when it has no `*`. */
function substitute(pattern: Buffer, element: Buffer): { key: Buffer; field: Buffer | null } | null {
  const star = pattern.indexOf(0x2a);
  if (star < 0) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < pattern.length;
  const end = hasField ? arrow : pattern.length;
  const key = Buffer.concat([pattern.subarray(0, star), element, pattern.subarray(star + 1, end)]);
  return { key, field: hasField ? pattern.subarray(arrow + 2) : null };
}

const FIELD = Buffer.from('1');
const NO_FIELD = Buffer.from('0');
const EMPTY = Buffer.alloc(0);

/** Looks up `pattern` for each element, on the shards of the keys it names: the values (null when missing), in element order. */
function* lookupAll(request: StepRequest, pattern: Buffer, elements: readonly Buffer[]): Generator<OpCall[], (Buffer | null)[], OpValue[]> {
  const values = new Array<Buffer | null>(elements.length).fill(null);
  if (pattern.length === 1 && pattern[0] === 0x23) return elements.slice(); // '#': the element itself
  const byShard = new Map<number, { args: Buffer[]; positions: number[] }>();
  elements.forEach((element, position) => {
    const target = substitute(pattern, element);
    if (target === null) return;
    const shard = request.shardOfKey(target.key);
    let part = byShard.get(shard);
    if (part === undefined) byShard.set(shard, (part = { args: [], positions: [] }));
    part.args.push(target.key, target.field ?? EMPTY, target.field === null ? NO_FIELD : FIELD);
    part.positions.push(position);
  });
  if (byShard.size === 0) return values;
  const parts = [...byShard.entries()];
  const replies = (yield parts.map(([shard, part]) => ({ shard, db: request.db, op: lookupValues, args: part.args }))) as (Buffer | null)[][];
  parts.forEach(([, part], i) => part.positions.forEach((position, k) => (values[position] = replies[i][k])));
  return values;
}

/** Bytes compared as memcmp, then by length, as Redis's compareStringObjects. */
function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/** A weight as Redis's strtod check reads it: the number, or null when it is not a double (or out of range, or NaN). */
function weightOf(value: Buffer): number | null {
  const score = strtod(value, 0, value.length);
  if (strtodState.end !== value.length || strtodState.rangeError || Number.isNaN(score)) return null;
  return score;
}

function sortSteps(readonly: boolean): Steps {
  return function* (request) {
    const { args, db, out } = request;
    const options = parseOptions(args, readonly);
    const source = args[1];
    const loaded = (yield [{ shard: request.shardOfKey(source), db, op: loadElements, args: [source] }]) as OpValue[][];
    const kind = loaded[0][0] as number;
    let elements = loaded[0].slice(1) as Buffer[];
    let { dontSort, alpha } = options;
    let by = options.by;
    // A set has no order of its own: stored, or for a script, it is sorted anyway (as strings), so the result does not depend on it.
    if (dontSort && kind === Loaded.Set && (options.store !== null || scriptRunning())) {
      dontSort = false;
      alpha = true;
      by = null;
    }
    const length = elements.length;
    let start = Number(options.limitStart < 0n ? 0n : options.limitStart > BigInt(length) ? BigInt(length) : options.limitStart);
    const limitCount = Number(options.limitCount < -1n ? -1n : options.limitCount > BigInt(length) ? BigInt(length) : options.limitCount);
    let end = limitCount < 0 ? length - 1 : start + limitCount - 1;
    if (start >= length) {
      start = length - 1;
      end = length - 2;
    }
    if (end >= length) end = length - 1;
    // In the collection's own order, DESC reverses it (a set's has none to reverse).
    if (dontSort && options.desc && kind !== Loaded.Set) elements = elements.reverse();
    if (!dontSort) {
      const weights: (Buffer | null)[] = by === null ? elements : yield* lookupAll(request, by, elements);
      const order = elements.map((_, i) => i);
      const desc = options.desc ? -1 : 1;
      if (alpha) {
        const byPattern = by !== null;
        order.sort((a, b) => {
          if (!byPattern) return desc * compareBytes(elements[a], elements[b]);
          const wa = weights[a];
          const wb = weights[b];
          if (wa === null || wb === null) return desc * (wa === wb ? 0 : wa === null ? -1 : 1);
          return desc * compareBytes(wa, wb);
        });
      } else {
        const scores = new Float64Array(length);
        let convertible = true;
        weights.forEach((weight, i) => {
          if (weight === null) return; // a missing weight counts as 0
          const score = weightOf(weight);
          if (score === null) convertible = false;
          else scores[i] = score;
        });
        if (!convertible) throw new ReplyError(SortErrors.notDouble);
        order.sort((a, b) => desc * (scores[a] > scores[b] ? 1 : scores[a] < scores[b] ? -1 : compareBytes(elements[a], elements[b])));
      }
      elements = order.map((i) => elements[i]);
    }
    const window = end >= start ? elements.slice(start, end + 1) : [];
    const columns: (Buffer | null)[][] = [];
    for (const pattern of options.gets) columns.push(yield* lookupAll(request, pattern, window));
    const output: (Buffer | null)[] = [];
    for (let i = 0; i < window.length; i++) {
      if (columns.length === 0) output.push(window[i]);
      for (const column of columns) output.push(column[i]);
    }
    if (options.store !== null) {
      const stored = output.map((value) => value ?? EMPTY);
      const [count] = (yield [{ shard: request.shardOfKey(options.store), db, op: storeList, args: [options.store, ...stored], last: true }]) as number[];
      out.integer(count);
      return;
    }
    out.arrayHeader(output.length);
    for (const value of output) {
      if (value === null) out.nullBulk();
      else out.bulk(value);
    }
  };
}

const SOURCE_FLAGS = ['RO', 'access'];
const STORE_FLAGS = ['OW', 'update'];

/** Redis's sortGetKeys: the sorted key, and the STORE key (the last one), skipping the arguments of LIMIT, GET and BY. */
const sortKeys: KeyFinder = (args) => {
  const keys = [{ position: 1, flags: SOURCE_FLAGS }];
  let store = -1;
  for (let i = 2; i < args.length; i++) {
    if (isKeyword(args[i], 'limit')) i += 2;
    else if (isKeyword(args[i], 'get') || isKeyword(args[i], 'by')) i += 1;
    else if (isKeyword(args[i], 'store') && i + 1 < args.length) store = ++i;
  }
  if (store >= 0) keys.push({ position: store, flags: STORE_FLAGS });
  return keys;
};

/** SORT_RO's keys: the sorted one only, as Redis's sortROGetKeys. */
const sortReadOnlyKeys: KeyFinder = () => [{ position: 1, flags: SOURCE_FLAGS }];

export const sortBindings: Bindings = {
  sort: { ...steppedCommand(sortSteps(false), EVERY_SHARD_LOCKED), findKeys: sortKeys },
  sort_ro: { ...steppedCommand(sortSteps(true), EVERY_SHARD_LOCKED), findKeys: sortReadOnlyKeys },
};
