// Redis's listpack, the byte form its RDB files carry for small hashes,
// sorted sets, list nodes and stream nodes (we hold our own packed form,
// types/listpack.ts, and convert at the file's edge):
//
//   total bytes (u32 LE) | element count (u16 LE, 65535: unknown) | entries | 0xff
//   entry: encoding+data, then its back-length (the encoding+data size in
//   7-bit groups, most significant first, the high bit set on all but the first)
//
//   0xxxxxxx            7-bit unsigned integer
//   10xxxxxx            string up to 63 bytes
//   110xxxxx yyyyyyyy   13-bit signed integer
//   1110xxxx yyyyyyyy   string up to 4095 bytes (length big-endian)
//   11110000 + u32 LE   longer string
//   0xf1 / f2 / f3 / f4 16 / 24 / 32 / 64-bit signed integer, little-endian
//
// A string that is the canonical decimal form of an int64 is written as an
// integer, as Redis does.

import { RdbFormatError } from './rdb-types.ts';
import { grownBuffer } from './grown-buffer.ts';
import { parseInteger } from '../../protocol/args.ts';

const HEADER = 6;
const EOF = 0xff;
const UNKNOWN_COUNT = 65535;

/** The int64 a string is the canonical decimal form of (Redis's string2ll), or null. */
export function canonicalInt64(bytes: Uint8Array, start: number, length: number): bigint | null {
  if (length === 0 || length > 20) return null;
  const first = bytes[start];
  if (first !== 0x2d && (first < 0x30 || first > 0x39)) return null;
  return parseInteger(bytes.subarray(start, start + length));
}

function backlenSize(length: number): number {
  if (length <= 127) return 1;
  if (length < 16383) return 2;
  if (length < 2097151) return 3;
  if (length < 268435455) return 4;
  return 5;
}

/** Builds one Redis listpack; reused between builds. */
export class RedisListpackBuilder {
  private buffer: Buffer = Buffer.allocUnsafeSlow(1024);
  private length = HEADER;
  private count = 0;

  begin(): void {
    this.length = HEADER;
    this.count = 0;
  }

  get entries(): number {
    return this.count;
  }

  /** Bytes the listpack would take if finished now. */
  get bytes(): number {
    return this.length + 1;
  }

  private ensure(more: number): void {
    if (this.length + more > this.buffer.length) this.buffer = grownBuffer(this.buffer, this.length, this.length + more);
  }

  private backlen(size: number): void {
    const b = this.buffer;
    const n = backlenSize(size);
    for (let i = 0; i < n; i++) {
      const shift = 7 * (n - 1 - i);
      const group = Math.floor(size / 2 ** shift) & 127;
      b[this.length++] = i === 0 ? group : group | 128;
    }
  }

  /** Appends a string, as an integer when it is an int64's canonical form. */
  pushString(bytes: Uint8Array, start = 0, length = bytes.length): void {
    const integer = canonicalInt64(bytes, start, length);
    if (integer !== null) {
      this.pushInteger(integer);
      return;
    }
    this.ensure(length + 10);
    const b = this.buffer;
    const mark = this.length;
    if (length < 64) {
      b[this.length++] = 0x80 | length;
    } else if (length < 4096) {
      b[this.length++] = 0xe0 | (length >>> 8);
      b[this.length++] = length & 0xff;
    } else {
      b[this.length++] = 0xf0;
      b.writeUInt32LE(length, this.length);
      this.length += 4;
    }
    for (let i = 0; i < length; i++) b[this.length + i] = bytes[start + i];
    this.length += length;
    this.backlen(this.length - mark);
    this.count++;
  }

  pushInteger(value: bigint | number): void {
    this.ensure(10);
    const b = this.buffer;
    const mark = this.length;
    const v = BigInt(value);
    if (v >= 0n && v <= 127n) {
      b[this.length++] = Number(v);
    } else if (v >= -4096n && v <= 4095n) {
      const u = Number(v) & 0x1fff;
      b[this.length++] = 0xc0 | (u >>> 8);
      b[this.length++] = u & 0xff;
    } else if (v >= -32768n && v <= 32767n) {
      b[this.length++] = 0xf1;
      b.writeInt16LE(Number(v), this.length);
      this.length += 2;
    } else if (v >= -8388608n && v <= 8388607n) {
      b[this.length++] = 0xf2;
      b.writeIntLE(Number(v), this.length, 3);
      this.length += 3;
    } else if (v >= -2147483648n && v <= 2147483647n) {
      b[this.length++] = 0xf3;
      b.writeInt32LE(Number(v), this.length);
      this.length += 4;
    } else {
      b[this.length++] = 0xf4;
      b.writeBigInt64LE(v, this.length);
      this.length += 8;
    }
    this.backlen(this.length - mark);
    this.count++;
  }

