// The set type: its encoding-aware API (as Redis's t_set.c setType*
// functions), which the commands in commands/sets.ts use without looking at
// the encoding, and its value-type hooks.
//
// Two forms, both in the shard's arena, as Redis 7.0 has them:
// - intset: while every member is an integer (Redis's string2ll rules) and
//   there are at most `set-max-intset-entries`, a sorted intset (intset.ts)
//   held as the key's value bytes;
// - hashtable: otherwise an off-heap dict (dict.ts) of members with empty
//   values. A set never goes back to an intset.

import { OFFSET_BITS, type Address } from '../arena.ts';
import { ByteSlice, ownBytes } from '../bytes.ts';
import { addToDigest } from '../digest.ts';
import { entryFieldLength, entryFieldStart, type Dict } from '../dict.ts';
import { ValueType } from '../entry.ts';
import { chooseIndexes } from '../random-pick.ts';
import { ValueEncoding, type ExpireTime } from '../record.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import type { ValueTypeOps } from '../value-type.ts';
import { parseInteger } from '../../protocol/args.ts';
import { INTSET_HEADER_BYTES, intsetContains, intsetCount, intsetLength, intsetWriteDecimal, intsetWriter, MAX_DECIMAL_LENGTH } from './intset.ts';
import { entryDataStart, entryLength, entryNext, listpackCount, listpackFirst, listpackWriter } from './listpack.ts';
import { RdbEmptyValue, RdbType } from '../rdb/rdb-types.ts';
import type { RdbInput } from '../rdb/rdb-input.ts';
import type { RdbOutput } from '../rdb/rdb-output.ts';

/** Visits one member, read in place (valid during the call only). */
export type MemberVisitor = (member: ByteSlice) => void;

const EMPTY = new Uint8Array(0);
const visited = new ByteSlice();
/** Where an intset member's decimal text is written to be read as bytes. */
const decimal = Buffer.alloc(MAX_DECIMAL_LENGTH);

function isIntset(store: ShardStore, ref: Ref): boolean {
  return store.encodingOf(ref) !== ValueEncoding.Structure;
}

function openDict(store: ShardStore, ref: Ref): Dict {
  return store.dict.open(store.structureOf(ref));
}

function sliceOfEntry(store: ShardStore, entry: Address, into: ByteSlice): void {
  const arena = store.arena;
  into.set(arena.bytes[entry >>> OFFSET_BITS], entryFieldStart(arena, entry), entryFieldLength(arena, entry));
}

/** Points `into` at the decimal text of the intset's member at `index`. */
function sliceOfIntsetMember(store: ShardStore, ref: Ref, index: number, into: ByteSlice): void {
  into.set(decimal, 0, intsetWriteDecimal(store.valueBytes(ref), store.valueStart(ref), index, decimal, 0));
}

// ---- Reading ----

export function setSize(store: ShardStore, ref: Ref): number {
  if (isIntset(store, ref)) return intsetCount(store.valueBytes(ref), store.valueStart(ref));
  return openDict(store, ref).size;
}

export function setContains(store: ShardStore, ref: Ref, member: Uint8Array): boolean {
  if (!isIntset(store, ref)) return openDict(store, ref).find(member) !== 0;
  const value = parseInteger(member);
  return value !== null && intsetContains(store.valueBytes(ref), store.valueStart(ref), value);
}

/** Calls `visit` with every member (an intset's in ascending order); `visit` must not change the store. */
export function setForEach(store: ShardStore, ref: Ref, visit: MemberVisitor): void {
  if (isIntset(store, ref)) {
    const count = setSize(store, ref);
    for (let i = 0; i < count; i++) {
      sliceOfIntsetMember(store, ref, i, visited);
      visit(visited);
    }
    return;
  }
  openDict(store, ref).forEach((entry) => {
    sliceOfEntry(store, entry, visited);
    visit(visited);
  });
}

/** Every member, as buffers of their own (for the multi-set operations). */
export function setMembers(store: ShardStore, ref: Ref): Buffer[] {
  const members: Buffer[] = [];
  setForEach(store, ref, (member) => members.push(member.copy()));
  return members;
}

/** Points `into` at a uniformly random member. */
export function setRandomMember(store: ShardStore, ref: Ref, into: ByteSlice): void {
  if (isIntset(store, ref)) sliceOfIntsetMember(store, ref, Math.floor(Math.random() * setSize(store, ref)), into);
  else sliceOfEntry(store, openDict(store, ref).random(), into);
}

