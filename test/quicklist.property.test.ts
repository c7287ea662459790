// The quicklist against a plain model (an array of Buffers): random sequences
// of pushes, pops, inserts, replacements, range and value removals, under fills
// that make nodes hold few elements, many, or a few bytes (so nodes split,
// move to bigger chunks and empty out), with elements of every size; after
// each step the list reads back as the model, both ways, and the arena
// holds exactly the list's chunks; with a compress depth, the nodes near
// the ends are never compressed and the ones inside are, when that pays.
// Under a small packed threshold (set at the start and changed midway), an
// element at least that long when written lives alone in a plain node, and
// no other element ever joins it.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Arena } from '../src/store/arena.ts';
import { ByteSlice } from '../src/store/bytes.ts';
import { Quicklist, getPackedThreshold, setPackedThreshold } from '../src/store/types/quicklist.ts';

const element = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', '') },
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 3000 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(9000)) },
).map((text) => Buffer.from(text));

type Operation =
  | { kind: 'push'; value: Buffer; atHead: boolean }
  | { kind: 'insert'; position: number; value: Buffer }
  | { kind: 'replace'; position: number; value: Buffer }
  | { kind: 'removeRange'; position: number; count: number }
  | { kind: 'removeEqual'; value: Buffer; limit: number; fromTail: boolean }
  | { kind: 'pop'; atHead: boolean; count: number }
  | { kind: 'threshold'; bytes: number };

/** Packed thresholds: 0 restores the default (1 GB: no element here is plain). */
const threshold = fc.constantFrom(0, 1, 2, 5, 13, 300, 9000);

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('push' as const), value: element, atHead: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), position: fc.nat(), value: element }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), position: fc.nat(), value: element }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeRange' as const), position: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeEqual' as const), value: element, limit: fc.nat({ max: 3 }), fromTail: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pop' as const), atHead: fc.boolean(), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('threshold' as const), bytes: threshold }) },
);

/** An element of the model, and whether it was written at least as long as the packed threshold (it sits in a plain node). */
interface Entry {
  value: Buffer;
  plain: boolean;
}

function entry(value: Buffer): Entry {
  return { value, plain: value.length >= getPackedThreshold() };
}

const values = (model: Entry[]): Buffer[] => model.map((item) => item.value);

function readAll(list: Quicklist, forward: boolean): Buffer[] {
  const out: Buffer[] = [];
  const slice = new ByteSlice();
  list.forEachFrom(forward ? 0 : list.length - 1, forward, slice, (value) => {
    out.push(value.copy());
    return true;
  });
  return forward ? out : out.reverse();
}

function apply(list: Quicklist, model: Entry[], op: Operation): void {
  switch (op.kind) {
    case 'push':
      list.push(op.value, op.atHead);
      if (op.atHead) model.unshift(entry(op.value));
      else model.push(entry(op.value));
      break;
    case 'insert': {
      const index = op.position % (model.length + 1);
      list.insertAt(index, op.value);
      model.splice(index, 0, entry(op.value));
      break;
    }
    case 'replace':
      if (model.length === 0) return;
      list.replaceAt(op.position % model.length, op.value);
      model[op.position % model.length] = entry(op.value);
      break;
    case 'removeRange': {
      if (model.length === 0) return;
      const index = op.position % model.length;
      list.removeRange(index, op.count);
      model.splice(index, op.count);
      break;
    }
    case 'pop': {
      const popped: Buffer[] = [];
      list.popEnd(op.atHead, op.count, new ByteSlice(), (value) => popped.push(value.copy()));
      const taken = Math.min(op.count, model.length);
      expect(popped).toEqual(values(op.atHead ? model.splice(0, taken) : model.splice(model.length - taken, taken).reverse()));
      break;
    }
    case 'threshold':
      expect(setPackedThreshold(op.bytes)).toBe(true);
      break;
    case 'removeEqual': {
      const positions = model.flatMap((item, index) => (item.value.equals(op.value) ? [index] : []));
      const chosen = op.limit === 0 ? positions : op.fromTail ? positions.slice(-op.limit) : positions.slice(0, op.limit);
      expect(list.removeEqual(op.value, op.limit, op.fromTail)).toBe(chosen.length);
      for (const index of chosen.reverse()) model.splice(index, 1);
      break;
    }
  }
}

