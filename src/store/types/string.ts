// The string type's hooks: how OBJECT, DEBUG, MEMORY, COPY and moves across
// shards see a string. Its bytes live in the key's record or in a blob, and
// the store reads and writes them itself (stringView, setString...).

import type { ValueTypeOps } from '../value-type.ts';
import { ownBytes } from '../bytes.ts';
import { mixIntoDigest } from '../digest.ts';
import { serializedLength, stringEncoding, stringRefcount } from '../string-object.ts';

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
};
