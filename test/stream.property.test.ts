// The stream structure (store/types/stream.ts) against a plain JS model:
// random appends (ids with gaps, items of any size), deletions, MAXLEN and
// MINID trims exact and approximate, under small node limits so entries
// spread over many nodes; after each step the ranges forward and backward,
// the length, the edges (the last one after every step) and the encode/decode
// round trip agree with the model.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShardStore } from '../src/store/shard-store.ts';
import { compareIds, MAX_ID, openStream, streamCreate, STREAM_TYPE, ZERO_ID, type StreamId } from '../src/store/types/stream.ts';

const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), gap: fc.integer({ min: 0, max: 3 }), seqGap: fc.integer({ min: 1, max: 3 }), size: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('del' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('maxlen' as const), keep: fc.nat({ max: 40 }), approx: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('minid' as const), pick: fc.nat(), approx: fc.boolean() }) },
);

describe('stream structure', () => {
  it('agrees with a model through appends, deletions and trims', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 400 }), (ops, maxEntries, maxBytes) => {
        const store = new ShardStore();
        store.limits.streamNodeMaxEntries = maxEntries;
        store.limits.streamNodeMaxBytes = maxBytes;
        const key = Buffer.from('s');
        const ref = streamCreate(store, 0, key, 0);
        const stream = openStream(store, ref);
        const limits = { nodeMaxBytes: maxBytes, nodeMaxEntries: maxEntries };
        let model: { id: StreamId; items: Buffer[] }[] = [];
        let last: StreamId = ZERO_ID;
        let n = 0;
        for (const step of ops) {
          if (step.kind === 'add') {
            const id = step.gap === 0 ? { ms: last.ms, seq: last.seq + BigInt(step.seqGap) } : { ms: last.ms + BigInt(step.gap) * 1000000000000n, seq: BigInt(step.seqGap) };
            const items = [Buffer.from(`f${n}`), Buffer.alloc(step.size, n++ % 256)];
            stream.append(id, items, limits);
            model.push({ id, items });
            last = id;
          } else if (step.kind === 'del') {
            if (model.length === 0) continue;
            const victim = model[step.pick % model.length];
            expect(stream.delete(victim.id)).toBe(true);
            expect(stream.delete(victim.id)).toBe(false);
            model = model.filter((e) => e !== victim);
          } else if (step.kind === 'maxlen') {
            const removed = stream.trim(step.keep, null, step.approx, 0);
            expect(model.length - removed).toBeGreaterThanOrEqual(Math.min(step.keep, model.length));
            if (!step.approx) expect(stream.length).toBe(Math.min(model.length, step.keep));
            model = model.slice(removed);
          } else {
            if (model.length === 0) continue;
            const minId = model[step.pick % model.length].id;
            const removed = stream.trim(0, minId, step.approx, 0);
            for (const entry of model.slice(0, removed)) expect(compareIds(entry.id, minId)).toBeLessThan(0);
            if (!step.approx) expect(compareIds(model[removed].id, minId)).toBe(0);
            model = model.slice(removed);
          }
          expect(stream.length).toBe(model.length);
          expect(stream.edgeId(true)).toEqual(model.length === 0 ? ZERO_ID : model[model.length - 1].id);
        }
        const forward = stream.range(ZERO_ID, MAX_ID, false, 0);
        expect(forward.map((e) => [e.id, e.items])).toEqual(model.map((e) => [e.id, e.items]));
        expect(stream.range(ZERO_ID, MAX_ID, true, 0).map((e) => e.id)).toEqual(model.map((e) => e.id).reverse());
        if (model.length > 2) {
          const from = model[1].id;
          const to = model[model.length - 2].id;
          expect(stream.range(from, to, false, 0).length).toBe(model.length - 2);
          expect(stream.range(from, to, true, 1).map((e) => e.id)).toEqual([to]);
        }
        expect(stream.edgeId(false)).toEqual(model.length === 0 ? ZERO_ID : model[0].id);
        const copy = STREAM_TYPE.decode(store, 0, Buffer.from('copy'), STREAM_TYPE.encode(store, ref), 0, 0, true);
        expect(openStream(store, copy).range(ZERO_ID, MAX_ID, false, 0)).toEqual(forward);
        store.delete(0, key, 0);
        store.delete(0, Buffer.from('copy'), 0);
        expect(store.arena.allocatedBytes).toBeLessThan(1 << 20);
      }),
      { numRuns: 150 },
    );
  });
});
