// Bit algorithms over a string's bytes, read and written in place (the arena's
// bytes, or any Uint8Array): population count over a bit range, the first
// bit of a value in a range, BITOP's combination, and BITFIELD's integers of
// 1 to 64 bits with their overflow rules. Bit 0 is the most significant bit
// of the first byte, as in Redis. Argument parsing lives in
// commands/bitmaps.ts; nothing here allocates per call but BITFIELD's bigints.

/** Set bits in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >>> 1];

/** Set bits of bytes[start, start + length). */
export function popcount(bytes: Uint8Array, start: number, length: number): number {
  let count = 0;
  const end = start + length;
  let i = start;
  for (; i + 4 <= end; i += 4) count += POPCOUNT[bytes[i]] + POPCOUNT[bytes[i + 1]] + POPCOUNT[bytes[i + 2]] + POPCOUNT[bytes[i + 3]];
  for (; i < end; i++) count += POPCOUNT[bytes[i]];
  return count;
}

/**
 * Set bits between bit `from` and bit `to` (both included, from <= to) of
 * the string at bytes[start...], which must hold bit `to`.
 */
export function countBits(bytes: Uint8Array, start: number, from: number, to: number): number {
  const firstByte = Math.floor(from / 8);
  const lastByte = Math.floor(to / 8);
  // The edge bytes' bits outside the range, as masks.
  const headMask = 0xff >>> (from % 8);
  const tailMask = (0xff << (7 - (to % 8))) & 0xff;
  if (firstByte === lastByte) return POPCOUNT[bytes[start + firstByte] & headMask & tailMask];
  return POPCOUNT[bytes[start + firstByte] & headMask] + popcount(bytes, start + firstByte + 1, lastByte - firstByte - 1) + POPCOUNT[bytes[start + lastByte] & tailMask];
}

/**
 * The first bit equal to `bit` between bit `from` and bit `to` (both
 * included, from <= to) of the string at bytes[start...], which must hold
 * bit `to`; -1 when there is none.
 */
export function findBit(bytes: Uint8Array, start: number, from: number, to: number, bit: number): number {
  // Looking for a 0 is looking for a 1 in the inverted bytes.
  const flip = bit === 1 ? 0 : 0xff;
  const firstByte = Math.floor(from / 8);
  const lastByte = Math.floor(to / 8);
  const headMask = 0xff >>> (from % 8);
  const tailMask = (0xff << (7 - (to % 8))) & 0xff;
  let byte = firstByte;
  let value = (bytes[start + byte] ^ flip) & headMask;
  if (byte === lastByte) value &= tailMask;
  while (value === 0) {
    if (++byte > lastByte) return -1;
    value = bytes[start + byte] ^ flip;
    if (byte === lastByte) value &= tailMask;
  }
  return byte * 8 + Math.clz32(value) - 24;
}

/** The value of bit `offset` of a string of `length` bytes at bytes[start...] (0 past its end). */
export function getBit(bytes: Uint8Array, start: number, length: number, offset: number): number {
  const byte = Math.floor(offset / 8);
  if (byte >= length) return 0;
  return (bytes[start + byte] >>> (7 - (offset % 8))) & 1;
}

export const BitOp = { And: 0, Or: 1, Xor: 2, Not: 3 } as const;
export type BitOp = (typeof BitOp)[keyof typeof BitOp];

/**
 * BITOP: combines the sources (source i is lengths[i] bytes of
 * sources[i] from starts[i]; shorter ones count as zero-padded) into
 * target[0, length), where length is the longest source's. NOT takes one
 * source.
 */
export function combineBits(op: BitOp, sources: readonly Uint8Array[], starts: readonly number[], lengths: readonly number[], count: number, target: Uint8Array, length: number): void {
  if (op === BitOp.Not) {
    const source = sources[0];
    const start = starts[0];
    for (let j = 0; j < length; j++) target[j] = ~source[start + j] & 0xff;
    return;
  }
  // The first source, then each other one over it, byte runs at a time.
  const firstLength = lengths[0];
  const first = sources[0];
  const firstStart = starts[0];
  for (let j = 0; j < firstLength; j++) target[j] = first[firstStart + j];
  target.fill(0, firstLength, length);
  for (let i = 1; i < count; i++) {
    const source = sources[i];
    const start = starts[i];
    const sourceLength = lengths[i];
    if (op === BitOp.And) {
      for (let j = 0; j < sourceLength; j++) target[j] &= source[start + j];
      target.fill(0, sourceLength, length);
    } else if (op === BitOp.Or) {
      for (let j = 0; j < sourceLength; j++) target[j] |= source[start + j];
    } else {
      for (let j = 0; j < sourceLength; j++) target[j] ^= source[start + j];
    }
  }
}

// --- BITFIELD's integers ---

