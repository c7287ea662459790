// Who waits on which key of this shard (BLPOP, BLMOVE...), in the order they
// blocked, and which of those keys a write made ready since the blocked
// clients were last served. A waiter is a client on any thread; it may wait on
// keys of several shards, and the first shard to serve it claims it
// (server/blocking.ts), so the others drop it when they come to it.
//
// Like the watched keys (watched-keys.ts), this is connection state, kept on
// the heap: it is not data, and a restarted shard's waiters are told to
// register again.

/** One client's wait on this shard's keys. */
export interface BlockedWaiter {
  /** The thread of the blocked client, its waiter slot there and the slot's generation for this wait. */
  thread: number;
  slot: number;
  generation: number;
  /** The client's protocol (2 or 3), for the reply it is served. */
  proto: number;
  db: number;
  /** This shard's keys the client waits on. */
  keys: Buffer[];
  /** What serving it does (the command family's serving table), and with what (ends, count, destination). */
  kind: number;
  params: Buffer[];
}

function keyName(db: number, key: Uint8Array): string {
  return `${db}:${Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1')}`;
}

export class BlockedKeys {
  private readonly byKey = new Map<string, BlockedWaiter[]>();
  /** Each wait by its client's thread and slot: a client waits once at a time. */
  private readonly bySlot = new Map<string, BlockedWaiter>();
  /** Keys written since the last serving that have waiters, in the order they became ready, as [db, key]. */
  private readonly readyKeys = new Map<string, [number, Buffer]>();
  /** Waiters registered here (a fast check for writers). */
  size = 0;

  add(waiter: BlockedWaiter): void {
    const earlier = this.bySlot.get(`${waiter.thread}:${waiter.slot}`);
    if (earlier !== undefined) this.drop(earlier);
    this.bySlot.set(`${waiter.thread}:${waiter.slot}`, waiter);
    for (const key of waiter.keys) {
      const name = keyName(waiter.db, key);
      const queue = this.byKey.get(name);
      if (queue === undefined) this.byKey.set(name, [waiter]);
      else if (!queue.includes(waiter)) queue.push(waiter);
    }
    this.size++;
  }

  /** Removes the wait of `thread`'s `slot` (any generation up to `generation`) from every key. */
  remove(thread: number, slot: number, generation: number): void {
    const waiter = this.bySlot.get(`${thread}:${slot}`);
    if (waiter !== undefined && waiter.generation <= generation) this.drop(waiter);
  }

  /** The waiter removed from all its keys here. */
  drop(waiter: BlockedWaiter): void {
    const slotName = `${waiter.thread}:${waiter.slot}`;
    if (this.bySlot.get(slotName) === waiter) this.bySlot.delete(slotName);
    let found = false;
    for (const key of waiter.keys) {
      const name = keyName(waiter.db, key);
      const queue = this.byKey.get(name);
      if (queue === undefined) continue;
      const at = queue.indexOf(waiter);
      if (at < 0) continue;
      found = true;
      queue.splice(at, 1);
      if (queue.length === 0) this.byKey.delete(name);
    }
    if (found) this.size--;
  }

  /** A write to `key`: if someone waits on it, it is ready to serve. */
  signal(db: number, key: Uint8Array): void {
    const name = keyName(db, key);
    if (this.byKey.has(name) && !this.readyKeys.has(name)) this.readyKeys.set(name, [db, Buffer.from(key)]);
  }

  get hasReady(): boolean {
    return this.readyKeys.size !== 0;
  }

  /** The ready keys, taken: serving may make more ready (BLMOVE's destination), which the caller takes next. */
  takeReady(): [number, Buffer][] {
    const ready = [...this.readyKeys.values()];
    this.readyKeys.clear();
    return ready;
  }

  /** The first waiter on a key, or undefined. */
  firstWaiter(db: number, key: Uint8Array): BlockedWaiter | undefined {
    return this.byKey.get(keyName(db, key))?.[0];
  }

  /** Drops every wait of `thread`'s clients (the thread was replaced: they are gone). */
  dropThread(thread: number): void {
    for (const waiter of [...this.bySlot.values()]) if (waiter.thread === thread) this.drop(waiter);
  }
}