/** `count` distinct members picked at random (count < size), handed to `visit` in any order. */
export function setRandomDistinctMembers(store: ShardStore, ref: Ref, count: number, visit: MemberVisitor): void {
  const size = setSize(store, ref);
  if (isIntset(store, ref)) {
    for (const index of chooseIndexes(size, count)) {
      sliceOfIntsetMember(store, ref, index, visited);
      visit(visited);
    }
    return;
  }
  for (const entry of openDict(store, ref).randomDistinct(count)) {
    sliceOfEntry(store, entry, visited);
    visit(visited);
  }
}

/** SSCAN's step: an intset is returned whole in one call; a dict walks windows of hash values (see Dict.scan). */
export function setScan(store: ShardStore, ref: Ref, cursor: number, count: number, visit: MemberVisitor): number {
  if (isIntset(store, ref)) {
    setForEach(store, ref, visit);
    return 0;
  }
  // COUNT asks for elements, Dict.scan for slots: a table is 3/8 to 3/4 full.
  return openDict(store, ref).scan(cursor, count * 2, (entry) => {
    sliceOfEntry(store, entry, visited);
    visit(visited);
  });
}

// ---- Writing ----

/** A new set under `key` holding `member`: an intset when the member is an integer, as Redis's setTypeCreate. */
export function setCreate(store: ShardStore, db: number, key: Uint8Array, member: Uint8Array, now: number): Ref {
  const value = parseInteger(member);
  if (value !== null && store.limits.setMaxIntsetEntries >= 1) {
    return store.put(db, key, ValueType.Set, intsetWriter.fromValues([value]), 0, now);
  }
  const header = store.dict.create();
  store.dict.set(member, EMPTY);
  return store.putStructure(db, key, ValueType.Set, header, 0, now);
}

/** Adds `member`; true when it was not there. An intset becomes a dict for a non-integer or past its limit. */
export function setAdd(store: ShardStore, ref: Ref, member: Uint8Array): boolean {
  if (isIntset(store, ref)) {
    const value = parseInteger(member);
    if (value !== null) {
      const bytes = store.valueBytes(ref);
      const start = store.valueStart(ref);
      if (intsetContains(bytes, start, value)) return false;
      if (intsetCount(bytes, start) < store.limits.setMaxIntsetEntries) {
        store.replaceString(ref, intsetWriter.added(bytes, start, value) as Buffer);
        return true;
      }
    }
    convertToDict(store, ref);
  }
  const added = openDict(store, ref).set(member, EMPTY);
  if (added) store.changed(ref);
  return added;
}

/** Removes `member`; true when it was there. The caller deletes the key once the set is empty. */
export function setRemove(store: ShardStore, ref: Ref, member: Uint8Array): boolean {
  if (isIntset(store, ref)) {
    const value = parseInteger(member);
    if (value === null) return false;
    const smaller = intsetWriter.removed(store.valueBytes(ref), store.valueStart(ref), value);
    if (smaller === null) return false;
    store.replaceString(ref, smaller);
    return true;
  }
  if (!openDict(store, ref).delete(member)) return false;
  store.changed(ref);
  return true;
}

/**
 * Stores `members` (distinct) as the set at `key`, replacing whatever was
 * there; an empty list deletes the key. The result is an intset when every
 * member allows it, as Redis builds the results of SINTERSTORE & co.
 */
export function setStore(store: ShardStore, db: number, key: Uint8Array, members: readonly Uint8Array[], now: number): void {
  if (members.length === 0) {
    store.delete(db, key, now);
    return;
  }
  const ref = setCreate(store, db, key, members[0], now);
  for (let i = 1; i < members.length; i++) setAdd(store, ref, members[i]);
}

/** The intset at `ref` becomes a dict of the same members. */
function convertToDict(store: ShardStore, ref: Ref): void {
  const dict = store.dict;
  const header = dict.create();
  const count = setSize(store, ref);
  for (let i = 0; i < count; i++) {
    const length = intsetWriteDecimal(store.valueBytes(ref), store.valueStart(ref), i, decimal, 0);
    dict.set(decimal.subarray(0, length), EMPTY);
  }
  store.convertToStructure(ref, header);
}

// ---- The value-type hooks ----

/** The set as a listpack of its members: how it travels between shards and is copied. */
function encodeSet(store: ShardStore, ref: Ref): Buffer {
  listpackWriter.begin();
  setForEach(store, ref, (member) => listpackWriter.pushRange(member.bytes, member.start, member.length));
  return ownBytes(listpackWriter.view());
}

