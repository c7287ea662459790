// The stream type: its API (as Redis's t_stream.c stream* functions), which
// the commands in commands/streams.ts use without looking at how a stream is
// held, and its value-type hooks.
//
// Everything lives in the shard's arena:
//
//   header (96-byte Blob chunk: the key's record points at it)
//     0  length (f64)            8  last id ms (u64)      16 last id seq (u64)
//     24 max deleted id ms       32 max deleted id seq    40 entries added (u64)
//     48 index chunk (u32)       52 nodes in the index (u32)
//     56 groups chunk (u32)      60 groups' bytes (u32)
//     64 bytes of the nodes' chunks (f64)
//     72 1 when the entry of the last id may not be there (deleted, or the
//        last id set past it): the last live entry is then looked for
//
//   index: the nodes in id order, 32 bytes each (a one-level ordered index,
//   searched by bisection; Redis's rax of listpacks keyed by the node's first id)
//     0 first id ms  8 first id seq  16 node chunk  20 bytes used  24 entries  28 live entries
//
//   node: packed entries, each
//     flags (1: deleted) | ms - first ms | seq (- first seq when the ms are equal) | item count | (length, bytes) per item
//   with LEB128 numbers. A node takes at most stream-node-max-entries entries
//   and stream-node-max-bytes bytes; deleted entries stay until their node
//   is empty, as in Redis.
//
//   groups: the consumer groups (by name, as Redis's rax orders them), each
//   with its consumers (by name) and its pending entries list (pel.ts: an
//   ordered map of its own, O(log n) a lookup, insert or removal); each
//   consumer has one too, of the ids it owns, as Redis's consumer PEL. Commands
//   load the groups' names, ids and consumers, change them and store them
//   back; the pending entries are changed in place.

import { ChunkKind, OFFSET_BITS, OFFSET_MASK, type Address, type Arena } from '../arena.ts';
import { mixIntoDigest } from '../digest.ts';
import { ValueType } from '../entry.ts';
import type { ExpireTime } from '../record.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import type { ValueTypeOps } from '../value-type.ts';
import { copyBytes } from '../../util/copy-bytes.ts';
import { RdbType } from '../rdb/rdb-types.ts';
import type { RdbInput } from '../rdb/rdb-input.ts';
import type { RdbOutput } from '../rdb/rdb-output.ts';
import { redisListpackBuilder, redisListpackReader } from '../rdb/redis-listpack.ts';
import { pelBytes, pelEach, pelFree, pelPut, type PendingEntry } from './pel.ts';

export type { PendingEntry } from './pel.ts';

export interface StreamId {
  ms: bigint;
  seq: bigint;
}

export const U64_MAX = 0xffffffffffffffffn;
export const ZERO_ID: StreamId = { ms: 0n, seq: 0n };
export const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };
/** Redis's SCG_INVALID_ENTRIES_READ. */
export const INVALID_ENTRIES_READ = -1n;

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** The id after `id`, or null past the last possible one. */
export function nextId(id: StreamId): StreamId | null {
  if (id.seq !== U64_MAX) return { ms: id.ms, seq: id.seq + 1n };
  if (id.ms !== U64_MAX) return { ms: id.ms + 1n, seq: 0n };
  return null;
}

/** The id before `id`, or null before 0-0. */
export function previousId(id: StreamId): StreamId | null {
  if (id.seq !== 0n) return { ms: id.ms, seq: id.seq - 1n };
  if (id.ms !== 0n) return { ms: id.ms - 1n, seq: U64_MAX };
  return null;
}

/** One entry as read out: its id and its fields and values, alternating (copies of their own). */
export interface StreamEntry {
  id: StreamId;
  items: Buffer[];
}

/** The consumer of a pending entry that has none yet (XCLAIM FORCE, until it is claimed): consumers count from 1. */
export const NO_CONSUMER = 0;

export interface Consumer {
  /** Stable within its group, from 1: what pending entries name it by. */
  id: number;
  name: Buffer;
  seenTime: number;
  /** Its own pending entries (their ids: the group's PEL has the rest), in id order: pel.ts. */
  pel: Address;
  /** How many (XPENDING's and XINFO's pending count). */
  pelCount: number;
}

export interface Group {
  name: Buffer;
  lastId: StreamId;
  entriesRead: bigint;
  pel: Address;
  pelCount: number;
  nextConsumer: number;
  consumers: Consumer[];
}

export interface StreamLimits {
  nodeMaxBytes: number;
  nodeMaxEntries: number;
}

const HEADER_BYTES = 96;
const H_LENGTH = 0;
const H_LAST = 8;
const H_MAX_DELETED = 24;
const H_ADDED = 40;
const H_INDEX = 48;
const H_INDEX_COUNT = 52;
const H_GROUPS = 56;
const H_GROUPS_LENGTH = 60;
const H_NODE_BYTES = 64;
const H_LAST_UNSURE = 72;

const RECORD = 32;
const R_NODE = 16;
const R_USED = 20;
const R_COUNT = 24;
const R_LIVE = 28;

/** Redis's STREAM_LISTPACK_MAX_SIZE. */
const NODE_MAX_SIZE = 1 << 30;

// ---- Memory access ----

const views = new WeakMap<ArrayBufferLike, DataView>();

function viewOf(bytes: Uint8Array): DataView {
  let view = views.get(bytes.buffer);
  if (view === undefined) {
    view = new DataView(bytes.buffer);
    views.set(bytes.buffer, view);
  }
  return view;
}

