// The hash type: its encoding-aware API (as Redis's t_hash.c hashType*
// functions), which the commands in commands/hashes.ts use without ever
// looking at the encoding, and its value-type hooks.
//
// Two forms, both in the shard's arena:
// - listpack: while the hash has at most `hash-max-listpack-entries` fields
//   and no field or value longer than `hash-max-listpack-value` bytes, its
//   fields and values alternate in a listpack (listpack.ts) held as the
//   key's value bytes, in insertion order;
// - hashtable: beyond that, an off-heap dict (dict.ts) whose header the
//   key's record points at. A hash never goes back to a listpack, as in Redis.

import { OFFSET_BITS, type Address } from '../arena.ts';
import { ByteSlice, ownBytes } from '../bytes.ts';
import { addToDigest, DIGEST_LENGTH, mixIntoDigest } from '../digest.ts';
import { entryFieldLength, entryFieldStart, entryValueLength, entryValueStart, type Dict } from '../dict.ts';
import { ValueType } from '../entry.ts';
import { chooseIndexes } from '../random-pick.ts';
import { ValueEncoding, type ExpireTime } from '../record.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import type { ValueTypeOps } from '../value-type.ts';
import {
  entryDataStart, entryLength, entryNext, listpackCount, listpackEntryAt, listpackFind, listpackFirst, listpackHasEntryLongerThan,
  listpackWriter, ListpackWriter,
} from './listpack.ts';
import { RdbEmptyValue, RdbType } from '../rdb/rdb-types.ts';
import type { RdbInput } from '../rdb/rdb-input.ts';
import type { RdbOutput } from '../rdb/rdb-output.ts';
import { redisListpackBuilder, redisListpackReader } from '../rdb/redis-listpack.ts';

/** Visits one field and its value, read in place (valid during the call only). */
export type PairVisitor = (field: ByteSlice, value: ByteSlice) => void;

const visitedField = new ByteSlice();
const visitedValue = new ByteSlice();

function isListpack(store: ShardStore, ref: Ref): boolean {
  return store.encodingOf(ref) !== ValueEncoding.Structure;
}

function openDict(store: ShardStore, ref: Ref): Dict {
  return store.dict.open(store.structureOf(ref));
}

/** Points `into` at a dict entry's field (`field` true) or value. */
function sliceOfEntry(store: ShardStore, entry: Address, into: ByteSlice, field: boolean): void {
  const arena = store.arena;
  const bytes = arena.bytes[entry >>> OFFSET_BITS];
  if (field) into.set(bytes, entryFieldStart(arena, entry), entryFieldLength(arena, entry));
  else into.set(bytes, entryValueStart(arena, entry), entryValueLength(arena, entry));
}

/** Points `into` at the listpack entry at `at`. */
function sliceOfListpackEntry(bytes: Uint8Array, at: number, into: ByteSlice): void {
  into.set(bytes, entryDataStart(bytes, at), entryLength(bytes, at));
}

// ---- Reading ----

/** Number of fields. */
export function hashLength(store: ShardStore, ref: Ref): number {
  if (isListpack(store, ref)) return listpackCount(store.valueBytes(ref), store.valueStart(ref)) / 2;
  return openDict(store, ref).size;
}

/** Points `value` at the value of `field`; false when the hash has no such field. */
export function hashGet(store: ShardStore, ref: Ref, field: Uint8Array, value: ByteSlice): boolean {
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const at = listpackFind(bytes, store.valueStart(ref), store.valueLength(ref), field, 2);
    if (at < 0) return false;
    sliceOfListpackEntry(bytes, entryNext(bytes, at), value);
    return true;
  }
  const entry = openDict(store, ref).find(field);
  if (entry === 0) return false;
  sliceOfEntry(store, entry, value, false);
  return true;
}

export function hashExists(store: ShardStore, ref: Ref, field: Uint8Array): boolean {
  if (isListpack(store, ref)) return listpackFind(store.valueBytes(ref), store.valueStart(ref), store.valueLength(ref), field, 2) >= 0;
  return openDict(store, ref).find(field) !== 0;
}

/** Calls `visit` with every field and value, in the hash's order; `visit` must not change the store. */
export function hashForEach(store: ShardStore, ref: Ref, visit: PairVisitor): void {
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const end = store.valueStart(ref) + store.valueLength(ref);
    for (let at = listpackFirst(store.valueStart(ref)); at < end; ) {
      sliceOfListpackEntry(bytes, at, visitedField);
      at = entryNext(bytes, at);
      sliceOfListpackEntry(bytes, at, visitedValue);
      at = entryNext(bytes, at);
      visit(visitedField, visitedValue);
    }
    return;
  }
  openDict(store, ref).forEach((entry) => visitEntry(store, entry, visit));
}

function visitEntry(store: ShardStore, entry: Address, visit: PairVisitor): void {
  sliceOfEntry(store, entry, visitedField, true);
  sliceOfEntry(store, entry, visitedValue, false);
  visit(visitedField, visitedValue);
}

