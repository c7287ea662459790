// Reading the pieces of Redis's RDB format (see rdb-output.ts), from a
// buffer that holds the whole payload. Every read checks its bounds: bad
// input throws an RdbFormatError, never reads past the end, and never
// allocates more than the input could hold.

import { lzfDecompress } from '../lzf.ts';
import { RdbEncoding, RdbFormatError } from './rdb-types.ts';


/** The largest string a payload may announce (Redis's proto-max-bulk-len ceiling). */
const MAX_STRING = 512 * 1024 * 1024;

const scratchDouble = new Float64Array(1);
const scratchDoubleBytes = new Uint8Array(scratchDouble.buffer);

export class RdbInput {
  readonly bytes: Buffer;
  at: number;
  readonly end: number;
  /** Set by len() when the length was a special string encoding (11xxxxxx): its code. */
  encoded = -1;

  constructor(bytes: Buffer, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.at = start;
    this.end = end;
  }

  fail(what: string): never {
    throw new RdbFormatError(what);
  }

  private need(count: number): void {
    if (this.at + count > this.end) this.fail('unexpected end of data');
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.at++];
  }

  raw(count: number): Buffer {
    this.need(count);
    const slice = this.bytes.subarray(this.at, this.at + count);
    this.at += count;
    return slice;
  }

  /** An RDB length as a bigint (64-bit lengths included); `encoded` tells a special string encoding. */
  lenBig(): bigint {
    const first = this.byte();
    this.encoded = -1;
    switch (first >> 6) {
      case 0:
        return BigInt(first & 0x3f);
      case 1:
        return BigInt(((first & 0x3f) << 8) | this.byte());
      case 2:
        if (first === 0x80) {
          this.need(4);
          const value = this.bytes.readUInt32BE(this.at);
          this.at += 4;
          return BigInt(value);
        }
        if (first === 0x81) {
          this.need(8);
          const value = this.bytes.readBigUInt64BE(this.at);
          this.at += 8;
          return value;
        }
        return this.fail('unknown length encoding');
      default:
        this.encoded = first & 0x3f;
        return 0n;
    }
  }

  /** An RDB length that must fit a safe integer (counts, lengths). */
  len(): number {
    const value = this.lenBig();
    if (this.encoded >= 0) this.fail('an encoded string where a length was expected');
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('length out of range');
    return Number(value);
  }

  /** A count of items each taking at least one byte: never more than the bytes left. */
  count(): number {
    const value = this.len();
    if (value > this.end - this.at) this.fail('count larger than the data');
    return value;
  }

  /** A string, decoded from its integer or LZF form where it has one. */
  string(): Buffer {
    const length = this.lenBig();
    if (this.encoded < 0) {
      if (length > BigInt(MAX_STRING)) this.fail('string too long');
      return this.raw(Number(length));
    }
    switch (this.encoded) {
      case RdbEncoding.Int8: {
        this.need(1);
        const value = this.bytes.readInt8(this.at);
        this.at += 1;
        return Buffer.from(String(value));
      }
      case RdbEncoding.Int16: {
        this.need(2);
        const value = this.bytes.readInt16LE(this.at);
        this.at += 2;
        return Buffer.from(String(value));
      }
      case RdbEncoding.Int32: {
        this.need(4);
        const value = this.bytes.readInt32LE(this.at);
        this.at += 4;
        return Buffer.from(String(value));
      }
      case RdbEncoding.Lzf: {
        const compressed = this.len();
        const length = this.len();
        if (length > MAX_STRING || compressed > this.end - this.at) this.fail('bad LZF string');
        const output = Buffer.allocUnsafe(length);
        const written = lzfDecompress(this.bytes, this.at, compressed, output, 0, length);
        if (written !== length) this.fail('bad LZF string');
        this.at += compressed;
        return output;
      }
      default:
        return this.fail('unknown string encoding');
    }
  }

  binaryDouble(): number {
    this.need(8);
    for (let i = 0; i < 8; i++) scratchDoubleBytes[i] = this.bytes[this.at + i];
    this.at += 8;
    return scratchDouble[0];
  }

  /** The old zset score form: a length byte (253 nan, 254 +inf, 255 -inf) then the score as text. */
  textDouble(): number {
    const length = this.byte();
    if (length === 253) return NaN;
    if (length === 254) return Infinity;
    if (length === 255) return -Infinity;
    const value = Number(this.raw(length).toString('latin1'));
    if (Number.isNaN(value)) this.fail('bad score');
    return value;
  }

  milliseconds(): bigint {
    this.need(8);
    const value = this.bytes.readBigInt64LE(this.at);
    this.at += 8;
    return value;
  }

  u32LE(): number {
    this.need(4);
    const value = this.bytes.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }
}