/** A chunk's bytes as (bytes, start) pairs, read and written in place. */
class Chunk {
  bytes: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(8));
  start = 0;

  at(arena: Arena, address: Address): this {
    this.bytes = arena.bytes[address >>> OFFSET_BITS];
    this.view = viewOf(this.bytes);
    this.start = this.bytes.byteOffset + ((address & OFFSET_MASK) << 3);
    return this;
  }

  u32(offset: number): number {
    return this.view.getUint32(this.start + offset, true);
  }
  setU32(offset: number, value: number): void {
    this.view.setUint32(this.start + offset, value, true);
  }
  u64(offset: number): bigint {
    return this.view.getBigUint64(this.start + offset, true);
  }
  setU64(offset: number, value: bigint): void {
    this.view.setBigUint64(this.start + offset, value, true);
  }
  f64(offset: number): number {
    return this.view.getFloat64(this.start + offset, true);
  }
  setF64(offset: number, value: number): void {
    this.view.setFloat64(this.start + offset, value, true);
  }
  /** Offset into `bytes` of the chunk's byte `offset` (bytes is the whole segment, view of byteOffset 0 onwards). */
  index(offset: number): number {
    return this.start - this.bytes.byteOffset + offset;
  }
}

const header = new Chunk();
const record = new Chunk();
const node = new Chunk();
/** A second node's bytes, for copies between two chunks. */
const spare = new Chunk();

// ---- LEB128 numbers ----

function varSize(value: bigint): number {
  let size = 1;
  while (value >= 128n) {
    value >>= 7n;
    size++;
  }
  return size;
}

function varSizeNumber(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVar(bytes: Uint8Array, at: number, value: bigint): number {
  while (value >= 128n) {
    bytes[at++] = Number(value & 127n) | 128;
    value >>= 7n;
  }
  bytes[at++] = Number(value);
  return at;
}

function writeVarNumber(bytes: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    bytes[at++] = (value & 127) | 128;
    value = Math.floor(value / 128);
  }
  bytes[at++] = value;
  return at;
}

let readAt = 0;

function readVar(bytes: Uint8Array, at: number): bigint {
  let small = 0;
  let shift = 0;
  // Up to 4 bytes in a number, the rest as a bigint.
  while (shift < 28) {
    const byte = bytes[at++];
    small += (byte & 127) * 2 ** shift;
    shift += 7;
    if (byte < 128) {
      readAt = at;
      return BigInt(small);
    }
  }
  let value = BigInt(small);
  let big = BigInt(shift);
  for (;;) {
    const byte = bytes[at++];
    value |= BigInt(byte & 127) << big;
    big += 7n;
    if (byte < 128) break;
  }
  readAt = at;
  return value;
}

function readVarNumber(bytes: Uint8Array, at: number): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 127) * scale;
    scale *= 128;
    if (byte < 128) break;
  }
  readAt = at;
  return value;
}

// ---- The handle ----

/** A stream opened for one command: reads and writes its header, index, nodes and groups in the arena. */
export class Stream {
  readonly arena: Arena;
  readonly address: Address;

  constructor(arena: Arena, address: Address) {
    this.arena = arena;
    this.address = address;
  }

  static create(arena: Arena): Stream {
    const address = arena.allocate(HEADER_BYTES, ChunkKind.Blob);
    const h = header.at(arena, address);
    for (let i = 0; i < HEADER_BYTES; i++) h.bytes[h.index(i)] = 0;
    return new Stream(arena, address);
  }

  private h(): Chunk {
    return header.at(this.arena, this.address);
  }

  get length(): number {
    return this.h().f64(H_LENGTH);
  }
  private set length(value: number) {
    this.h().setF64(H_LENGTH, value);
  }
  get lastId(): StreamId {
    const h = this.h();
    return { ms: h.u64(H_LAST), seq: h.u64(H_LAST + 8) };
  }
  /** Sets the last id; what entry holds it is then not known (append knows: it clears that). */
  set lastId(id: StreamId) {
    const h = this.h();
    h.setU64(H_LAST, id.ms);
    h.setU64(H_LAST + 8, id.seq);
    h.setU32(H_LAST_UNSURE, 1);
  }
  get maxDeletedId(): StreamId {
    const h = this.h();
    return { ms: h.u64(H_MAX_DELETED), seq: h.u64(H_MAX_DELETED + 8) };
  }
  set maxDeletedId(id: StreamId) {
    const h = this.h();
    h.setU64(H_MAX_DELETED, id.ms);
    h.setU64(H_MAX_DELETED + 8, id.seq);
  }
  get entriesAdded(): bigint {
    return this.h().u64(H_ADDED);
  }
  set entriesAdded(value: bigint) {
    this.h().setU64(H_ADDED, value);
  }
  private get indexAddress(): Address {
    return this.h().u32(H_INDEX);
  }
  get nodeCount(): number {
    return this.h().u32(H_INDEX_COUNT);
  }

  /** Bytes of every chunk the stream holds. */
  get bytes(): number {
    const h = this.h();
    let total = HEADER_BYTES + h.f64(H_NODE_BYTES);
    const index = h.u32(H_INDEX);
    if (index !== 0) total += this.arena.chunkSize(index);
    const groupsAddress = h.u32(H_GROUPS);
    if (groupsAddress !== 0) {
      total += this.arena.chunkSize(groupsAddress);
      for (const group of this.groups()) {
        total += pelBytes(this.arena, group);
        for (const consumer of group.consumers) total += pelBytes(this.arena, consumer);
      }
    }
    return total;
  }

  private rec(i: number): Chunk {
    return record.at(this.arena, this.indexAddress + ((i * RECORD) >>> 3));
  }

  private recordFirst(i: number): StreamId {
    const r = this.rec(i);
    return { ms: r.u64(0), seq: r.u64(8) };
  }

