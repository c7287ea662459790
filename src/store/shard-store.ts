// A shard's slice of the keyspace: its 16 databases over one arena, the
// records (record.ts), lazy and active expiry, access clocks for LRU/LFU,
// and the keyspace counters INFO reports.
//
// Commands hold a key as a `Ref`, the address of its record (0: no key). A
// Ref, and any view of its bytes the store hands out, is valid until the next
// change to the store: read what you need, then write.

import type { ByteSlice } from './bytes.ts';
import { Arena, ChunkKind, OFFSET_BITS, type Address, type SegmentListener } from './arena.ts';
import { Database, DATABASE_STATE_WORDS } from './database.ts';
import {
  DATABASE, ENCODING, EXPIRE_LOW, FLAGS, HEADER_BYTES, INLINE_RECORD_LIMIT, KEY_LENGTH, LIVE, LRU, SNAPSHOT_MARK, TYPE, VALUE_LENGTH, VERSION,
  ValueEncoding, hashKey, hashRange, type ExpireTime, inlineRecordSize, recordByte, recordWord, referenceOffset, referenceRecordSize,
} from './record.ts';
import { ValueType } from './entry.ts';
import { Dict } from './dict.ts';
import { Quicklist } from './types/quicklist.ts';
import { EncodingLimits } from './value-type.ts';
import { VALUE_TYPES } from './value-types.ts';
import { lfuCounter, lfuInitial, lfuTouched, lruClock } from './access-clock.ts';
import { WatchedKeys } from './watched-keys.ts';
import { BlockedKeys } from './blocked-keys.ts';
import { KeyChanges, KEY_CREATED, KEY_EXPIRED, KEY_MISSED, KEY_REMOVED, KEY_WRITTEN, type KeyHappening } from './key-events.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { copyBytes, zeroBytes } from '../util/copy-bytes.ts';

export const DATABASE_COUNT = 16;

const EMPTY_VALUE = new Uint8Array(0);
const TWO_TO_32 = 2 ** 32;
/** An expiry's high word below this keeps it under 2^53: a number holds it exactly. */
const SAFE_HIGH_WORD = 2 ** 21;

/** A key's record in the arena; 0 when there is no such key. */
export type Ref = Address;

/** Keys sampled per round of the active expire cycle, as Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP. */
const EXPIRE_SAMPLE = 20;
/**
 * Another round runs on a database while more than this percentage of the
 * sample had expired: Redis 7's ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE at the
 * default active-expire-effort (1).
 */
const EXPIRE_ACCEPTABLE_STALE = 10;
/** The time limit is checked once every this many rounds, as Redis does. */
const EXPIRE_TIME_CHECK_ROUNDS = 16;

// The keyspace's shared control block: the write counter, the snapshot
// parity, the order of the databases (SWAPDB), then each database's state words.
const WRITE_COUNTER = 0; // double
const SNAPSHOT_PARITY_WORD = 2;
const ORDER_WORD = 4;
const DATABASE_WORDS = ORDER_WORD + DATABASE_COUNT;
const KEYSPACE_CONTROL_BYTES = (DATABASE_WORDS + DATABASE_COUNT * DATABASE_STATE_WORDS) * 4;

/** All of a shard's keyspace memory: what a new thread needs to carry on with the keys of one that died. */
export interface StoreMemory {
  arena: SharedArrayBuffer;
  keyspace: SharedArrayBuffer;
  /** The arena's segments by index (kept up to date through `onSegment`). */
  segments: Map<number, SharedArrayBuffer>;
}

export function allocateStoreMemory(): StoreMemory {
  const keyspace = new SharedArrayBuffer(KEYSPACE_CONTROL_BYTES);
  const order = new Uint32Array(keyspace, ORDER_WORD * 4, DATABASE_COUNT);
  for (let i = 0; i < DATABASE_COUNT; i++) order[i] = i;
  return { arena: Arena.allocateControl(), keyspace, segments: new Map() };
}

/**
 * A point-in-time snapshot under way on this shard (rdb/snapshot.ts): the
 * store tells it of each key about to change or go that it has not written
 * out yet, so it writes the key as it was when the snapshot began.
 */
export interface SnapshotHook {
  /** Writes out the key at `ref` as it is now, before a change. */
  writeEarly(ref: Ref): void;
  /** Writes out every key not written yet: a flush or SWAPDB is about to change them all. */
  writeAllNow(): void;
  /** FLUSHALL: the snapshot is dropped, as Redis kills its saving child then. */
  cancel(): void;
}

export class KeyspaceStats {
  expiredKeys = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredTimeCapReached = 0;
}

/** How reads and writes age a key: the LRU clock, or the LFU counter (maxmemory-policy *-lfu). */
export class AccessPolicy {
  lfu = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
}

