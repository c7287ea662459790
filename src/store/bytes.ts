// Bytes the keyspace keeps. Node's Buffer.from() slices small buffers out of a
// shared 8 KiB pool, so one stored 3-byte value would pin a whole slab; what
// the store keeps is copied into a buffer of its own instead.

/** An exact, unpooled copy of `source`. */
export function ownBytes(source: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(source.length);
  copy.set(source);
  return copy;
}