  /** The last node whose first id is <= id, or -1. */
  private nodeFor(id: StreamId): number {
    let low = 0;
    let high = this.nodeCount - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (compareIds(this.recordFirst(mid), id) <= 0) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  // ---- Appending ----

  /** Appends an entry (its id above the last one: the caller checked), updating length, last id and entries added. */
  append(id: StreamId, items: readonly Uint8Array[], limits: StreamLimits): void {
    const count = this.nodeCount;
    let size = 1 + varSizeNumber(items.length / 2);
    for (const item of items) size += varSizeNumber(item.length) + item.length;
    let target = count - 1;
    if (target >= 0) {
      const r = this.rec(target);
      const first = { ms: r.u64(0), seq: r.u64(8) };
      const msDelta = id.ms - first.ms;
      const fullSize = size + varSize(msDelta) + varSize(msDelta === 0n ? id.seq - first.seq : id.seq);
      const maxBytes = limits.nodeMaxBytes === 0 || limits.nodeMaxBytes > NODE_MAX_SIZE ? NODE_MAX_SIZE : limits.nodeMaxBytes;
      if (r.u32(R_USED) + fullSize >= maxBytes || (limits.nodeMaxEntries !== 0 && r.u32(R_COUNT) >= limits.nodeMaxEntries)) target = -1;
      else this.writeEntry(target, first, id, items, fullSize);
    }
    if (target < 0) {
      this.addNode(id);
      this.writeEntry(this.nodeCount - 1, id, id, items, size + 2);
    }
    this.length = this.length + 1;
    this.lastId = id;
    this.h().setU32(H_LAST_UNSURE, 0);
    this.entriesAdded = this.entriesAdded + 1n;
  }

  private addNode(first: StreamId): void {
    const h = this.h();
    const count = h.u32(H_INDEX_COUNT);
    let index = h.u32(H_INDEX);
    const capacity = index === 0 ? 0 : Math.floor(this.arena.chunkSize(index) / RECORD);
    if (count + 1 > capacity) {
      const grown = this.arena.allocate(Math.max(4, capacity * 2) * RECORD, ChunkKind.Blob);
      if (index !== 0) {
        const from = record.at(this.arena, index);
        const to = node.at(this.arena, grown);
        copyBytes(from.bytes, from.index(0), from.index(count * RECORD), to.bytes, to.index(0));
        this.arena.free(index);
      }
      index = grown;
      this.h().setU32(H_INDEX, index);
    }
    const nodeAddress = this.arena.allocate(64, ChunkKind.Blob);
    this.h().setF64(H_NODE_BYTES, this.h().f64(H_NODE_BYTES) + this.arena.chunkSize(nodeAddress));
    this.h().setU32(H_INDEX_COUNT, count + 1);
    const r = this.rec(count);
    r.setU64(0, first.ms);
    r.setU64(8, first.seq);
    r.setU32(R_NODE, nodeAddress);
    r.setU32(R_USED, 0);
    r.setU32(R_COUNT, 0);
    r.setU32(R_LIVE, 0);
  }

  private writeEntry(i: number, first: StreamId, id: StreamId, items: readonly Uint8Array[], size: number): void {
    let r = this.rec(i);
    let nodeAddress = r.u32(R_NODE);
    const used = r.u32(R_USED);
    const capacity = this.arena.chunkSize(nodeAddress);
    if (used + size > capacity) {
      const grown = this.arena.allocate(Math.max(used + size, Math.min(capacity * 2, 4096)), ChunkKind.Blob);
      const from = node.at(this.arena, nodeAddress);
      const to = spare.at(this.arena, grown);
      copyBytes(from.bytes, from.index(0), from.index(used), to.bytes, to.index(0));
      this.arena.free(nodeAddress);
      this.h().setF64(H_NODE_BYTES, this.h().f64(H_NODE_BYTES) - capacity + this.arena.chunkSize(grown));
      nodeAddress = grown;
      r = this.rec(i);
      r.setU32(R_NODE, nodeAddress);
    }
    const n = node.at(this.arena, nodeAddress);
    const bytes = n.bytes;
    let at = n.index(used);
    bytes[at++] = 0;
    const msDelta = id.ms - first.ms;
    at = writeVar(bytes, at, msDelta);
    at = writeVar(bytes, at, msDelta === 0n ? id.seq - first.seq : id.seq);
    at = writeVarNumber(bytes, at, items.length / 2);
    for (const item of items) {
      at = writeVarNumber(bytes, at, item.length);
      copyBytes(item, 0, item.length, bytes, at);
      at += item.length;
    }
    r = this.rec(i);
    r.setU32(R_USED, at - n.index(0));
    r.setU32(R_COUNT, r.u32(R_COUNT) + 1);
    r.setU32(R_LIVE, r.u32(R_LIVE) + 1);
  }

  // ---- Reading ----

  /**
   * Visits the node's entries in order: visit(id, offset of the flags byte,
   * deleted, offset of the item count) returning false stops. Offsets are
   * into the node's chunk.
   */
  private scanNode(i: number, visit: (id: StreamId, flagsAt: number, deleted: boolean, itemsAt: number, end: number) => boolean): void {
    const r = this.rec(i);
    const first = { ms: r.u64(0), seq: r.u64(8) };
    const used = r.u32(R_USED);
    const n = node.at(this.arena, r.u32(R_NODE));
    const bytes = n.bytes;
    const base = n.index(0);
    let at = base;
    const end = base + used;
    while (at < end) {
      const flagsAt = at;
      const deleted = bytes[at++] === 1;
      const msDelta = readVar(bytes, at);
      const seqPart = readVar(bytes, readAt);
      const itemsAt = readAt;
      let p = itemsAt;
      const pairs = readVarNumber(bytes, p);
      p = readAt;
      for (let k = 0; k < pairs * 2; k++) {
        const length = readVarNumber(bytes, p);
        p = readAt + length;
      }
      const id = msDelta === 0n ? { ms: first.ms, seq: first.seq + seqPart } : { ms: first.ms + msDelta, seq: seqPart };
      if (!visit(id, flagsAt - base, deleted, itemsAt - base, p - base)) return;
      at = p;
    }
  }

  private readItems(i: number, itemsAt: number): Buffer[] {
    const r = this.rec(i);
    const n = node.at(this.arena, r.u32(R_NODE));
    const bytes = n.bytes;
    let p = n.index(itemsAt);
    const pairs = readVarNumber(bytes, p);
    p = readAt;
    const items: Buffer[] = [];
    for (let k = 0; k < pairs * 2; k++) {
      const length = readVarNumber(bytes, p);
      p = readAt;
      const item = Buffer.allocUnsafe(length);
      copyBytes(bytes, p, p + length, item, 0);
      items.push(item);
      p += length;
    }
    return items;
  }

  /**
   * The live entries with start <= id <= end, in order (from the end when
   * `reverse`), at most `count` (0: all).
   */
  range(start: StreamId, end: StreamId, reverse: boolean, count: number): StreamEntry[] {
    const found: StreamEntry[] = [];
    if (compareIds(start, end) > 0) return found;
    const nodes = this.nodeCount;
    if (!reverse) {
      for (let i = Math.max(0, this.nodeFor(start)); i < nodes; i++) {
        let done = false;
        this.scanNode(i, (id, _flagsAt, deleted, itemsAt) => {
          if (compareIds(id, end) > 0) {
            done = true;
            return false;
          }
          if (deleted || compareIds(id, start) < 0) return true;
          found.push({ id, items: this.readItems(i, itemsAt) });
          if (count !== 0 && found.length >= count) {
            done = true;
            return false;
          }
          return true;
        });
        if (done) break;
      }
      return found;
    }
    for (let i = this.nodeFor(end); i >= 0; i--) {
      const inNode: [StreamId, number][] = [];
      this.scanNode(i, (id, _flagsAt, deleted, itemsAt) => {
        if (compareIds(id, end) > 0) return false;
        if (!deleted && compareIds(id, start) >= 0) inNode.push([id, itemsAt]);
        return true;
      });
      for (let k = inNode.length - 1; k >= 0; k--) {
        found.push({ id: inNode[k][0], items: this.readItems(i, inNode[k][1]) });
        if (count !== 0 && found.length >= count) return found;
      }
      if (compareIds(this.recordFirst(i), start) <= 0) break;
    }
    return found;
  }

  /** The first or last live entry's id (0-0 when empty). */
  edgeId(last: boolean): StreamId {
    // The last entry appended is the last live one until something deletes it.
    if (last && this.length !== 0 && this.h().u32(H_LAST_UNSURE) === 0) return this.lastId;
    const entries = last ? this.range(ZERO_ID, MAX_ID, true, 1) : this.range(ZERO_ID, MAX_ID, false, 1);
    return entries.length === 0 ? ZERO_ID : entries[0].id;
  }

  /** The entry with `id` when it is there and live. */
  entry(id: StreamId): StreamEntry | null {
    const entries = this.range(id, id, false, 1);
    return entries.length === 0 ? null : entries[0];
  }

  // ---- Deleting ----

  private markDeleted(i: number, flagsAt: number): void {
    const r = this.rec(i);
    const n = node.at(this.arena, r.u32(R_NODE));
    n.bytes[n.index(flagsAt)] = 1;
    const live = r.u32(R_LIVE) - 1;
    r.setU32(R_LIVE, live);
    this.length = this.length - 1;
  }

  private removeNode(i: number): void {
    const r = this.rec(i);
    const nodeAddress = r.u32(R_NODE);
    this.h().setF64(H_NODE_BYTES, this.h().f64(H_NODE_BYTES) - this.arena.chunkSize(nodeAddress));
    this.arena.free(nodeAddress);
    const count = this.nodeCount;
    const idx = record.at(this.arena, this.indexAddress);
    copyBytes(idx.bytes, idx.index((i + 1) * RECORD), idx.index(count * RECORD), idx.bytes, idx.index(i * RECORD));
    this.h().setU32(H_INDEX_COUNT, count - 1);
  }

  /** XDEL of one id: whether it was there (max deleted id is the caller's). */
  delete(id: StreamId): boolean {
    const i = this.nodeFor(id);
    if (i < 0) return false;
    let hit = false;
    this.scanNode(i, (entryId, flagsAt, deleted) => {
      const cmp = compareIds(entryId, id);
      if (cmp > 0) return false;
      if (cmp === 0) {
        if (!deleted) {
          this.markDeleted(i, flagsAt);
          hit = true;
        }
        return false;
      }
      return true;
    });
    if (hit) this.h().setU32(H_LAST_UNSURE, 1);
    if (hit && this.rec(i).u32(R_LIVE) === 0) this.removeNode(i);
    return hit;
  }

  /** Redis's streamTrim: by MAXLEN (minId null) or MINID; approx trims whole nodes only; limit (0: none) caps the entries removed. */
  trim(maxLength: number, minId: StreamId | null, approx: boolean, limit: number): number {
    let deleted = 0;
    while (this.nodeCount > 0) {
      if (minId === null && this.length <= maxLength) break;
      const r = this.rec(0);
      const entries = r.u32(R_LIVE);
      if (limit !== 0 && deleted + entries > limit) break;
      let removeNode: boolean;
      if (minId === null) {
        removeNode = this.length - entries >= maxLength;
      } else {
        let lastInNode = ZERO_ID;
        this.scanNode(0, (id) => {
          lastInNode = id;
          return true;
        });
        removeNode = compareIds(lastInNode, minId) < 0;
      }
      if (removeNode) {
        this.removeNode(0);
        this.length = this.length - entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      this.scanNode(0, (id, flagsAt, isDeleted) => {
        const stop = minId === null ? this.length <= maxLength : compareIds(id, minId) >= 0;
        if (stop) return false;
        if (!isDeleted) {
          this.markDeleted(0, flagsAt);
          deleted++;
        }
        return true;
      });
      if (this.rec(0).u32(R_LIVE) === 0) this.removeNode(0);
      break;
    }
    return deleted;
  }

  // ---- Consumer groups ----

  groups(): Group[] {
    const h = this.h();
    const address = h.u32(H_GROUPS);
    if (address === 0) return [];
    const length = h.u32(H_GROUPS_LENGTH);
    const c = node.at(this.arena, address);
    const copy = Buffer.allocUnsafe(length);
    copyBytes(c.bytes, c.index(0), c.index(length), copy, 0);
    return decodeGroups(copy, 0).groups;
  }

  saveGroups(groups: Group[]): void {
    const h = this.h();
    const old = h.u32(H_GROUPS);
    const encoded = groups.length === 0 ? null : encodeGroups(groups);
    // The chunk they had, while they fit in it.
    const reuse = old !== 0 && encoded !== null && this.arena.chunkSize(old) >= encoded.length;
    if (old !== 0 && !reuse) this.arena.free(old);
    if (encoded === null) {
      this.h().setU32(H_GROUPS, 0);
      this.h().setU32(H_GROUPS_LENGTH, 0);
      return;
    }
    const address = reuse ? old : this.arena.allocate(encoded.length, ChunkKind.Blob);
    const c = node.at(this.arena, address);
    copyBytes(encoded, 0, encoded.length, c.bytes, c.index(0));
    this.h().setU32(H_GROUPS, address);
    this.h().setU32(H_GROUPS_LENGTH, encoded.length);
  }

  destroy(): void {
    const count = this.nodeCount;
    for (let i = 0; i < count; i++) this.arena.free(this.rec(i).u32(R_NODE));
    if (this.indexAddress !== 0) this.arena.free(this.indexAddress);
    for (const group of this.groups()) freeGroupPels(this.arena, group);
    const groupsAddress = this.h().u32(H_GROUPS);
    if (groupsAddress !== 0) this.arena.free(groupsAddress);
    this.arena.free(this.address);
  }
}

// ---- Lag and entries read, as Redis 7.0 estimates them ----

/** Redis's streamRangeHasTombstones: a deleted entry may lie at or after `start` (null: the start). */
export function streamRangeHasTombstones(stream: Stream, start: StreamId | null): boolean {
  const maxDeleted = stream.maxDeletedId;
  if (stream.length === 0 || compareIds(maxDeleted, ZERO_ID) === 0) return false;
  if (compareIds(stream.edgeId(false), maxDeleted) > 0) return false;
  return compareIds(start ?? ZERO_ID, maxDeleted) <= 0;
}

/** Redis's streamEstimateDistanceFromFirstEverEntry: the entries read up to `id`, or INVALID_ENTRIES_READ when it cannot tell. */
export function streamDistanceFromFirstEverEntry(stream: Stream, id: StreamId): bigint {
  const added = stream.entriesAdded;
  if (added === 0n) return 0n;
  const last = stream.lastId;
  if (stream.length === 0 && compareIds(id, last) < 1) return added;
  const cmpLast = compareIds(id, last);
  if (cmpLast === 0) return added;
  if (cmpLast > 0) return INVALID_ENTRIES_READ;
  const first = stream.edgeId(false);
  const maxDeleted = stream.maxDeletedId;
  const cmpFirst = compareIds(id, first);
  if (compareIds(maxDeleted, ZERO_ID) === 0 || compareIds(maxDeleted, first) < 0) {
    if (cmpFirst < 0) return added - BigInt(stream.length);
    if (cmpFirst === 0) return added - BigInt(stream.length) + 1n;
  }
  return INVALID_ENTRIES_READ;
}

/** A group's lag (XINFO), null when it cannot be told. */
export function streamGroupLag(stream: Stream, group: Group): bigint | null {
  const added = stream.entriesAdded;
  if (added === 0n) return 0n;
  if (group.entriesRead !== INVALID_ENTRIES_READ && !streamRangeHasTombstones(stream, group.lastId)) return added - group.entriesRead;
  const read = streamDistanceFromFirstEverEntry(stream, group.lastId);
  return read === INVALID_ENTRIES_READ ? null : added - read;
}

/** Frees a group's PEL and its consumers' (it is being deleted). */
export function freeGroupPels(arena: Arena, group: Group): void {
  pelFree(arena, group);
  for (const consumer of group.consumers) pelFree(arena, consumer);
}

// ---- Groups' bytes ----

class Writer {
  buffer = Buffer.allocUnsafe(256);
  at = 0;
  ensure(extra: number): void {
    if (this.at + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + extra));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
  u32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value, this.at);
    this.at += 4;
  }
  u64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigUInt64LE(value, this.at);
    this.at += 8;
  }
  i64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigInt64LE(value, this.at);
    this.at += 8;
  }
  f64(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.at);
    this.at += 8;
  }
  bytes(value: Uint8Array): void {
    this.u32(value.length);
    this.ensure(value.length);
    copyBytes(value, 0, value.length, this.buffer, this.at);
    this.at += value.length;
  }
  done(): Buffer {
    return this.buffer.subarray(0, this.at);
  }
}

