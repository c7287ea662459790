// HyperLogLog as Redis 7.0 lays it out in a string value, byte for byte:
//
// - a 16-byte header: "HYLL", the encoding (0 dense, 1 sparse), three unused
//   bytes, and the cached cardinality (8 bytes, little endian) whose top bit
//   set means "stale";
// - dense: 16384 registers of 6 bits, packed from each byte's low bits up
//   (12288 bytes, so a dense HLL is exactly 12304 bytes);
// - sparse: a run-length code over the registers: ZERO (00xxxxxx, 1..64
//   zero registers), XZERO (01xxxxxx yyyyyyyy, 1..16384 zero registers) and
//   VAL (1vvvvvxx, 1..4 registers of value 1..32).
//
// An element's register and count come from MurmurHash64A (seed 0xadc83b19)
// of its bytes: the low 14 bits pick the register, and the position of the
// lowest set bit of the other 50 (plus one) is the count. The estimate is
// Ertl's improved estimator over the histogram of register values, as Redis
// 7 computes it.
//
// Sparse edits follow Redis's own steps (split the opcode covering the
// register, then merge equal VAL neighbours in a short window), since the
// bytes they leave depend on that order: a sparse HLL made by the same adds
// is the same string here as there. Edits work on a plain scratch copy
// (`work`) that the caller then stores back; dense adds may run in place.

import { copyBytes } from '../../util/copy-bytes.ts';

export const HLL_HEADER_BYTES = 16;
export const HLL_REGISTERS = 16384;
const P = 14;
const Q = 64 - P;
const REGISTER_MAX = 63;
export const HLL_DENSE_BYTES = HLL_HEADER_BYTES + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const ENCODING_AT = 4;
const CARD_AT = 8;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.721347520444481703680;

// ---- the hash ----

// MurmurHash64A's constant m = 0xc6a4a7935bd1e995 as two 32-bit halves.
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const SEED = 0xadc83b19;

/** High 32 bits of the 64-bit product of two unsigned 32-bit numbers. */
function mulHigh(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid1 = a1 * b0;
  const mid2 = a0 * b1;
  const carry = (((a0 * b0) >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16) + carry) >>> 0;
}

// The 64-bit word being hashed, as halves (module state keeps the hot path allocation-free).
let hHi = 0;
let hLo = 0;

/** h *= m, mod 2^64. */
function hTimesM(): void {
  const hi = (mulHigh(hLo, M_LO) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) >>> 0;
  hLo = Math.imul(hLo, M_LO) >>> 0;
  hHi = hi;
}

