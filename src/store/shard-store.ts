// A shard's slice of the keyspace: its 16 databases, lazy and active expiry,
// and the keyspace counters INFO reports.

import { Database } from './database.ts';
import { Entry, ValueType } from './entry.ts';

export const DATABASE_COUNT = 16;

/** Keys sampled per round of the active expire cycle, as Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP. */
const EXPIRE_SAMPLE = 20;
/** Another round runs while more than this share of the sample had expired. */
const EXPIRE_REPEAT_RATIO = 0.25;

export class KeyspaceStats {
  expiredKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredTimeCapReached = 0;
}

export class ShardStore {
  readonly dbs: Database[] = [];
  readonly stats = new KeyspaceStats();
  activeExpireEnabled = true;

  constructor() {
    for (let i = 0; i < DATABASE_COUNT; i++) this.dbs.push(new Database());
  }

  /** Looks a key up for reading: expired keys vanish, hits and misses are counted. */
  lookupRead(db: number, key: Buffer, now: number): Entry | undefined {
    const entry = this.lookupWrite(db, key, now);
    if (entry === undefined) {
      this.stats.keyspaceMisses++;
      return undefined;
    }
    this.stats.keyspaceHits++;
    entry.accessedAt = now;
    return entry;
  }

  /** Looks a key up for a write: expired keys vanish, nothing is counted. */
  lookupWrite(db: number, key: Buffer, now: number): Entry | undefined {
    const database = this.dbs[db];
    const entry = database.peek(key);
    if (entry === undefined) return undefined;
    if (entry.expireAt !== 0 && entry.expireAt <= now) {
      database.remove(entry);
      this.stats.expiredKeys++;
      return undefined;
    }
    return entry;
  }

  /** Stores a string under a copy of `key`, replacing whatever was there (and its TTL). */
  setString(db: number, key: Buffer, value: Buffer, expireAt: number, now: number): Entry {
    const entry = new Entry(Buffer.from(key), ValueType.String, value, now);
    entry.expireAt = expireAt;
    this.dbs[db].add(entry);
    return entry;
  }

  /** Deletes a live key; false when there was none. */
  delete(db: number, key: Buffer, now: number): boolean {
    const entry = this.lookupWrite(db, key, now);
    if (entry === undefined) return false;
    this.dbs[db].remove(entry);
    return true;
  }

  isExpired(entry: Entry, now: number): boolean {
    return entry.expireAt !== 0 && entry.expireAt <= now;
  }

  flushAll(): void {
    for (const database of this.dbs) database.clear();
  }

  keyCount(): number {
    let total = 0;
    for (const database of this.dbs) total += database.size;
    return total;
  }

  /**
   * Redis's active expire cycle: per database, sample keys that have a TTL,
   * delete the expired ones, and sample again while more than a quarter of
   * the sample had expired, until `timeLimitMs` is spent.
   */
  activeExpireCycle(timeLimitMs: number): void {
    if (!this.activeExpireEnabled) return;
    const started = performance.now();
    const now = Date.now();
    for (const database of this.dbs) {
      for (;;) {
        const sampleSize = Math.min(EXPIRE_SAMPLE, database.volatileCount);
        if (sampleSize === 0) break;
        let expired = 0;
        for (let i = 0; i < sampleSize && database.volatileCount > 0; i++) {
          const entry = database.randomVolatile();
          if (entry.expireAt <= now) {
            database.remove(entry);
            this.stats.expiredKeys++;
            expired++;
          }
        }
        if (performance.now() - started > timeLimitMs) {
          this.stats.expiredTimeCapReached++;
          return;
        }
        if (expired <= sampleSize * EXPIRE_REPEAT_RATIO) break;
      }
    }
  }
}