function writeGroup(w: Writer, group: Group): void {
  w.bytes(group.name);
  w.u64(group.lastId.ms);
  w.u64(group.lastId.seq);
  w.i64(group.entriesRead);
  w.u32(group.pel);
  w.u32(group.pelCount);
  w.u32(group.nextConsumer);
  w.u32(group.consumers.length);
  for (const consumer of group.consumers) {
    w.u32(consumer.id);
    w.bytes(consumer.name);
    w.f64(consumer.seenTime);
    w.u32(consumer.pel);
    w.u32(consumer.pelCount);
  }
}

function encodeGroups(groups: Group[]): Buffer {
  const w = new Writer();
  w.u32(groups.length);
  for (const group of groups) writeGroup(w, group);
  return Buffer.from(w.done());
}

class Reader {
  readonly buffer: Buffer;
  at: number;
  constructor(buffer: Buffer, at: number) {
    this.buffer = buffer;
    this.at = at;
  }
  u32(): number {
    const value = this.buffer.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }
  u64(): bigint {
    const value = this.buffer.readBigUInt64LE(this.at);
    this.at += 8;
    return value;
  }
  i64(): bigint {
    const value = this.buffer.readBigInt64LE(this.at);
    this.at += 8;
    return value;
  }
  f64(): number {
    const value = this.buffer.readDoubleLE(this.at);
    this.at += 8;
    return value;
  }
  bytes(): Buffer {
    const length = this.u32();
    const value = Buffer.from(this.buffer.subarray(this.at, this.at + length));
    this.at += length;
    return value;
  }
}

