// The sorted set type (store/types/zset.ts) against a plain model (a Map of
// member -> score, sorted on demand): random sequences of adds under ZADD's
// flags, increments, removals, rank-range removals and pops, across the
// listpack -> tree conversion (limits of a few entries) and in trees big
// enough that leaves and inner nodes split and merge; after each sequence the
// set reads back as the model in order both ways, and every rank, score, and
// score / member bound agrees; deleting the key gives every chunk back.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteSlice } from '../src/store/bytes.ts';
import { ShardStore } from '../src/store/shard-store.ts';
import {
  zsetAdd, zsetAddResult, zsetCreate, zsetLength, zsetNext, zsetPop, zsetRank, zsetRankOfMember, zsetRankOfScore, zsetRemove,
  zsetRemoveRange, zsetScore, zsetSeek, zsetStore, ZaddFlag, ZaddOut, ZSET_TYPE,
} from '../src/store/types/zset.ts';

const KEY = Buffer.from('z');
const member = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 60 }).map((n) => `m${n}`) },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(100)) },
).map((text) => Buffer.from(text));
const score = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, 0, -0) },
);

type Operation =
  | { kind: 'add'; member: Buffer; score: number; flags: number }
  | { kind: 'remove'; member: Buffer }
  | { kind: 'removeRange'; start: number; count: number }
  | { kind: 'pop'; min: boolean; count: number };

const flags = fc.constantFrom(0, ZaddFlag.Nx, ZaddFlag.Xx, ZaddFlag.Gt, ZaddFlag.Lt, ZaddFlag.Incr, ZaddFlag.Xx | ZaddFlag.Gt, ZaddFlag.Incr | ZaddFlag.Lt);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('add' as const), member, score, flags }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), member }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeRange' as const), start: fc.nat(), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pop' as const), min: fc.boolean(), count: fc.integer({ min: 1, max: 3 }) }) },
);

type Model = Map<string, number>;

function sorted(model: Model): [string, number][] {
  return [...model.entries()].sort((a, b) => (a[1] !== b[1] ? (a[1] < b[1] ? -1 : 1) : Buffer.compare(Buffer.from(a[0], 'latin1'), Buffer.from(b[0], 'latin1'))));
}

/** The model's zsetAdd, as Redis's. */
function modelAdd(model: Model, name: string, score: number, flags: number): number {
  const current = model.get(name);
  if (current !== undefined) {
    if (flags & ZaddFlag.Nx) return ZaddOut.Nop;
    if (flags & ZaddFlag.Incr) {
      score += current;
      if (Number.isNaN(score)) return ZaddOut.Nan;
    }
    if ((flags & ZaddFlag.Lt && score >= current) || (flags & ZaddFlag.Gt && score <= current)) return ZaddOut.Nop;
    if (score === current) return 0;
    model.set(name, score);
    return ZaddOut.Updated;
  }
  if (flags & ZaddFlag.Xx) return ZaddOut.Nop;
  model.set(name, score);
  return ZaddOut.Added;
}

function readAll(store: ShardStore, reverse: boolean): [string, number][] {
  const ref = store.peek(0, KEY);
  if (ref === 0) return [];
  const length = zsetLength(store, ref);
  const out: [string, number][] = [];
  const slice = new ByteSlice();
  zsetSeek(store, ref, reverse ? length - 1 : 0, reverse);
  for (let i = 0; i < length; i++) {
    const s = zsetNext(slice);
    out.push([slice.copy().toString('latin1'), s]);
  }
  return reverse ? out.reverse() : out;
}

function apply(store: ShardStore, model: Model, op: Operation): void {
  let ref = store.peek(0, KEY);
  const name = op.kind === 'add' || op.kind === 'remove' ? op.member.toString('latin1') : '';
  switch (op.kind) {
    case 'add': {
      if (ref === 0) {
        if (op.flags & ZaddFlag.Xx) return;
        ref = zsetCreate(store, 0, KEY, 0, false);
      }
      const expected = modelAdd(model, name, op.score, op.flags);
      expect(zsetAdd(store, ref, op.score, op.member, op.flags)).toBe(expected);
      if (expected === ZaddOut.Added || expected === ZaddOut.Updated) expect(zsetAddResult.score).toBe(model.get(name));
      if (zsetLength(store, ref) === 0) store.remove(ref);
      break;
    }
    case 'remove':
      if (ref === 0) return;
      expect(zsetRemove(store, ref, op.member)).toBe(model.delete(name));
      if (zsetLength(store, ref) === 0) store.remove(ref);
      break;
    case 'removeRange': {
      if (ref === 0) return;
      const order = sorted(model);
      const start = op.start % order.length;
      const end = Math.min(order.length, start + op.count);
      for (const [m] of order.slice(start, end)) model.delete(m);
      expect(zsetRemoveRange(store, ref, start, end)).toBe(end - start);
      break;
    }
    case 'pop': {
      if (ref === 0) return;
      const order = sorted(model);
      const taken = op.min ? order.slice(0, op.count) : order.slice(-op.count).reverse();
      const popped: [string, number][] = [];
      zsetPop(store, ref, op.min, op.count, (m, s) => popped.push([m.copy().toString('latin1'), s]));
      expect(plainZeros(popped)).toEqual(plainZeros(taken));
      for (const [m] of taken) model.delete(m);
      break;
    }
  }
}

