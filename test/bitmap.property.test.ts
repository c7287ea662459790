// The bit algorithms (store/types/bitmap.ts) against a plain model, an array
// of 0/1 bits: population counts and first-bit searches over any bit range,
// BITFIELD reads and writes of 1 to 64 bits at any offset (past the end of
// the string too), BITOP's combinations, and the overflow rules of SET and
// INCRBY. The strings sit at random offsets of a bigger buffer, as values do
// in an arena segment.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BitOp, combineBits, countBits, fieldResult, findBit, getBit, Overflow, popcount, readSigned, readUnsigned, writeBits } from '../src/store/types/bitmap.ts';

/** The bits of bytes, most significant first. */
function bitsOf(bytes: Uint8Array): number[] {
  const bits: number[] = [];
  for (const byte of bytes) for (let i = 7; i >= 0; i--) bits.push((byte >> i) & 1);
  return bits;
}

/** A string placed `start` bytes into a buffer of noise. */
function placed(value: Uint8Array, start: number): Uint8Array {
  const buffer = new Uint8Array(start + value.length + 16).fill(0xa5);
  buffer.set(value, start);
  return buffer;
}

const string = fc.uint8Array({ minLength: 1, maxLength: 64 });
const start = fc.nat({ max: 40 });

/** A string and a bit range [from, to] within it. */
const ranged = string.chain((value) => fc.tuple(fc.constant(value), fc.nat({ max: value.length * 8 - 1 }), fc.nat({ max: value.length * 8 - 1 })).map(([v, a, b]) => [v, Math.min(a, b), Math.max(a, b)] as const));

describe('bit counts and searches against a model', () => {
  it('popcount and countBits count the set bits of any byte or bit range', () => {
    fc.assert(fc.property(ranged, start, ([value, from, to], at) => {
      const bits = bitsOf(value);
      const buffer = placed(value, at);
      expect(popcount(buffer, at, value.length)).toBe(bits.reduce((a, b) => a + b, 0));
      expect(countBits(buffer, at, from, to)).toBe(bits.slice(from, to + 1).reduce((a, b) => a + b, 0));
    }), { numRuns: 500 });
  });

  it('findBit finds the first bit of either value in a range, -1 without one', () => {
    const runs = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Uint8Array.from(bytes, (byte) => (byte < 100 ? 0 : byte < 200 ? 0xff : byte)));
    const rangedRuns = runs.chain((value) => fc.tuple(fc.constant(value), fc.nat({ max: value.length * 8 - 1 }), fc.nat({ max: value.length * 8 - 1 })).map(([v, a, b]) => [v, Math.min(a, b), Math.max(a, b)] as const));
    fc.assert(fc.property(rangedRuns, start, fc.constantFrom(0, 1), ([value, from, to], at, bit) => {
      const bits = bitsOf(value);
      const index = bits.slice(from, to + 1).indexOf(bit);
      expect(findBit(placed(value, at), at, from, to, bit)).toBe(index < 0 ? -1 : from + index);
    }), { numRuns: 1000 });
  });

  it('getBit reads any bit, 0 past the end', () => {
    fc.assert(fc.property(string, start, fc.nat({ max: 80 * 8 }), (value, at, offset) => {
      expect(getBit(placed(value, at), at, value.length, offset)).toBe(bitsOf(value)[offset] ?? 0);
    }));
  });
});

