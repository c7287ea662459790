// Who waits on which key of this shard (BLPOP, BLMOVE, BZPOPMIN...), in the
// order they blocked, and which of those keys a write made ready since the
// blocked clients were last served. A waiter is a client on any thread; it may
// wait on keys of several shards, and the first shard to serve it claims it
// (tx/blocking-controller.ts), so the others drop it when they come to it.
//
// Like the watched keys (watched-keys.ts), this is connection state, kept on
// the heap: it is not data, and a restarted shard's waiters register again.

/** One client's wait on this shard's keys. */
export interface BlockedWaiter {
  /** The blocked client's thread, its wait slot there, and the slot's generation for this wait. */
  readonly thread: number;
  readonly slot: number;
  readonly generation: number;
  /** The client's protocol (2 or 3): its reply is written in it. */
  readonly proto: number;
  readonly db: number;
  /** This shard's keys the client waits on. */
  readonly keys: readonly Buffer[];
  /** The value type (ValueType) a key must hold to serve the client. */
  readonly valueType: number;
  /** The command that blocked, as the client sent it. */
  readonly argv: readonly Buffer[];
  /** False when serving needs a key of another shard too (BLMOVE's destination): the client is woken to try again. */
  readonly servable: boolean;
  /** Whether a key of the right type can serve it now (XREAD: entries after its id); absent: it can. */
  readonly ready?: (store: ShardStore, db: number, key: Buffer, argv: readonly Buffer[], now: number) => boolean;
  /** The error it ends with when a key it waits on is deleted or no longer of valueType (XREADGROUP's); absent: it waits on. */
  readonly goneReply?: string;
}

import type { ShardStore } from './shard-store.ts';

function keyName(db: number, key: Uint8Array): string {
  return `${db}:${Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1')}`;
}

function slotName(thread: number, slot: number): string {
  return `${thread}:${slot}`;
}

/** A key that has waiters and was written. */
export interface ReadyKey {
  readonly db: number;
  readonly key: Buffer;
}

export class BlockedKeys {
  private readonly byKey = new Map<string, BlockedWaiter[]>();
  /** Each wait by its client's thread and slot: a client waits once at a time. */
  private readonly bySlot = new Map<string, BlockedWaiter>();
  /** Keys written since the last serving that have waiters, in the order they became ready. */
  private readonly readyKeys = new Map<string, ReadyKey>();
  /** Waiters registered here: writers check it first, so that a shard nobody waits on pays nothing. */
  size = 0;

  add(waiter: BlockedWaiter): void {
    const earlier = this.bySlot.get(slotName(waiter.thread, waiter.slot));
    if (earlier !== undefined) this.drop(earlier);
    this.bySlot.set(slotName(waiter.thread, waiter.slot), waiter);
    for (const key of waiter.keys) {
      const name = keyName(waiter.db, key);
      const queue = this.byKey.get(name);
      if (queue === undefined) this.byKey.set(name, [waiter]);
      else if (!queue.includes(waiter)) queue.push(waiter);
    }
    this.size++;
  }

  /** Removes the wait of `thread`'s `slot`, if it is of `generation` or older. */
  remove(thread: number, slot: number, generation: number): void {
    const waiter = this.bySlot.get(slotName(thread, slot));
    if (waiter !== undefined && waiter.generation <= generation) this.drop(waiter);
  }

  /** The waiter removed from all its keys here. */
  drop(waiter: BlockedWaiter): void {
    const name = slotName(waiter.thread, waiter.slot);
    if (this.bySlot.get(name) !== waiter) return;
    this.bySlot.delete(name);
    for (const key of waiter.keys) {
      const queueName = keyName(waiter.db, key);
      const queue = this.byKey.get(queueName);
      if (queue === undefined) continue;
      const at = queue.indexOf(waiter);
      if (at >= 0) queue.splice(at, 1);
      if (queue.length === 0) this.byKey.delete(queueName);
    }
    this.size--;
  }

  /** A write to `key`: if someone waits on it, it is ready to serve. */
  signal(db: number, key: Uint8Array): void {
    const name = keyName(db, key);
    if (this.byKey.has(name) && !this.readyKeys.has(name)) this.readyKeys.set(name, { db, key: Buffer.from(key) });
  }

  /** Every waited key of database `db` may have changed (SWAPDB). */
  signalDatabase(db: number): void {
    for (const [name, queue] of this.byKey) {
      if (queue[0].db === db && !this.readyKeys.has(name)) {
        const key = queue[0].keys.find((candidate) => keyName(db, candidate) === name);
        if (key !== undefined) this.readyKeys.set(name, { db, key });
      }
    }
  }

  /** A ready key that could not be served yet (a transaction holds it): kept for the next serving. */
  markReady(ready: ReadyKey): void {
    const name = keyName(ready.db, ready.key);
    if (this.byKey.has(name) && !this.readyKeys.has(name)) this.readyKeys.set(name, ready);
  }

  get hasReady(): boolean {
    return this.readyKeys.size !== 0;
  }

  /** The ready keys, taken: serving may make more ready (BLMOVE's destination), which the caller takes next. */
  takeReady(): ReadyKey[] {
    const ready = [...this.readyKeys.values()];
    this.readyKeys.clear();
    return ready;
  }

  /** The waiters on a key, in the order they blocked (a copy: serving them changes the registry). */
  waitersOf(db: number, key: Uint8Array): BlockedWaiter[] {
    return this.byKey.get(keyName(db, key))?.slice() ?? [];
  }

  /** Whether `waiter` is still registered here. */
  holds(waiter: BlockedWaiter): boolean {
    return this.bySlot.get(slotName(waiter.thread, waiter.slot)) === waiter;
  }

  /** Drops every wait of `thread`'s clients (the thread was replaced: they are gone). */
  dropThread(thread: number): void {
    for (const waiter of [...this.bySlot.values()]) if (waiter.thread === thread) this.drop(waiter);
  }
}
