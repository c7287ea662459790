// The compact form of a small set of integers, after Redis's intset: its
// members as a sorted array of distinct signed 64-bit integers, all of one
// width (2, 4 or 8 bytes), wide enough for every member. Adding a wider
// value upgrades the whole array; as in Redis, removing one never narrows it.
//
//   byte 0     width of each value: 2, 4 or 8
//   bytes 1-4  number of values (u32, little-endian)
//   then the values, ascending, little-endian two's complement
//
// The form is a key's value bytes, read in place: readers take (bytes,
// start), a segment's byte view and where the form starts (the header gives
// its length), and never allocate but for the bigints they return. 2- and
// 4-byte values are compared as numbers, 8-byte ones as two 32-bit halves.
// Writers build a whole new form in a reusable IntsetWriter; the caller then
// stores its view with the store's API.

import { copyBytes } from '../../util/copy-bytes.ts';

export type IntsetWidth = 2 | 4 | 8;

/** Bytes before the first value. */
export const INTSET_HEADER_BYTES = 5;

const INT16_MIN = -32768n;
const INT16_MAX = 32767n;
const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const TWO_32 = 4294967296;
/** An 8-byte value whose high half is in [-2^21, 2^21) is a safe integer as high * 2^32 + low. */
const SAFE_HIGH = 1 << 21;
/** Forms bigger than this are not worth keeping a scratch buffer for between writes. */
const KEEP_CAPACITY = 64 * 1024;

/** The width a value needs; a RangeError outside int64. */
export function widthFor(value: bigint): IntsetWidth {
  if (value >= INT16_MIN && value <= INT16_MAX) return 2;
  if (value >= INT32_MIN && value <= INT32_MAX) return 4;
  if (value >= INT64_MIN && value <= INT64_MAX) return 8;
  throw new RangeError(`${value} is outside int64`);
}

/** Bytes of a form of `count` values of `width` bytes. */
export function intsetByteLength(width: IntsetWidth, count: number): number {
  return INTSET_HEADER_BYTES + width * count;
}

// ---- Reading ----

export function intsetWidth(bytes: Uint8Array, start: number): IntsetWidth {
  return bytes[start] as IntsetWidth;
}

export function intsetCount(bytes: Uint8Array, start: number): number {
  return readI32(bytes, start + 1) >>> 0;
}

/** Bytes the form takes, from its header. */
export function intsetLength(bytes: Uint8Array, start: number): number {
  return INTSET_HEADER_BYTES + intsetWidth(bytes, start) * intsetCount(bytes, start);
}

function readI16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] | (bytes[at + 1] << 8)) << 16) >> 16;
}

function readI32(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

/** A 2- or 4-byte value as a number. */
function readNarrow(bytes: Uint8Array, at: number, width: number): number {
  return width === 2 ? readI16(bytes, at) : readI32(bytes, at);
}

// The halves of the last value read or split, kept here rather than returned
// in an array: the high half signed, the low half unsigned.
let high = 0;
let low = 0;

/** Sets high/low to the halves of the value at `at`, of any width. */
function readHalves(bytes: Uint8Array, at: number, width: number): void {
  if (width === 8) {
    low = readI32(bytes, at) >>> 0;
    high = readI32(bytes, at + 4);
  } else {
    const value = readNarrow(bytes, at, width);
    low = value >>> 0;
    high = value < 0 ? -1 : 0;
  }
}

// An int64 stored into a one-value BigInt64Array is split without allocating; reading it back makes one bigint.
const splitter = new BigInt64Array(1);
const splitterWords = new Int32Array(splitter.buffer);
const SPLIT_LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** Sets high/low to the halves of a value, which must be within int64 (the array would wrap it). */
function splitValue(value: bigint): void {
  splitter[0] = value;
  low = splitterWords[SPLIT_LOW] >>> 0;
  high = splitterWords[1 - SPLIT_LOW];
}

/** The current halves as a bigint. */
function halvesToBigInt(): bigint {
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) return BigInt(high * TWO_32 + low);
  splitterWords[SPLIT_LOW] = low;
  splitterWords[1 - SPLIT_LOW] = high;
  return splitter[0];
}

