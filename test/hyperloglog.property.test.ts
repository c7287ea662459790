// The HyperLogLog codec against plain models: register raises on the sparse
// code (with its promotion to dense) against an array of 16384 numbers, the
// sparse to dense conversion, the MAX-merge of registers, the estimate of a
// sparse HLL against its dense twin, and MurmurHash64A against a BigInt
// rendering of the same function.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HLL_DENSE, HLL_DENSE_BYTES, HLL_HEADER_BYTES, HLL_REGISTERS, HLL_SPARSE, cacheValid, cachedCardinality, countOf, countOfRegisters, denseGet, denseSet,
  encodingOf, isHll, mergeRegisters, murmurHash64A, setCachedCardinality, work, workLength, workNew, workSparseSet, workToDense, workView,
} from '../src/store/types/hyperloglog.ts';

/** One register raise: mostly a few registers (runs form and split), sometimes anywhere; counts mostly in a VAL's range. */
const raise = fc.record({
  index: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: HLL_REGISTERS - 1 }) }, { weight: 1, arbitrary: fc.integer({ min: HLL_REGISTERS - 8, max: HLL_REGISTERS - 1 }) }),
  count: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 32 }) }, { weight: 1, arbitrary: fc.integer({ min: 33, max: 63 }) }),
});

/** The registers of the working copy, decoded. */
function registersOfWork(): Uint8Array {
  const max = new Uint8Array(HLL_REGISTERS);
  expect(mergeRegisters(max, work, 0, workLength)).toBe(true);
  return max;
}

/** Applies raises to a new HLL and to the model, checking each step's answer. */
function applyRaises(raises: readonly { index: number; count: number }[], maxBytes: number): number[] {
  const model = new Array<number>(HLL_REGISTERS).fill(0);
  workNew();
  for (const { index, count } of raises) {
    const changed = count > model[index] ? 1 : 0;
    const result = encodingOf(work, 0) === HLL_DENSE ? denseSet(work, HLL_HEADER_BYTES, index, count) : workSparseSet(index, count, maxBytes);
    expect(result).toBe(changed);
    if (changed) model[index] = count;
    if (encodingOf(work, 0) === HLL_SPARSE) expect(workLength).toBeLessThanOrEqual(Math.max(maxBytes, HLL_HEADER_BYTES + 2));
    expect(isHll(work, 0, workLength)).toBe(true);
  }
  return model;
}

// BigInt MurmurHash64A, the plain way, as the model of the two-halves one.
const MASK = (1n << 64n) - 1n;
function murmurModel(bytes: Uint8Array): bigint {
  const m = 0xc6a4a7935bd1e995n;
  let h = (0xadc83b19n ^ (BigInt(bytes.length) * m)) & MASK;
  const whole = bytes.length - (bytes.length & 7);
  for (let p = 0; p < whole; p += 8) {
    let k = 0n;
    for (let i = 7; i >= 0; i--) k = (k << 8n) | BigInt(bytes[p + i]);
    k = (k * m) & MASK;
    k ^= k >> 47n;
    k = (k * m) & MASK;
    h ^= k;
    h = (h * m) & MASK;
  }
  const tail = bytes.length & 7;
  if (tail > 0) {
    for (let i = tail - 1; i >= 0; i--) h ^= BigInt(bytes[whole + i]) << BigInt(8 * i);
    h = (h * m) & MASK;
  }
  h ^= h >> 47n;
  h = (h * m) & MASK;
  h ^= h >> 47n;
  return h;
}