function readGroup(r: Reader): Group {
  const name = r.bytes();
  const lastId = { ms: r.u64(), seq: r.u64() };
  const entriesRead = r.i64();
  const pel = r.u32();
  const pelCount = r.u32();
  const nextConsumer = r.u32();
  const consumers: Consumer[] = [];
  for (let n = r.u32(); n > 0; n--) consumers.push({ id: r.u32(), name: r.bytes(), seenTime: r.f64(), pel: r.u32(), pelCount: r.u32() });
  return { name, lastId, entriesRead, pel, pelCount, nextConsumer, consumers };
}

function decodeGroups(buffer: Buffer, at: number): { groups: Group[]; end: number } {
  const r = new Reader(buffer, at);
  const groups: Group[] = [];
  for (let n = r.u32(); n > 0; n--) groups.push(readGroup(r));
  return { groups, end: r.at };
}

// ---- The type API ----

export function openStream(store: ShardStore, ref: Ref): Stream {
  return new Stream(store.arena, store.structureOf(ref));
}

export function streamCreate(store: ShardStore, db: number, key: Uint8Array, now: number): Ref {
  const stream = Stream.create(store.arena);
  return store.putStructure(db, key, ValueType.Stream, stream.address, 0, now);
}

export function streamLimits(store: ShardStore): StreamLimits {
  return { nodeMaxBytes: store.limits.streamNodeMaxBytes, nodeMaxEntries: store.limits.streamNodeMaxEntries };
}