/** h ^= k * m ^ ((k * m) >>> 47) * m, for the 8-byte word k (lo, hi). */
function mixWord(kLo: number, kHi: number): void {
  // k *= m
  let hi = (mulHigh(kLo, M_LO) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) >>> 0;
  let lo = Math.imul(kLo, M_LO) >>> 0;
  // k ^= k >> 47
  lo = (lo ^ (hi >>> 15)) >>> 0;
  // k *= m
  const hi2 = (mulHigh(lo, M_LO) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
  lo = Math.imul(lo, M_LO) >>> 0;
  hi = hi2;
  hHi = (hHi ^ hi) >>> 0;
  hLo = (hLo ^ lo) >>> 0;
  hTimesM();
}

function finish(): void {
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  hTimesM();
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
}

/** h = seed ^ (len * m). */
function start(length: number): void {
  // length < 2^32: its product with m is length*M_LO (64 bits) plus length*M_HI in the high half.
  hHi = (mulHigh(length, M_LO) + Math.imul(length, M_HI)) >>> 0;
  hLo = (Math.imul(length, M_LO) ^ SEED) >>> 0;
}

/** MurmurHash64A of bytes[from, from + length) with Redis's seed, as [high, low] 32-bit halves (tests, PFSELFTEST). */
export function murmurHash64A(bytes: Uint8Array, from: number, length: number): [number, number] {
  hashBytes(bytes, from, length);
  return [hHi, hLo];
}

function hashBytes(bytes: Uint8Array, from: number, length: number): void {
  // Locals, not the module's halves, through the loop: h *= m and k *= m written out.
  let hi = (mulHigh(length, M_LO) + Math.imul(length, M_HI)) >>> 0;
  let lo = (Math.imul(length, M_LO) ^ SEED) >>> 0;
  const end = from + (length - (length & 7));
  let p = from;
  while (p !== end) {
    const wordLo = (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >>> 0;
    const wordHi = (bytes[p + 4] | (bytes[p + 5] << 8) | (bytes[p + 6] << 16) | (bytes[p + 7] << 24)) >>> 0;
    let kHi = (mulHigh(wordLo, M_LO) + Math.imul(wordHi, M_LO) + Math.imul(wordLo, M_HI)) >>> 0;
    let kLo = (Math.imul(wordLo, M_LO) ^ (kHi >>> 15)) >>> 0;
    const productHi = (mulHigh(kLo, M_LO) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) >>> 0;
    kLo = Math.imul(kLo, M_LO) >>> 0;
    kHi = productHi;
    hi = (hi ^ kHi) >>> 0;
    lo = (lo ^ kLo) >>> 0;
    const nextHi = (mulHigh(lo, M_LO) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
    lo = Math.imul(lo, M_LO) >>> 0;
    hi = nextHi;
    p += 8;
  }
  const tail = length & 7;
  if (tail !== 0) {
    // The last 1..7 bytes, high ones first, as MurmurHash64A's fall-through switch.
    if (tail >= 7) hi ^= bytes[p + 6] << 16;
    if (tail >= 6) hi ^= bytes[p + 5] << 8;
    if (tail >= 5) hi ^= bytes[p + 4];
    if (tail >= 4) lo ^= bytes[p + 3] << 24;
    if (tail >= 3) lo ^= bytes[p + 2] << 16;
    if (tail >= 2) lo ^= bytes[p + 1] << 8;
    lo = (lo ^ bytes[p]) >>> 0;
    hi >>>= 0;
    const nextHi = (mulHigh(lo, M_LO) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
    lo = Math.imul(lo, M_LO) >>> 0;
    hi = nextHi;
  }
  lo = (lo ^ (hi >>> 15)) >>> 0;
  const finalHi = (mulHigh(lo, M_LO) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
  lo = Math.imul(lo, M_LO) >>> 0;
  hHi = finalHi;
  hLo = (lo ^ (finalHi >>> 15)) >>> 0;
}

/** The register the last hashed element maps to (set by elementCount). */
export let elementRegister = 0;

/** The count (run of zeros plus one, 1..51) of the hash just computed; sets elementRegister. */
function countOfHash(): number {
  elementRegister = hLo & (HLL_REGISTERS - 1);
  const low = hLo >>> P; // 18 bits
  if (low !== 0) return 1 + 31 - Math.clz32(low & -low);
  if (hHi !== 0) return 1 + (32 - P) + 31 - Math.clz32(hHi & -hHi);
  return Q + 1;
}

/** An element's count (1..51), and its register in elementRegister. */
export function elementCount(bytes: Uint8Array, from: number, length: number): number {
  hashBytes(bytes, from, length);
  return countOfHash();
}

/** The count of an 8-byte little-endian element given as two halves (PFSELFTEST's elements), register in elementRegister. */
function wordElementCount(lo: number, hi: number): number {
  start(8);
  mixWord(lo, hi);
  finish();
  return countOfHash();
}

// ---- header ----

/** Redis's isHLLObjectOrReply test of a string's bytes: the magic, a known encoding, and a dense one's exact length. */
export function isHll(bytes: Uint8Array, at: number, length: number): boolean {
  if (length < HLL_HEADER_BYTES) return false;
  if (bytes[at] !== 0x48 || bytes[at + 1] !== 0x59 || bytes[at + 2] !== 0x4c || bytes[at + 3] !== 0x4c) return false;
  const encoding = bytes[at + ENCODING_AT];
  if (encoding > HLL_SPARSE) return false;
  return encoding !== HLL_DENSE || length === HLL_DENSE_BYTES;
}

export function encodingOf(bytes: Uint8Array, at: number): number {
  return bytes[at + ENCODING_AT];
}

export function invalidateCache(bytes: Uint8Array, at: number): void {
  bytes[at + CARD_AT + 7] |= 0x80;
}

export function cacheValid(bytes: Uint8Array, at: number): boolean {
  return (bytes[at + CARD_AT + 7] & 0x80) === 0;
}

/** The cached cardinality (valid cache: below 2^63). */
export function cachedCardinality(bytes: Uint8Array, at: number): number | bigint {
  const base = at + CARD_AT;
  const lo = (bytes[base] | (bytes[base + 1] << 8) | (bytes[base + 2] << 16) | (bytes[base + 3] << 24)) >>> 0;
  const hi = (bytes[base + 4] | (bytes[base + 5] << 8) | (bytes[base + 6] << 16) | (bytes[base + 7] << 24)) >>> 0;
  if (hi < 0x200000) return hi * 0x100000000 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Stores a cardinality (below 2^53) as the valid cached one. */
export function setCachedCardinality(bytes: Uint8Array, at: number, card: number): void {
  const base = at + CARD_AT;
  let lo = card % 0x100000000;
  let hi = Math.floor(card / 0x100000000);
  for (let i = 0; i < 4; i++, lo = Math.floor(lo / 256)) bytes[base + i] = lo & 0xff;
  for (let i = 4; i < 8; i++, hi = Math.floor(hi / 256)) bytes[base + i] = hi & 0xff;
}

// ---- dense registers ----

export function denseGet(bytes: Uint8Array, registersAt: number, index: number): number {
  const bit = index * 6;
  const byte = registersAt + (bit >>> 3);
  const shift = bit & 7;
  if (shift <= 2) return (bytes[byte] >>> shift) & REGISTER_MAX;
  return ((bytes[byte] >>> shift) | (bytes[byte + 1] << (8 - shift))) & REGISTER_MAX;
}

export function denseWrite(bytes: Uint8Array, registersAt: number, index: number, value: number): void {
  const bit = index * 6;
  const byte = registersAt + (bit >>> 3);
  const shift = bit & 7;
  bytes[byte] = (bytes[byte] & ~(REGISTER_MAX << shift)) | (value << shift);
  if (shift > 2) {
    const high = 8 - shift;
    bytes[byte + 1] = (bytes[byte + 1] & ~(REGISTER_MAX >>> high)) | (value >>> high);
  }
}

/** Raises a dense register to `count`; 1 when it changed. */
export function denseSet(bytes: Uint8Array, registersAt: number, index: number, count: number): number {
  if (count <= denseGet(bytes, registersAt, index)) return 0;
  denseWrite(bytes, registersAt, index, count);
  return 1;
}

/** Adds an element to a dense HLL (registers at `registersAt`); 1 when a register changed. */
export function denseAdd(bytes: Uint8Array, registersAt: number, element: Uint8Array): number {
  const count = elementCount(element, 0, element.length);
  return denseSet(bytes, registersAt, elementRegister, count);
}

// ---- the working copy sparse edits run on ----

/** The HLL being edited: work[0, workLength). It has room to grow a few bytes past its length. */
export let work = new Uint8Array(HLL_DENSE_BYTES + 64);
export let workLength = 0;

function ensureWork(capacity: number): void {
  if (capacity <= work.length) return;
  const grown = new Uint8Array(Math.max(capacity, work.length * 2));
  grown.set(work.subarray(0, workLength));
  work = grown;
}

/** The working copy becomes a new empty HLL: sparse, one XZERO over all registers, cache valid and zero. */
export function workNew(): void {
  workLength = HLL_HEADER_BYTES + 2;
  work.fill(0, 0, workLength);
  work[0] = 0x48;
  work[1] = 0x59;
  work[2] = 0x4c;
  work[3] = 0x4c;
  work[ENCODING_AT] = HLL_SPARSE;
  work[HLL_HEADER_BYTES] = 0x40 | ((SPARSE_XZERO_MAX_LEN - 1) >>> 8);
  work[HLL_HEADER_BYTES + 1] = (SPARSE_XZERO_MAX_LEN - 1) & 0xff;
}

/** The working copy becomes a copy of bytes[at, at + length). */
export function workLoad(bytes: Uint8Array, at: number, length: number): void {
  workLength = 0;
  ensureWork(length + 8);
  copyBytes(bytes, at, at + length, work, 0);
  workLength = length;
}

/** A view of the working copy (valid until it changes). */
export function workView(): Uint8Array {
  return work.subarray(0, workLength);
}

/** A byte of a sparse run, 0 past its end (where Redis reads the string's terminating zero). */
function byteAt(bytes: Uint8Array, at: number, end: number): number {
  return at < end ? bytes[at] : 0;
}

const dense = new Uint8Array(HLL_DENSE_BYTES + 1);

/**
 * Sparse bytes[from, end) onto zeroed dense registers at `registersAt` of
 * `target`; false when the code is corrupt (runs past the registers, or
 * short of them).
 */
function sparseToRegisters(bytes: Uint8Array, from: number, end: number, target: Uint8Array, registersAt: number): boolean {
  let index = 0;
  let p = from;
  while (p < end) {
    const op = bytes[p];
    if ((op & 0xc0) === 0) {
      index += (op & 0x3f) + 1;
      if (index > HLL_REGISTERS) return false;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      index += (((op & 0x3f) << 8) | byteAt(bytes, p + 1, end)) + 1;
      if (index > HLL_REGISTERS) return false;
      p += 2;
    } else {
      let run = (op & 3) + 1;
      const value = ((op >>> 2) & 0x1f) + 1;
      if (index + run > HLL_REGISTERS) return false;
      while (run-- > 0) denseWrite(target, registersAt, index++, value);
      p++;
    }
  }
  return index === HLL_REGISTERS;
}

/** Converts the working copy to dense (a no-op when it is); false, leaving it as it was, when its sparse code is corrupt. */
export function workToDense(): boolean {
  if (work[ENCODING_AT] === HLL_DENSE) return true;
  dense.fill(0);
  if (!sparseToRegisters(work, HLL_HEADER_BYTES, workLength, dense, HLL_HEADER_BYTES)) return false;
  copyBytes(work, 0, HLL_HEADER_BYTES, dense, 0);
  dense[ENCODING_AT] = HLL_DENSE;
  ensureWork(HLL_DENSE_BYTES + 8);
  copyBytes(dense, 0, HLL_DENSE_BYTES, work, 0);
  workLength = HLL_DENSE_BYTES;
  return true;
}

function setVal(bytes: Uint8Array, at: number, value: number, run: number): void {
  bytes[at] = 0x80 | ((value - 1) << 2) | (run - 1);
}

const sequence = new Uint8Array(5);

/** Appends a zero run of `run` registers to `sequence` at `n`; the next free position. */
function putZeros(n: number, run: number): number {
  if (run > SPARSE_ZERO_MAX_LEN) {
    sequence[n] = 0x40 | ((run - 1) >>> 8);
    sequence[n + 1] = (run - 1) & 0xff;
    return n + 2;
  }
  sequence[n] = run - 1;
  return n + 1;
}

/**
 * Raises register `index` of the working copy (sparse) to `count`, as
 * Redis's hllSparseSet: 1 when it changed (the cache is then invalidated;
 * a promotion to dense leaves that to the caller), 0 when not, -1 when the
 * code is corrupt. It turns dense when the count is too big for a VAL or the
 * string would pass `maxBytes`.
 */
export function workSparseSet(index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(index, count);
  ensureWork(workLength + 8);
  const bytes = work;
  let end = workLength;
  let p = HLL_HEADER_BYTES;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = bytes[p];
    let opLength = 1;
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if (op & 0x80) span = (op & 3) + 1;
    else {
      span = (((op & 0x3f) << 8) | byteAt(bytes, p + 1, end)) + 1;
      opLength = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += opLength;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = bytes[p];
  const isXzero = (op & 0xc0) === 0x40;
  const isZero = (op & 0xc0) === 0;
  const next = isXzero ? p + 2 : p + 1;
  const hasNext = next < end;
  const run = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | byteAt(bytes, p + 1, end)) + 1 : (op & 3) + 1;
  let done = false;
  if (!isZero && !isXzero) {
    const old = ((op >>> 2) & 0x1f) + 1;
    if (old >= count) return 0;
    if (run === 1) {
      setVal(bytes, p, count, 1);
      done = true;
    }
  }
  if (!done && isZero && run === 1) {
    setVal(bytes, p, count, 1);
    done = true;
  }
  if (!done) {
    const last = first + span - 1;
    let n = 0;
    if (isZero || isXzero) {
      if (index !== first) n = putZeros(n, index - first);
      setVal(sequence, n++, count, 1);
      if (index !== last) n = putZeros(n, last - index);
    } else {
      const current = ((op >>> 2) & 0x1f) + 1;
      if (index !== first) setVal(sequence, n++, current, index - first);
      setVal(sequence, n++, count, 1);
      if (index !== last) setVal(sequence, n++, current, last - index);
    }
    const delta = n - (isXzero ? 2 : 1);
    if (delta > 0 && workLength + delta > maxBytes) return promote(index, count);
    if (delta !== 0 && hasNext) copyBytes(bytes, next, end, bytes, next + delta);
    workLength += delta;
    for (let i = 0; i < n; i++) bytes[p + i] = sequence[i];
    end += delta;
  }
  // Merge equal VAL neighbours, up to five opcodes from the one before the edit.
  p = prev >= 0 ? prev : HLL_HEADER_BYTES;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const code = bytes[p];
    if ((code & 0xc0) === 0x40) {
      p += 2;
      continue;
    }
    if ((code & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end && bytes[p + 1] & 0x80) {
      const v1 = ((code >>> 2) & 0x1f) + 1;
      const v2 = ((bytes[p + 1] >>> 2) & 0x1f) + 1;
      if (v1 === v2) {
        const length = (code & 3) + 1 + (bytes[p + 1] & 3) + 1;
        if (length <= SPARSE_VAL_MAX_LEN) {
          setVal(bytes, p + 1, v1, length);
          copyBytes(bytes, p + 1, end, bytes, p);
          workLength--;
          end--;
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(bytes, 0);
  return 1;
}

function promote(index: number, count: number): number {
  if (!workToDense()) return -1;
  denseSet(work, HLL_HEADER_BYTES, index, count);
  return 1;
}

/** Adds an element to the working copy, whichever its encoding: 1 when a register changed, 0 when not, -1 when corrupt. */
export function workAdd(element: Uint8Array, maxBytes: number): number {
  const count = elementCount(element, 0, element.length);
  if (work[ENCODING_AT] === HLL_DENSE) return denseSet(work, HLL_HEADER_BYTES, elementRegister, count);
  if (work[ENCODING_AT] === HLL_SPARSE) return workSparseSet(elementRegister, count, maxBytes);
  return -1;
}

// ---- reading registers ----

/**
 * MAX-merges the HLL bytes[at, at + length) (already checked by isHll) into
 * `max` (one byte per register); false when its sparse code is corrupt.
 */
export function mergeRegisters(max: Uint8Array, bytes: Uint8Array, at: number, length: number): boolean {
  if (bytes[at + ENCODING_AT] === HLL_DENSE) {
    const registersAt = at + HLL_HEADER_BYTES;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const value = denseGet(bytes, registersAt, i);
      if (value > max[i]) max[i] = value;
    }
    return true;
  }
  const end = at + length;
  let p = at + HLL_HEADER_BYTES;
  let index = 0;
  while (p < end) {
    const op = bytes[p];
    if ((op & 0xc0) === 0) {
      index += (op & 0x3f) + 1;
      if (index > HLL_REGISTERS) return false;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      index += (((op & 0x3f) << 8) | byteAt(bytes, p + 1, end)) + 1;
      if (index > HLL_REGISTERS) return false;
      p += 2;
    } else {
      let run = (op & 3) + 1;
      const value = ((op >>> 2) & 0x1f) + 1;
      if (index + run > HLL_REGISTERS) return false;
      while (run-- > 0) {
        if (value > max[index]) max[index] = value;
        index++;
      }
      p++;
    }
  }
  return index === HLL_REGISTERS;
}

const histogram = new Int32Array(64);

/** The register histogram of an HLL's bytes; false when its sparse code is corrupt. */
function histogramOf(bytes: Uint8Array, at: number, length: number): boolean {
  histogram.fill(0);
  if (bytes[at + ENCODING_AT] === HLL_DENSE) {
    const registersAt = at + HLL_HEADER_BYTES;
    for (let i = 0; i < HLL_REGISTERS; i++) histogram[denseGet(bytes, registersAt, i)]++;
    return true;
  }
  const end = at + length;
  let p = at + HLL_HEADER_BYTES;
  let index = 0;
  let valid = true;
  while (p < end) {
    const op = bytes[p];
    let run: number;
    let value = 0;
    if ((op & 0xc0) === 0) {
      run = (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      run = (((op & 0x3f) << 8) | byteAt(bytes, p + 1, end)) + 1;
      p += 2;
    } else {
      run = (op & 3) + 1;
      value = ((op >>> 2) & 0x1f) + 1;
      p++;
    }
    if (run + index > HLL_REGISTERS) {
      valid = false;
      break;
    }
    index += run;
    histogram[value] += run;
  }
  return valid && index === HLL_REGISTERS;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (previous !== z);
  return z / 3;
}

/** Ertl's improved estimate from the histogram. */
function estimate(): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[Q + 1]) / m);
  for (let j = Q; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * sigma(histogram[0] / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** The estimated cardinality of an HLL's bytes (checked by isHll), or -1 when its sparse code is corrupt. */
export function countOf(bytes: Uint8Array, at: number, length: number): number {
  return histogramOf(bytes, at, length) ? estimate() : -1;
}

/** The estimated cardinality of one-byte-per-register registers (the union PFCOUNT of several keys builds). */
export function countOfRegisters(registers: Uint8Array): number {
  histogram.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i] & 63]++;
  return estimate();
}

/** PFDEBUG DECODE's text of a sparse code: z:N, Z:N and v:VALUE,N, space-separated. */
export function decodeSparse(bytes: Uint8Array, at: number, length: number): string {
  const end = at + length;
  const parts: string[] = [];
  let p = at + HLL_HEADER_BYTES;
  while (p < end) {
    const op = bytes[p];
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | byteAt(bytes, p + 1, end)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}

// ---- PFSELFTEST ----

/** Redis's PFSELFTEST: register access over random values, then estimates of dense and sparse HLLs agreeing and within bounds. Null when it passes, else the failure. */
export function selfTest(maxBytes: number, random: () => number): string | null {
  const registers = new Uint8Array(HLL_DENSE_BYTES + 1);
  const model = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < 1000; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = random() & REGISTER_MAX;
      model[i] = r;
      denseWrite(registers, HLL_HEADER_BYTES, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const value = denseGet(registers, HLL_HEADER_BYTES, i);
      if (value !== model[i]) return `TESTFAILED Register ${i} should be ${model[i]} but is ${value}`;
    }
  }
  registers.fill(0);
  registers[ENCODING_AT] = HLL_DENSE;
  workNew();
  const relativeError = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = random() >>> 0;
  const seedHi = random() >>> 0;
  for (let j = 1; j <= 10000000; j++) {
    const lo = (j ^ seedLo) >>> 0;
    const count = wordElementCount(lo, seedHi);
    denseSet(registers, HLL_HEADER_BYTES, elementRegister, count);
    if (work[ENCODING_AT] === HLL_DENSE) denseSet(work, HLL_HEADER_BYTES, elementRegister, count);
    else workSparseSet(elementRegister, count, maxBytes);
    if (j !== checkpoint) continue;
    if (j < maxBytes / 2 && work[ENCODING_AT] !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
    const denseCount = countOf(registers, 0, HLL_DENSE_BYTES);
    if (denseCount !== countOf(work, 0, workLength)) return 'TESTFAILED dense/sparse disagree';
    const maxError = j === 10 ? 1 : Math.ceil(relativeError * 6 * checkpoint);
    const absoluteError = Math.abs(checkpoint - denseCount);
    if (absoluteError > maxError) return `TESTFAILED Too big error. card:${checkpoint} abserr:${absoluteError}`;
    checkpoint *= 10;
  }
  return null;
}
