// The listpack byte form against a plain model (an array of Buffers): random
// sequences of edits and lookups, on forms placed at random offsets of a
// segment-like byte array, as the arena holds them.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LISTPACK_HEADER_BYTES, ListpackWriter, entryDataStart, entryEquals, entryLength, entryNext, entrySize, lengthPrefixSize,
  listpackCount, listpackEntryAt, listpackFind, listpackFindFrom, listpackFirst, listpackHasEntryLongerThan, listpackIsValid,
  listpackLast,
} from '../src/store/types/listpack.ts';

const MAX_OFFSET = 4096;

/** A form copied into a fresh segment-like array at `offset`, other bytes around it, as a stored value. */
function place(form: Uint8Array, offset: number): { bytes: Uint8Array; start: number; length: number } {
  const bytes = new Uint8Array(offset + form.length + 64).fill(0xa5);
  bytes.set(form, offset);
  return { bytes, start: offset, length: form.length };
}

function entryBytes(bytes: Uint8Array, at: number): Buffer {
  const data = entryDataStart(bytes, at);
  return Buffer.from(bytes.subarray(data, data + entryLength(bytes, at)));
}

/** Every entry of a form, by walking it. */
function entries(bytes: Uint8Array, start: number, length: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = listpackFirst(start); at < start + length; at = entryNext(bytes, at)) out.push(entryBytes(bytes, at));
  return out;
}

function modelFind(model: Buffer[], needle: Uint8Array, step: number, firstIndex: number): number {
  for (let i = firstIndex; i < model.length; i += step) if (Buffer.compare(model[i], needle) === 0) return i;
  return -1;
}

// Mostly short strings (so lookups hit), some past 127 and 255 bytes (multi-byte prefixes), bytes >= 0x80 included.
const byteString = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 6 }) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 120, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
).map((bytes) => Buffer.from(bytes));

type Operation =
  | { kind: 'append'; picks: number[] }
  | { kind: 'appendPair'; first: number; second: number }
  | { kind: 'insert'; position: number; picks: number[] }
  | { kind: 'replace'; position: number; pick: number }
  | { kind: 'remove'; position: number; n: number }
  | { kind: 'build'; picks: number[] }
  | { kind: 'find'; pick: number; step: number; firstIndex: number };

const pick = fc.nat(31);
const position = fc.nat(1000);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), picks: fc.array(pick, { maxLength: 6 }) }),
  fc.record({ kind: fc.constant('appendPair' as const), first: pick, second: pick }),
  fc.record({ kind: fc.constant('insert' as const), position, picks: fc.array(pick, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('replace' as const), position, pick }),
  fc.record({ kind: fc.constant('remove' as const), position, n: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('build' as const), picks: fc.array(pick, { maxLength: 10 }) }),
  fc.record({ kind: fc.constant('find' as const), pick, step: fc.integer({ min: 1, max: 3 }), firstIndex: fc.nat(4) }),
);