// ---- The value-type hooks ----

function encodeStream(store: ShardStore, ref: Ref): Buffer {
  const stream = openStream(store, ref);
  const w = new Writer();
  const last = stream.lastId;
  const maxDeleted = stream.maxDeletedId;
  w.u64(last.ms);
  w.u64(last.seq);
  w.u64(maxDeleted.ms);
  w.u64(maxDeleted.seq);
  w.u64(stream.entriesAdded);
  const entries = stream.range(ZERO_ID, MAX_ID, false, 0);
  w.u32(entries.length);
  for (const entry of entries) {
    w.u64(entry.id.ms);
    w.u64(entry.id.seq);
    w.u32(entry.items.length);
    for (const item of entry.items) w.bytes(item);
  }
  const groups = stream.groups();
  w.u32(groups.length);
  for (const group of groups) {
    writeGroup(w, group);
    pelEach(store.arena, group, (p) => {
      w.u64(p.id.ms);
      w.u64(p.id.seq);
      w.f64(p.deliveryTime);
      w.f64(p.deliveryCount);
      w.u32(p.consumer);
    });
  }
  return Buffer.from(w.done());
}

/** A stream's contents apart from its nodes: what both encode forms and the RDB form carry. */
interface StreamImage {
  entries: StreamEntry[];
  last: StreamId;
  maxDeleted: StreamId;
  added: bigint;
  /** Each group with its PEL, in id order (the group's pel and pelCount are ignored). */
  groups: { group: Group; pending: PendingEntry[] }[];
}

function buildStream(store: ShardStore, db: number, key: Uint8Array, image: StreamImage, expireAt: ExpireTime, now: number): Ref {
  const ref = streamCreate(store, db, key, now);
  const stream = openStream(store, ref);
  const limits = streamLimits(store);
  for (const entry of image.entries) stream.append(entry.id, entry.items, limits);
  if (compareIds(stream.lastId, image.last) !== 0) stream.lastId = image.last;
  stream.maxDeletedId = image.maxDeleted;
  stream.entriesAdded = image.added;
  const groups: Group[] = [];
  for (const { group, pending } of image.groups) {
    group.pel = 0;
    group.pelCount = 0;
    for (const consumer of group.consumers) {
      consumer.pel = 0;
      consumer.pelCount = 0;
    }
    const byId = new Map(group.consumers.map((consumer) => [consumer.id, consumer]));
    for (const entry of pending) {
      pelPut(store.arena, group, entry);
      const owner = byId.get(entry.consumer);
      if (owner !== undefined) pelPut(store.arena, owner, { id: entry.id, deliveryTime: 0, deliveryCount: 0, consumer: owner.id });
    }
    groups.push(group);
  }
  stream.saveGroups(groups);
  if (expireAt !== 0) store.setExpire(ref, expireAt);
  return ref;
}

