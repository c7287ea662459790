// A shard's intent locks: who holds, or waits for, which keys, in
// transaction-id order (the VLL lock table; see scheduler.ts for how it is
// used).
//
// Every holder is queued, in id order, in the shard's queue and in the queue
// of each of its keys. A holder may run once no holder ahead of it shares a
// key with it; a "global" holder (FLUSHALL, SWAPDB, KEYS...) shares every key
// with everybody. Locks name keys by a hash of their bytes, without their
// database (shard-scheduler.ts, lockNameOf): two keys of one name only cost a
// needless wait, never a wrong result.

/** Work a holder does once it may run, writing its reply. */
export type LockedWork = () => void;

/** A key's name in the lock table (lockNameOf). */
export type LockName = number;

export class LockHolder {
  /** Transaction id; a command waiting on the fast path gets the id after the newest one handed out (plus a half). */
  readonly id: number;
  /** Distinct key names; empty for a global holder. */
  readonly keys: readonly LockName[];
  readonly global: boolean;
  /** A single-shard command or batch waiting for its keys (runs once, then releases itself). */
  readonly fastPath: boolean;
  /** Set once it ran on this shard: from then on its keys are its own until it releases them. */
  started = false;
  /** The thread coordinating it, when another one (a restarted thread's transactions are abandoned); -1 otherwise. */
  origin = -1;
  /** Work that arrived before it could run, in arrival order. */
  readonly parked: LockedWork[] = [];

  constructor(id: number, keys: readonly LockName[], global: boolean, fastPath: boolean) {
    this.id = id;
    this.keys = keys;
    this.global = global;
    this.fastPath = fastPath;
  }
}

/** Inserts `holder` into `list` (sorted by id), after any holder with the same id. */
function insertById(list: LockHolder[], holder: LockHolder): void {
  let at = list.length;
  while (at > 0 && list[at - 1].id > holder.id) at--;
  list.splice(at, 0, holder);
}

function removeFrom(list: LockHolder[], holder: LockHolder): void {
  const at = list.indexOf(holder);
  if (at !== -1) list.splice(at, 1);
}

export class IntentLocks {
  /** Every holder, in id order. Its length is the fast path's one check: 0 means no key is locked. */
  readonly queue: LockHolder[] = [];
  private readonly byKey = new Map<LockName, LockHolder[]>();
  /** Global holders, in id order. */
  private readonly globals: LockHolder[] = [];
  /** Fast-path holders in arrival order: they run in that order, so one connection's commands keep theirs. */
  private readonly fastPathWaiting: LockHolder[] = [];

  /** How many keys some holder holds or waits for. */
  get lockedKeys(): number {
    return this.byKey.size;
  }

  /** How many fast-path commands wait for their keys. */
  get fastPathWaitingCount(): number {
    return this.fastPathWaiting.length;
  }

  /** True when a fast-path command on these keys must wait (some key is held, or earlier commands wait). */
  mustWait(keys: readonly LockName[]): boolean {
    if (this.globals.length > 0 || this.fastPathWaiting.length > 0) return true;
    for (let i = 0; i < keys.length; i++) if (this.byKey.has(keys[i])) return true;
    return false;
  }

  acquire(holder: LockHolder): void {
    insertById(this.queue, holder);
    if (holder.global) insertById(this.globals, holder);
    if (holder.fastPath) this.fastPathWaiting.push(holder);
    for (const key of holder.keys) {
      const holders = this.byKey.get(key);
      if (holders === undefined) this.byKey.set(key, [holder]);
      else insertById(holders, holder);
    }
  }

  release(holder: LockHolder): void {
    removeFrom(this.queue, holder);
    if (holder.global) removeFrom(this.globals, holder);
    if (holder.fastPath) removeFrom(this.fastPathWaiting, holder);
    for (const key of holder.keys) {
      const holders = this.byKey.get(key) as LockHolder[];
      removeFrom(holders, holder);
      if (holders.length === 0) this.byKey.delete(key);
    }
  }

  /** True when no holder ahead of `holder` conflicts with it (and, for a fast-path one, no earlier one waits). */
  mayRun(holder: LockHolder): boolean {
    if (holder.started) return true;
    if (holder.global) return this.queue[0] === holder;
    if (this.globals.length > 0 && this.globals[0].id < holder.id) return false;
    if (holder.fastPath && this.fastPathWaiting[0] !== holder) return false;
    for (const key of holder.keys) if ((this.byKey.get(key) as LockHolder[])[0] !== holder) return false;
    return true;
  }
}
