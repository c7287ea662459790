// Builds RESP replies (RESP2 or RESP3) into one growable buffer per
// connection (or per ring batch), so a whole pipeline leaves in one write.

import { formatDouble } from './number-format.ts';
import { releasedBuffer } from '../util/memory-release.ts';
import { copyBytes as copyBytesOf } from '../util/copy-bytes.ts';

/** Below this size a byte loop beats TypedArray.set, which crosses into C++. */
const SMALL_COPY = 16;

/** Copies `bytes` into `target` at `at`; returns the position after them. */
function copyBytes(target: Buffer, at: number, bytes: Uint8Array): number {
  const length = bytes.length;
  if (length < SMALL_COPY) {
    for (let i = 0; i < length; i++) target[at + i] = bytes[i];
  } else {
    copyBytesOf(bytes, 0, length, target, at);
  }
  return at + length;
}

/** Copies `length` bytes of `source` from `start` into `target` at `at`; returns the position after them. */
function copyRange(target: Buffer, at: number, source: Uint8Array, start: number, length: number): number {
  if (length < SMALL_COPY) {
    for (let i = 0; i < length; i++) target[at + i] = source[start + i];
  } else {
    copyBytesOf(source, start, start + length, target, at);
  }
  return at + length;
}

export type Protocol = 2 | 3;

/** Told of every error reply written (the server's INFO errorstats counter implements it). */
export interface ErrorReplySink {
  count(message: string): void;
}

/** A writer grown past this by a big reply goes back to its first size once emptied. */
const SHRINK_ABOVE = 1024 * 1024;

export class ReplyWriter {
  buffer: Buffer;
  length = 0;
  proto: Protocol = 2;
  /** Counts error replies for INFO errorstats, when set. */
  errors: ErrorReplySink | null = null;
  private readonly initialCapacity: number;

  constructor(initialCapacity = 16 * 1024) {
    this.initialCapacity = initialCapacity;
    this.buffer = Buffer.allocUnsafe(initialCapacity);
  }

  reset(): void {
    this.length = 0;
  }

  /**
   * What was written, and the writer emptied: a copy, or, past SHRINK_ABOVE,
   * the buffer itself (a big reply is not copied; the writer starts a new one).
   */
  take(): Buffer {
    if (this.buffer.length > SHRINK_ABOVE) {
      const out = this.buffer.subarray(0, this.length);
      this.length = 0;
      this.buffer = Buffer.allocUnsafe(this.initialCapacity);
      return out;
    }
    const out = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 0;
    return out;
  }

  /** Back to the first size if a big reply grew the buffer past `largest` (call it empty). */
  shrink(largest = SHRINK_ABOVE): void {
    if (this.buffer.length <= largest) return;
    releasedBuffer(this.buffer);
    this.buffer = Buffer.allocUnsafe(this.initialCapacity);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    releasedBuffer(this.buffer);
    this.buffer = grown;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.length = copyBytes(this.buffer, this.length, bytes);
  }

  private byte(b: number): void {
    this.buffer[this.length++] = b;
  }

  private crlf(): void {
    const buffer = this.buffer;
    buffer[this.length] = 0x0d;
    buffer[this.length + 1] = 0x0a;
    this.length += 2;
  }