/**
 * The index of `value` when the form holds it; else -(insertion point) - 1,
 * where the insertion point is the index it would take.
 */
export function intsetFind(bytes: Uint8Array, start: number, value: bigint): number {
  const width = intsetWidth(bytes, start);
  const count = intsetCount(bytes, start);
  if (count === 0) return -1;
  const base = start + INTSET_HEADER_BYTES;
  if (width !== 8) {
    if (value < (width === 2 ? INT16_MIN : INT32_MIN)) return -1;
    if (value > (width === 2 ? INT16_MAX : INT32_MAX)) return -count - 1;
    return searchNarrow(bytes, base, width, count, Number(value));
  }
  if (value < INT64_MIN) return -1;
  if (value > INT64_MAX) return -count - 1;
  splitValue(value);
  return searchWide(bytes, base, count, high, low);
}

function searchNarrow(bytes: Uint8Array, base: number, width: number, count: number, needle: number): number {
  // Appending ascending values is common (SADD 1 2 3...): the last one first.
  const last = readNarrow(bytes, base + (count - 1) * width, width);
  if (needle > last) return -count - 1;
  if (needle === last) return count - 1;
  let lo = 0;
  let hi = count - 2;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const probe = readNarrow(bytes, base + mid * width, width);
    if (probe < needle) lo = mid + 1;
    else if (probe > needle) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function searchWide(bytes: Uint8Array, base: number, count: number, needleHigh: number, needleLow: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = base + mid * 8;
    const probeHigh = readI32(bytes, at + 4);
    const probeLow = readI32(bytes, at) >>> 0;
    if (probeHigh < needleHigh || (probeHigh === needleHigh && probeLow < needleLow)) lo = mid + 1;
    else if (probeHigh !== needleHigh || probeLow !== needleLow) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

export function intsetContains(bytes: Uint8Array, start: number, value: bigint): boolean {
  return intsetFind(bytes, start, value) >= 0;
}

function checkIndex(bytes: Uint8Array, start: number, index: number): void {
  if (!(index >= 0 && index < intsetCount(bytes, start))) throw new RangeError(`index ${index} is outside the intset`);
}

/** The value at `index` (0 is the smallest); a RangeError outside the form. */
export function intsetGet(bytes: Uint8Array, start: number, index: number): bigint {
  checkIndex(bytes, start, index);
  const width = intsetWidth(bytes, start);
  const at = start + INTSET_HEADER_BYTES + index * width;
  if (width !== 8) return BigInt(readNarrow(bytes, at, width));
  readHalves(bytes, at, 8);
  return halvesToBigInt();
}

/** The smallest value; the form must not be empty. */
export function intsetMin(bytes: Uint8Array, start: number): bigint {
  return intsetGet(bytes, start, 0);
}

/** The largest value; the form must not be empty. */
export function intsetMax(bytes: Uint8Array, start: number): bigint {
  return intsetGet(bytes, start, intsetCount(bytes, start) - 1);
}

/** Longest decimal text of an int64 ("-9223372036854775808"). */
export const MAX_DECIMAL_LENGTH = 20;

/**
 * Writes the decimal text of the value at `index` into `target` at `at`
 * (room for MAX_DECIMAL_LENGTH bytes needed); returns the bytes written.
 * Without a bigint or string: replies send members as decimal text.
 */
export function intsetWriteDecimal(bytes: Uint8Array, start: number, index: number, target: Uint8Array, at: number): number {
  checkIndex(bytes, start, index);
  const width = intsetWidth(bytes, start);
  const position = start + INTSET_HEADER_BYTES + index * width;
  if (width !== 8) return writeSafeInteger(readNarrow(bytes, position, width), target, at);
  readHalves(bytes, position, 8);
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) return writeSafeInteger(high * TWO_32 + low, target, at);
  // Past 2^53: the magnitude's halves divided by 10^5 keep every step exact in doubles.
  let magnitudeHigh = high >>> 0;
  let magnitudeLow = low;
  let written = 0;
  if (high < 0) {
    magnitudeLow = (~low + 1) >>> 0;
    magnitudeHigh = (~high + (magnitudeLow === 0 ? 1 : 0)) >>> 0;
    target[at] = 0x2d; // '-'
    written = 1;
  }
  const quotientHigh = Math.floor(magnitudeHigh / 1e5);
  const partial = (magnitudeHigh - quotientHigh * 1e5) * TWO_32 + magnitudeLow;
  const quotientLow = Math.floor(partial / 1e5);
  let lastDigits = partial - quotientLow * 1e5;
  written += writeSafeInteger(quotientHigh * TWO_32 + quotientLow, target, at + written);
  for (let i = 4; i >= 0; i--) {
    target[at + written + i] = 48 + (lastDigits % 10);
    lastDigits = Math.floor(lastDigits / 10);
  }
  return written + 5;
}

/** Writes a safe integer in decimal; returns the bytes written. */
function writeSafeInteger(value: number, target: Uint8Array, at: number): number {
  let written = 0;
  if (value < 0) {
    target[at] = 0x2d; // '-'
    written = 1;
    value = -value;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  written += digits;
  let position = at + written;
  do {
    target[--position] = 48 + (value % 10);
    value = Math.floor(value / 10);
  } while (value > 0);
  return written;
}

/** Whether the bytes are a well-formed form: a known width, the length its header implies, values strictly ascending. */
export function intsetIsValid(bytes: Uint8Array, start: number, length: number): boolean {
  if (start < 0 || length < INTSET_HEADER_BYTES || start + length > bytes.length) return false;
  const width = intsetWidth(bytes, start);
  if (width !== 2 && width !== 4 && width !== 8) return false;
  const count = intsetCount(bytes, start);
  if (length !== intsetByteLength(width, count)) return false;
  const base = start + INTSET_HEADER_BYTES;
  for (let i = 1; i < count; i++) {
    readHalves(bytes, base + (i - 1) * width, width);
    const previousHigh = high;
    const previousLow = low;
    readHalves(bytes, base + i * width, width);
    if (previousHigh > high || (previousHigh === high && previousLow >= low)) return false;
  }
  return true;
}

// ---- Writing ----

// A value's halves as this platform lays out a BigInt64Array.
const LOW_WORD = SPLIT_LOW;
const HIGH_WORD = 1 - SPLIT_LOW;

/**
 * Builds forms into a growable buffer reused across calls. Every method that
 * returns a Buffer returns a view of the built form, valid until the writer
 * is used again; a form it built may itself be the source of the next edit
 * (the writer then builds into its other buffer), so edits chain. `changes`
 * tells how many values the last edit added or removed.
 */
export class IntsetWriter {
  buffer: Buffer;
  /** Bytes of the form built so far. */
  length = 0;
  /** Values of the form built so far. */
  count = 0;
  width: IntsetWidth = 2;
  /** Values the last edit added or removed. */
  changes = 0;
  private spare: Buffer | null = null;
  private readonly initialCapacity: number;
  // Values to add, sorted here (numeric sort of a typed array: no comparator), read back as halves.
  private sorting = new BigInt64Array(64);
  private sortingWords = new Int32Array(this.sorting.buffer);
  /** The width the values last sorted need. */
  private sortedWidth: IntsetWidth = 2;

  constructor(initialCapacity = 512) {
    this.initialCapacity = Math.max(initialCapacity, INTSET_HEADER_BYTES);
    this.buffer = Buffer.allocUnsafeSlow(this.initialCapacity);
  }

  /** Starts an empty form of `width`; `source`, when given, is a form the new one will be built from. */
  begin(width: IntsetWidth, source: Uint8Array | null = null): void {
    // Reading and writing the same buffer would overwrite the source.
    if (source !== null && source.buffer === this.buffer.buffer) {
      const spare = this.spare ?? Buffer.allocUnsafeSlow(this.initialCapacity);
      this.spare = this.buffer;
      this.buffer = spare;
    }
    if (this.buffer.length > KEEP_CAPACITY) this.buffer = Buffer.allocUnsafeSlow(this.initialCapacity);
    this.width = width;
    this.length = INTSET_HEADER_BYTES;
    this.count = 0;
  }

  /** Appends a value: it must be above every value so far and fit the width (a RangeError if not). */
  push(value: bigint): void {
    if (widthFor(value) > this.width) throw new RangeError(`${value} does not fit ${this.width} bytes`);
    splitValue(value);
    this.pushHalves();
  }

  /** Appends the value at `index` of another form (above every value so far, and fitting the width). */
  pushFrom(bytes: Uint8Array, start: number, index: number): void {
    checkIndex(bytes, start, index);
    const width = intsetWidth(bytes, start);
    readHalves(bytes, start + INTSET_HEADER_BYTES + index * width, width);
    this.pushHalves();
  }

  /** The form built so far. */
  view(): Buffer {
    const buffer = this.buffer;
    const count = this.count;
    buffer[0] = this.width;
    buffer[1] = count & 0xff;
    buffer[2] = (count >>> 8) & 0xff;
    buffer[3] = (count >>> 16) & 0xff;
    buffer[4] = count >>> 24;
    return buffer.subarray(0, this.length);
  }

  // ---- Edits: a new form from a stored one ----

  /** The form with `value` added, upgrading the width when it needs more; null when it is there already. */
  added(bytes: Uint8Array, start: number, value: bigint): Buffer | null {
    const width = intsetWidth(bytes, start);
    const valueWidth = widthFor(value);
    const found = valueWidth > width ? -1 : intsetFind(bytes, start, value);
    if (found >= 0) {
      this.changes = 0;
      return null;
    }
    const count = intsetCount(bytes, start);
    // A value too wide for the form lies past one end of it, as in Redis's upgrade.
    const position = valueWidth > width ? (value < 0n ? 0 : count) : -found - 1;
    const newWidth = valueWidth > width ? valueWidth : width;
    this.begin(newWidth, bytes);
    this.ensure(newWidth * (count + 1));
    this.copyValues(bytes, start, 0, position);
    splitValue(value);
    this.pushHalves();
    this.copyValues(bytes, start, position, count);
    this.changes = 1;
    return this.view();
  }

  /** The form without `value` (its width kept, as Redis does); null when it is not there. */
  removed(bytes: Uint8Array, start: number, value: bigint): Buffer | null {
    const found = intsetFind(bytes, start, value);
    if (found < 0) {
      this.changes = 0;
      return null;
    }
    const count = intsetCount(bytes, start);
    this.begin(intsetWidth(bytes, start), bytes);
    this.copyValues(bytes, start, 0, found);
    this.copyValues(bytes, start, found + 1, count);
    this.changes = 1;
    return this.view();
  }

  /**
   * The form with values[from..to) added (in any order, repeats allowed),
   * merged in one pass; null when it held them all. RangeError for a value
   * outside int64.
   */
  addedAll(bytes: Uint8Array, start: number, values: readonly bigint[], from = 0, to = values.length): Buffer | null {
    const sorted = this.sortValues(values, from, to);
    const words = this.sortingWords;
    const width = intsetWidth(bytes, start);
    const count = intsetCount(bytes, start);
    const base = start + INTSET_HEADER_BYTES;
    const newWidth = this.sortedWidth > width ? this.sortedWidth : width;
    this.begin(newWidth, bytes);
    this.ensure(newWidth * (count + sorted));
    let existing = 0;
    let added = 0;
    for (let next = 0; next < sorted; next++) {
      const addHigh = words[2 * next + HIGH_WORD];
      const addLow = words[2 * next + LOW_WORD] >>> 0;
      if (next > 0 && addHigh === words[2 * next - 2 + HIGH_WORD] && addLow === words[2 * next - 2 + LOW_WORD] >>> 0) continue;
      // Copy the existing values below it, then add it unless it is there.
      let present = false;
      while (existing < count) {
        readHalves(bytes, base + existing * width, width);
        if (high > addHigh || (high === addHigh && low > addLow)) break;
        existing++;
        if (high === addHigh && low === addLow) {
          present = true;
          this.pushHalves();
          break;
        }
        this.pushHalves();
      }
      if (!present) {
        high = addHigh;
        low = addLow;
        this.pushHalves();
        added++;
      }
    }
    this.copyValues(bytes, start, existing, count);
    this.changes = added;
    return added === 0 ? null : this.view();
  }

  /** A form of values[from..to) (in any order, repeats allowed), of the narrowest width that holds them. */
  fromValues(values: readonly bigint[], from = 0, to = values.length): Buffer {
    const sorted = this.sortValues(values, from, to);
    const words = this.sortingWords;
    const width = this.sortedWidth;
    this.begin(width);
    this.ensure(width * sorted);
    for (let i = 0; i < sorted; i++) {
      high = words[2 * i + HIGH_WORD];
      low = words[2 * i + LOW_WORD] >>> 0;
      if (i > 0 && high === words[2 * i - 2 + HIGH_WORD] && low === words[2 * i - 2 + LOW_WORD] >>> 0) continue;
      this.pushHalves();
    }
    this.changes = this.count;
    return this.view();
  }

  /** Sorts values[from..to) into the sorting scratch, and sets sortedWidth; returns how many there are. */
  private sortValues(values: readonly bigint[], from: number, to: number): number {
    const n = Math.max(0, to - from);
    if (n > this.sorting.length) {
      let capacity = this.sorting.length * 2;
      while (capacity < n) capacity *= 2;
      this.sorting = new BigInt64Array(capacity);
      this.sortingWords = new Int32Array(this.sorting.buffer);
    }
    const sorting = this.sorting;
    let width: IntsetWidth = 2;
    for (let i = 0; i < n; i++) {
      const value = values[from + i];
      const valueWidth = widthFor(value); // also a RangeError rather than BigInt64Array's silent wrap
      if (valueWidth > width) width = valueWidth;
      sorting[i] = value;
    }
    this.sortedWidth = width;
    sorting.subarray(0, n).sort();
    return n;
  }

  /** Copies the values at index [from, to) of a form, converted to this form's width. */
  private copyValues(bytes: Uint8Array, start: number, from: number, to: number): void {
    if (to <= from) return;
    const width = intsetWidth(bytes, start);
    const base = start + INTSET_HEADER_BYTES;
    this.ensure((to - from) * this.width);
    if (width === this.width) {
      const buffer = this.buffer;
      const source = base + from * width;
      const length = (to - from) * width;
      copyBytes(bytes, source, source + length, buffer, this.length);
      this.length += length;
      this.count += to - from;
      return;
    }
    for (let i = from; i < to; i++) {
      readHalves(bytes, base + i * width, width);
      this.pushHalves();
    }
  }

  /** Appends the value in high/low at this form's width (which it must fit). */
  private pushHalves(): void {
    this.ensure(this.width);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = low & 0xff;
    buffer[at++] = (low >>> 8) & 0xff;
    if (this.width !== 2) {
      buffer[at++] = (low >>> 16) & 0xff;
      buffer[at++] = low >>> 24;
      if (this.width === 8) {
        buffer[at++] = high & 0xff;
        buffer[at++] = (high >>> 8) & 0xff;
        buffer[at++] = (high >>> 16) & 0xff;
        buffer[at++] = high >>> 24;
      }
    }
    this.length = at;
    this.count++;
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafeSlow(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** A writer for the thread's own use: each thread has its own module instance. */
export const intsetWriter = new IntsetWriter();
