// How Redis 7.0 would hold a string value, as OBJECT and DEBUG OBJECT report
// it: its encoding, whether it is one of the shared small integers, and the
// length of its RDB serialization. Derived from the bytes: a value that reads
// as a canonical 64-bit integer (at most 20 characters) is "int", else up to
// 44 bytes "embstr", else "raw".

import { parseInteger } from '../protocol/args.ts';

/** Integers 0..9999 are shared objects in Redis (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000n;
/** The refcount Redis reports for a shared object (INT_MAX). */
export const SHARED_REFCOUNT = 2147483647;
const MAX_INTEGER_LENGTH = 20;
const EMBSTR_MAX_LENGTH = 44;

/** The value as Redis's int encoding holds it, or null. */
export function integerValue(value: Buffer): bigint | null {
  return value.length <= MAX_INTEGER_LENGTH ? parseInteger(value) : null;
}

export function stringEncoding(value: Buffer): 'int' | 'embstr' | 'raw' {
  if (integerValue(value) !== null) return 'int';
  return value.length <= EMBSTR_MAX_LENGTH ? 'embstr' : 'raw';
}

/**
 * Whether small integers are shared objects: not when maxmemory is set with
 * an LRU or LFU policy, which needs an object per key.
 */
export function sharedIntegersAllowed(maxmemory: number, policy: string): boolean {
  return maxmemory === 0 || !/lru|lfu/.test(policy);
}

/** The value's reference count: small non-negative integers are shared (when allowed), everything else has one reference. */
export function stringRefcount(value: Buffer, sharedIntegers: boolean): number {
  const integer = integerValue(value);
  return integer !== null && integer >= 0n && integer < SHARED_INTEGERS && sharedIntegers ? SHARED_REFCOUNT : 1;
}

/** Bytes of an RDB length prefix. */
function rdbLengthSize(length: number): number {
  if (length < 1 << 6) return 1;
  if (length < 1 << 14) return 2;
  return length <= 0xffffffff ? 5 : 9;
}

/** Bytes of an integer in RDB's integer string encodings (8, 16 or 32 bits), or 0 when it needs more. */
function rdbIntegerSize(value: bigint): number {
  if (value >= -128n && value <= 127n) return 2;
  if (value >= -32768n && value <= 32767n) return 3;
  if (value >= -2147483648n && value <= 2147483647n) return 5;
  return 0;
}

/** The length of the value's RDB serialization, uncompressed (RDB would LZF-compress strings over 20 bytes when that helps). */
export function serializedLength(value: Buffer): number {
  const integer = integerValue(value);
  if (integer !== null) {
    const size = rdbIntegerSize(integer);
    if (size !== 0) return size;
  }
  return rdbLengthSize(value.length) + value.length;
}