function decodeStream(store: ShardStore, db: number, key: Uint8Array, bytes: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 0);
  const last = { ms: r.u64(), seq: r.u64() };
  const maxDeleted = { ms: r.u64(), seq: r.u64() };
  const added = r.u64();
  const entries: StreamEntry[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const id = { ms: r.u64(), seq: r.u64() };
    const items: Buffer[] = [];
    for (let k = r.u32(); k > 0; k--) items.push(r.bytes());
    entries.push({ id, items });
  }
  const groups: StreamImage['groups'] = [];
  for (let n = r.u32(); n > 0; n--) {
    const group = readGroup(r);
    const pending: PendingEntry[] = [];
    for (let i = 0; i < group.pelCount; i++) {
      pending.push({ id: { ms: r.u64(), seq: r.u64() }, deliveryTime: r.f64(), deliveryCount: r.f64(), consumer: r.u32() });
    }
    groups.push({ group, pending });
  }
  return buildStream(store, db, key, { entries, last, maxDeleted, added, groups }, expireAt, now);
}

// ---- RDB: RDB_TYPE_STREAM_LISTPACKS_2, as Redis 7.0 writes it ----
//
// Nodes as Redis's listpacks, keyed by their master id (16 bytes, big-endian):
//   count | deleted | master field count | master fields... | 0
//   then per entry: flags | ms - master ms | seq - master seq
//     | (field count | field, value...) or, with SAMEFIELDS, values...
//     | elements of the entry
// then length, last id, first id, max deleted id, entries added, and the
// groups: name, last id, entries read, PEL (id, delivery time, count), and
// the consumers (name, seen time, the ids of their pending entries).

const ITEM_DELETED = 1;
const ITEM_SAME_FIELDS = 2;
const idBytes = Buffer.alloc(16);

function writeIdBytes(out: RdbOutput, id: StreamId): void {
  idBytes.writeBigUInt64BE(id.ms, 0);
  idBytes.writeBigUInt64BE(id.seq, 8);
  out.raw(idBytes, 0, 16);
}

function readIdBytes(bytes: Uint8Array): StreamId {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, 16);
  return { ms: view.readBigUInt64BE(0), seq: view.readBigUInt64BE(8) };
}

function sameFields(items: readonly Buffer[], master: readonly Buffer[]): boolean {
  if (items.length !== master.length * 2) return false;
  for (let i = 0; i < master.length; i++) if (!items[i * 2].equals(master[i])) return false;
  return true;
}

/** The entries of one node, [from, to), as a Redis stream listpack. */
function streamNode(entries: readonly StreamEntry[], from: number, to: number): Buffer {
  const b = redisListpackBuilder;
  const master = entries[from];
  const fields: Buffer[] = [];
  for (let i = 0; i < master.items.length; i += 2) fields.push(master.items[i]);
  b.begin();
  b.pushInteger(to - from);
  b.pushInteger(0);
  b.pushInteger(fields.length);
  for (const field of fields) b.pushString(field);
  b.pushInteger(0);
  for (let e = from; e < to; e++) {
    const { id, items } = entries[e];
    const same = sameFields(items, fields);
    b.pushInteger(same ? ITEM_SAME_FIELDS : 0);
    b.pushInteger(BigInt.asIntN(64, id.ms - master.id.ms));
    b.pushInteger(BigInt.asIntN(64, id.seq - master.id.seq));
    if (same) {
      for (let i = 1; i < items.length; i += 2) b.pushString(items[i]);
    } else {
      b.pushInteger(items.length / 2);
      for (const item of items) b.pushString(item);
    }
    b.pushInteger(3 + (same ? items.length / 2 : items.length + 1));
  }
  return ownCopy(b.finish());
}

function ownCopy(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(bytes.length);
  bytes.copy(copy);
  return copy;
}

function saveStream(store: ShardStore, ref: Ref, out: RdbOutput): void {
  const stream = openStream(store, ref);
  const entries = stream.range(ZERO_ID, MAX_ID, false, 0);
  const { nodeMaxBytes, nodeMaxEntries } = streamLimits(store);
  const nodes: { first: StreamId; bytes: Buffer }[] = [];
  for (let from = 0; from < entries.length; ) {
    let to = from;
    let size = 0;
    while (to < entries.length && (nodeMaxEntries === 0 || to - from < nodeMaxEntries) && (to === from || nodeMaxBytes === 0 || size < nodeMaxBytes)) {
      for (const item of entries[to].items) size += item.length + 2;
      to++;
    }
    nodes.push({ first: entries[from].id, bytes: streamNode(entries, from, to) });
    from = to;
  }
  out.len(nodes.length);
  for (const node of nodes) {
    out.len(16);
    writeIdBytes(out, node.first);
    out.blob(node.bytes);
  }
  const last = stream.lastId;
  const first = entries.length > 0 ? entries[0].id : ZERO_ID;
  const maxDeleted = stream.maxDeletedId;
  out.len(stream.length);
  out.len(last.ms);
  out.len(last.seq);
  out.len(first.ms);
  out.len(first.seq);
  out.len(maxDeleted.ms);
  out.len(maxDeleted.seq);
  out.len(stream.entriesAdded);
  const groups = stream.groups();
  out.len(groups.length);
  for (const group of groups) {
    out.string(group.name);
    out.len(group.lastId.ms);
    out.len(group.lastId.seq);
    out.len(BigInt.asUintN(64, group.entriesRead));
    const pending: PendingEntry[] = [];
    pelEach(store.arena, group, (entry) => pending.push(entry));
    out.len(pending.length);
    for (const p of pending) {
      writeIdBytes(out, p.id);
      out.milliseconds(Math.trunc(p.deliveryTime));
      out.len(p.deliveryCount);
    }
    out.len(group.consumers.length);
    for (const consumer of group.consumers) {
      out.string(consumer.name);
      out.milliseconds(Math.trunc(consumer.seenTime));
      out.len(consumer.pelCount);
      pelEach(store.arena, consumer, (p) => writeIdBytes(out, p.id));
    }
  }
}

