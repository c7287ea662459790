// The list type: its API (as Redis's t_list.c listType* functions), which the
// commands in commands/lists.ts use without looking at how a list is held,
// and its value-type hooks.
//
// Every list is a quicklist (quicklist.ts) in the shard's arena, whose header
// the key's record points at, as Redis 7.0 holds every list (OBJECT ENCODING
// says "quicklist"). A list is never empty: the commands delete the key when
// they take its last element, as Redis does.

import { ByteSlice, ownBytes } from '../bytes.ts';
import { mixIntoDigest } from '../digest.ts';
import { ValueType } from '../entry.ts';
import type { ExpireTime } from '../record.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import type { ValueTypeOps } from '../value-type.ts';
import { entryDataStart, entryLength, entryNext, listpackCount, listpackFirst, listpackWriter, ListpackWriter } from './listpack.ts';
import type { ElementVisitor, Quicklist } from './quicklist.ts';
import { RdbEmptyValue, RdbType } from '../rdb/rdb-types.ts';
import type { RdbInput } from '../rdb/rdb-input.ts';
import type { RdbOutput } from '../rdb/rdb-output.ts';
import { redisListpackBuilder, redisListpackReader } from '../rdb/redis-listpack.ts';

export type { ElementVisitor } from './quicklist.ts';

function openList(store: ShardStore, ref: Ref): Quicklist {
  const list = store.quicklist.open(store.structureOf(ref));
  list.fill = store.limits.listMaxListpackSize;
  list.depth = store.limits.listCompressDepth;
  return list;
}

const visited = new ByteSlice();

// ---- Reading ----

export function listLength(store: ShardStore, ref: Ref): number {
  return openList(store, ref).length;
}

/** Points `into` at the element at `index` (0 <= index < length). */
export function listElementAt(store: ShardStore, ref: Ref, index: number, into: ByteSlice): void {
  openList(store, ref).elementAt(index, into);
}

/** Visits elements from `index` towards the tail (forward) or the head until `visit` returns false; `visit` must not change the store. */
export function listForEachFrom(store: ShardStore, ref: Ref, index: number, forward: boolean, visit: ElementVisitor): void {
  openList(store, ref).forEachFrom(index, forward, visited, visit);
}

// ---- Writing ----

/** A new list under `key` holding `first` (Redis never keeps an empty list). */
export function listCreate(store: ShardStore, db: number, key: Uint8Array, first: Uint8Array, now: number): Ref {
  const list = store.quicklist;
  const header = list.create();
  list.fill = store.limits.listMaxListpackSize;
  list.depth = store.limits.listCompressDepth;
  list.push(first, false);
  return store.putStructure(db, key, ValueType.List, header, 0, now);
}

export function listPush(store: ShardStore, ref: Ref, value: Uint8Array, atHead: boolean): void {
  openList(store, ref).push(value, atHead);
  store.changed(ref);
}

/** Inserts `value` before the element at `index` (index === length: at the tail). */
export function listInsertAt(store: ShardStore, ref: Ref, index: number, value: Uint8Array): void {
  openList(store, ref).insertAt(index, value);
  store.changed(ref);
}

export function listReplaceAt(store: ShardStore, ref: Ref, index: number, value: Uint8Array): void {
  openList(store, ref).replaceAt(index, value);
  store.changed(ref);
}

/** Removes `count` elements from `index` on; deletes the key when none are left. */
export function listRemoveRange(store: ShardStore, ref: Ref, index: number, count: number): void {
  const list = openList(store, ref);
  list.removeRange(index, count);
  if (list.length === 0) store.remove(ref);
  else store.changed(ref);
}

/** LREM's removal: at most `limit` (0: all) elements equal to `value`, from the head or the tail; how many went. */
export function listRemoveEqual(store: ShardStore, ref: Ref, value: Uint8Array, limit: number, fromTail: boolean): number {
  const list = openList(store, ref);
  const removed = list.removeEqual(value, limit, fromTail);
  if (list.length === 0) store.remove(ref);
  else if (removed > 0) store.changed(ref);
  return removed;
}

/**
 * Pops up to `count` elements from the head or the tail, handing each to
 * `visit` in the order they leave, then removes them (the key too when the
 * list empties).
 */
