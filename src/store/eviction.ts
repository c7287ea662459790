// One shard's side of the server's memory budget (maxmemory), and the
// eviction that keeps the server within it (Redis's evict.c is the model).
//
// - The budget is the whole server's: each shard publishes its bytes (its
//   keyspace in shared memory plus its isolate's heap) in one Float64 slot of
//   a shared array, and the total is the sum of the slots. A shard with no key
//   the policy may evict publishes its bytes negated, so the others know to
//   take over its share.
// - Over budget, a shard frees its share of the excess (in proportion to its
//   bytes among the shards that can evict) from its own keys: picked by an
//   eviction pool of the best candidates seen in samples of every database
//   (idle time for LRU, rarity for LFU, nearness of expiry for volatile-ttl),
//   or at random; volatile-* policies only pick keys with a TTL.
// - The heap is sampled on the shard's timer, not per command, and what
//   counts is what the last full collection left (the live objects): between
//   full collections the old generation also holds dead objects promoted
//   from the nursery, tens of MiB under a write load, which hold no data.

import { KEY_EVICTED } from './key-events.ts';
import v8 from 'node:v8';
import { collectSoon } from '../util/memory-release.ts';
import { PerformanceObserver, constants as performanceConstants } from 'node:perf_hooks';
import type { ShardStore, Ref } from './shard-store.ts';
import type { Database } from './database.ts';
import { hashKey } from './record.ts';
import { idleSeconds, lfuCounter } from './access-clock.ts';

// A policy is a set of these flags, as in Redis.
const LRU = 1;
const LFU = 2;
const TTL = 4;
const RANDOM = 8;
const ALL_KEYS = 16;
const NO_EVICTION = 0;

const POLICIES: ReadonlyMap<string, number> = new Map([
  ['noeviction', NO_EVICTION],
  ['volatile-lru', LRU],
  ['volatile-lfu', LFU],
  ['volatile-ttl', TTL],
  ['volatile-random', RANDOM],
  ['allkeys-lru', LRU | ALL_KEYS],
  ['allkeys-lfu', LFU | ALL_KEYS],
  ['allkeys-random', RANDOM | ALL_KEYS],
]);

/** The policy flags of a maxmemory-policy name (the config has checked it). */
export function evictionPolicyOf(name: string): number {
  return POLICIES.get(name) ?? NO_EVICTION;
}

/** What an eviction attempt achieved, as Redis's performEvictions answers. */
export const EvictionResult = {
  /** Within budget, or this shard freed its share. */
  Ok: 0,
  /** Still over, but memory is being freed (time ran out here, or other shards are freeing theirs). */
  Running: 1,
  /** Over budget and nothing can be freed: commands that need memory are refused. */
  Fail: 2,
} as const;
export type EvictionResult = (typeof EvictionResult)[keyof typeof EvictionResult];

/** Candidates the pool keeps across rounds, as Redis's EVPOOL_SIZE. */
const POOL_SIZE = 16;
/** Keys up to this length are copied into a pool entry's own buffer. */
const POOL_KEY_CAPACITY = 255;
/** Keys evicted between checks of the time limit. */
const TIME_CHECK_KEYS = 16;

class PoolEntry {
  /** Higher is a better candidate. */
  score = 0;
  db = 0;
  length = -1;
  /** The key's bytes: the entry's own buffer, or a copy of a longer key. */
  key: Uint8Array;
  readonly buffer = new Uint8Array(POOL_KEY_CAPACITY);

  constructor() {
    this.key = this.buffer;
  }

  get empty(): boolean {
    return this.length < 0;
  }

  set(score: number, db: number, key: Uint8Array): void {
    this.score = score;
    this.db = db;
    this.length = key.length;
    if (key.length <= POOL_KEY_CAPACITY) {
      this.buffer.set(key);
      this.key = this.buffer.subarray(0, key.length);
    } else {
      this.key = key.slice();
    }
  }

  clear(): void {
    this.length = -1;
    this.key = this.buffer;
  }
}

/** Redis's eviction pool: the best candidates seen so far, in ascending order of score. */
class EvictionPool {
  private readonly entries: PoolEntry[] = [];

