// The string type's hooks: how OBJECT, DEBUG, MEMORY, COPY and moves across
// shards see a string. Its bytes live in the key's record or in a blob, and
// the store reads and writes them itself (stringView, setString...).

import type { ValueTypeOps } from '../value-type.ts';
import { ownBytes } from '../bytes.ts';
import { mixIntoDigest } from '../digest.ts';
import { serializedLength, stringEncoding, stringRefcount } from '../string-object.ts';
import { RdbType } from '../rdb/rdb-types.ts';
import type { RdbInput } from '../rdb/rdb-input.ts';
import type { RdbOutput } from '../rdb/rdb-output.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import type { ExpireTime } from '../record.ts';

function saveString(store: ShardStore, ref: Ref, out: RdbOutput): void {
  const view = store.stringView(ref);
  out.string(view, 0, view.length);
}

function loadString(_rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  return store.setString(db, key, input.string(), expireAt, now);
}

export const STRING_TYPE: ValueTypeOps = {
  name: 'string',
  encoding: (store, ref) => stringEncoding(store.stringView(ref)),
  externalBytes: (store, ref) => store.blobBytes(ref),
  freeStructure: () => {
    throw new Error('a string has no off-heap structure');
  },
  encode: (store, ref) => ownBytes(store.stringView(ref)),
  decode: (store, db, key, bytes, expireAt, now) => store.setString(db, key, bytes, expireAt, now),
  digest: (store, ref, digest) => mixIntoDigest(digest, store.stringView(ref)),
  refcount: (store, ref, sharedIntegers) => stringRefcount(store.stringView(ref), sharedIntegers),
  serializedLength: (store, ref) => serializedLength(store.stringView(ref)),
  rdbType: () => RdbType.String,
  rdbSave: saveString,
  rdbLoad: loadString,
};