describe('quicklist (property)', () => {
  for (const [fill, depth] of [[-2, 0], [-1, 0], [1, 0], [3, 0], [128, 0], [-2, 1], [3, 1], [1, 2], [128, 2]]) {
    it(`reads back as the model after any sequence of edits, fill ${fill}, compress depth ${depth}`, () => {
      fc.assert(
        fc.property(threshold, fc.array(operation, { maxLength: 120 }), (initial, operations) => {
          setPackedThreshold(initial);
          try {
            const arena = new Arena(Arena.allocateControl());
            const list = new Quicklist(arena);
            list.fill = fill;
            list.depth = depth;
            list.create();
            const model: Entry[] = [];
            for (const op of operations) {
              apply(list, model, op);
              expect(list.length).toBe(model.length);
              // The nodes near the ends are never compressed.
              const compressed = list.compressedNodes();
              for (let i = 0; i < Math.min(depth, compressed.length); i++) {
                expect(compressed[i]).toBe(false);
                expect(compressed[compressed.length - 1 - i]).toBe(false);
              }
              // A plain node holds one element, and each element written large is in one.
              const shapes = list.nodeShapes();
              for (const shape of shapes) {
                expect(shape.elements).toBeGreaterThan(0);
                if (shape.plain) expect(shape.elements).toBe(1);
              }
              expect(shapes.flatMap((shape) => Array<boolean>(shape.elements).fill(shape.plain))).toEqual(model.map((item) => item.plain));
            }
            expect(readAll(list, true)).toEqual(values(model));
            expect(readAll(list, false)).toEqual(values(model));
            const slice = new ByteSlice();
            for (let i = 0; i < model.length; i += 7) {
              list.elementAt(i, slice);
              expect(slice.copy()).toEqual(model[i].value);
            }
            expect(arena.allocatedBytes).toBe(list.bytes);
            list.destroy();
            expect(arena.allocatedBytes).toBe(0);
          } finally {
            setPackedThreshold(0);
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it('visits from any index in both directions, and stops when asked', () => {
    const arena = new Arena(Arena.allocateControl());
    const list = new Quicklist(arena);
    list.fill = 2;
    list.create();
    for (let i = 0; i < 9; i++) list.push(Buffer.from(String(i)), false);
    const seen: string[] = [];
    const slice = new ByteSlice();
    list.forEachFrom(6, false, slice, (value, index) => {
      seen.push(`${index}:${value.copy().toString()}`);
      return index > 3;
    });
    expect(seen).toEqual(['6:6', '5:5', '4:4', '3:3']);
    expect(list.nodeCount).toBe(5);
  });

  it('compresses the nodes past the depth from both ends when that pays, and reads them back', () => {
    const arena = new Arena(Arena.allocateControl());
    const list = new Quicklist(arena);
    list.fill = 1;
    list.depth = 2;
    list.create();
    const values = Array.from({ length: 10 }, (_, i) => Buffer.from(`${i}`.repeat(200)));
    for (const value of values) list.push(value, false);
    expect(list.compressedNodes()).toEqual([false, false, true, true, true, true, true, true, false, false]);
    list.push(Buffer.from('tiny'), true);
    // The old second node is now the third: compressed; a node too short to gain is left as it is.
    expect(list.compressedNodes().slice(0, 4)).toEqual([false, false, true, true]);
    const slice = new ByteSlice();
    list.elementAt(5, slice);
    expect(slice.copy()).toEqual(values[4]);
    expect(list.bytes).toBeLessThan(10 * 200);
  });
});