  constructor() {
    for (let i = 0; i < POOL_SIZE; i++) this.entries.push(new PoolEntry());
  }

  /** Offers a sampled key: kept when there is room, or when it beats the worst kept. */
  offer(score: number, db: number, key: Uint8Array): void {
    const entries = this.entries;
    let k = 0;
    while (k < POOL_SIZE && !entries[k].empty && entries[k].score < score) k++;
    const full = !entries[POOL_SIZE - 1].empty;
    if (k === 0 && full) return;
    if (k < POOL_SIZE && entries[k].empty) {
      entries[k].set(score, db, key);
      return;
    }
    if (!full) {
      // Room on the right: shift k.. one place right, reusing the empty last entry.
      const spare = entries[POOL_SIZE - 1];
      for (let i = POOL_SIZE - 1; i > k; i--) entries[i] = entries[i - 1];
      entries[k] = spare;
    } else {
      // Full: drop the worst (leftmost), shifting ..k-1 one place left.
      k--;
      const spare = entries[0];
      for (let i = 0; i < k; i++) entries[i] = entries[i + 1];
      entries[k] = spare;
    }
    entries[k].set(score, db, key);
  }

  /**
   * Takes the best candidate that still exists (a key evicted or deleted
   * since it was sampled is a ghost, skipped); 0 when none is left.
   */
  takeBest(store: ShardStore, volatileOnly: boolean): Ref {
    const entries = this.entries;
    for (let k = POOL_SIZE - 1; k >= 0; k--) {
      const entry = entries[k];
      if (entry.empty) continue;
      const key = entry.key;
      const ref = store.dbs[entry.db].index.find(key, hashKey(key));
      entry.clear();
      if (ref !== 0 && (!volatileOnly || store.expireAt(ref) !== 0)) return ref;
    }
    return 0;
  }

  clear(): void {
    for (const entry of this.entries) entry.clear();
  }
}

/** The old generation of this thread's V8 heap (objects that survived a scavenge). */
function oldGenerationBytes(): number {
  let nursery = 0;
  for (const space of v8.getHeapSpaceStatistics()) if (space.space_name === 'new_space') nursery = space.space_used_size;
  return v8.getHeapStatistics().used_heap_size - nursery;
}

/** The old generation as the last full collection of this thread left it; -1 before the first. */
let heapAfterFullCollection = -1;
let collectionsObserved = false;

function observeFullCollections(): void {
  if (collectionsObserved) return;
  collectionsObserved = true;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === performanceConstants.NODE_PERFORMANCE_GC_MAJOR) heapAfterFullCollection = oldGenerationBytes();
    }
  }).observe({ entryTypes: ['gc'] });
}

/**
 * The heap's live objects: as the last full collection left them, and never
 * more than the old generation holds now. Until a thread's first full
 * collection, its old generation holds the garbage of its start and grows by
 * each command's: one collection is asked for soon, so used_memory stops
 * climbing by itself on an idle server (tests set maxmemory a little above it).
 */
function retainedHeapBytes(): number {
  const now = oldGenerationBytes();
  if (heapAfterFullCollection >= 0) return Math.min(now, heapAfterFullCollection);
  if (!firstCollectionAsked) {
    firstCollectionAsked = true;
    collectSoon();
  }
  return now;
}
let firstCollectionAsked = false;

/** Bytes of a database's hash index. */
export function mainTableBytes(database: Database): number {
  return database.index.bytes;
}

/** Bytes of a database's list of keys with a TTL: one address per key. */
export function expiresTableBytes(database: Database): number {
  return database.volatileCount * 4;
}

/** Redis's eviction time limit for a maxmemory-eviction-tenacity (0..100), in microseconds. */
function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return 500 * 1.15 ** (tenacity - 10);
  return Infinity;
}

