// The intset byte form against a plain model (a sorted array of distinct
// bigints): random adds, removes and lookups over every width, the forms
// placed at random offsets of a segment-like byte array, as the arena holds them.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  INTSET_HEADER_BYTES, IntsetWriter, MAX_DECIMAL_LENGTH, intsetByteLength, intsetContains, intsetCount, intsetFind, intsetGet,
  intsetIsValid, intsetLength, intsetMax, intsetMin, intsetWidth, intsetWriteDecimal, widthFor, type IntsetWidth,
} from '../src/store/types/intset.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_OFFSET = 4096;

const EDGES = [
  0n, 1n, -1n, 2n ** 15n - 1n, -(2n ** 15n), 2n ** 15n, -(2n ** 15n) - 1n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 31n, -(2n ** 31n) - 1n,
  2n ** 32n, 2n ** 32n - 1n, -(2n ** 32n), 2n ** 53n, 2n ** 53n - 1n, 2n ** 53n + 1n, -(2n ** 53n), -(2n ** 53n) - 1n,
  INT64_MAX, INT64_MIN, INT64_MAX - 1n, INT64_MIN + 1n, 99999n, 100000n, -100000n, 10n ** 18n, -(10n ** 18n), 9223372036854700000n,
];

// Small values collide often (finds hit, removes find something); wider ones drive upgrades.
const value = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: -20n, max: 20n }) },
  { weight: 3, arbitrary: fc.bigInt({ min: -(2n ** 15n), max: 2n ** 15n - 1n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 31n), max: 2n ** 31n - 1n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGES) },
);

function modelWidth(values: readonly bigint[]): IntsetWidth {
  let width: IntsetWidth = 2;
  for (const v of values) width = Math.max(width, widthFor(v)) as IntsetWidth;
  return width;
}

function place(form: Uint8Array, offset: number): { bytes: Uint8Array; start: number } {
  const bytes = new Uint8Array(offset + form.length + 16).fill(0xa5);
  bytes.set(form, offset);
  return { bytes, start: offset };
}

type Operation =
  | { kind: 'add'; value: bigint }
  | { kind: 'remove'; value: bigint }
  | { kind: 'addAll'; values: bigint[] }
  | { kind: 'build'; values: bigint[] }
  | { kind: 'find'; value: bigint };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), value }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('addAll' as const), values: fc.array(value, { maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('build' as const), values: fc.array(value, { maxLength: 12 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('find' as const), value }) },
);

/** The model's answer for intsetFind. */
function modelFind(model: readonly bigint[], needle: bigint): number {
  let i = 0;
  while (i < model.length && model[i] < needle) i++;
  return i < model.length && model[i] === needle ? i : -i - 1;
}

