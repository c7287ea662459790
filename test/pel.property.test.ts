// A consumer group's pending entries list (store/types/pel.ts) against a plain
// JS model (a Map by id, sorted when read): random puts (new ids and
// rewrites, runs of them), deletions (runs too), lookups, next-at-or-after, edges and bounded scans,
// over ids dense enough to collide and spread enough (64-bit parts) to
// exercise every word, in runs long enough that blocks split, empty and
// merge. After each step the count agrees; at the end the whole order does,
// and freeing the list gives every byte back to the arena.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Arena } from '../src/store/arena.ts';
import { BLOCK_ENTRIES, pelDelete, pelEach, pelEdge, pelFree, pelGet, pelNext, pelPut, pelScan, type PendingEntry, type PendingList } from '../src/store/types/pel.ts';
import { compareIds, formatId, type StreamId } from '../src/store/types/stream.ts';

const BIG = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n];
const id = fc.oneof(
  { weight: 8, arbitrary: fc.record({ ms: fc.bigInt({ min: 0n, max: 200n }), seq: fc.bigInt({ min: 0n, max: 3n }) }) },
  { weight: 1, arbitrary: fc.record({ ms: fc.constantFrom(...BIG), seq: fc.constantFrom(...BIG) }) },
);
const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), id, time: fc.integer({ min: 0, max: 2 ** 45 }), count: fc.nat({ max: 1000 }), consumer: fc.nat({ max: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('putMany' as const), start: fc.nat({ max: 2000 }), n: fc.integer({ min: 1, max: 150 }), stride: fc.integer({ min: 1, max: 7 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteSome' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('next' as const), id }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('scan' as const), id, limit: fc.integer({ min: 1, max: 80 }) }) },
);

function sorted(model: Map<string, PendingEntry>): PendingEntry[] {
  return [...model.values()].sort((a, b) => compareIds(a.id, b.id));
}

describe('pending entries list', () => {
  it('agrees with a model through puts, deletions, lookups and scans', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), (ops) => {
        const arena = new Arena(Arena.allocateControl());
        const before = arena.allocatedBytes;
        const list: PendingList = { pel: 0, pelCount: 0 };
        const model = new Map<string, PendingEntry>();
        for (const step of ops) {
          if (step.kind === 'put') {
            const entry = { id: step.id, deliveryTime: step.time, deliveryCount: step.count, consumer: step.consumer };
            expect(pelPut(arena, list, entry)).toBe(!model.has(formatId(step.id)));
            model.set(formatId(step.id), entry);
          } else if (step.kind === 'putMany') {
            // A run of ids (new or not), so that blocks fill and split.
            for (let k = 0; k < step.n; k++) {
              const entry = { id: { ms: BigInt(step.start + k * step.stride), seq: 1n }, deliveryTime: k, deliveryCount: 1, consumer: k % 3 };
              expect(pelPut(arena, list, entry)).toBe(!model.has(formatId(entry.id)));
              model.set(formatId(entry.id), entry);
            }
          } else if (step.kind === 'delete') {
            expect(pelDelete(arena, list, step.id)).toEqual(model.get(formatId(step.id)) ?? null);
            model.delete(formatId(step.id));
          } else if (step.kind === 'deleteSome') {
            // Deletes a run of present entries, so that blocks empty and merge.
            const all = sorted(model);
            for (const entry of all.slice(step.pick % (all.length + 1), (step.pick % (all.length + 1)) + BLOCK_ENTRIES)) {
              expect(pelDelete(arena, list, entry.id)).toEqual(entry);
              model.delete(formatId(entry.id));
            }
          } else if (step.kind === 'get') {
            expect(pelGet(arena, list, step.id)).toEqual(model.get(formatId(step.id)) ?? null);
          } else if (step.kind === 'next') {
            const expected = sorted(model).find((entry) => compareIds(entry.id, step.id) >= 0) ?? null;
            expect(pelNext(arena, list, step.id)).toEqual(expected);
          } else {
            const seen: PendingEntry[] = [];
            pelScan(arena, list, step.id, (entry) => seen.push(entry) < step.limit);
            expect(seen).toEqual(sorted(model).filter((entry) => compareIds(entry.id, step.id) >= 0).slice(0, step.limit));
          }
          expect(list.pelCount).toBe(model.size);
          expect(list.pel === 0).toBe(model.size === 0);
        }
        const all: PendingEntry[] = [];
        pelEach(arena, list, (entry) => all.push(entry));
        const expected = sorted(model);
        expect(all).toEqual(expected);
        expect(pelEdge(arena, list, false)).toEqual(expected[0] ?? null);
        expect(pelEdge(arena, list, true)).toEqual(expected[expected.length - 1] ?? null);
        pelFree(arena, list);
        expect(list).toEqual({ pel: 0, pelCount: 0 });
        expect(arena.allocatedBytes).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps 100,000 entries inserted out of order in order, through the removal of every other one, and gives them back', () => {
    const arena = new Arena(Arena.allocateControl());
    const list: PendingList = { pel: 0, pelCount: 0 };
    const idOf = (n: number): StreamId => ({ ms: BigInt(n), seq: 0n });
    // Inserted in a scrambled order (a stride coprime with the size).
    for (let i = 0; i < 100000; i++) pelPut(arena, list, { id: idOf((i * 7919) % 100000), deliveryTime: i, deliveryCount: 1, consumer: 1 });
    expect(list.pelCount).toBe(100000);
    let previous = -1;
    let ordered = true;
    pelEach(arena, list, (entry) => {
      if (Number(entry.id.ms) !== previous + 1) ordered = false;
      previous = Number(entry.id.ms);
    });
    expect(ordered).toBe(true);
    // The oldest acknowledged first, as a worker pool does.
    for (let n = 0; n < 100000; n += 2) expect(pelDelete(arena, list, idOf(n))?.id).toEqual(idOf(n));
    expect(list.pelCount).toBe(50000);
    expect(pelNext(arena, list, idOf(0))?.id).toEqual(idOf(1));
    expect(pelGet(arena, list, idOf(4))).toBeNull();
    pelFree(arena, list);
    expect(arena.allocatedBytes).toBe(0);
  });
});