describe('HyperLogLog codec against plain models', () => {
  it('raises registers on the sparse code (promoting to dense when needed) as an array of registers does', () => {
    fc.assert(
      fc.property(fc.array(raise, { maxLength: 300 }), fc.constantFrom(3000, 60, 200, 100000), (raises, maxBytes) => {
        const model = applyRaises(raises, maxBytes);
        expect([...registersOfWork()]).toEqual(model);
        if (raises.some((r) => r.count > 32)) expect(encodingOf(work, 0)).toBe(HLL_DENSE);
      }),
      { numRuns: 150 },
    );
  });

  it('converts sparse to dense keeping every register, the header and the estimate', () => {
    fc.assert(
      fc.property(fc.array(raise.filter((r) => r.count <= 32), { maxLength: 300 }), (raises) => {
        const model = applyRaises(raises, 1 << 20);
        expect(encodingOf(work, 0)).toBe(HLL_SPARSE);
        const sparse = Uint8Array.from(workView());
        const sparseCount = countOf(sparse, 0, sparse.length);
        expect(workToDense()).toBe(true);
        expect(workLength).toBe(HLL_DENSE_BYTES);
        expect(encodingOf(work, 0)).toBe(HLL_DENSE);
        expect([...work.subarray(0, 4)]).toEqual([...sparse.subarray(0, 4)]);
        expect([...work.subarray(8, 16)]).toEqual([...sparse.subarray(8, 16)]);
        for (let i = 0; i < HLL_REGISTERS; i++) if (denseGet(work, HLL_HEADER_BYTES, i) !== model[i]) expect(denseGet(work, HLL_HEADER_BYTES, i)).toBe(model[i]);
        expect(countOf(work, 0, workLength)).toBe(sparseCount);
        expect(countOfRegisters(Uint8Array.from(model))).toBe(sparseCount);
      }),
      { numRuns: 100 },
    );
  });

  it('merges registers of sparse and dense HLLs as an element-wise maximum', () => {
    fc.assert(
      fc.property(fc.array(raise, { maxLength: 150 }), fc.array(raise, { maxLength: 150 }), fc.boolean(), (first, second, denseSecond) => {
        const a = applyRaises(first, 3000);
        const aBytes = Uint8Array.from(workView());
        const b = applyRaises(second, 3000);
        if (denseSecond) workToDense();
        // At an offset, as the arena holds values.
        const bBytes = new Uint8Array(workLength + 7);
        bBytes.set(workView(), 7);
        const max = new Uint8Array(HLL_REGISTERS);
        expect(mergeRegisters(max, aBytes, 0, aBytes.length)).toBe(true);
        expect(mergeRegisters(max, bBytes, 7, bBytes.length - 7)).toBe(true);
        expect([...max]).toEqual(a.map((value, i) => Math.max(value, b[i])));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses sparse codes that run past or short of the registers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (code) => {
        const bytes = new Uint8Array(HLL_HEADER_BYTES + code.length);
        bytes.set([0x48, 0x59, 0x4c, 0x4c, HLL_SPARSE]);
        bytes.set(code, HLL_HEADER_BYTES);
        // The model: walk the runs; valid when they cover exactly every register.
        let index = 0;
        let valid = true;
        for (let p = 0; p < code.length && valid; ) {
          const op = code[p];
          const run = (op & 0xc0) === 0 ? (op & 0x3f) + 1 : (op & 0xc0) === 0x40 ? (((op & 0x3f) << 8) | (code[p + 1] ?? 0)) + 1 : (op & 3) + 1;
          p += (op & 0xc0) === 0x40 ? 2 : 1;
          index += run;
          if (index > HLL_REGISTERS) valid = false;
        }
        valid &&= index === HLL_REGISTERS;
        expect(mergeRegisters(new Uint8Array(HLL_REGISTERS), bytes, 0, bytes.length)).toBe(valid);
        expect(countOf(bytes, 0, bytes.length) >= 0).toBe(valid);
      }),
      { numRuns: 300 },
    );
  });

  it('caches a cardinality in the header and reads it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (card) => {
        workNew();
        work[15] |= 0x80;
        expect(cacheValid(work, 0)).toBe(false);
        setCachedCardinality(work, 0, card);
        expect(cacheValid(work, 0)).toBe(true);
        expect(cachedCardinality(work, 0)).toBe(card);
      }),
    );
  });

  it('hashes as MurmurHash64A with seed 0xadc83b19 does, over every tail length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const [hi, lo] = murmurHash64A(bytes, 0, bytes.length);
        expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(murmurModel(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
