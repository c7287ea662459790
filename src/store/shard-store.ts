// A shard's slice of the keyspace: its 16 databases, lazy and active expiry,
// and the keyspace counters INFO reports.

import { Database } from './database.ts';
import { ownBytes } from './bytes.ts';
import { Entry, ValueType } from './entry.ts';
import { WatchedKeys } from './watched-keys.ts';

export const DATABASE_COUNT = 16;

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
  /** Keys clients WATCH here; every write path below reports to it. */
  readonly watchedKeys = new WatchedKeys();
  /** The database the next active expire cycle starts with. */
  private nextExpireDb = 0;

  constructor() {
    for (let i = 0; i < DATABASE_COUNT; i++) this.dbs.push(new Database());
  }

  /**
   * Looks a key up for reading: expired keys vanish, hits and misses are
   * counted, and the access time is updated unless `touch` is false (Redis's
   * LOOKUP_NOTOUCH: EXISTS, TYPE, TTL...).
   */
  lookupRead(db: number, key: Buffer, now: number, touch = true): Entry | undefined {
    const entry = this.lookupWrite(db, key, now);
    if (entry === undefined) {
      this.stats.keyspaceMisses++;
      return undefined;
    }
    this.stats.keyspaceHits++;
    if (touch) entry.accessedAt = now;
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
      this.touchWatchedKey(db, key);
      return undefined;
    }
    return entry;
  }

  /** Stores a string under a copy of `key`, replacing whatever was there (and its TTL). */
  setString(db: number, key: Buffer, value: Buffer, expireAt: number, now: number): Entry {
    return this.put(db, key, ValueType.String, value, expireAt, now);
  }

  /** Stores a value of any type under a copy of `key`, replacing whatever was there (and its TTL). */
  put(db: number, key: Buffer, type: ValueType, value: Entry['value'], expireAt: number, now: number): Entry {
    const entry = new Entry(ownBytes(key), type, value, now);
    entry.expireAt = expireAt;
    this.dbs[db].add(entry);
    this.touchWatchedKey(db, key);
    return entry;
  }

  /** Deletes a live key; false when there was none. */
  delete(db: number, key: Buffer, now: number): boolean {
    const entry = this.lookupWrite(db, key, now);
    if (entry === undefined) return false;
    this.dbs[db].remove(entry);
    this.touchWatchedKey(db, key);
    return true;
  }

  isExpired(entry: Entry, now: number): boolean {
    return entry.expireAt !== 0 && entry.expireAt <= now;
  }

  /** A write to `key` that did not go through put/delete (a value changed in place, a TTL set): WATCH must know. */
  touchWatchedKey(db: number, key: Uint8Array): void {
    if (this.watchedKeys.size !== 0) this.watchedKeys.touch(db, key, this.dbs[db]);
  }

  /** Database `db` is about to be flushed (`replacedWith` -1) or swapped with `replacedWith`: WATCH must know. */
  touchWatchedDatabase(db: number, replacedWith: number): void {
    if (this.watchedKeys.size !== 0) this.watchedKeys.touchDatabase(db, this.dbs[db], replacedWith < 0 ? null : this.dbs[replacedWith], Date.now());
  }

  flushAll(): void {
    for (let db = 0; db < DATABASE_COUNT; db++) this.touchWatchedDatabase(db, -1);
    for (const database of this.dbs) database.clear();
  }

  /** SWAPDB on this shard: clients of one database now see the other's keys. */
  swapDatabases(first: number, second: number): void {
    if (first === second) return;
    this.touchWatchedDatabase(first, second);
    this.touchWatchedDatabase(second, first);
    const dbs = this.dbs;
    [dbs[first], dbs[second]] = [dbs[second], dbs[first]];
  }

  /**
   * Redis 7's active expire cycle (expire.c activeExpireCycle, slow cycle):
   * databases in turn, starting after the one the previous call stopped at;
   * in each, check the next EXPIRE_SAMPLE keys that have a TTL (Database
   * walks them round and round, as Redis's expires cursor), delete the expired
   * ones, and sample again while more than EXPIRE_ACCEPTABLE_STALE percent of
   * the sample had expired; stop everything once `timeLimitMs` is spent.
   */
  activeExpireCycle(timeLimitMs: number): void {
    if (!this.activeExpireEnabled) return;
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
      const entry = database.nextVolatile();
      if (entry.expireAt <= now) {
        database.remove(entry);
        this.stats.expiredKeys++;
        if (this.watchedKeys.size !== 0) this.watchedKeys.touch(this.dbs.indexOf(database), entry.key, database);
        expired++;
      } else {
        database.passVolatile();
      }
    }
    return expired;
  }
}