describe('intset', () => {
  it('matches a sorted array of bigints under random edits and lookups', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), fc.nat(MAX_OFFSET), fc.boolean(), (operations, offset, chain) => {
        const writer = new IntsetWriter(8);
        let model: bigint[] = [];
        // As Redis, the width only grows: the widest a value added ever needed.
        let width: IntsetWidth = 2;
        let form = place(writer.fromValues([]), offset);
        // chain: the writer's own last result is edited again, rather than a stored copy.
        const store = (built: Buffer | null): void => {
          if (built !== null) form = chain ? { bytes: built, start: 0 } : place(built, offset);
        };
        for (const op of operations) {
          const { bytes, start } = form;
          switch (op.kind) {
            case 'add': {
              const fresh = !model.includes(op.value);
              const built = writer.added(bytes, start, op.value);
              expect(built === null).toBe(!fresh);
              expect(writer.changes).toBe(fresh ? 1 : 0);
              store(built);
              if (fresh) {
                model = [...model, op.value].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
                width = Math.max(width, widthFor(op.value)) as IntsetWidth;
              }
              break;
            }
            case 'remove': {
              const present = model.includes(op.value);
              const built = writer.removed(bytes, start, op.value);
              expect(built === null).toBe(!present);
              store(built);
              model = model.filter((v) => v !== op.value);
              break;
            }
            case 'addAll': {
              const fresh = new Set(op.values.filter((v) => !model.includes(v)));
              const args = [0n, ...op.values, 0n];
              const built = writer.addedAll(bytes, start, args, 1, 1 + op.values.length);
              expect(writer.changes).toBe(fresh.size);
              expect(built === null).toBe(fresh.size === 0);
              store(built);
              if (fresh.size > 0) {
                model = [...model, ...fresh].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
                width = Math.max(width, modelWidth(op.values)) as IntsetWidth;
              }
              break;
            }
            case 'build': {
              store(writer.fromValues(op.values));
              model = [...new Set(op.values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
              width = modelWidth(op.values);
              break;
            }
            case 'find':
              expect(intsetFind(bytes, start, op.value)).toBe(modelFind(model, op.value));
              expect(intsetContains(bytes, start, op.value)).toBe(model.includes(op.value));
              break;
          }
          checkForm(form, model, width);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('writes every int64 in decimal as toString does', () => {
    const writer = new IntsetWriter();
    const target = new Uint8Array(MAX_DECIMAL_LENGTH + 8);
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 30 }), fc.nat(8), (values, at) => {
        const form = writer.fromValues(values);
        for (let i = 0; i < intsetCount(form, 0); i++) {
          const written = intsetWriteDecimal(form, 0, i, target, at);
          expect(Buffer.from(target.subarray(at, at + written)).toString()).toBe(intsetGet(form, 0, i).toString());
        }
      }),
      { numRuns: 500 },
    );
    const form = writer.fromValues(EDGES);
    const texts = [];
    for (let i = 0; i < intsetCount(form, 0); i++) texts.push(Buffer.from(target.subarray(0, intsetWriteDecimal(form, 0, i, target, 0))).toString());
    expect(texts).toEqual([...EDGES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String));
  });

  it('picks the narrowest width and upgrades at the int16 and int32 bounds', () => {
    expect([-(2n ** 15n), 2n ** 15n - 1n, -(2n ** 15n) - 1n, 2n ** 15n, -(2n ** 31n), 2n ** 31n - 1n, 2n ** 31n, INT64_MIN, INT64_MAX].map(widthFor)).toEqual([
      2, 2, 4, 4, 4, 4, 8, 8, 8,
    ]);
    expect(() => widthFor(INT64_MAX + 1n)).toThrow(RangeError);
    expect(() => widthFor(INT64_MIN - 1n)).toThrow(RangeError);
    const writer = new IntsetWriter();
    expect(() => writer.fromValues([1n, 2n ** 63n])).toThrow(RangeError);
    let form = Buffer.from(writer.fromValues([5n, -3n, 5n]));
    expect([intsetWidth(form, 0), intsetCount(form, 0), form.length]).toEqual([2, 2, intsetByteLength(2, 2)]);
    // A negative value too wide goes first, a positive one last.
    form = Buffer.from(writer.added(form, 0, -(2n ** 31n))!);
    expect([intsetWidth(form, 0), intsetMin(form, 0), intsetMax(form, 0)]).toEqual([4, -(2n ** 31n), 5n]);
    form = Buffer.from(writer.added(form, 0, INT64_MAX)!);
    expect([intsetWidth(form, 0), intsetMin(form, 0), intsetMax(form, 0), intsetCount(form, 0)]).toEqual([8, -(2n ** 31n), INT64_MAX, 4]);
    // Out-of-width needles are simply absent.
    expect(intsetFind(Buffer.from(writer.fromValues([1n, 2n])), 0, INT64_MIN)).toBe(-1);
    expect(intsetFind(Buffer.from(writer.fromValues([1n, 2n])), 0, INT64_MAX)).toBe(-3);
    expect(() => intsetGet(form, 0, 4)).toThrow(RangeError);
  });

  it('rejects malformed forms', () => {
    const writer = new IntsetWriter();
    const good = Buffer.from(writer.fromValues([1n, 2n, 3n]));
    expect(intsetIsValid(good, 0, good.length)).toBe(true);
    expect(intsetIsValid(good, 0, good.length - 1)).toBe(false);
    const badWidth = Buffer.from(good);
    badWidth[0] = 3;
    expect(intsetIsValid(badWidth, 0, badWidth.length)).toBe(false);
    const unsorted = Buffer.from(good);
    unsorted[INTSET_HEADER_BYTES] = 9;
    expect(intsetIsValid(unsorted, 0, unsorted.length)).toBe(false);
    const repeated = Buffer.from(good);
    repeated[INTSET_HEADER_BYTES + 2] = 1;
    expect(intsetIsValid(repeated, 0, repeated.length)).toBe(false);
  });
});

function checkForm(form: { bytes: Uint8Array; start: number }, model: bigint[], width: IntsetWidth): void {
  const { bytes, start } = form;
  const length = intsetLength(bytes, start);
  expect(intsetIsValid(bytes, start, length)).toBe(true);
  expect(intsetCount(bytes, start)).toBe(model.length);
  expect(intsetWidth(bytes, start)).toBe(width);
  expect(length).toBe(intsetByteLength(width, model.length));
  const values = [];
  for (let i = 0; i < model.length; i++) values.push(intsetGet(bytes, start, i));
  expect(values).toEqual(model);
  const target = new Uint8Array(MAX_DECIMAL_LENGTH);
  for (let i = 0; i < model.length; i++) {
    expect(Buffer.from(target.subarray(0, intsetWriteDecimal(bytes, start, i, target, 0))).toString()).toBe(model[i].toString());
    expect(intsetFind(bytes, start, model[i])).toBe(i);
  }
  if (model.length > 0) {
    expect(intsetMin(bytes, start)).toBe(model[0]);
    expect(intsetMax(bytes, start)).toBe(model[model.length - 1]);
  }
}