export class MemoryBudget {
  /** The server-wide limit in bytes; 0: none. */
  maxmemory = 0;
  /** Hears of each key evicted, before it goes (the journal writes its DEL, as Redis propagates one). */
  onEvict: ((db: number, key: Buffer) => void) | null = null;
  /** maxmemory-policy as flags (evictionPolicyOf). */
  policy = NO_EVICTION;
  /** Keys sampled per database per round (maxmemory-samples). */
  samples = 5;
  /** Microseconds one eviction call may take before it leaves the rest to the timer. */
  timeLimitUs = evictionTimeLimitUs(10);
  /** This thread's heap, as last sampled. */
  heapBytes = 0;
  /** The highest server-wide total this shard has seen. */
  peakBytes = 0;
  /** This shard's bytes when it started. */
  readonly startupBytes: number;
  private readonly store: ShardStore;
  /** One slot per shard: its bytes, negated when it has nothing to evict. */
  private readonly published: Float64Array;
  private readonly shard: number;
  private readonly pool = new EvictionPool();
  private nextRandomDb = 0;

  constructor(store: ShardStore, published: SharedArrayBuffer, shard: number) {
    observeFullCollections();
    this.store = store;
    this.published = new Float64Array(published);
    this.shard = shard;
    this.sampleHeap();
    this.startupBytes = this.ownBytes;
    this.publish();
  }

  /** Applies maxmemory-policy; the pool's scores mean something else under another policy. */
  setPolicy(policy: number): void {
    if (policy !== this.policy) this.pool.clear();
    this.policy = policy;
  }

  setTenacity(tenacity: number): void {
    this.timeLimitUs = evictionTimeLimitUs(tenacity);
  }

  /** This shard's bytes: its keyspace in shared memory and its heap. */
  get ownBytes(): number {
    return this.store.usedBytes + this.heapBytes;
  }

  /** Bytes of keys and values: the keyspace's memory less its indexes and TTL lists. */
  datasetBytes(): number {
    let overhead = 0;
    for (const database of this.store.dbs) overhead += mainTableBytes(database) + expiresTableBytes(database);
    return this.store.usedBytes - overhead;
  }

  sampleHeap(): void {
    this.heapBytes = retainedHeapBytes();
  }

  /** The whole server's bytes, with this shard's brought up to date. */
  totalBytes(): number {
    this.publish();
    let total = 0;
    const published = this.published;
    for (let i = 0; i < published.length; i++) total += Math.abs(published[i]);
    if (total > this.peakBytes) this.peakBytes = total;
    return total;
  }

  /** The server-wide peak, brought up to date. */
  currentPeak(): number {
    this.totalBytes();
    return this.peakBytes;
  }

  /** The shard's timer: a fresh heap sample, and eviction (with a longer time limit) while over budget. */
  onTimer(timeLimitMs: number): void {
    this.sampleHeap();
    if (this.maxmemory === 0) {
      this.totalBytes();
      return;
    }
    this.evict(timeLimitMs * 1000);
  }

  /**
   * Redis's performEvictions: when the server is over budget, frees this
   * shard's share of the excess. Fail when over budget and no shard can free
   * anything (noeviction, or no key the policy may evict).
   */
  evict(timeLimitUs: number = this.timeLimitUs): EvictionResult {
    const total = this.totalBytes();
    if (total <= this.maxmemory) return EvictionResult.Ok;
    if (this.policy === NO_EVICTION) return EvictionResult.Fail;
    const published = this.published;
    let evictable = 0;
    for (let i = 0; i < published.length; i++) if (published[i] > 0) evictable += published[i];
    const own = published[this.shard];
    if (own <= 0) return evictable > 0 ? EvictionResult.Running : EvictionResult.Fail;
    const target = Math.max(1, ((total - this.maxmemory) * own) / evictable);
    const store = this.store;
    const startBytes = store.usedBytes;
    const started = performance.now();
    let keys = 0;
    let result: EvictionResult = EvictionResult.Ok;
    const now = Date.now();
    while (startBytes - store.usedBytes < target) {
      const ref = this.pickVictim(now);
      if (ref === 0) {
        result = this.othersCanEvict() ? EvictionResult.Running : EvictionResult.Fail;
        break;
      }
      if (this.onEvict !== null) this.onEvict(store.dbIndexOf(ref), store.keyView(ref));
      store.remove(ref, KEY_EVICTED);
      store.stats.evictedKeys++;
      if (++keys % TIME_CHECK_KEYS === 0 && (performance.now() - started) * 1000 > timeLimitUs) {
        result = EvictionResult.Running;
        break;
      }
    }
    this.publish();
    return result;
  }