export class ShardStore {
  readonly arena: Arena;
  /** Databases by SELECT index. */
  readonly dbs: Database[] = [];
  /** Databases by the id their records carry. */
  private readonly byId: Database[] = [];
  private readonly order: Uint32Array;
  private readonly counters: Float64Array;
  readonly stats = new KeyspaceStats();
  readonly access = new AccessPolicy();
  activeExpireEnabled = true;
  /** Set by the server: true while CLIENT PAUSE is on, when keys past their time are not removed (they read as missing), as Redis. */
  expiryPaused: () => boolean = () => false;
  /** When collections leave their compact forms (the *-max-listpack-* settings). */
  readonly limits = new EncodingLimits();
  /** The one Dict view of this shard, pointed at one collection's dict at a time (Dict.open). */
  readonly dict: Dict;
  /** A view reopened on each list's quicklist, as `dict` is on each dict. */
  readonly quicklist: Quicklist;
  /** What happened to keys, for keyspace notifications (key-events.ts). */
  readonly keyChanges = new KeyChanges();
  /** Keys clients WATCH here: every write path below reports to it (Redis's signalModifiedKey). */
  readonly watchedKeys = new WatchedKeys();
  /** The clients blocked on this shard's keys (BLPOP...), and the keys writes made ready for them. */
  readonly blocked = new BlockedKeys();
  /** The database the next active expire cycle starts with. */
  private nextExpireDb = 0;
  /** The snapshot under way, or null. */
  private snapshot: SnapshotHook | null = null;
  /** The shared control words (the snapshot parity lives there, so a thread taking over knows it). */
  private readonly control: Uint32Array;

  /**
   * A store over `memory`: empty when it is new, or every key a previous
   * thread left there. `onSegment` hears of each segment made or dropped
   * (the supervisor keeps them, to hand them to a thread that takes over).
   */
  constructor(memory: StoreMemory = allocateStoreMemory(), onSegment: SegmentListener | null = null) {
    this.arena = new Arena(memory.arena, memory.segments);
    this.arena.onSegment = (index, buffer) => {
      if (buffer === null) memory.segments.delete(index);
      else memory.segments.set(index, buffer);
      if (onSegment !== null) onSegment(index, buffer);
    };
    this.dict = new Dict(this.arena);
    this.quicklist = new Quicklist(this.arena);
    this.counters = new Float64Array(memory.keyspace, 0, 1);
    this.control = new Uint32Array(memory.keyspace, 0, ORDER_WORD);
    this.order = new Uint32Array(memory.keyspace, ORDER_WORD * 4, DATABASE_COUNT);
    for (let id = 0; id < DATABASE_COUNT; id++) {
      const state = new Uint32Array(memory.keyspace, (DATABASE_WORDS + id * DATABASE_STATE_WORDS) * 4, DATABASE_STATE_WORDS);
      this.byId.push(new Database(this.arena, id, state));
    }
    for (let db = 0; db < DATABASE_COUNT; db++) this.dbs.push(this.byId[this.order[db]]);
  }

  // ---- Lookups ----

  /**
   * Looks a key up for reading: expired keys vanish, hits and misses are
   * counted, and the access clock is updated unless `touch` is false (Redis's
   * LOOKUP_NOTOUCH: EXISTS, TYPE, TTL...).
   */
  lookupRead(db: number, key: Uint8Array, now: number, touch = true): Ref {
    const ref = this.find(db, key, now);
    if (ref === 0) {
      this.stats.keyspaceMisses++;
      if (this.keyChanges.recording) this.keyChanges.record(db, key, KEY_MISSED);
      return 0;
    }
    this.stats.keyspaceHits++;
    if (touch) this.touch(ref, now);
    return ref;
  }

  /** Looks a key up for a write: expired keys vanish, the access clock is updated, nothing is counted. */
  lookupWrite(db: number, key: Uint8Array, now: number): Ref {
    const ref = this.find(db, key, now);
    if (ref !== 0) {
      if (this.snapshot !== null) this.beforeChange(ref);
      this.touch(ref, now);
    }
    return ref;
  }

  /** The live key's record, without counting or touching it. */
  private find(db: number, key: Uint8Array, now: number): Ref {
    const database = this.dbs[db];
    const ref = database.index.find(key, hashKey(key));
    if (ref === 0) return 0;
    const expireAt = this.expireAt(ref);
    if (expireAt !== 0 && expireAt <= now) {
      if (this.expiryPaused()) return 0;
      this.removeFrom(database, ref, KEY_EXPIRED);
      this.stats.expiredKeys++;
      return 0;
    }
    return ref;
  }

  /** The record of `key`, expired or not, without side effects (DEBUG OBJECT). */
  peek(db: number, key: Uint8Array): Ref {
    return this.dbs[db].index.find(key, hashKey(key));
  }

  // ---- Reading a record ----