  /** The finished listpack (a view, valid until the next build). */
  finish(): Buffer {
    this.ensure(1);
    this.buffer[this.length] = EOF;
    const total = this.length + 1;
    this.buffer.writeUInt32LE(total, 0);
    this.buffer.writeUInt16LE(this.count < UNKNOWN_COUNT ? this.count : UNKNOWN_COUNT, 4);
    return this.buffer.subarray(0, total);
  }
}

/**
 * Walks a Redis listpack's entries, checking each lies inside it: `next()`
 * steps to the following entry (false at the end); then either `isInteger`
 * and `integer`, or the string at `start`, `length` of `bytes`.
 */
export class RedisListpackReader {
  bytes: Uint8Array = new Uint8Array(0);
  private at = 0;
  private end = 0;
  isInteger = false;
  integer = 0n;
  start = 0;
  length = 0;

  open(bytes: Uint8Array): void {
    if (bytes.length < HEADER + 1) throw new RdbFormatError('listpack too short');
    const total = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
    if (total !== bytes.length || bytes[total - 1] !== EOF) throw new RdbFormatError('bad listpack header');
    this.bytes = bytes;
    this.at = HEADER;
    this.end = total - 1;
  }

  /** The count the header announces (65535: count them). */
  announcedCount(): number {
    return this.bytes[4] | (this.bytes[5] << 8);
  }

  private need(at: number, count: number): void {
    if (at + count > this.end) throw new RdbFormatError('listpack entry out of bounds');
  }

  next(): boolean {
    const b = this.bytes;
    let at = this.at;
    if (at >= this.end) return false;
    const first = b[at];
    const entryStart = at;
    this.isInteger = true;
    if (first < 0x80) {
      this.integer = BigInt(first);
      at += 1;
    } else if (first < 0xc0) {
      this.isInteger = false;
      this.length = first & 0x3f;
      this.start = at + 1;
      at = this.start + this.length;
    } else if (first < 0xe0) {
      this.need(at, 2);
      let u = ((first & 0x1f) << 8) | b[at + 1];
      if (u >= 4096) u -= 8192;
      this.integer = BigInt(u);
      at += 2;
    } else if (first < 0xf0) {
      this.need(at, 2);
      this.isInteger = false;
      this.length = ((first & 0x0f) << 8) | b[at + 1];
      this.start = at + 2;
      at = this.start + this.length;
    } else {
      const view = Buffer.from(b.buffer, b.byteOffset, b.length);
      switch (first) {
        case 0xf0:
          this.need(at, 5);
          this.isInteger = false;
          this.length = view.readUInt32LE(at + 1);
          this.start = at + 5;
          at = this.start + this.length;
          break;
        case 0xf1:
          this.need(at, 3);
          this.integer = BigInt(view.readInt16LE(at + 1));
          at += 3;
          break;
        case 0xf2:
          this.need(at, 4);
          this.integer = BigInt(view.readIntLE(at + 1, 3));
          at += 4;
          break;
        case 0xf3:
          this.need(at, 5);
          this.integer = BigInt(view.readInt32LE(at + 1));
          at += 5;
          break;
        case 0xf4:
          this.need(at, 9);
          this.integer = view.readBigInt64LE(at + 1);
          at += 9;
          break;
        default:
          throw new RdbFormatError('bad listpack entry encoding');
      }
    }
    if (at > this.end) throw new RdbFormatError('listpack entry out of bounds');
    at += backlenSize(at - entryStart);
    if (at > this.end) throw new RdbFormatError('listpack entry out of bounds');
    this.at = at;
    return true;
  }

  /** The current entry as bytes: a string's own bytes, or an integer's decimal form. */
  value(): Uint8Array {
    if (this.isInteger) return Buffer.from(this.integer.toString(), 'latin1');
    return this.bytes.subarray(this.start, this.start + this.length);
  }

  /** The current entry as an integer (a stream node's numbers); throws if it is not one. */
  int(): bigint {
    if (this.isInteger) return this.integer;
    const parsed = canonicalInt64(this.bytes, this.start, this.length);
    if (parsed === null) throw new RdbFormatError('listpack entry is not an integer');
    return parsed;
  }
}

/** Shared by the value types' RDB hooks (one thread runs one at a time). */
export const redisListpackBuilder = new RedisListpackBuilder();
export const redisListpackReader = new RedisListpackReader();