  /**
   * Over budget with no key of this shard's own to evict: the shards that
   * have some. They evict at their next command or timer tick; a command
   * about to run asks them first (as Redis evicts before every command).
   */
  peersToEvict(): number[] {
    if (this.maxmemory === 0 || this.policy === NO_EVICTION || this.totalBytes() <= this.maxmemory) return [];
    const published = this.published;
    if (published[this.shard] > 0) return [];
    const peers: number[] = [];
    for (let i = 0; i < published.length; i++) if (i !== this.shard && published[i] > 0) peers.push(i);
    return peers;
  }

  /** Writes this shard's bytes in its slot, negated when the policy finds nothing to evict here. */
  publish(): void {
    const own = this.ownBytes;
    this.published[this.shard] = this.hasCandidates() ? own : -own;
  }

  private othersCanEvict(): boolean {
    const published = this.published;
    for (let i = 0; i < published.length; i++) if (i !== this.shard && published[i] > 0) return true;
    return false;
  }

  /** Whether the policy has any key of this shard to evict. */
  private hasCandidates(): boolean {
    if (this.policy === NO_EVICTION) return false;
    const dbs = this.store.dbs;
    const allKeys = (this.policy & ALL_KEYS) !== 0;
    for (let db = 0; db < dbs.length; db++) if ((allKeys ? dbs[db].size : dbs[db].volatileCount) > 0) return true;
    return false;
  }

  /** The next key to evict under the policy, or 0 when there is none. */
  private pickVictim(now: number): Ref {
    return (this.policy & RANDOM) !== 0 ? this.randomVictim() : this.pooledVictim(now);
  }

  /** A random key (with a TTL under volatile-random), visiting the databases in turn as Redis does. */
  private randomVictim(): Ref {
    const dbs = this.store.dbs;
    const allKeys = (this.policy & ALL_KEYS) !== 0;
    for (let i = 0; i < dbs.length; i++) {
      this.nextRandomDb = (this.nextRandomDb + 1) % dbs.length;
      const database = dbs[this.nextRandomDb];
      const ref = allKeys ? database.index.randomAddress() : database.randomVolatile();
      if (ref !== 0) return ref;
    }
    return 0;
  }

  /** Samples every database into the pool, then takes its best live candidate; again while only ghosts were left. */
  private pooledVictim(now: number): Ref {
    const store = this.store;
    const dbs = store.dbs;
    const volatileOnly = (this.policy & ALL_KEYS) === 0;
    for (;;) {
      let sampled = 0;
      for (let db = 0; db < dbs.length; db++) sampled += this.sample(db, dbs[db], volatileOnly, now);
      if (sampled === 0) return 0;
      const ref = this.pool.takeBest(store, volatileOnly);
      if (ref !== 0) return ref;
    }
  }

  /** Offers up to `samples` random keys of one database to the pool; returns how many. */
  private sample(db: number, database: Database, volatileOnly: boolean, now: number): number {
    const count = Math.min(this.samples, volatileOnly ? database.volatileCount : database.size);
    for (let i = 0; i < count; i++) {
      const ref = volatileOnly ? database.randomVolatile() : database.index.randomAddress();
      if (ref !== 0) this.pool.offer(this.score(ref, now), db, this.store.keyView(ref));
    }
    return count;
  }

  /** How good a candidate the key is: higher goes first. */
  private score(ref: Ref, now: number): number {
    const store = this.store;
    const policy = this.policy;
    if ((policy & LRU) !== 0) return idleSeconds(store.accessWord(ref), now);
    if ((policy & LFU) !== 0) return 255 - lfuCounter(store.accessWord(ref), now, store.access.lfuDecayTime);
    // volatile-ttl: the sooner it expires, the better.
    return Number.MAX_SAFE_INTEGER - store.expireAt(ref);
  }
}
