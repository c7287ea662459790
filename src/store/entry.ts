// The data types a key can hold, and how a value of each type travels.
//
// A new data type plugs in by adding its ValueType, its TYPE name, and its
// ValueCodec (the compiler asks for one), then a store file of its algorithms
// over one of the record's value encodings (record.ts says which). Commands
// check `store.typeOf(ref)` before they touch a value.

import type { ShardStore, Ref } from './shard-store.ts';
import { ownBytes } from './bytes.ts';

export const ValueType = {
  String: 0,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

export const TYPE_NAMES: readonly string[] = ['string'];

/**
 * A type's value as opaque bytes: how a value travels to another shard
 * (RENAME, COPY, MOVE across shards) and how COPY duplicates it.
 */
export interface ValueCodec {
  /** The value of the key at `ref`, as bytes of their own (sharing nothing with the store). */
  encode(store: ShardStore, ref: Ref): Buffer;
  /** Stores bytes made by `encode` as the value of `key`, replacing whatever was there. */
  decode(store: ShardStore, db: number, key: Uint8Array, bytes: Uint8Array, expireAt: number, now: number): Ref;
}

/** One codec per ValueType. */
export const VALUE_CODECS: Record<ValueType, ValueCodec> = {
  [ValueType.String]: {
    encode: (store, ref) => ownBytes(store.stringView(ref)),
    decode: (store, db, key, bytes, expireAt, now) => store.setString(db, key, bytes, expireAt, now),
  },
};
