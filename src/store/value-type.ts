// The interface every value type plugs in through (Garnet's per-type object
// is the checklist). Commands that look at "any value" — TYPE, OBJECT, DEBUG
// OBJECT / DIGEST, MEMORY USAGE, COPY, RENAME and MOVE across shards, SCAN
// TYPE, eviction, FLUSH, SWAPDB, a worker restart — call these hooks and
// never ask which type a key holds. A new type is one file in store/types/
// and one row in value-types.ts; none of those commands change.

import type { Address } from './arena.ts';
import type { Ref, ShardStore } from './shard-store.ts';
import type { ExpireTime } from './record.ts';
import type { RdbOutput } from './rdb/rdb-output.ts';
import type { RdbInput } from './rdb/rdb-input.ts';

export interface ValueTypeOps {
  /** TYPE's answer, and the name SCAN's TYPE option matches. */
  readonly name: string;
  /** OBJECT ENCODING: how the value is held now, with Redis's names where the form is the same idea. */
  encoding(store: ShardStore, ref: Ref): string;
  /** Bytes the value takes outside the key's record (a blob, an off-heap structure), for MEMORY USAGE. */
  externalBytes(store: ShardStore, ref: Ref): number;
  /** Frees an off-heap structure of this type (the store frees records and blobs itself). */
  freeStructure(store: ShardStore, header: Address): void;
  /** The value as bytes of its own, sharing nothing with the store: how it crosses shards and is copied. */
  encode(store: ShardStore, ref: Ref): Buffer;
  /**
   * Stores bytes made by `encode` as the value of `key`, replacing whatever
   * was there. `structure`: the value was held as a structure (a hashtable),
   * and stays one however small, as Redis's RENAME and COPY keep a value's
   * encoding.
   */
  decode(store: ShardStore, db: number, key: Uint8Array, bytes: Uint8Array, expireAt: ExpireTime, now: number, structure: boolean): Ref;
  /** Mixes the value's contents into `digest` as Redis's DEBUG DIGEST does for this type. */
  digest(store: ShardStore, ref: Ref, digest: Buffer): void;
  /** OBJECT REFCOUNT / DEBUG OBJECT: references to the value (shared small integers for strings). */
  refcount(store: ShardStore, ref: Ref, sharedIntegers: boolean): number;
  /** DEBUG OBJECT's serializedlength: the length of the value's RDB form (an estimate where the form differs). */
  serializedLength(store: ShardStore, ref: Ref): number;
  /** The RDB type code the value is written as (Redis 7.0's for its encoding). */
  rdbType(store: ShardStore, ref: Ref): number;
  /** Writes the value in Redis 7.0's RDB form for rdbType (DUMP, SAVE), without the type code. */
  rdbSave(store: ShardStore, ref: Ref, out: RdbOutput): void;
  /**
   * Reads a value of RDB type `rdbType` (one that maps to this type) from
   * `input` and stores it under `key` in this server's own form, honouring
   * the *-max-listpack-* limits. Throws RdbFormatError on bad data,
   * RdbEmptyValue for an empty collection.
   */
  rdbLoad(rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref;
}

/** When a collection leaves its compact form: Redis's *-max-listpack-* and set-max-intset-entries settings. */
export class EncodingLimits {
  hashMaxListpackEntries = 512;
  hashMaxListpackValue = 64;
  setMaxIntsetEntries = 512;
  /** list-max-listpack-size: a quicklist node's fill (-1..-5: 4..64 KB; n > 0: n elements). */
  listMaxListpackSize = -2;
  /** list-compress-depth: quicklist nodes this far from an end stay uncompressed (0: none is compressed). */
  listCompressDepth = 0;
  zsetMaxListpackEntries = 128;
  zsetMaxListpackValue = 64;
  /** stream-node-max-bytes and stream-node-max-entries: when a stream starts a new node (0: no limit). */
  streamNodeMaxBytes = 4096;
  streamNodeMaxEntries = 100;
  /** hll-sparse-max-bytes: a sparse HyperLogLog longer than this turns dense. */
  hllSparseMaxBytes = 3000;
}
