// Bytes the keyspace keeps. Node's Buffer.from() slices small buffers out of a
// shared 8 KiB pool, so one stored 3-byte value would pin a whole slab; what
// the store keeps is copied into a buffer of its own instead.

import { copyBytes } from '../util/copy-bytes.ts';

/** An exact, unpooled copy of `source`. */
export function ownBytes(source: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(source.length);
  copyBytes(source, 0, source.length, copy, 0);
  return copy;
}

const NO_BYTES = new Uint8Array(0);

/**
 * A stretch of bytes read in place (a hash field, a set member): valid until
 * the store changes. Reused, so reading a field allocates nothing.
 */
export class ByteSlice {
  bytes: Uint8Array = NO_BYTES;
  start = 0;
  length = 0;

  set(bytes: Uint8Array, start: number, length: number): void {
    this.bytes = bytes;
    this.start = start;
    this.length = length;
  }

  /** A view of the bytes (allocates a Buffer object; the bytes are not copied). */
  view(): Buffer {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.start, this.length);
  }

  /** The bytes, copied into a buffer of their own. */
  copy(): Buffer {
    return ownBytes(this.bytes.subarray(this.start, this.start + this.length));
  }
}