/** The pair at position `index` of a hash's order (listpack: insertion order), for random picks. */
export function hashPairAt(store: ShardStore, ref: Ref, index: number, field: ByteSlice, value: ByteSlice): void {
  const bytes = store.valueBytes(ref);
  const at = listpackEntryAt(bytes, store.valueStart(ref), store.valueLength(ref), index * 2);
  sliceOfListpackEntry(bytes, at, field);
  sliceOfListpackEntry(bytes, entryNext(bytes, at), value);
}

/** A uniformly random pair. */
export function hashRandomPair(store: ShardStore, ref: Ref, field: ByteSlice, value: ByteSlice): void {
  if (isListpack(store, ref)) {
    hashPairAt(store, ref, Math.floor(Math.random() * hashLength(store, ref)), field, value);
    return;
  }
  const entry = openDict(store, ref).random();
  sliceOfEntry(store, entry, field, true);
  sliceOfEntry(store, entry, value, false);
}

/**
 * `count` distinct pairs picked at random (count < length), handed to
 * `visit`. A listpack keeps its order; a dict's picks come in any order.
 */
export function hashRandomDistinctPairs(store: ShardStore, ref: Ref, count: number, visit: PairVisitor): void {
  const length = hashLength(store, ref);
  if (isListpack(store, ref)) {
    const chosen = chooseIndexes(length, count).sort((a, b) => a - b);
    for (const index of chosen) {
      hashPairAt(store, ref, index, visitedField, visitedValue);
      visit(visitedField, visitedValue);
    }
    return;
  }
  for (const entry of openDict(store, ref).randomDistinct(count)) visitEntry(store, entry, visit);
}

/**
 * HSCAN's step: visits some pairs from `cursor` and returns the next cursor
 * (0 at the end). A listpack is returned whole in one call, as Redis does;
 * a dict walks windows of hash values, so a field present for the whole
 * scan is returned even while the hash grows or shrinks.
 */
export function hashScan(store: ShardStore, ref: Ref, cursor: number, count: number, visit: PairVisitor): number {
  if (isListpack(store, ref)) {
    hashForEach(store, ref, visit);
    return 0;
  }
  // COUNT asks for elements, Dict.scan for slots: a table is 3/8 to 3/4 full.
  return openDict(store, ref).scan(cursor, count * 2, (entry) => visitEntry(store, entry, visit));
}

// ---- Writing ----

/** A new, empty hash under `key` (the caller adds its first field at once: Redis never keeps an empty hash). */
export function hashCreate(store: ShardStore, db: number, key: Uint8Array, now: number): Ref {
  listpackWriter.begin();
  return store.put(db, key, ValueType.Hash, listpackWriter.view(), 0, now);
}

/** Sets `field` to `value`; true when the field is new. Converts to a dict when the listpack would grow past its limits. */
export function hashSet(store: ShardStore, ref: Ref, field: Uint8Array, value: Uint8Array): boolean {
  const limits = store.limits;
  if (isListpack(store, ref)) {
    if (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue) {
      convertToDict(store, ref);
    } else {
      const bytes = store.valueBytes(ref);
      const start = store.valueStart(ref);
      const length = store.valueLength(ref);
      const at = listpackFind(bytes, start, length, field, 2);
      if (at >= 0) {
        store.replaceString(ref, listpackWriter.replaced(bytes, start, length, entryNext(bytes, at), value));
        return false;
      }
      store.replaceString(ref, listpackWriter.appendedPair(bytes, start, length, field, value));
      if (hashLength(store, ref) > limits.hashMaxListpackEntries) convertToDict(store, ref);
      return true;
    }
  }
  const added = openDict(store, ref).set(field, value);
  store.changed(ref);
  return added;
}

/** Deletes `field`; true when it was there. The caller deletes the key once the hash is empty. */
export function hashDelete(store: ShardStore, ref: Ref, field: Uint8Array): boolean {
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const start = store.valueStart(ref);
    const length = store.valueLength(ref);
    const at = listpackFind(bytes, start, length, field, 2);
    if (at < 0) return false;
    store.replaceString(ref, listpackWriter.removed(bytes, start, length, at, 2));
    return true;
  }
  if (!openDict(store, ref).delete(field)) return false;
  store.changed(ref);
  return true;
}

/** The listpack at `ref` becomes a dict holding the same pairs. */
function convertToDict(store: ShardStore, ref: Ref): void {
  const dict = store.dict;
  const header = dict.create();
  const bytes = store.valueBytes(ref);
  const end = store.valueStart(ref) + store.valueLength(ref);
  for (let at = listpackFirst(store.valueStart(ref)); at < end; ) {
    const valueAt = entryNext(bytes, at);
    const field = bytes.subarray(entryDataStart(bytes, at), entryDataStart(bytes, at) + entryLength(bytes, at));
    const value = bytes.subarray(entryDataStart(bytes, valueAt), entryDataStart(bytes, valueAt) + entryLength(bytes, valueAt));
    dict.set(field, value);
    at = entryNext(bytes, valueAt);
  }
  store.convertToStructure(ref, header);
}

// ---- The value-type hooks ----