describe('bitfields against a model', () => {
  const width = fc.integer({ min: 1, max: 64 });

  it('readUnsigned and readSigned read 1 to 64 bits at any offset, zeros past the end', () => {
    fc.assert(fc.property(string, start, fc.nat({ max: 70 * 8 }), width, (value, at, offset, bits) => {
      const model = bitsOf(value);
      let expected = 0n;
      for (let j = 0; j < bits; j++) expected = (expected << 1n) | BigInt(model[offset + j] ?? 0);
      const buffer = placed(value, at);
      expect(readUnsigned(buffer, at, value.length, offset, bits)).toBe(expected);
      expect(readSigned(buffer, at, value.length, offset, bits)).toBe(BigInt.asIntN(bits, expected));
    }), { numRuns: 1000 });
  });

  it('writeBits writes the low bits of a value and nothing around them', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 9, maxLength: 40 }), start, width, fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), fc.nat(), (value, at, bits, field, where) => {
      const offset = where % (value.length * 8 - bits + 1);
      const model = bitsOf(value);
      for (let j = 0; j < bits; j++) model[offset + j] = Number((BigInt.asUintN(bits, field) >> BigInt(bits - 1 - j)) & 1n);
      const buffer = placed(value, at);
      writeBits(buffer, at, offset, bits, field);
      expect(bitsOf(buffer.subarray(at, at + value.length))).toEqual(model);
      expect(buffer[at - 1] ?? 0xa5).toBe(0xa5);
      expect(buffer[at + value.length]).toBe(0xa5);
    }), { numRuns: 1000 });
  });

  const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const overflow = fc.constantFrom(Overflow.Wrap, Overflow.Sat, Overflow.Fail);

  /** The model: exact sums, out of range handled by the rule. */
  function model(sum: bigint, min: bigint, max: bigint, bits: number, signed: boolean, rule: Overflow, up: boolean): bigint | null {
    if (rule === Overflow.Fail) return null;
    if (rule === Overflow.Sat) return up ? max : min;
    return signed ? BigInt.asIntN(bits, sum) : BigInt.asUintN(bits, sum);
  }

  it('INCRBY and SET of signed fields wrap, saturate or fail as the model', () => {
    fc.assert(fc.property(width, int64, int64, overflow, fc.boolean(), (bits, rawOld, increment, rule, isSet) => {
      const max = (1n << BigInt(bits - 1)) - 1n;
      const min = -max - 1n;
      if (isSet) {
        // SET's range check wraps in C for values more than 2^63 below the field's maximum (tested apart).
        const value = BigInt.asIntN(63, increment);
        const expected = value > max ? model(value, min, max, bits, true, rule, true) : value < min ? model(value, min, max, bits, true, rule, false) : value;
        expect(fieldResult(value, 0n, true, bits, rule)).toBe(expected);
        return;
      }
      const old = BigInt.asIntN(bits, rawOld);
      const sum = old + increment;
      const expected = sum > max ? model(sum, min, max, bits, true, rule, true) : sum < min ? model(sum, min, max, bits, true, rule, false) : sum;
      expect(fieldResult(old, increment, true, bits, rule)).toBe(expected);
    }), { numRuns: 2000 });
  });

  it('INCRBY and SET of unsigned fields wrap, saturate or fail as the model; a negative SET counts as too big', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 63 }), int64, int64, overflow, fc.boolean(), (bits, rawOld, increment, rule, isSet) => {
      const max = (1n << BigInt(bits)) - 1n;
      if (isSet) {
        const value = increment;
        const expected = value > max || value < 0n ? model(value, 0n, max, bits, false, rule, true) : value;
        expect(fieldResult(value, 0n, false, bits, rule)).toBe(expected);
        return;
      }
      const old = BigInt.asUintN(bits, rawOld);
      const sum = old + increment;
      const expected = sum > max ? model(sum, 0n, max, bits, false, rule, true) : sum < 0n ? model(sum, 0n, max, bits, false, rule, false) : sum;
      expect(fieldResult(old, increment, false, bits, rule)).toBe(expected);
    }), { numRuns: 2000 });
  });

  it('keeps Redis quirk: a SET of INT64_MIN into a small signed field saturates up', () => {
    expect(fieldResult(-(2n ** 63n), 0n, true, 8, Overflow.Sat)).toBe(127n);
    expect(fieldResult(-(2n ** 63n), 0n, true, 64, Overflow.Sat)).toBe(-(2n ** 63n));
    expect(fieldResult(2n ** 63n - 1n, 1n, true, 64, Overflow.Wrap)).toBe(-(2n ** 63n));
  });
});

describe('BITOP combinations against a model', () => {
  it('AND, OR, XOR of up to five sources, shorter ones zero-padded, and NOT of one', () => {
    const sources = fc.array(fc.tuple(fc.uint8Array({ maxLength: 48 }), start), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(sources, fc.constantFrom(BitOp.And, BitOp.Or, BitOp.Xor, BitOp.Not), (list, op) => {
      const used = op === BitOp.Not ? list.slice(0, 1) : list;
      const length = Math.max(...used.map(([value]) => value.length));
      const expected = new Uint8Array(length);
      for (let j = 0; j < length; j++) {
        const bytes = used.map(([value]) => value[j] ?? 0);
        expected[j] = op === BitOp.Not ? ~bytes[0] & 0xff : bytes.reduce((a, b) => (op === BitOp.And ? a & b : op === BitOp.Or ? a | b : a ^ b));
      }
      const target = new Uint8Array(length);
      combineBits(op, used.map(([value, at]) => placed(value, at)), used.map(([, at]) => at), used.map(([value]) => value.length), used.length, target, length);
      expect(target).toEqual(expected);
    }), { numRuns: 1000 });
  });
});
