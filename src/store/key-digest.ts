// A key's share of DEBUG DIGEST, and DEBUG DIGEST-VALUE: the value's type
// code and contents (through its type's digest hook) and a mark for a TTL,
// as Redis's xorObjectDigest builds them.

import { addToDigest, DIGEST_LENGTH, mixIntoDigest, uint32Bytes } from './digest.ts';
import type { Ref, ShardStore } from './shard-store.ts';
import { VALUE_TYPES } from './value-types.ts';

const EXPIRE_MARK = Buffer.from('!!expire!!');

/** Mixes the value of the key at `ref` into `digest`: its type code, its contents, and a mark when the key has a TTL. */
export function mixValueDigest(digest: Buffer, store: ShardStore, ref: Ref): void {
  const type = store.typeOf(ref);
  mixIntoDigest(digest, uint32Bytes(type));
  VALUE_TYPES[type].digest(store, ref, digest);
  if (store.expireAt(ref) !== 0) addToDigest(digest, EXPIRE_MARK);
}

/** One key's share of the dataset digest: its name mixed with its value. */
export function keyDigest(store: ShardStore, ref: Ref): Buffer {
  const digest = Buffer.alloc(DIGEST_LENGTH);
  mixIntoDigest(digest, store.keyView(ref));
  mixValueDigest(digest, store, ref);
  return digest;
}
