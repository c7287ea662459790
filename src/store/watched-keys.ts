// The keys clients WATCH on one shard, and which clients' EXEC must fail
// because a key they watch changed (Redis's watched_keys and CLIENT_DIRTY_CAS,
// kept by the shard that owns the keys, whichever thread the client is on).
//
// A key that had already expired (but was not deleted yet) when it was
// watched is "stale": its lazy or active deletion, or a flush, is no change;
// anything that writes it afterwards is.
//
// Records are kept by watch id (Client.watchId), not client id: each set of
// keys a client watches until its EXEC (or UNWATCH...) has its own, so the
// check or clear of one set, arriving late, leaves the next set's keys alone.

import type { ShardStore } from './shard-store.ts';

class WatchRecord {
  readonly watchId: number;
  /** The thread the client is on. */
  readonly thread: number;
  readonly db: number;
  readonly key: Buffer;
  /** Stale when watched: already expired, still in the table. */
  expired: boolean;

  constructor(watchId: number, thread: number, db: number, key: Buffer, expired: boolean) {
    this.watchId = watchId;
    this.thread = thread;
    this.db = db;
    this.key = key;
    this.expired = expired;
  }
}

function recordName(db: number, key: Uint8Array): string {
  return String.fromCharCode(db) + Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}

/** Whether `key` is in database `db` though it has expired. */
function isStale(store: ShardStore, db: number, key: Uint8Array, now: number): boolean {
  const ref = store.peek(db, key);
  return ref !== 0 && store.isExpired(ref, now);
}

function exists(store: ShardStore, db: number, key: Uint8Array): boolean {
  return store.peek(db, key) !== 0;
}

export class WatchedKeys {
  /** How many records exist: the write paths' one check. */
  size = 0;
  private readonly byKey = new Map<string, WatchRecord[]>();
  private readonly byWatchId = new Map<number, WatchRecord[]>();
  /** Watch ids whose EXEC must fail. */
  private readonly dirty = new Set<number>();

  /** WATCH of `key` in `db` for watch id `watchId`, of a client of thread `thread`. */
  watch(watchId: number, thread: number, db: number, key: Buffer, store: ShardStore, now: number): void {
    const name = recordName(db, key);
    let records = this.byKey.get(name);
    if (records?.some((record) => record.watchId === watchId)) return;
    const record = new WatchRecord(watchId, thread, db, Buffer.from(key), isStale(store, db, key, now));
    if (records === undefined) this.byKey.set(name, (records = []));
    records.push(record);
    let mine = this.byWatchId.get(watchId);
    if (mine === undefined) this.byWatchId.set(watchId, (mine = []));
    mine.push(record);
    this.size++;
  }

  /** `key` in `db` was written or deleted; `store` is as the change left it. */
  touch(db: number, key: Uint8Array, store: ShardStore): void {
    const records = this.byKey.get(recordName(db, key));
    if (records === undefined) return;
    for (const record of records) {
      // The deletion of a key that was stale when watched is no change.
      if (record.expired && !exists(store, db, record.key)) record.expired = false;
      else this.dirty.add(record.watchId);
    }
  }

  /**
   * Database `db` is about to be flushed (`replacedWith` -1), or swapped
   * with database `replacedWith`: watchers of keys that exist in either
   * fail, except where a stale key goes or comes (Redis's
   * touchAllWatchedKeysInDb).
   */
  touchDatabase(db: number, replacedWith: number, store: ShardStore, now: number): void {
    for (const records of this.byKey.values()) {
      if (records[0].db !== db) continue;
      const key = records[0].key;
      const existsInEmptied = exists(store, db, key);
      const existsInReplacement = replacedWith >= 0 && exists(store, replacedWith, key);
      if (!existsInEmptied && !existsInReplacement) continue;
      for (const record of records) {
        if (record.expired) {
          if (!existsInReplacement) {
            record.expired = false;
            continue;
          }
          if (isStale(store, replacedWith, key, now)) continue;
        } else if (!existsInEmptied && isStale(store, replacedWith, key, now)) {
          record.expired = true;
          continue;
        }
        this.dirty.add(record.watchId);
      }
    }
  }

  /**
   * EXEC's check: false when a key watched under `watchId` changed, or expired
   * since it was watched. The client's records go either way.
   */
  checkAndRemove(watchId: number, store: ShardStore, now: number): boolean {
    let clean = !this.dirty.has(watchId);
    for (const record of this.byWatchId.get(watchId) ?? []) {
      if (clean && !record.expired && isStale(store, record.db, record.key, now)) clean = false;
    }
    this.remove(watchId);
    return clean;
  }

  /**
   * Thread `thread` died: its clients were disconnected without unwatching,
   * so their records go (ids are never reused: this only frees them).
   */
  forgetThread(thread: number): void {
    for (const [watchId, mine] of this.byWatchId) if (mine[0].thread === thread) this.remove(watchId);
  }

  /** UNWATCH, DISCARD, a closed connection: forgets the client's records here. */
  remove(watchId: number): void {
    this.dirty.delete(watchId);
    const mine = this.byWatchId.get(watchId);
    if (mine === undefined) return;
    this.byWatchId.delete(watchId);
    for (const record of mine) {
      const name = recordName(record.db, record.key);
      const records = this.byKey.get(name) as WatchRecord[];
      records.splice(records.indexOf(record), 1);
      if (records.length === 0) this.byKey.delete(name);
      this.size--;
    }
  }
}