  typeOf(ref: Ref): ValueType {
    return this.arena.bytes[ref >>> OFFSET_BITS][recordByte(ref, TYPE)] as ValueType;
  }

  encodingOf(ref: Ref): ValueEncoding {
    return this.arena.bytes[ref >>> OFFSET_BITS][recordByte(ref, ENCODING)] as ValueEncoding;
  }

  /**
   * Absolute Unix time in ms when the key expires; 0 when it has no TTL.
   * Rounded past 2^53 ms, which no clock reaches: exactExpireAt has every digit.
   */
  expireAt(ref: Ref): number {
    const words = this.arena.words[ref >>> OFFSET_BITS];
    const word = recordWord(ref, EXPIRE_LOW);
    return words[word + 1] * TWO_TO_32 + words[word];
  }

  /** The expiry time as it was set: a bigint past 2^53 ms (what TTL and PEXPIRETIME show). */
  exactExpireAt(ref: Ref): ExpireTime {
    const words = this.arena.words[ref >>> OFFSET_BITS];
    const word = recordWord(ref, EXPIRE_LOW);
    const high = words[word + 1];
    return high < SAFE_HIGH_WORD ? high * TWO_TO_32 + words[word] : (BigInt(high) << 32n) | BigInt(words[word]);
  }

  isExpired(ref: Ref, now: number): boolean {
    const expireAt = this.expireAt(ref);
    return expireAt !== 0 && expireAt <= now;
  }

