// Writing the pieces of Redis's RDB format (RDB version 10, as Redis 7.0):
// lengths, strings (integer-encoded or LZF-compressed where Redis would),
// binary doubles, millisecond times. One growable buffer, reused: a value's
// bytes are appended as they are read from the arena.
//
//   length: 00xxxxxx (6 bits) | 01xxxxxx xxxxxxxx (14 bits, big-endian)
//           | 0x80 + 32 bits big-endian | 0x81 + 64 bits big-endian
//   string: a length then the bytes; or 11000000 int8 | 11000001 int16 LE
//           | 11000010 int32 LE | 11000011 LZF (compressed length, length, data)

import { lzfCompress } from '../lzf.ts';
import { copyBytes } from '../../util/copy-bytes.ts';
import { grownBuffer } from './grown-buffer.ts';
import { canonicalInt64 } from './redis-listpack.ts';
import { RdbEncoding } from './rdb-types.ts';

export const RDB_VERSION = 10;

/** Below this many bytes a string is not worth compressing (Redis's threshold). */
const LZF_MIN_LENGTH = 20;
/** Longest string that may be an integer Redis writes as one (as "-2147483648"). */
const INTEGER_MAX_LENGTH = 11;


const scratchDouble = new Float64Array(1);
const scratchDoubleBytes = new Uint8Array(scratchDouble.buffer);

/** The value of a string that is the canonical decimal form of an int32, or null. */
function canonicalInt32(bytes: Uint8Array, start: number, length: number): number | null {
  if (length > INTEGER_MAX_LENGTH) return null;
  const value = canonicalInt64(bytes, start, length);
  return value !== null && value >= -2147483648n && value <= 2147483647n ? Number(value) : null;
}

export class RdbOutput {
  buffer: Buffer;
  length = 0;
  /** rdbcompression: strings over 20 bytes are LZF-compressed when it shrinks them. */
  compress = true;

  constructor(capacity = 4096) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }

  reset(): void {
    this.length = 0;
  }

  ensure(more: number): void {
    if (this.length + more > this.buffer.length) this.buffer = grownBuffer(this.buffer, this.length, this.length + more);
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  raw(bytes: Uint8Array, start = 0, length = bytes.length): void {
    this.ensure(length);
    copyBytes(bytes, start, start + length, this.buffer, this.length);
    this.length += length;
  }

  /** An RDB length (a non-negative integer below 2^64). */
  len(value: number | bigint): void {
    this.ensure(9);
    const b = this.buffer;
    if (typeof value === 'number' && value < 0x40) {
      b[this.length++] = value;
    } else if (typeof value === 'number' && value < 0x4000) {
      b[this.length++] = 0x40 | (value >>> 8);
      b[this.length++] = value & 0xff;
    } else if (typeof value === 'number' && value <= 0xffffffff) {
      b[this.length++] = 0x80;
      b.writeUInt32BE(value, this.length);
      this.length += 4;
    } else {
      b[this.length++] = 0x81;
      b.writeBigUInt64BE(BigInt.asUintN(64, BigInt(value)), this.length);
      this.length += 8;
    }
  }

  /** A string, as Redis's rdbSaveRawString writes it: an int32 as an integer, a long one compressed where that helps. */
  string(bytes: Uint8Array, start = 0, length = bytes.length): void {
    const integer = canonicalInt32(bytes, start, length);
    if (integer !== null) {
      this.integer(integer);
      return;
    }
    if (this.compress && length > LZF_MIN_LENGTH && this.lzf(bytes, start, length)) return;
    this.len(length);
    this.raw(bytes, start, length);
  }

  /** A string written with its bytes as they are (Redis's raw strings: stream node keys, listpacks' own bytes are still compressed). */
  plainString(bytes: Uint8Array, start = 0, length = bytes.length): void {
    this.len(length);
    this.raw(bytes, start, length);
  }

  /** A blob (a listpack, an intset): compressed where that helps, never integer-encoded. */
  blob(bytes: Uint8Array, start = 0, length = bytes.length): void {
    if (this.compress && length > LZF_MIN_LENGTH && this.lzf(bytes, start, length)) return;
    this.len(length);
    this.raw(bytes, start, length);
  }

  private integer(value: number): void {
    this.ensure(5);
    const b = this.buffer;
    if (value >= -128 && value <= 127) {
      b[this.length++] = 0xc0 | RdbEncoding.Int8;
      b.writeInt8(value, this.length);
      this.length += 1;
    } else if (value >= -32768 && value <= 32767) {
      b[this.length++] = 0xc0 | RdbEncoding.Int16;
      b.writeInt16LE(value, this.length);
      this.length += 2;
    } else {
      b[this.length++] = 0xc0 | RdbEncoding.Int32;
      b.writeInt32LE(value, this.length);
      this.length += 4;
    }
  }

  /** Writes the LZF form when it saves at least 4 bytes (as Redis); false otherwise, having written nothing. */
  private lzf(bytes: Uint8Array, start: number, length: number): boolean {
    const limit = length - 4;
    const mark = this.length;
    // Room for the header: the marker byte and two lengths of up to 5 bytes each.
    this.ensure(11 + limit);
    const dataAt = mark + 11;
    const compressed = lzfCompress(bytes, start, length, this.buffer, dataAt, limit);
    if (compressed === 0) return false;
    this.byte(0xc0 | RdbEncoding.Lzf);
    this.len(compressed);
    this.len(length);
    this.buffer.copy(this.buffer, this.length, dataAt, dataAt + compressed);
    this.length += compressed;
    return true;
  }

  /** A double as 8 little-endian bytes (RDB_TYPE_ZSET_2's scores). */
  binaryDouble(value: number): void {
    scratchDouble[0] = value;
    this.raw(scratchDoubleBytes, 0, 8);
  }

  /** A millisecond time (an expiry, a delivery time): 8 bytes, little-endian two's complement. */
  milliseconds(value: number | bigint): void {
    this.ensure(8);
    this.buffer.writeBigInt64LE(BigInt.asIntN(64, BigInt(value)), this.length);
    this.length += 8;
  }

  u32LE(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
  }
}
