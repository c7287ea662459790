// The keys clients WATCH on one shard, and which clients' EXEC must fail
// because a key they watch changed (Redis's watched_keys and CLIENT_DIRTY_CAS,
// kept by the shard that owns the keys, whichever thread the client is on).
//
// A key that had already expired (but was not deleted yet) when it was
// watched is "stale": its lazy or active deletion, or a flush, is no change;
// anything that writes it afterwards is.

import type { ShardStore } from './shard-store.ts';

class WatchRecord {
  readonly clientId: number;
  /** The thread the client is on. */
  readonly thread: number;
  readonly db: number;
  readonly key: Buffer;
  /** Stale when watched: already expired, still in the table. */
  expired: boolean;

  constructor(clientId: number, thread: number, db: number, key: Buffer, expired: boolean) {
    this.clientId = clientId;
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
  private readonly byClient = new Map<number, WatchRecord[]>();
  /** Clients whose EXEC must fail. */
  private readonly dirty = new Set<number>();

  /** WATCH of `key` in `db` by `clientId`, a client of thread `thread`. */
  watch(clientId: number, thread: number, db: number, key: Buffer, store: ShardStore, now: number): void {
    const name = recordName(db, key);
    let records = this.byKey.get(name);
    if (records?.some((record) => record.clientId === clientId)) return;
    const record = new WatchRecord(clientId, thread, db, Buffer.from(key), isStale(store, db, key, now));
    if (records === undefined) this.byKey.set(name, (records = []));
    records.push(record);
    let mine = this.byClient.get(clientId);
    if (mine === undefined) this.byClient.set(clientId, (mine = []));
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
      else this.dirty.add(record.clientId);
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
        this.dirty.add(record.clientId);
      }
    }
  }

  /**
   * EXEC's check: false when a key `clientId` watches changed, or expired
   * since it was watched. The client's records go either way.
   */
  checkAndRemove(clientId: number, store: ShardStore, now: number): boolean {
    let clean = !this.dirty.has(clientId);
    for (const record of this.byClient.get(clientId) ?? []) {
      if (clean && !record.expired && isStale(store, record.db, record.key, now)) clean = false;
    }
    this.remove(clientId);
    return clean;
  }

  /**
   * Thread `thread` died: its clients were disconnected without unwatching,
   * so their records go (ids are never reused: this only frees them).
   */
  forgetThread(thread: number): void {
    for (const [clientId, mine] of this.byClient) if (mine[0].thread === thread) this.remove(clientId);
  }

  /** UNWATCH, DISCARD, a closed connection: forgets the client's records here. */
  remove(clientId: number): void {
    this.dirty.delete(clientId);
    const mine = this.byClient.get(clientId);
    if (mine === undefined) return;
    this.byClient.delete(clientId);
    for (const record of mine) {
      const name = recordName(record.db, record.key);
      const records = this.byKey.get(name) as WatchRecord[];
      records.splice(records.indexOf(record), 1);
      if (records.length === 0) this.byKey.delete(name);
      this.size--;
    }
  }
}