export const Overflow = { Wrap: 0, Sat: 1, Fail: 2 } as const;
export type Overflow = (typeof Overflow)[keyof typeof Overflow];

/**
 * The `bits`-bit unsigned integer (1 to 64 bits) at bit `offset` of a string
 * of `length` bytes at bytes[start...], the bits past its end read as 0.
 */
export function readUnsigned(bytes: Uint8Array, start: number, length: number, offset: number, bits: number): bigint {
  // Up to 32 bits at a time in a number; bigints only to join the halves.
  if (bits <= 32) return BigInt(readSmall(bytes, start, length, offset, bits));
  const high = readSmall(bytes, start, length, offset, bits - 32);
  const low = readSmall(bytes, start, length, offset + bits - 32, 32);
  return (BigInt(high) << 32n) | BigInt(low);
}

/** `bits` (1 to 32) bits at bit `offset`, as an unsigned number. */
function readSmall(bytes: Uint8Array, start: number, length: number, offset: number, bits: number): number {
  let value = 0;
  let position = offset;
  const end = offset + bits;
  while (position < end) {
    const byte = Math.floor(position / 8);
    const inByte = position % 8;
    const take = Math.min(8 - inByte, end - position);
    const source = byte < length ? bytes[start + byte] : 0;
    const chunk = (source >>> (8 - inByte - take)) & ((1 << take) - 1);
    value = value * 2 ** take + chunk;
    position += take;
  }
  return value;
}

/** The `bits`-bit two's complement integer at bit `offset` (as readUnsigned). */
export function readSigned(bytes: Uint8Array, start: number, length: number, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, readUnsigned(bytes, start, length, offset, bits));
}

/** Writes the low `bits` bits of `value` at bit `offset` of the bytes at bytes[start...], which must hold them. */
export function writeBits(bytes: Uint8Array, start: number, offset: number, bits: number, value: bigint): void {
  const unsigned = BigInt.asUintN(bits, value);
  if (bits <= 32) {
    writeSmall(bytes, start, offset, bits, Number(unsigned));
    return;
  }
  writeSmall(bytes, start, offset, bits - 32, Number(unsigned >> 32n));
  writeSmall(bytes, start, offset + bits - 32, 32, Number(unsigned & 0xffffffffn));
}

function writeSmall(bytes: Uint8Array, start: number, offset: number, bits: number, value: number): void {
  // From the last bit back, so the value's low bits go first.
  let position = offset + bits;
  let rest = value;
  while (position > offset) {
    const inByte = (position - 1) % 8;
    const take = Math.min(inByte + 1, position - offset);
    const shift = 7 - inByte;
    const mask = ((1 << take) - 1) << shift;
    const byte = start + Math.floor((position - 1) / 8);
    bytes[byte] = (bytes[byte] & ~mask) | (((rest % 2 ** take) << shift) & mask);
    rest = Math.floor(rest / 2 ** take);
    position -= take;
  }
}

const INT64 = (value: bigint): bigint => BigInt.asIntN(64, value);

/**
 * What SET or INCRBY leaves in a field: `value` (the old value for INCRBY,
 * the new one for SET) plus `increment` (0 for SET), within `bits` bits
 * signed or not, under the overflow rule; null when FAIL refuses. As Redis,
 * the range checks run on 64-bit integers, wrapping where C's do (a SET of
 * a value far below a signed field's range saturates to its maximum).
 */
export function fieldResult(value: bigint, increment: bigint, signed: boolean, bits: number, overflow: Overflow): bigint | null {
  let direction = 0;
  if (signed) {
    const max = bits === 64 ? 0x7fffffffffffffffn : (1n << BigInt(bits - 1)) - 1n;
    const min = -max - 1n;
    const maxIncrement = INT64(max - value);
    const minIncrement = INT64(min - value);
    if (value > max || (bits !== 64 && increment > maxIncrement) || (value >= 0n && increment > 0n && increment > maxIncrement)) direction = 1;
    else if (value < min || (bits !== 64 && increment < minIncrement) || (value < 0n && increment < 0n && increment < minIncrement)) direction = -1;
    if (direction === 0) return value + increment;
    if (overflow === Overflow.Fail) return null;
    if (overflow === Overflow.Sat) return direction > 0 ? max : min;
    return BigInt.asIntN(bits, value + increment);
  }
  const unsigned = BigInt.asUintN(64, value);
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncrement = INT64(max - unsigned);
  const minIncrement = INT64(-unsigned);
  if (unsigned > max || (increment > 0n && increment > maxIncrement)) direction = 1;
  else if (increment < 0n && increment < minIncrement) direction = -1;
  if (direction === 0) return unsigned + increment;
  if (overflow === Overflow.Fail) return null;
  if (overflow === Overflow.Sat) return direction > 0 ? max : 0n;
  return BigInt.asUintN(bits, unsigned + increment);
}
