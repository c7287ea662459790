// The layout of one key's record in the arena (32-byte header, then the key,
// then the value or a reference to it):
//
//   byte 0   flags (LIVE; a freed chunk reads 0; SNAPSHOT_MARK)
//   byte 1   value type (ValueType)
//   byte 2   value encoding (ValueEncoding)
//   byte 3   id of the database holding the key (survives SWAPDB)
//   word 1   key length
//   word 2   value length in bytes (Inline and Blob)
//   word 3   LRU clock (seconds, 24 bits) or LFU (minutes << 8 | counter)
//   word 4   version: the shard's write counter when the key last changed
//   word 5   position in its database's list of keys with a TTL
//   words 6-7 expiry, absolute Unix ms as an unsigned 64-bit integer (low
//            word first), every digit of Redis's int64 kept; 0 when none
//   byte 32  key bytes, then
//              Inline: the value bytes;
//              Blob:   at the next 4-byte boundary, the address of a chunk
//                      holding the value bytes;
//              Structure: at the next 4-byte boundary, the address of an
//                      off-heap structure's header in the arena.

import { OFFSET_MASK } from './arena.ts';

export const HEADER_BYTES = 32;
export const LIVE = 0x80;
/**
 * Flag bit: equal to the store's snapshot parity when the record needs no
 * writing out in the snapshot under way (written already, or made after it
 * began). Each snapshot flips the parity, so every record starts unwritten.
 */
export const SNAPSHOT_MARK = 0x01;

export const FLAGS = 0; // byte
export const TYPE = 1; // byte
export const ENCODING = 2; // byte
export const DATABASE = 3; // byte
export const KEY_LENGTH = 1; // word
export const VALUE_LENGTH = 2; // word
export const LRU = 3; // word
export const VERSION = 4; // word
export const VOLATILE_INDEX = 5; // word
export const EXPIRE_LOW = 6; // word; the high word follows

/**
 * An expiry time, absolute Unix ms: a number, or past 2^53 ms (285,000
 * years on) a bigint, since Redis keeps any int64 and shows it back.
 */
export type ExpireTime = number | bigint;

/** An int64 expiry time as an ExpireTime: a number while it holds it exactly. */
export function expireTime(ms: bigint): ExpireTime {
  return ms <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ms) : ms;
}

/**
 * How a record holds its value.
 * - Inline: right after the key, in the record's own chunk (small strings,
 *   and the compact forms of small collections: listpack, intset).
 * - Blob: in a chunk of its own, referenced from the record (big strings, or
 *   a string that outgrew its record; the record never moves, so a SCAN
 *   cursor stays valid).
 * - Structure: the big form of a collection (a dict for a large hash or
 *   set; later a quicklist, a sorted set's tree...), an off-heap structure in
 *   the same arena; the record keeps the address of its header, which never
 *   moves. The value type's hooks (value-type.ts) measure and free it.
 *
 * A new type plugs in through its ValueTypeOps (value-type.ts) and a file of
 * its algorithms in store/types/ over one of these encodings.
 */
export const ValueEncoding = {
  Inline: 0,
  Blob: 1,
  Structure: 2,
} as const;
export type ValueEncoding = (typeof ValueEncoding)[keyof typeof ValueEncoding];

/** A record's inline values may make it at most this big; bigger values go to a blob. */
export const INLINE_RECORD_LIMIT = 512;

/** Bytes a record needs for `keyLength` and an inline value of `valueLength`. */
export function inlineRecordSize(keyLength: number, valueLength: number): number {
  return HEADER_BYTES + keyLength + valueLength;
}

/** Bytes a record needs for `keyLength` and a reference (blob address or handle). */
export function referenceRecordSize(keyLength: number): number {
  return referenceOffset(keyLength) + 4;
}

/** Where, from the record's start, the reference word of a record with this key length is. */
export function referenceOffset(keyLength: number): number {
  return (HEADER_BYTES + keyLength + 3) & ~3;
}

/** The byte offset, in its segment, of byte `offset` of the record (or chunk) at `address`. */
export function recordByte(address: number, offset: number): number {
  return ((address & OFFSET_MASK) << 3) + offset;
}

/** The index, in its segment's words, of word `word` of the record at `address`. */
export function recordWord(address: number, word: number): number {
  return ((address & OFFSET_MASK) << 1) + word;
}

/** A 32-bit hash of `bytes` (FNV-1a, then murmur3's finalizer to spread the low bits). */
export function hashKey(bytes: Uint8Array): number {
  return hashRange(bytes, 0, bytes.length);
}

/** hashKey of `length` bytes of `bytes` from `start`: a key in the arena, without a view of it. */
export function hashRange(bytes: Uint8Array, start: number, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