/** The hash as a listpack of all its pairs: how it travels between shards and is copied. */
function encodeHash(store: ShardStore, ref: Ref): Buffer {
  if (isListpack(store, ref)) return ownBytes(store.valueBytes(ref).subarray(store.valueStart(ref), store.valueStart(ref) + store.valueLength(ref)));
  listpackWriter.begin();
  hashForEach(store, ref, (field, value) => {
    listpackWriter.pushRange(field.bytes, field.start, field.length);
    listpackWriter.pushRange(value.bytes, value.start, value.length);
  });
  return ownBytes(listpackWriter.view());
}

function decodeHash(store: ShardStore, db: number, key: Uint8Array, bytes: Uint8Array, expireAt: ExpireTime, now: number, structure: boolean): Ref {
  const limits = store.limits;
  const count = listpackCount(bytes, 0);
  if (!structure && count / 2 <= limits.hashMaxListpackEntries && !listpackHasEntryLongerThan(bytes, 0, bytes.length, limits.hashMaxListpackValue)) {
    return store.put(db, key, ValueType.Hash, bytes, expireAt, now);
  }
  const dict = store.dict;
  const header = dict.create();
  for (let at = listpackFirst(0); at < bytes.length; ) {
    const valueAt = entryNext(bytes, at);
    dict.set(bytes.subarray(entryDataStart(bytes, at), entryDataStart(bytes, at) + entryLength(bytes, at)),
      bytes.subarray(entryDataStart(bytes, valueAt), entryDataStart(bytes, valueAt) + entryLength(bytes, valueAt)));
    at = entryNext(bytes, valueAt);
  }
  return store.putStructure(db, key, ValueType.Hash, header, expireAt, now);
}

/** Redis's digest of a hash: each pair mixed into a digest of its own, XORed into the whole (so order does not matter). */
function digestHash(store: ShardStore, ref: Ref, digest: Buffer): void {
  const pair = Buffer.alloc(DIGEST_LENGTH);
  hashForEach(store, ref, (field, value) => {
    pair.fill(0);
    mixIntoDigest(pair, field.bytes.subarray(field.start, field.start + field.length));
    mixIntoDigest(pair, value.bytes.subarray(value.start, value.start + value.length));
    addToDigest(digest, pair);
  });
}

// ---- RDB: a listpack hash as RDB_TYPE_HASH_LISTPACK, a hashtable one as RDB_TYPE_HASH ----

function saveHash(store: ShardStore, ref: Ref, out: RdbOutput): void {
  if (isListpack(store, ref)) {
    const builder = redisListpackBuilder;
    builder.begin();
    hashForEach(store, ref, (field, value) => {
      builder.pushString(field.bytes, field.start, field.length);
      builder.pushString(value.bytes, value.start, value.length);
    });
    out.blob(builder.finish());
    return;
  }
  out.len(hashLength(store, ref));
  hashForEach(store, ref, (field, value) => {
    out.string(field.bytes, field.start, field.length);
    out.string(value.bytes, value.start, value.length);
  });
}

const loaded = new ListpackWriter();

function loadHash(rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  const pairs: Uint8Array[][] = [];
  if (rdbType === RdbType.HashListpack) {
    const reader = redisListpackReader;
    reader.open(input.string());
    while (reader.next()) {
      const field = reader.value();
      if (!reader.next()) input.fail('hash listpack with an odd number of entries');
      pairs.push([field, reader.value()]);
    }
  } else if (rdbType === RdbType.Hash) {
    for (let n = input.count(); n > 0; n--) pairs.push([input.string(), input.string()]);
  } else {
    input.fail('unsupported hash encoding');
  }
  if (pairs.length === 0) throw new RdbEmptyValue();
  const seen = new Set<string>();
  for (const [field] of pairs) seen.add(Buffer.from(field.buffer, field.byteOffset, field.length).toString('latin1'));
  if (seen.size !== pairs.length) input.fail('duplicate hash field');
  loaded.begin();
  for (const [field, value] of pairs) {
    loaded.push(field);
    loaded.push(value);
  }
  return decodeHash(store, db, key, loaded.view(), expireAt, now, false);
}

export const HASH_TYPE: ValueTypeOps = {
  name: 'hash',
  encoding: (store, ref) => (isListpack(store, ref) ? 'listpack' : 'hashtable'),
  externalBytes: (store, ref) => (isListpack(store, ref) ? store.blobBytes(ref) : openDict(store, ref).bytes),
  freeStructure: (store, header) => store.dict.open(header).destroy(),
  encode: encodeHash,
  decode: decodeHash,
  digest: digestHash,
  refcount: () => 1,
  // Redis writes a listpack hash as one blob, a hashtable one as length-prefixed strings: close enough either way.
  serializedLength: (store, ref) => (isListpack(store, ref) ? store.valueLength(ref) : openDict(store, ref).bytes),
  rdbType: (store, ref) => (isListpack(store, ref) ? RdbType.HashListpack : RdbType.Hash),
  rdbSave: saveHash,
  rdbLoad: loadHash,
};
