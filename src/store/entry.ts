// One key and its value, as the keyspace holds it.
//
// A new data type plugs in by adding its ValueType, the TYPE name, a value
// representation, and its ValueCodec; commands check `entry.type` before they
// touch `value`.

import { ownBytes } from './bytes.ts';

export const ValueType = {
  String: 0,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

export const TYPE_NAMES: readonly string[] = ['string'];

export class Entry {
  /** The key's bytes. */
  readonly key: Buffer;
  type: ValueType;
  /** A string's bytes (other types will hold their own structure). */
  value: Buffer;
  /** Absolute Unix time in ms when the key expires; 0 when it has no TTL. */
  expireAt = 0;
  /** Position in the database's slot array (a stable SCAN cursor position). */
  slot = -1;
  /** Position in the database's list of keys with a TTL, or -1. */
  volatileIndex = -1;
  /** Last access, in ms, for OBJECT IDLETIME. */
  accessedAt: number;

  constructor(key: Buffer, type: ValueType, value: Buffer, now: number) {
    this.key = key;
    this.type = type;
    this.value = value;
    this.accessedAt = now;
  }
}

/**
 * A type's value as opaque bytes: how a value travels to another shard
 * (RENAME, COPY across shards) and how COPY duplicates it (decode(encode(v))).
 * `decode` returns a value of its own, sharing nothing with `bytes`.
 */
export interface ValueCodec {
  encode(value: Entry['value']): Buffer;
  decode(bytes: Buffer): Entry['value'];
}

/** One codec per ValueType (the compiler asks for one when a type is added). */
export const VALUE_CODECS: Record<ValueType, ValueCodec> = {
  [ValueType.String]: {
    encode: (value) => value,
    decode: (bytes) => ownBytes(bytes),
  },
};