/** One node's live entries, appended to `entries` (ids must rise). */
function readStreamNode(input: RdbInput, master: StreamId, lp: Buffer, entries: StreamEntry[]): void {
  const r = redisListpackReader;
  r.open(lp);
  const next = (): void => {
    if (!r.next()) input.fail('truncated stream listpack');
  };
  if (!r.next()) input.fail('empty listpack inside a stream');
  next();
  next();
  const fieldCount = Number(r.int());
  const fields: Buffer[] = [];
  for (let i = 0; i < fieldCount; i++) {
    next();
    fields.push(Buffer.from(r.value()));
  }
  next();
  if (r.int() !== 0n) input.fail('bad stream master entry');
  while (r.next()) {
    const flags = Number(r.int());
    next();
    const ms = BigInt.asUintN(64, master.ms + r.int());
    next();
    const seq = BigInt.asUintN(64, master.seq + r.int());
    const items: Buffer[] = [];
    if (flags & ITEM_SAME_FIELDS) {
      for (const field of fields) {
        next();
        items.push(field, Buffer.from(r.value()));
      }
    } else {
      next();
      for (let n = Number(r.int()) * 2; n > 0; n--) {
        next();
        items.push(Buffer.from(r.value()));
      }
    }
    next(); // the entry's element count
    if (flags & ITEM_DELETED) continue;
    const id = { ms, seq };
    if (entries.length > 0 && compareIds(entries[entries.length - 1].id, id) >= 0) input.fail('stream ids out of order');
    entries.push({ id, items });
  }
}

function loadStream(rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  if (rdbType !== RdbType.StreamListpacks2 && rdbType !== RdbType.StreamListpacks) input.fail('unsupported stream encoding');
  const v2 = rdbType === RdbType.StreamListpacks2;
  const entries: StreamEntry[] = [];
  for (let nodes = input.count(); nodes > 0; nodes--) {
    const nodeKey = input.string();
    if (nodeKey.length !== 16) input.fail('bad stream node key');
    readStreamNode(input, readIdBytes(nodeKey), input.string(), entries);
  }
  const length = input.len();
  if (length !== entries.length) input.fail('stream length does not match its entries');
  const last = { ms: input.lenBig(), seq: input.lenBig() };
  let maxDeleted = ZERO_ID;
  let added = BigInt(length);
  if (v2) {
    input.lenBig();
    input.lenBig();
    maxDeleted = { ms: input.lenBig(), seq: input.lenBig() };
    added = input.lenBig();
  }
  if (entries.length > 0 && compareIds(entries[entries.length - 1].id, last) > 0) input.fail('stream entry after its last id');
  const groups: StreamImage['groups'] = [];
  for (let n = input.count(); n > 0; n--) {
    const name = Buffer.from(input.string());
    const lastId = { ms: input.lenBig(), seq: input.lenBig() };
    const entriesRead = v2 ? BigInt.asIntN(64, input.lenBig()) : INVALID_ENTRIES_READ;
    const pending: PendingEntry[] = [];
    const byId = new Map<string, PendingEntry>();
    for (let p = input.count(); p > 0; p--) {
      const id = readIdBytes(input.raw(16));
      const entry = { id, deliveryTime: Number(input.milliseconds()), deliveryCount: input.len(), consumer: -1 };
      if (pending.length > 0 && compareIds(pending[pending.length - 1].id, id) >= 0) input.fail('stream PEL out of order');
      pending.push(entry);
      byId.set(formatId(id), entry);
    }
    const consumers: Consumer[] = [];
    for (let c = input.count(); c > 0; c--) {
      const consumer = { id: consumers.length + 1, name: Buffer.from(input.string()), seenTime: Number(input.milliseconds()), pel: 0, pelCount: 0 };
      for (let p = input.count(); p > 0; p--) {
        const entry = byId.get(formatId(readIdBytes(input.raw(16))));
        if (entry === undefined || entry.consumer !== -1) input.fail('consumer PEL entry not in its group PEL');
        entry.consumer = consumer.id;
      }
      consumers.push(consumer);
    }
    for (const entry of pending) if (entry.consumer === -1) input.fail('stream PEL entry without a consumer');
    groups.push({ group: { name, lastId, entriesRead, pel: 0, pelCount: 0, nextConsumer: consumers.length + 1, consumers }, pending });
  }
  const ref = buildStream(store, db, key, { entries, last, maxDeleted, added, groups }, expireAt, now);
  if (!v2 && groups.length !== 0) {
    // An older RDB has no entries-read: it is estimated from the stream as loaded, as Redis does.
    const stream = openStream(store, ref);
    const loaded = stream.groups();
    for (const group of loaded) group.entriesRead = streamDistanceFromFirstEverEntry(stream, group.lastId);
    stream.saveGroups(loaded);
  }
  return ref;
}

function digestStream(store: ShardStore, ref: Ref, digest: Buffer): void {
  for (const entry of openStream(store, ref).range(ZERO_ID, MAX_ID, false, 0)) {
    mixIntoDigest(digest, Buffer.from(`${entry.id.ms}.${entry.id.seq}`));
    for (const item of entry.items) mixIntoDigest(digest, item);
  }
}

export const STREAM_TYPE: ValueTypeOps = {
  name: 'stream',
  encoding: () => 'stream',
  externalBytes: (store, ref) => openStream(store, ref).bytes,
  freeStructure: (store, address) => new Stream(store.arena, address).destroy(),
  encode: encodeStream,
  decode: decodeStream,
  digest: digestStream,
  refcount: () => 1,
  serializedLength: (store, ref) => openStream(store, ref).bytes,
  rdbType: () => RdbType.StreamListpacks2,
  rdbSave: saveStream,
  rdbLoad: loadStream,
};