describe('listpack', () => {
  it('matches an array of byte strings under random edits and lookups', () => {
    fc.assert(
      fc.property(
        fc.array(byteString, { minLength: 1, maxLength: 12 }),
        fc.array(operation, { maxLength: 40 }),
        fc.nat(MAX_OFFSET),
        fc.boolean(),
        (pool, operations, offset, chain) => {
          const writer = new ListpackWriter(16);
          const value = (i: number): Buffer => pool[i % pool.length];
          let model: Buffer[] = [];
          // The stored form: in a segment, or (chain) the writer's own last result, edited again.
          let form = { bytes: writer.fromEntries([]) as Uint8Array, start: 0, length: LISTPACK_HEADER_BYTES };
          if (!chain) form = place(form.bytes, offset);
          const store = (built: Buffer): void => {
            form = chain ? { bytes: built, start: 0, length: built.length } : place(built, offset);
          };
          for (const op of operations) {
            const { bytes, start, length } = form;
            const end = start + length;
            switch (op.kind) {
              case 'append': {
                const added = op.picks.map(value);
                // Through a wider argument array, as a command's arguments arrive.
                const args = [Buffer.from('x'), ...added, Buffer.from('y')];
                store(writer.appended(bytes, start, length, args, 1, 1 + added.length));
                model = [...model, ...added];
                break;
              }
              case 'appendPair':
                store(writer.appendedPair(bytes, start, length, value(op.first), value(op.second)));
                model = [...model, value(op.first), value(op.second)];
                break;
              case 'insert': {
                const index = op.position % (model.length + 1);
                const at = index === model.length ? end : listpackEntryAt(bytes, start, length, index);
                const added = op.picks.map(value);
                store(writer.inserted(bytes, start, length, at, added));
                model = [...model.slice(0, index), ...added, ...model.slice(index)];
                break;
              }
              case 'replace': {
                if (model.length === 0) break;
                const index = op.position % model.length;
                store(writer.replaced(bytes, start, length, listpackEntryAt(bytes, start, length, index), value(op.pick)));
                model = model.map((entry, i) => (i === index ? value(op.pick) : entry));
                break;
              }
              case 'remove': {
                if (model.length === 0) break;
                const index = op.position % model.length;
                store(writer.removed(bytes, start, length, listpackEntryAt(bytes, start, length, index), op.n));
                model = [...model.slice(0, index), ...model.slice(index + op.n)];
                break;
              }
              case 'build': {
                const built = op.picks.map(value);
                store(writer.fromEntries(built));
                model = built;
                break;
              }
              case 'find': {
                const needle = value(op.pick);
                const found = listpackFind(bytes, start, length, needle, op.step, op.firstIndex);
                const index = modelFind(model, needle, op.step, op.firstIndex);
                expect(found).toBe(index === -1 ? -1 : listpackEntryAt(bytes, start, length, index));
                if (found !== -1) expect(entryEquals(bytes, found, needle)).toBe(true);
                break;
              }
            }
            checkForm(form, model);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds hash fields, never values, with step 2', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(byteString, byteString), { maxLength: 20 }), fc.nat(MAX_OFFSET), (pairs, offset) => {
        const writer = new ListpackWriter();
        const flat = pairs.flat();
        const { bytes, start, length } = place(writer.fromEntries(flat), offset);
        for (const needle of flat) {
          const found = listpackFind(bytes, start, length, needle, 2, 0);
          const index = modelFind(flat, needle, 2, 0);
          expect(found).toBe(index === -1 ? -1 : listpackEntryAt(bytes, start, length, index));
          // Values sit at odd indices: step 2 from 1 finds them instead.
          const valueIndex = modelFind(flat, needle, 2, 1);
          const foundValue = listpackFind(bytes, start, length, needle, 2, 1);
          expect(foundValue).toBe(valueIndex === -1 ? -1 : listpackEntryAt(bytes, start, length, valueIndex));
          if (found !== -1 && index % 2 !== 0) throw new Error('matched a value');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes minimal length prefixes at the varint boundaries', () => {
    const writer = new ListpackWriter(8);
    const lengths = [0, 1, 127, 128, 129, 255, 256, 16383, 16384, 16385, 70000];
    const values = lengths.map((n) => Buffer.alloc(n, n & 0xff));
    const form = writer.fromEntries(values);
    expect(listpackIsValid(form, 0, form.length)).toBe(true);
    expect(listpackCount(form, 0)).toBe(lengths.length);
    expect(form.length).toBe(LISTPACK_HEADER_BYTES + lengths.reduce((sum, n) => sum + entrySize(n), 0));
    expect(lengths.map(lengthPrefixSize)).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3]);
    expect(entries(form, 0, form.length)).toEqual(values);
    expect(listpackHasEntryLongerThan(form, 0, form.length, 70000)).toBe(false);
    expect(listpackHasEntryLongerThan(form, 0, form.length, 69999)).toBe(true);
  });

  it('rejects malformed forms', () => {
    const writer = new ListpackWriter();
    const good = Buffer.from(writer.fromEntries([Buffer.from('ab'), Buffer.alloc(200)]));
    expect(listpackIsValid(good, 0, good.length)).toBe(true);
    expect(listpackIsValid(good, 0, good.length - 1)).toBe(false); // truncated entry
    expect(listpackIsValid(good, 0, 3)).toBe(false); // no room for the header
    const wrongCount = Buffer.from(good);
    wrongCount[0] = 3;
    expect(listpackIsValid(wrongCount, 0, wrongCount.length)).toBe(false);
    // 'ab' with a two-byte prefix for 2: not the minimal encoding.
    const padded = Buffer.from([1, 0, 0, 0, 0x82, 0x00, 0x61, 0x62]);
    expect(listpackIsValid(padded, 0, padded.length)).toBe(false);
    const unterminated = Buffer.from([1, 0, 0, 0, 0x82]);
    expect(listpackIsValid(unterminated, 0, unterminated.length)).toBe(false);
  });

  it('keeps a reused writer from clobbering a stored result it is handed back', () => {
    const writer = new ListpackWriter(8);
    let form = writer.fromEntries([Buffer.from('a'), Buffer.from('b')]);
    for (let i = 0; i < 50; i++) form = writer.appendedPair(form, 0, form.length, Buffer.alloc(i, 0x80 + (i % 64)), Buffer.from(String(i)));
    form = writer.removed(form, 0, form.length, listpackFirst(0), 2);
    expect(listpackCount(form, 0)).toBe(100);
    expect(entryBytes(form, listpackEntryAt(form, 0, form.length, 99)).toString()).toBe('49');
    expect(listpackFindFrom(form, listpackFirst(0), form.length, Buffer.from('7'), 2)).toBe(-1);
    expect(listpackFindFrom(form, listpackEntryAt(form, 0, form.length, 1), form.length, Buffer.from('7'), 2)).toBe(
      listpackEntryAt(form, 0, form.length, 15),
    );
  });
});

function checkForm(form: { bytes: Uint8Array; start: number; length: number }, model: Buffer[]): void {
  const { bytes, start, length } = form;
  expect(listpackIsValid(bytes, start, length)).toBe(true);
  expect(listpackCount(bytes, start)).toBe(model.length);
  expect(length).toBe(LISTPACK_HEADER_BYTES + model.reduce((sum, entry) => sum + entrySize(entry.length), 0));
  expect(entries(bytes, start, length)).toEqual(model);
  const last = listpackLast(bytes, start, length);
  expect(last === -1 ? null : entryBytes(bytes, last)).toEqual(model.length === 0 ? null : model[model.length - 1]);
  expect(listpackEntryAt(bytes, start, length, model.length)).toBe(-1);
  const longest = model.reduce((max, entry) => Math.max(max, entry.length), 0);
  expect(listpackHasEntryLongerThan(bytes, start, length, 64)).toBe(longest > 64);
  expect(listpackHasEntryLongerThan(bytes, start, length, longest)).toBe(false);
}
