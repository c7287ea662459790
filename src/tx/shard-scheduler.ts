// The shard's side of the scheduler (scheduler.ts tells how it orders and
// locks): this thread's shard's lock table, the transactions queued on it,
// and the fast-path commands waiting for their keys.

import { IntentLocks, LockHolder, type LockedWork, type LockName } from './intent-locks.ts';

/**
 * A key's lock name: a 30-bit hash of its bytes, a small integer (cheap as a
 * Map key, made without a string). Two keys with one name only cost a
 * needless wait, never a wrong result.
 */
export function lockNameOf(key: Uint8Array): LockName {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key[i], 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash & 0x3fffffff;
}

/** The lock names of keys, each once. */
export function lockNames(keys: readonly Uint8Array[]): LockName[] {
  const names: LockName[] = [];
  for (let i = 0; i < keys.length; i++) {
    const name = lockNameOf(keys[i]);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Buckets of key names for the newest id that started on (or waits for) a key: a refusal needs a shared bucket. */
const ID_BUCKETS = 4096;

function bucketOf(name: LockName): number {
  return name & (ID_BUCKETS - 1);
}

/** A shard's lock table at one moment. */
export interface SchedulerState {
  /** Multi-shard transactions scheduled here, not concluded. */
  transactions: number;
  /** Lock holders queued: those transactions and fast-path commands waiting. */
  holders: number;
  /** Keys some holder holds or waits for. */
  lockedKeys: number;
  /** Fast-path commands waiting for their keys. */
  fastPathWaiting: number;
}

/** One thread's shard: its lock table and the transactions queued on it. */
export class ShardScheduler {
  readonly locks = new IntentLocks();
  private readonly transactions = new Map<number, LockHolder>();
  /** The largest id of a multi-shard transaction that started here. */
  private maxStartedId = 0;
  /** The id of the newest fast-path command that had to wait here. */
  private fastPathFloor = 0;
  /** The largest id of a global transaction that started here. */
  private maxGlobalStartedId = 0;
  /** Per bucket of key names: the largest id that started on, or waits as a fast-path command for, a key of the bucket. */
  private readonly newestByBucket = new Float64Array(ID_BUCKETS);
  private draining = false;
  private drainAgain = false;
  /** Called once the queue drained: keys written meanwhile may have blocked clients to serve (tx/blocking-controller.ts). */
  onDrained: () => void = () => {};
  /** The multi-shard transaction whose work runs now (0: none), and the bit set of the shards it spans (the journal tags its writes). */
  runningId = 0;
  runningParticipants = 0;
  private readonly participants = new Map<number, number>();
  /** Called when a transaction ends here (the journal closes its block). */
  onConcluded: (id: number) => void = () => {};
  /** The newest transaction id handed out, for a waiting fast-path command's place. */
  private readonly latestId: () => number;

  /** What the lock table holds now (DEBUG SCHEDULER): all 0 on a shard with nothing in flight. */
  state(): SchedulerState {
    return { transactions: this.transactions.size, holders: this.locks.queue.length, lockedKeys: this.locks.lockedKeys, fastPathWaiting: this.locks.fastPathWaitingCount };
  }

  /** Whether a multi-shard transaction is scheduled here and not concluded yet. */
  get holdsTransactions(): boolean {
    return this.transactions.size > 0;
  }

  constructor(latestId: () => number) {
    this.latestId = latestId;
  }

  /**
   * Phase 1: queues transaction `id`, coordinated by thread `origin` (-1:
   * this one), and takes its locks; false when it must retry with a newer id.
   */
  schedule(id: number, keys: LockName[], global: boolean, origin = -1, participants = 0): boolean {
    if (this.mustRefuse(id, keys, global)) return false;
    const holder = new LockHolder(id, keys, global, false);
    holder.origin = origin;
    this.transactions.set(id, holder);
    this.participants.set(id, participants);
    this.locks.acquire(holder);
    return true;
  }

  /** Runs `work` inside transaction `id` now when it may run, else once it may. False when `id` is unknown here. */
  runInTransaction(id: number, work: LockedWork): boolean {
    const holder = this.transactions.get(id);
    if (holder === undefined) return false;
    if (holder.parked.length === 0 && this.locks.mayRun(holder)) this.start(holder, work);
    else holder.parked.push(work);
    return true;
  }

  /**
   * A transaction must not slip ahead of one with a larger id that already
   * started here on a key it touches, nor of a fast-path command on such a
   * key that arrived before it and waits. Buckets of keys stand for keys: a
   * collision only costs a retry.
   */
  private mustRefuse(id: number, keys: readonly LockName[], global: boolean): boolean {
    if (global) return id < this.maxStartedId || id < this.fastPathFloor;
    if (id < this.maxGlobalStartedId) return true;
    const newest = this.newestByBucket;
    for (let i = 0; i < keys.length; i++) if (newest[bucketOf(keys[i])] > id) return true;
    return false;
  }

  private noteStart(id: number, keys: readonly LockName[], global: boolean): void {
    if (id > this.maxStartedId) this.maxStartedId = id;
    if (global) {
      if (id > this.maxGlobalStartedId) this.maxGlobalStartedId = id;
      return;
    }
    this.noteKeys(id, keys);
  }

  private noteKeys(id: number, keys: readonly LockName[]): void {
    const newest = this.newestByBucket;
    for (let i = 0; i < keys.length; i++) {
      const bucket = bucketOf(keys[i]);
      if (newest[bucket] < id) newest[bucket] = id;
    }
  }

  /** Ends transaction `id` here (or withdraws a refused one): its locks go, and whoever waited on them runs. */
  conclude(id: number): void {
    const holder = this.transactions.get(id);
    if (holder === undefined) return;
    this.transactions.delete(id);
    this.participants.delete(id);
    this.onConcluded(id);
    this.locks.release(holder);
    this.drain();
  }

  /** Thread `origin` died: the transactions it coordinated here will never conclude, so they end now. */
  abandonFrom(origin: number): void {
    for (const [id, holder] of this.transactions) if (holder.origin === origin) this.conclude(id);
  }

  /** Fast path with some key held (or commands waiting): `work` runs once its keys are free, in arrival order. */
  runWhenFree(keys: LockName[], global: boolean, work: LockedWork): void {
    const holder = new LockHolder(this.latestId() + 0.5, keys, global, true);
    this.fastPathFloor = holder.id;
    this.noteKeys(holder.id, keys);
    holder.parked.push(work);
    this.locks.acquire(holder);
    this.drain();
  }

  private start(holder: LockHolder, work: LockedWork): void {
    holder.started = true;
    if (!holder.fastPath) this.noteStart(holder.id, holder.keys, holder.global);
    this.runAs(holder, work);
  }

  private singleShardBatches = 0;

  /** Runs a single-shard transaction's commands (EXEC on one shard) as one: the journal writes them as one block. */
  runAtomically(work: () => void): void {
    const id = this.runningId;
    const participants = this.runningParticipants;
    const batch = -++this.singleShardBatches;
    this.runningId = batch;
    this.runningParticipants = 0;
    try {
      work();
    } finally {
      this.runningId = id;
      this.runningParticipants = participants;
      this.onConcluded(batch);
    }
  }

  /**
   * Runs `work` now as part of transaction `id`, which holds its locks here
   * already (a script over every shard calling its own thread's shard): the
   * journal writes what it changes in the transaction's block.
   */
  runAsPartOf(id: number, work: () => void): void {
    const previous = this.runningId;
    const participants = this.runningParticipants;
    this.runningId = id;
    this.runningParticipants = this.participants.get(id) ?? 0;
    try {
      work();
    } finally {
      this.runningId = previous;
      this.runningParticipants = participants;
    }
  }

  /** Runs a holder's work, the running transaction known meanwhile. */
  private runAs(holder: LockHolder, work: LockedWork): void {
    if (holder.fastPath) {
      work();
      return;
    }
    const id = this.runningId;
    const participants = this.runningParticipants;
    this.runningId = holder.id;
    this.runningParticipants = this.participants.get(holder.id) ?? 0;
    try {
      work();
    } finally {
      this.runningId = id;
      this.runningParticipants = participants;
    }
  }

  /** Runs parked work of every holder that may now run, until nothing changes. */
  private drain(): void {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.drainAgain = false;
        const queue = this.locks.queue;
        for (let i = 0; i < queue.length; i++) {
          const holder = queue[i];
          if (holder.parked.length === 0 || !this.locks.mayRun(holder)) continue;
          const parked = holder.parked.splice(0);
          holder.started = true;
          if (!holder.fastPath) this.noteStart(holder.id, holder.keys, holder.global);
          for (const work of parked) this.runAs(holder, work);
          if (holder.fastPath) this.locks.release(holder);
          // Others may run now (keys released, transactions concluded): the scan goes on, and another pass
          // follows it. Where the holder left the queue, the next one took its place.
          this.drainAgain = true;
          if (queue[i] !== holder) i--;
        }
      } while (this.drainAgain);
    } finally {
      this.draining = false;
    }
    this.onDrained();
  }
}