function decodeSet(store: ShardStore, db: number, key: Uint8Array, bytes: Uint8Array, expireAt: ExpireTime, now: number, structure: boolean): Ref {
  const members: Uint8Array[] = [];
  for (let at = listpackFirst(0), n = listpackCount(bytes, 0); n > 0; n--, at = entryNext(bytes, at)) {
    members.push(bytes.subarray(entryDataStart(bytes, at), entryDataStart(bytes, at) + entryLength(bytes, at)));
  }
  setStore(store, db, key, members, now);
  const ref = store.peek(db, key);
  if (structure && isIntset(store, ref)) convertToDict(store, ref);
  if (expireAt !== 0) store.setExpire(ref, expireAt);
  return ref;
}

/** Redis's digest of a set: the members' SHA1s XORed together, so order does not matter. */
function digestSet(store: ShardStore, ref: Ref, digest: Buffer): void {
  setForEach(store, ref, (member) => addToDigest(digest, member.bytes.subarray(member.start, member.start + member.length)));
}

// ---- RDB: an intset as RDB_TYPE_SET_INTSET (Redis's intset bytes), a hashtable as RDB_TYPE_SET ----

/** Redis's intset header: encoding (u32 LE), then length (u32 LE). */
const REDIS_INTSET_HEADER = 8;
const redisIntset = Buffer.alloc(REDIS_INTSET_HEADER);

function saveSet(store: ShardStore, ref: Ref, out: RdbOutput): void {
  if (isIntset(store, ref)) {
    const bytes = store.valueBytes(ref);
    const start = store.valueStart(ref);
    const width = bytes[start];
    const count = intsetCount(bytes, start);
    redisIntset.writeUInt32LE(width, 0);
    redisIntset.writeUInt32LE(count, 4);
    // The values are the same bytes in both forms: only the header differs.
    out.len(REDIS_INTSET_HEADER + width * count);
    out.raw(redisIntset, 0, REDIS_INTSET_HEADER);
    out.raw(bytes, start + INTSET_HEADER_BYTES, width * count);
    return;
  }
  out.len(setSize(store, ref));
  setForEach(store, ref, (member) => out.string(member.bytes, member.start, member.length));
}

function loadSet(rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  const members: Uint8Array[] = [];
  if (rdbType === RdbType.SetIntset) {
    const blob = input.string();
    if (blob.length < REDIS_INTSET_HEADER) input.fail('intset too short');
    const width = blob.readUInt32LE(0);
    const count = blob.readUInt32LE(4);
    if ((width !== 2 && width !== 4 && width !== 8) || blob.length !== REDIS_INTSET_HEADER + width * count) input.fail('bad intset');
    for (let i = 0, at = REDIS_INTSET_HEADER; i < count; i++, at += width) {
      const value = width === 2 ? blob.readInt16LE(at) : width === 4 ? blob.readInt32LE(at) : blob.readBigInt64LE(at);
      members.push(Buffer.from(String(value), 'latin1'));
    }
  } else if (rdbType === RdbType.Set) {
    for (let n = input.count(); n > 0; n--) members.push(input.string());
  } else {
    input.fail('unsupported set encoding');
  }
  if (members.length === 0) throw new RdbEmptyValue();
  if (new Set(members.map((m) => Buffer.from(m.buffer, m.byteOffset, m.length).toString('latin1'))).size !== members.length) input.fail('duplicate set member');
  setStore(store, db, key, members, now);
  const ref = store.peek(db, key);
  if (expireAt !== 0) store.setExpire(ref, expireAt);
  return ref;
}

export const SET_TYPE: ValueTypeOps = {
  name: 'set',
  encoding: (store, ref) => (isIntset(store, ref) ? 'intset' : 'hashtable'),
  externalBytes: (store, ref) => (isIntset(store, ref) ? store.blobBytes(ref) : openDict(store, ref).bytes),
  freeStructure: (store, header) => store.dict.open(header).destroy(),
  encode: encodeSet,
  decode: decodeSet,
  digest: digestSet,
  refcount: () => 1,
  serializedLength: (store, ref) => (isIntset(store, ref) ? intsetLength(store.valueBytes(ref), store.valueStart(ref)) : openDict(store, ref).bytes),
  rdbType: (store, ref) => (isIntset(store, ref) ? RdbType.SetIntset : RdbType.Set),
  rdbSave: saveSet,
  rdbLoad: loadSet,
};