  /** The LRU clock (seconds, 24 bits) or the LFU word, as the access policy keeps it. */
  accessWord(ref: Ref): number {
    return this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, LRU)];
  }

  /** Replaces the LRU clock or LFU word (RESTORE IDLETIME / FREQ, loading a file). */
  setAccessWord(ref: Ref, word: number): void {
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, LRU)] = word;
  }

  /** The shard's write counter when the key last changed. */
  version(ref: Ref): number {
    return this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VERSION)];
  }

  keyLength(ref: Ref): number {
    return this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, KEY_LENGTH)];
  }

  /** A view of the key's bytes (valid until the store changes). */
  keyView(ref: Ref): Buffer {
    const bytes = this.arena.bytes[ref >>> OFFSET_BITS];
    return Buffer.from(bytes.buffer, recordByte(ref, HEADER_BYTES), this.keyLength(ref));
  }

  valueLength(ref: Ref): number {
    return this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VALUE_LENGTH)];
  }

  /** A view of a string's bytes (valid until the store changes). */
  stringView(ref: Ref): Buffer {
    const segment = this.valueSegment(ref);
    return Buffer.from(this.arena.bytes[segment].buffer, this.valueStart(ref), this.valueLength(ref));
  }

  /** Points `slice` at a string's bytes, in place (valid until the store changes). */
  readString(ref: Ref, slice: ByteSlice): void {
    slice.set(this.arena.bytes[this.valueSegment(ref)], this.valueStart(ref), this.valueLength(ref));
  }

  /** Writes a string's bytes as a bulk reply, straight from shared memory. */
  writeString(out: ReplyWriter, ref: Ref): void {
    out.bulkRange(this.arena.bytes[this.valueSegment(ref)], this.valueStart(ref), this.valueLength(ref));
  }

  /** Bytes the key takes: its record, its index slot, and what its value holds outside the record. */
  memoryUsage(ref: Ref): number {
    return this.arena.chunkSize(ref) + 8 + VALUE_TYPES[this.typeOf(ref)].externalBytes(this, ref);
  }

  /** Bytes of the value's blob, 0 when the value is in the record or a structure. */
  blobBytes(ref: Ref): number {
    return this.encodingOf(ref) === ValueEncoding.Blob ? this.arena.chunkSize(this.blobAddress(ref)) : 0;
  }

  // ---- Values held as bytes (strings, and the compact forms of collections) ----

  /** The segment bytes holding the value's bytes (with valueStart and valueLength). */
  valueBytes(ref: Ref): Uint8Array {
    return this.arena.bytes[this.valueSegment(ref)];
  }

  /** Where in valueBytes(ref) the value's first byte is. */
  valueStart(ref: Ref): number {
    return this.encodingOf(ref) === ValueEncoding.Blob ? recordByte(this.blobAddress(ref), 0) : recordByte(ref, HEADER_BYTES) + this.keyLength(ref);
  }

  // ---- Values held as an off-heap structure (the big forms of collections) ----

  /** The address of the structure's header, for a value held as a structure. */
  structureOf(ref: Ref): Address {
    return this.arena.words[ref >>> OFFSET_BITS][this.referenceWord(ref)];
  }

  /**
   * Stores a structure (its header at `header`) as the value of `key`,
   * replacing whatever was there (and its TTL).
   */
  putStructure(db: number, key: Uint8Array, type: ValueType, header: Address, expireAt: ExpireTime, now: number): Ref {
    const ref = this.put(db, key, type, EMPTY_VALUE, expireAt, now);
    this.holdStructure(ref, header);
    return ref;
  }

  /** The value at `ref`, held as bytes until now, becomes the structure at `header` (a collection outgrew its compact form). */
  convertToStructure(ref: Ref, header: Address): void {
    if (this.snapshot !== null) this.beforeChange(ref);
    this.holdStructure(ref, header);
    this.changed(ref);
  }

  private holdStructure(ref: Ref, header: Address): void {
    if (this.encodingOf(ref) === ValueEncoding.Blob) this.arena.free(this.blobAddress(ref));
    this.arena.bytes[ref >>> OFFSET_BITS][recordByte(ref, ENCODING)] = ValueEncoding.Structure;
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VALUE_LENGTH)] = 0;
    this.arena.words[ref >>> OFFSET_BITS][this.referenceWord(ref)] = header;
  }

  // ---- Writing ----

  /** Stores a string under `key`, replacing whatever was there (value, type and TTL). */
  setString(db: number, key: Uint8Array, value: Uint8Array, expireAt: ExpireTime, now: number): Ref {
    return this.put(db, key, ValueType.String, value, expireAt, now);
  }

  /**
   * Stores a value of any type, as its type's bytes, under `key`, replacing
   * whatever was there (and its TTL). A key that exists keeps its record, so
   * a SCAN in progress still finds it.
   */
  put(db: number, key: Uint8Array, type: ValueType, value: Uint8Array, expireAt: ExpireTime, now: number): Ref {
    const database = this.dbs[db];
    const hash = hashKey(key);
    let ref = database.index.find(key, hash);
    if (ref === 0) {
      ref = this.newRecord(database, key, value.length);
      database.index.insert(hash, ref);
      if (this.keyChanges.recording) this.keyChanges.record(db, key, KEY_CREATED);
    } else if (this.snapshot !== null) this.beforeChange(ref);
    const bytes = this.arena.bytes[ref >>> OFFSET_BITS];
    if (bytes[recordByte(ref, ENCODING)] === ValueEncoding.Structure) this.releaseStructure(ref);
    bytes[recordByte(ref, TYPE)] = type;
    this.writeValue(ref, value);
    this.writeExpire(ref, expireAt);
    const words = this.arena.words[ref >>> OFFSET_BITS];
    // An overwritten key keeps its LFU count, as in Redis; its LRU clock restarts.
    if (!this.access.lfu || words[recordWord(ref, LRU)] === 0) words[recordWord(ref, LRU)] = this.access.lfu ? lfuInitial(now) : lruClock(now);
    this.bumpVersion(ref);
    this.touchWatchedKey(db, key);
    if (this.keyChanges.recording) this.keyChanges.record(db, key, KEY_WRITTEN);
    if (this.blocked.size !== 0) this.blocked.signal(db, key);
    return ref;
  }

  /** Replaces a value's bytes (a string, or a collection's compact form) in place; its TTL stays. */
  replaceString(ref: Ref, value: Uint8Array): void {
    if (this.snapshot !== null) this.beforeChange(ref);
    this.writeValue(ref, value);
    this.changed(ref);
  }

  /** Appends `tail` to a string in place (with room to grow, so repeated appends are cheap); returns the new length. */
  appendString(ref: Ref, tail: Uint8Array): number {
    if (this.snapshot !== null) this.beforeChange(ref);
    const length = this.valueLength(ref);
    const total = length + tail.length;
    if (total > this.valueCapacity(ref)) this.moveValue(ref, total + Math.min(total, 1 << 20));
    copyBytes(tail, 0, tail.length, this.arena.bytes[this.valueSegment(ref)], this.valueStart(ref) + length);
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VALUE_LENGTH)] = total;
    this.changed(ref);
    return total;
  }

  /** SETRANGE: writes `bytes` at `offset` of a string, zero-padding it to reach there; returns the new length. */
  writeStringRange(ref: Ref, offset: number, bytes: Uint8Array): number {
    if (this.snapshot !== null) this.beforeChange(ref);
    const length = this.valueLength(ref);
    const total = Math.max(length, offset + bytes.length);
    if (total > this.valueCapacity(ref)) this.moveValue(ref, total);
    const target = this.arena.bytes[this.valueSegment(ref)];
    const start = this.valueStart(ref);
    if (offset > length) target.fill(0, start + length, start + offset);
    copyBytes(bytes, 0, bytes.length, target, start + offset);
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VALUE_LENGTH)] = total;
    this.changed(ref);
    return total;
  }

  /**
   * SETBIT / BITFIELD: zero-pads a string to `length` bytes in place, with
   * room to grow as appendString leaves (so bits set further and further
   * cost little); whether it grew.
   */
  growString(ref: Ref, length: number): boolean {
    if (this.snapshot !== null) this.beforeChange(ref);
    const current = this.valueLength(ref);
    if (length <= current) return false;
    if (length > this.valueCapacity(ref)) this.moveValue(ref, length + Math.min(length, 1 << 20));
    const start = this.valueStart(ref);
    zeroBytes(this.arena.bytes[this.valueSegment(ref)], start + current, start + length);
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VALUE_LENGTH)] = length;
    this.changed(ref);
    return true;
  }

  /** Sets or clears (0) the key's expiry time. */
  setExpire(ref: Ref, expireAt: ExpireTime): void {
    if (this.snapshot !== null) this.beforeChange(ref);
    this.writeExpire(ref, expireAt);
    this.changed(ref);
  }

  /** The expiry time, and the record's place in its database's TTL list, without telling anyone. */
  private writeExpire(ref: Ref, expireAt: ExpireTime): void {
    const words = this.arena.words[ref >>> OFFSET_BITS];
    const word = recordWord(ref, EXPIRE_LOW);
    const had = (words[word] | words[word + 1]) !== 0;
    const has = expireAt !== 0;
    if (typeof expireAt === 'bigint') {
      words[word] = Number(expireAt & 0xffffffffn);
      words[word + 1] = Number(expireAt >> 32n);
    } else {
      words[word] = expireAt >>> 0;
      words[word + 1] = Math.floor(expireAt / TWO_TO_32);
    }
    if (!had && has) this.databaseOf(ref).trackVolatile(ref);
    else if (had && !has) this.databaseOf(ref).untrackVolatile(ref);
  }

  /** Deletes the live key at `ref`. */
  remove(ref: Ref, how: KeyHappening = KEY_REMOVED): void {
    this.removeFrom(this.databaseOf(ref), ref, how);
  }

  /** Deletes a live key; false when there was none. */
  delete(db: number, key: Uint8Array, now: number): boolean {
    const ref = this.find(db, key, now);
    if (ref === 0) return false;
    this.removeFrom(this.dbs[db], ref);
    return true;
  }

  /** MOVE: the key's record goes to database `target` as it is (a key of that name must not exist there). */
  moveToDatabase(ref: Ref, target: number): void {
    if (this.snapshot !== null) this.beforeChange(ref);
    const from = this.databaseOf(ref);
    const to = this.dbs[target];
    const key = this.keyView(ref);
    const hash = hashKey(key);
    const expireAt = this.expireAt(ref);
    if (expireAt !== 0) from.untrackVolatile(ref);
    from.index.remove(hash, ref);
    this.arena.bytes[ref >>> OFFSET_BITS][recordByte(ref, DATABASE)] = to.id;
    to.index.insert(hash, ref);
    if (expireAt !== 0) to.trackVolatile(ref);
    this.bumpVersion(ref);
    if (this.keyChanges.recording) {
      this.keyChanges.record(this.dbs.indexOf(from), key, KEY_REMOVED);
      this.keyChanges.record(target, key, KEY_WRITTEN);
    }
    if (this.watchedKeys.size !== 0) {
      this.watchedKeys.touch(this.dbs.indexOf(from), key, this);
      this.watchedKeys.touch(this.dbs.indexOf(to), key, this);
    }
    if (this.blocked.size !== 0) this.blocked.signal(target, key);
  }

  /** Empties one database. */
  flushDatabase(db: number): void {
    if (this.snapshot !== null) this.snapshot.writeAllNow();
    this.touchWatchedDatabase(db, -1);
    if (this.blocked.size !== 0) this.blocked.signalDatabase(db);
    const database = this.dbs[db];
    database.index.forEach((ref) => this.freeRecord(ref));
    database.clear();
  }

  /** Empties every database: the arena gives all its memory back. */
  flushAll(): void {
    if (this.snapshot !== null) this.snapshot.cancel();
    for (let db = 0; db < DATABASE_COUNT; db++) {
      this.touchWatchedDatabase(db, -1);
      if (this.blocked.size !== 0) this.blocked.signalDatabase(db);
    }
    this.arena.reset();
    for (const database of this.byId) database.forget();
  }

  /** SWAPDB on this shard: clients of one database now see the other's keys. */
  swapDatabases(first: number, second: number): void {
    if (first === second) return;
    if (this.snapshot !== null) this.snapshot.writeAllNow();
    this.touchWatchedDatabase(first, second);
    this.touchWatchedDatabase(second, first);
    if (this.blocked.size !== 0) {
      this.blocked.signalDatabase(first);
      this.blocked.signalDatabase(second);
    }
    const dbs = this.dbs;
    [dbs[first], dbs[second]] = [dbs[second], dbs[first]];
    this.order[first] = dbs[first].id;
    this.order[second] = dbs[second].id;
  }

  // ---- Walking ----

  /** Calls `visit` with every key of database `db`, expired or not; `visit` must not change the store. */
  forEachKey(db: number, visit: (ref: Ref) => void): void {
    this.dbs[db].index.forEach(visit);
  }

  /**
   * SCAN's step over database `db`: from `cursor` (a record address), visits
   * up to `count` of its records in address order, stepping over at most ten
   * times `count` chunks in all (as Redis caps a SCAN call at COUNT*10
   * buckets); returns the next cursor, 0 at the end. Records never move while
   * their key lives, so a key present for a whole scan is always returned.
   * `visit` may delete the record it is given.
   */
  scan(db: number, cursor: number, count: number, visit: (ref: Ref) => void): number {
    if (cursor >= 2 ** 32) return 0;
    const id = this.dbs[db].id;
    const arena = this.arena;
    let found = 0;
    return arena.walkRecords(cursor, count * 10, (ref) => {
      const bytes = arena.bytes[ref >>> OFFSET_BITS];
      if ((bytes[recordByte(ref, FLAGS)] & LIVE) === 0 || bytes[recordByte(ref, DATABASE)] !== id) return false;
      visit(ref);
      return ++found >= count;
    });
  }

  /** A random live key of database `db`, or 0 (expired keys met on the way are deleted, as Redis's RANDOMKEY does). */
  randomKey(db: number, now: number): Ref {
    const database = this.dbs[db];
    for (let tries = 0; ; tries++) {
      const ref = database.index.randomAddress();
      if (ref === 0) return 0;
      // When every key has expired, Redis gives up deleting after 100 tries and returns one anyway.
      if (!this.isExpired(ref, now) || (tries >= 100 && database.volatileCount === database.size)) return ref;
      this.removeFrom(database, ref, KEY_EXPIRED);
      this.stats.expiredKeys++;
    }
  }

  /** Bytes of shared memory holding data: records, values, indexes, TTL lists. */
  get usedBytes(): number {
    return this.arena.allocatedBytes;
  }

  // ---- Expiry ----

  /**
   * Redis 7's active expire cycle (expire.c activeExpireCycle, slow cycle):
   * databases in turn, starting after the one the previous call stopped at;
   * in each, check the next EXPIRE_SAMPLE keys that have a TTL (Database
   * walks them round and round, as Redis's expires cursor), delete the expired
   * ones, and sample again while more than EXPIRE_ACCEPTABLE_STALE percent of
   * the sample had expired; stop everything once `timeLimitMs` is spent.
   */
  activeExpireCycle(timeLimitMs: number): void {
    if (!this.activeExpireEnabled || this.expiryPaused()) return;
    const started = performance.now();
    let rounds = 0;
    for (let visited = 0; visited < DATABASE_COUNT; visited++) {
      const database = this.dbs[this.nextExpireDb];
      this.nextExpireDb = (this.nextExpireDb + 1) % DATABASE_COUNT;
      for (;;) {
        const sampled = Math.min(EXPIRE_SAMPLE, database.volatileCount);
        if (sampled === 0) break;
        const expired = this.expireSample(database, sampled, Date.now());
        if (++rounds % EXPIRE_TIME_CHECK_ROUNDS === 0 && performance.now() - started > timeLimitMs) {
          this.stats.expiredTimeCapReached++;
          return;
        }
        if (Math.floor((expired * 100) / sampled) <= EXPIRE_ACCEPTABLE_STALE) break;
      }
    }
  }

  /** Checks the next `count` keys with a TTL and deletes the expired ones; returns how many. */
  private expireSample(database: Database, count: number, now: number): number {
    let expired = 0;
    for (let i = 0; i < count && database.volatileCount > 0; i++) {
      const ref = database.nextVolatile();
      if (this.expireAt(ref) <= now) {
        this.removeFrom(database, ref, KEY_EXPIRED);
        this.stats.expiredKeys++;
        expired++;
      } else {
        database.passVolatile();
      }
    }
    return expired;
  }

  // ---- Record internals ----

  /** Counts an access: the LRU clock, or the LFU counter with its decay. */
  private touch(ref: Ref, now: number): void {
    const words = this.arena.words[ref >>> OFFSET_BITS];
    const word = recordWord(ref, LRU);
    const access = this.access;
    words[word] = access.lfu ? lfuTouched(lfuCounter(words[word], now, access.lfuDecayTime), now, access.lfuLogFactor) : lruClock(now);
  }

  /** The number of the database a key's record is in. */
  dbIndexOf(ref: Ref): number {
    return this.dbs.indexOf(this.databaseOf(ref));
  }

  private databaseOf(ref: Ref): Database {
    return this.byId[this.arena.bytes[ref >>> OFFSET_BITS][recordByte(ref, DATABASE)]];
  }

  /** A fresh record for `key` with room for a value of `valueLength` bytes (inline when small). */
  private newRecord(database: Database, key: Uint8Array, valueLength: number): Ref {
    const inline = inlineRecordSize(key.length, valueLength);
    // Every record has room for a reference, so a value that outgrows it never moves the record.
    const size = inline <= INLINE_RECORD_LIMIT ? Math.max(inline, referenceRecordSize(key.length)) : referenceRecordSize(key.length);
    const ref = this.arena.allocate(size, ChunkKind.Record);
    const segment = ref >>> OFFSET_BITS;
    const bytes = this.arena.bytes[segment];
    const words = this.arena.words[segment];
    const start = recordByte(ref, 0);
    // Made now, the record needs no writing in a snapshot under way, and does in the next one.
    bytes[start + FLAGS] = LIVE | this.control[SNAPSHOT_PARITY_WORD];
    bytes[start + ENCODING] = ValueEncoding.Inline;
    bytes[start + DATABASE] = database.id;
    const word = recordWord(ref, 0);
    words[word + KEY_LENGTH] = key.length;
    words[word + VALUE_LENGTH] = 0;
    words[word + LRU] = 0;
    words[word + EXPIRE_LOW] = 0;
    words[word + EXPIRE_LOW + 1] = 0;
    bytes.set(key, start + HEADER_BYTES);
    return ref;
  }

  /** Stores `value` as the record's string bytes: inline when it fits the record, else in a blob. */
  private writeValue(ref: Ref, value: Uint8Array): void {
    const length = value.length;
    if (length > this.valueCapacity(ref)) this.moveValue(ref, length);
    else if (this.encodingOf(ref) === ValueEncoding.Blob && length <= this.inlineCapacity(ref)) this.moveValue(ref, length);
    copyBytes(value, 0, value.length, this.arena.bytes[this.valueSegment(ref)], this.valueStart(ref));
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VALUE_LENGTH)] = length;
  }

  /** Gives the value `capacity` bytes of room, inline if they fit, keeping its current bytes. */
  private moveValue(ref: Ref, capacity: number): void {
    const bytes = this.arena.bytes[ref >>> OFFSET_BITS];
    const wasBlob = this.encodingOf(ref) === ValueEncoding.Blob;
    const oldSegment = this.valueSegment(ref);
    const oldStart = this.valueStart(ref);
    const keep = Math.min(this.valueLength(ref), capacity);
    const oldBlob = wasBlob ? this.blobAddress(ref) : 0;
    if (capacity <= this.inlineCapacity(ref)) {
      if (wasBlob) {
        copyBytes(this.arena.bytes[oldSegment], oldStart, oldStart + keep, bytes, recordByte(ref, HEADER_BYTES) + this.keyLength(ref));
        this.arena.free(oldBlob);
        bytes[recordByte(ref, ENCODING)] = ValueEncoding.Inline;
      }
      return;
    }
    const blob = this.arena.allocate(capacity, ChunkKind.Blob);
    const target = this.arena.bytes[blob >>> OFFSET_BITS];
    copyBytes(this.arena.bytes[oldSegment], oldStart, oldStart + keep, target, recordByte(blob, 0));
    if (wasBlob) this.arena.free(oldBlob);
    bytes[recordByte(ref, ENCODING)] = ValueEncoding.Blob;
    this.arena.words[ref >>> OFFSET_BITS][this.referenceWord(ref)] = blob;
  }

  /** Bytes the value may take where it is now. */
  private valueCapacity(ref: Ref): number {
    return this.encodingOf(ref) === ValueEncoding.Blob ? this.arena.chunkSize(this.blobAddress(ref)) : this.inlineCapacity(ref);
  }

  private inlineCapacity(ref: Ref): number {
    return this.arena.chunkSize(ref) - HEADER_BYTES - this.keyLength(ref);
  }

  private valueSegment(ref: Ref): number {
    return this.encodingOf(ref) === ValueEncoding.Blob ? this.blobAddress(ref) >>> OFFSET_BITS : ref >>> OFFSET_BITS;
  }

  private blobAddress(ref: Ref): Address {
    return this.arena.words[ref >>> OFFSET_BITS][this.referenceWord(ref)];
  }

  private referenceWord(ref: Ref): number {
    return recordWord(ref, referenceOffset(this.keyLength(ref)) >>> 2);
  }

  /** The shard's write counter (mod 2^32): how many changes it has made (rdb_changes_since_last_save). */
  get writeCount(): number {
    return this.counters[WRITE_COUNTER];
  }

  private bumpVersion(ref: Ref): void {
    const version = (this.counters[WRITE_COUNTER] + 1) % 2 ** 32;
    this.counters[WRITE_COUNTER] = version;
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VERSION)] = version;
  }

  private removeFrom(database: Database, ref: Ref, how: KeyHappening = KEY_REMOVED): void {
    if (this.snapshot !== null) this.beforeChange(ref);
    const changes = this.keyChanges;
    if (changes.recording || (changes.gone !== null && how !== KEY_REMOVED)) this.reportRemoved(database, ref, how);
    database.index.remove(hashRange(this.arena.bytes[ref >>> OFFSET_BITS], recordByte(ref, HEADER_BYTES), this.keyLength(ref)), ref);
    if (this.expireAt(ref) !== 0) database.untrackVolatile(ref);
    // The key's bytes must outlive the record for WATCH, which looks at the table after the change.
    const watchedKey = this.watchedKeys.size === 0 ? null : Buffer.from(this.keyView(ref));
    // A deleted key is news to its waiters too: XREADGROUP's end with an error (BlockingSpec.goneReply).
    if (this.blocked.size !== 0) this.blocked.signal(this.dbs.indexOf(database), this.keyView(ref));
    this.freeRecord(ref);
    this.counters[WRITE_COUNTER] = (this.counters[WRITE_COUNTER] + 1) % 2 ** 32;
    if (watchedKey !== null) this.watchedKeys.touch(this.dbs.indexOf(database), watchedKey, this);
  }

  private reportRemoved(database: Database, ref: Ref, how: KeyHappening): void {
    const db = this.dbs.indexOf(database);
    if (how !== KEY_REMOVED && this.keyChanges.gone !== null) this.keyChanges.gone(db, this.keyView(ref), how);
    // Expired and evicted keys are notified as they go, not as the command's changes.
    if (this.keyChanges.recording && how === KEY_REMOVED) this.keyChanges.record(db, this.keyView(ref), KEY_REMOVED);
  }

  // ---- Point-in-time snapshots (rdb/snapshot.ts) ----

  /**
   * A snapshot begins: every key there now is unwritten (the parity flips),
   * and `hook` hears of each before it changes. One at a time.
   */
  beginSnapshot(hook: SnapshotHook): void {
    this.control[SNAPSHOT_PARITY_WORD] ^= SNAPSHOT_MARK;
    this.snapshot = hook;
  }

  endSnapshot(): void {
    this.snapshot = null;
  }

  /** The key at `ref` is still to be written out in the snapshot under way; marks it written. */
  takeForSnapshot(ref: Ref): boolean {
    const bytes = this.arena.bytes[ref >>> OFFSET_BITS];
    const at = recordByte(ref, FLAGS);
    const parity = this.control[SNAPSHOT_PARITY_WORD];
    if ((bytes[at] & SNAPSHOT_MARK) === parity) return false;
    bytes[at] = (bytes[at] & ~SNAPSHOT_MARK) | parity;
    return true;
  }

  /** A key is about to change or go while a snapshot is under way: the snapshot writes it first, once. */
  private beforeChange(ref: Ref): void {
    if (this.snapshot !== null && this.takeForSnapshot(ref)) this.snapshot.writeEarly(ref);
  }

  /** A key's value or TTL changed in place: a new version, and WATCH is told. Collections' writes call it. */
  changed(ref: Ref): void {
    this.bumpVersion(ref);
    if (this.keyChanges.recording) this.keyChanges.record(this.dbs.indexOf(this.databaseOf(ref)), this.keyView(ref), KEY_WRITTEN);
    if (this.watchedKeys.size !== 0) this.watchedKeys.touch(this.dbs.indexOf(this.databaseOf(ref)), this.keyView(ref), this);
    if (this.blocked.size !== 0) this.blocked.signal(this.dbs.indexOf(this.databaseOf(ref)), this.keyView(ref));
  }

  private touchWatchedKey(db: number, key: Uint8Array): void {
    if (this.watchedKeys.size !== 0) this.watchedKeys.touch(db, key, this);
  }

  /** Database `db` is about to be flushed (`replacedWith` -1) or swapped with `replacedWith`: WATCH must know. */
  private touchWatchedDatabase(db: number, replacedWith: number): void {
    if (this.watchedKeys.size !== 0) this.watchedKeys.touchDatabase(db, replacedWith, this, Date.now());
  }

  private freeRecord(ref: Ref): void {
    const encoding = this.encodingOf(ref);
    if (encoding === ValueEncoding.Blob) this.arena.free(this.blobAddress(ref));
    else if (encoding === ValueEncoding.Structure) VALUE_TYPES[this.typeOf(ref)].freeStructure(this, this.structureOf(ref));
    this.arena.free(ref);
  }

  /** Frees the value's structure; the record is left holding an empty inline value. */
  private releaseStructure(ref: Ref): void {
    VALUE_TYPES[this.typeOf(ref)].freeStructure(this, this.structureOf(ref));
    this.arena.bytes[ref >>> OFFSET_BITS][recordByte(ref, ENCODING)] = ValueEncoding.Inline;
    this.arena.words[ref >>> OFFSET_BITS][recordWord(ref, VALUE_LENGTH)] = 0;
  }
}