  private ascii(text: string): void {
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  /** Writes a non-negative or negative safe integer in decimal. */
  private decimal(value: number): void {
    if (value < 0 || value > 0xffffffff) {
      this.ascii(String(value));
      return;
    }
    // Digits written straight into the buffer: no string per length header.
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    const buffer = this.buffer;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      buffer[--at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  private header(prefix: number, value: number): void {
    this.ensure(24);
    this.byte(prefix);
    this.decimal(value);
    this.crlf();
  }

  simple(text: string): void {
    this.ensure(text.length + 3);
    this.byte(0x2b /* + */);
    this.ascii(text);
    this.crlf();
  }

  ok(): void {
    this.raw(OK);
  }

  /** `message` starts with its error code, as in Redis: "ERR ...", "WRONGTYPE ...". */
  /** An error reply; `encoding` latin1 for a message holding a client's bytes as they came (one character per byte). */
  error(message: string, encoding: 'utf8' | 'latin1' = 'utf8'): void {
    // As Redis: CRs and LFs at the end dropped, each other one a space (a client's bytes may hold any).
    const text = message.replace(/[\r\n]+$/, '').replace(/[\r\n]/g, ' ');
    if (this.errors !== null) this.errors.count(text);
    this.ensure(Buffer.byteLength(text, encoding) + 3);
    this.byte(0x2d /* - */);
    this.length += this.buffer.write(text, this.length, encoding);
    this.crlf();
  }

  integer(value: number | bigint): void {
    if (typeof value === 'bigint') {
      this.ensure(24);
      this.byte(0x3a);
      this.ascii(value.toString());
      this.crlf();
      return;
    }
    this.header(0x3a /* : */, value);
  }

  bulk(bytes: Uint8Array): void {
    this.header(0x24 /* $ */, bytes.length);
    this.ensure(bytes.length + 2);
    this.length = copyBytes(this.buffer, this.length, bytes);
    this.crlf();
  }

  /** A bulk string of `length` bytes of `source` from `start` (a value in the keyspace's shared memory). */
  bulkRange(source: Uint8Array, start: number, length: number): void {
    this.header(0x24 /* $ */, length);
    this.ensure(length + 2);
    this.length = copyRange(this.buffer, this.length, source, start, length);
    this.crlf();
  }

  bulkString(text: string): void {
    const byteLength = Buffer.byteLength(text);
    this.header(0x24, byteLength);
    this.ensure(byteLength + 2);
    this.length += this.buffer.write(text, this.length);
    this.crlf();
  }

  nullBulk(): void {
    this.raw(this.proto === 3 ? RESP3_NULL : NULL_BULK);
  }

  nullArray(): void {
    this.raw(this.proto === 3 ? RESP3_NULL : NULL_ARRAY);
  }

  arrayHeader(count: number): void {
    this.header(0x2a /* * */, count);
  }

  /** RESP3 map of `pairs` entries; a flat array of 2*pairs in RESP2. */
  mapHeader(pairs: number): void {
    if (this.proto === 3) this.header(0x25 /* % */, pairs);
    else this.header(0x2a, pairs * 2);
  }

  setHeader(count: number): void {
    if (this.proto === 3) this.header(0x7e /* ~ */, count);
    else this.header(0x2a, count);
  }

  /** RESP3 push; an array in RESP2 (pub/sub messages). */
  pushHeader(count: number): void {
    if (this.proto === 3) this.header(0x3e /* > */, count);
    else this.header(0x2a, count);
  }

  /** A double: RESP3 `,` or a RESP2 bulk string, formatted as Redis's %.17g. */
  double(value: number): void {
    const text = formatDouble(value);
    if (this.proto === 3) {
      this.ensure(text.length + 3);
      this.byte(0x2c /* , */);
      this.ascii(text);
      this.crlf();
    } else {
      this.bulkString(text);
    }
  }

  /** A number too big for an integer reply, given as its decimal digits: RESP3 `(`, a bulk string in RESP2. */
  bigNumber(digits: string): void {
    if (this.proto !== 3) {
      this.bulkString(digits);
      return;
    }
    this.ensure(digits.length + 3);
    this.byte(0x28 /* ( */);
    this.ascii(digits);
    this.crlf();
  }

  /** RESP3 attribute map of `pairs` entries, sent before the reply it describes; RESP3 only. */
  attributeHeader(pairs: number): void {
    this.header(0x7c /* | */, pairs);
  }

  boolean(value: boolean): void {
    if (this.proto === 3) this.raw(value ? RESP3_TRUE : RESP3_FALSE);
    else this.integer(value ? 1 : 0);
  }

  /** RESP3 verbatim text (`=len\r\ntxt:...`), a bulk string in RESP2. */
  verbatim(text: string): void {
    if (this.proto !== 3) {
      this.bulkString(text);
      return;
    }
    const byteLength = Buffer.byteLength(text) + 4;
    this.header(0x3d /* = */, byteLength);
    this.ensure(byteLength + 2);
    this.ascii('txt:');
    this.length += this.buffer.write(text, this.length);
    this.crlf();
  }

  bulkArray(items: readonly Uint8Array[]): void {
    this.arrayHeader(items.length);
    for (let i = 0; i < items.length; i++) this.bulk(items[i]);
  }
}

const OK = Buffer.from('+OK\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const RESP3_NULL = Buffer.from('_\r\n');
const RESP3_TRUE = Buffer.from('#t\r\n');
const RESP3_FALSE = Buffer.from('#f\r\n');