/** 0 for -0: a listpack holds -0 as 0, as Redis's does (a tree keeps -0), so the two compare equal here. */
function plainZeros(pairs: [string, number][]): [string, number][] {
  return pairs.map(([m, s]) => [m, s === 0 ? 0 : s]);
}

function check(store: ShardStore, model: Model): void {
  const order = sorted(model);
  expect(plainZeros(readAll(store, false))).toEqual(plainZeros(order));
  expect(plainZeros(readAll(store, true))).toEqual(plainZeros(order));
  const ref = store.peek(0, KEY);
  if (ref === 0) {
    expect(model.size).toBe(0);
    return;
  }
  expect(zsetLength(store, ref)).toBe(order.length);
  order.forEach(([m, s], rank) => {
    const bytes = Buffer.from(m, 'latin1');
    expect(zsetRank(store, ref, bytes, false)).toBe(rank);
    expect(zsetRank(store, ref, bytes, true)).toBe(order.length - 1 - rank);
    expect(zsetScore(store, ref, bytes) === s).toBe(true);
  });
  expect(zsetRank(store, ref, Buffer.from('absent!'), false)).toBe(-1);
  for (const bound of [-Infinity, -3, 0, 2.5, 5, Infinity]) {
    expect(zsetRankOfScore(store, ref, bound, false)).toBe(order.filter(([, s]) => s < bound).length);
    expect(zsetRankOfScore(store, ref, bound, true)).toBe(order.filter(([, s]) => s <= bound).length);
  }
}

function newStore(entries: number): ShardStore {
  const store = new ShardStore();
  store.limits.zsetMaxListpackEntries = entries;
  store.limits.zsetMaxListpackValue = 16;
  // The database's index takes its table on the first key: a key made and deleted, so the baseline has it.
  store.setString(0, KEY, KEY, 0, 0);
  store.delete(0, KEY, 0);
  return store;
}

describe('sorted set type against a model', () => {
  for (const entries of [0, 4, 128]) {
    it(`keeps (score, member) order through every edit (zset-max-listpack-entries ${entries})`, () => {
      fc.assert(
        fc.property(fc.array(operation, { maxLength: 120 }), (ops) => {
          const store = newStore(entries);
          const baseline = store.arena.allocatedBytes;
          const model: Model = new Map();
          for (const op of ops) apply(store, model, op);
          check(store, model);
          store.delete(0, KEY, 0);
          expect(store.arena.allocatedBytes).toBe(baseline);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('keeps thousands of members in a tree of many nodes, through inserts, updates, removals and pops', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 500, max: 6000 }), (seed, size) => {
        let state = seed;
        const random = (): number => {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          return state / 2 ** 32;
        };
        const store = newStore(16);
        const baseline = store.arena.allocatedBytes;
        const model: Model = new Map();
        const ref = zsetCreate(store, 0, KEY, 0, false);
        for (let i = 0; i < size; i++) {
          const name = `member:${Math.floor(random() * size * 1.5)}`;
          const s = random() < 0.3 ? Math.floor(random() * 10) : random() * 1000;
          expect(zsetAdd(store, ref, s, Buffer.from(name), 0)).toBe(modelAdd(model, name, s, 0));
        }
        check(store, model);
        // Same-score lex bounds on a copy where every score is 0.
        const lexStore = newStore(16);
        const names = [...model.keys()];
        zsetStore(lexStore, 0, KEY, names.map((n) => Buffer.from(n)), names.map(() => 0), 0);
        const lexRef = lexStore.peek(0, KEY);
        const lexOrder = names.map((n) => Buffer.from(n)).sort(Buffer.compare);
        for (const bound of ['member:1', 'member:5', 'member:50', 'a', 'z']) {
          const b = Buffer.from(bound);
          expect(zsetRankOfMember(lexStore, lexRef, b, false)).toBe(lexOrder.filter((m) => Buffer.compare(m, b) < 0).length);
          expect(zsetRankOfMember(lexStore, lexRef, b, true)).toBe(lexOrder.filter((m) => Buffer.compare(m, b) <= 0).length);
        }
        // Remove most of it in random order and by ranges, so nodes merge and the tree shrinks.
        for (const name of names) {
          if (random() < 0.7) expect(zsetRemove(store, ref, Buffer.from(name))).toBe(model.delete(name));
        }
        check(store, model);
        while (model.size > 10) {
          const order = sorted(model);
          const start = Math.floor(random() * order.length);
          const end = Math.min(order.length, start + 1 + Math.floor(random() * Math.min(50, order.length - 5)));
          for (const [m] of order.slice(start, end)) model.delete(m);
          zsetRemoveRange(store, ref, start, end);
        }
        check(store, model);
        expect(ZSET_TYPE.encoding(store, ref)).toBe('skiplist');
        store.delete(0, KEY, 0);
        expect(store.arena.allocatedBytes).toBe(baseline);
      }),
      { numRuns: 15 },
    );
  }, 120_000); // thousands of members per run: over the default limit on a loaded machine
});