export function listPop(store: ShardStore, ref: Ref, atHead: boolean, count: number, visit: (element: ByteSlice) => void): void {
  if (count <= 0) return;
  const list = openList(store, ref);
  list.popEnd(atHead, count, visited, visit);
  if (list.length === 0) store.remove(ref);
  else store.changed(ref);
}

// ---- The value-type hooks ----

/** The list as one packed form of all its elements: how it travels between shards and is copied. */
function encodeList(store: ShardStore, ref: Ref): Buffer {
  listpackWriter.begin();
  listForEachFrom(store, ref, 0, true, (element) => {
    listpackWriter.pushRange(element.bytes, element.start, element.length);
    return true;
  });
  return ownBytes(listpackWriter.view());
}

function decodeList(store: ShardStore, db: number, key: Uint8Array, bytes: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  let ref = 0;
  for (let at = listpackFirst(0), n = listpackCount(bytes, 0); n > 0; n--, at = entryNext(bytes, at)) {
    const element = bytes.subarray(entryDataStart(bytes, at), entryDataStart(bytes, at) + entryLength(bytes, at));
    if (ref === 0) ref = listCreate(store, db, key, element, now);
    else openList(store, ref).push(element, false);
  }
  if (expireAt !== 0) store.setExpire(ref, expireAt);
  return ref;
}

/** Redis's digest of a list: every element mixed in, in order. */
function digestList(store: ShardStore, ref: Ref, digest: Buffer): void {
  listForEachFrom(store, ref, 0, true, (element) => {
    mixIntoDigest(digest, element.bytes.subarray(element.start, element.start + element.length));
    return true;
  });
}

// ---- RDB: RDB_TYPE_LIST_QUICKLIST_2, nodes of Redis listpacks cut by list-max-listpack-size ----

/** Quicklist 2's node containers. */
const NODE_PLAIN = 1;
const NODE_PACKED = 2;

function saveList(store: ShardStore, ref: Ref, out: RdbOutput): void {
  const fill = store.limits.listMaxListpackSize;
  const maxEntries = fill > 0 ? fill : Infinity;
  const maxBytes = fill > 0 ? 8192 : 4096 * 2 ** (Math.min(-fill, 5) - 1);
  const nodes: Buffer[] = [];
  const builder = redisListpackBuilder;
  builder.begin();
  listForEachFrom(store, ref, 0, true, (element) => {
    if (builder.entries > 0 && (builder.entries >= maxEntries || builder.bytes + element.length > maxBytes)) {
      nodes.push(ownBytes(builder.finish()));
      builder.begin();
    }
    builder.pushString(element.bytes, element.start, element.length);
    return true;
  });
  if (builder.entries > 0) nodes.push(ownBytes(builder.finish()));
  out.len(nodes.length);
  for (const node of nodes) {
    out.len(NODE_PACKED);
    out.blob(node);
  }
}

const loaded = new ListpackWriter();

function loadList(rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  loaded.begin();
  let count = 0;
  if (rdbType === RdbType.ListQuicklist2) {
    for (let nodes = input.count(); nodes > 0; nodes--) {
      const container = input.len();
      if (container === NODE_PLAIN) {
        loaded.push(input.string());
        count++;
      } else if (container === NODE_PACKED) {
        const reader = redisListpackReader;
        reader.open(input.string());
        while (reader.next()) {
          loaded.push(reader.value());
          count++;
        }
      } else {
        input.fail('bad quicklist node container');
      }
    }
  } else if (rdbType === RdbType.List) {
    for (let n = input.count(); n > 0; n--, count++) loaded.push(input.string());
  } else {
    input.fail('unsupported list encoding');
  }
  if (count === 0) throw new RdbEmptyValue();
  return decodeList(store, db, key, loaded.view(), expireAt, now);
}

export const LIST_TYPE: ValueTypeOps = {
  name: 'list',
  encoding: () => 'quicklist',
  externalBytes: (store, ref) => openList(store, ref).bytes,
  freeStructure: (store, header) => store.quicklist.open(header).destroy(),
  encode: encodeList,
  decode: decodeList,
  digest: digestList,
  refcount: () => 1,
  // Redis writes a quicklist as its nodes' packed forms: about the bytes the nodes hold.
  serializedLength: (store, ref) => openList(store, ref).bytes,
  rdbType: () => RdbType.ListQuicklist2,
  rdbSave: saveList,
  rdbLoad: loadList,
};
