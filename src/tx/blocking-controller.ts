// A shard's blocking controller: serves the clients blocked on its keys
// (store/blocked-keys.ts) once writes made those keys ready, in the order the
// clients blocked, one serving each, as Redis's handleClientsBlockedOnKeys.
//
// When: after the command that made a key ready, and never inside a
// transaction: a key a transaction holds (MULTI/EXEC, a multi-key command, a
// script) waits until its locks go, so a push inside EXEC wakes nobody until
// the EXEC is done. The callers are the places a command or a transaction
// ends on this shard: the dispatcher's fast path, the hop server, and the
// scheduler once its queue drained.
//
// How: the first waiter on the key is claimed through its wait slot (a
// compare-and-swap: a waiter registered on several shards, or one timing out,
// is ended once); the command is run over that key (block-serve, whose reply
// is the client's), and the reply goes to the client's thread as a push. A
// waiter that needs another shard's key (BLMOVE to a list there) is woken to
// try again as a transaction of its own.

import type { ShardStore } from '../store/shard-store.ts';
import type { BlockedWaiter, ReadyKey } from '../store/blocked-keys.ts';
import type { IntentLocks } from './intent-locks.ts';
import type { CommandExecutor } from './hop-server.ts';
import type { WaitSlots } from './wait-slots.ts';
import { lockNames } from './shard-scheduler.ts';
import { HOP_INTERNAL } from '../shard/hop-format.ts';
import { ReplyWriter, type ErrorReplySink, type Protocol } from '../protocol/reply-writer.ts';

/** The push a waiter gets when it must try again on its own (its serving needs another shard's key). */
export const RETRY_PUSH = Buffer.from('+RETRY\r\n');

const BLOCK_SERVE = Buffer.from('block-serve');

/** Delivers a served waiter's reply to its thread (a push frame, or straight to the client when it is this thread's). */
export type WaiterDelivery = (thread: number, slot: number, generation: number, reply: Uint8Array) => void;

export class BlockingController {
  private readonly store: ShardStore;
  private readonly locks: IntentLocks;
  private readonly executor: CommandExecutor;
  private readonly waits: WaitSlots;
  private readonly deliver: WaiterDelivery;
  /** Where the errors it replies itself are counted (INFO errorstats). */
  private readonly errors: ErrorReplySink;
  private readonly out = new ReplyWriter();
  private serving = false;

  constructor(store: ShardStore, locks: IntentLocks, executor: CommandExecutor, waits: WaitSlots, deliver: WaiterDelivery, errors: ErrorReplySink) {
    this.store = store;
    this.locks = locks;
    this.executor = executor;
    this.waits = waits;
    this.deliver = deliver;
    this.errors = errors;
  }

  /** Serves the waiters of every ready key that no transaction holds (the rest stay ready for the next call). */
  serveReady(): void {
    const blocked = this.store.blocked;
    if (!blocked.hasReady || this.serving) return;
    this.serving = true;
    const held: ReadyKey[] = [];
    try {
      while (blocked.hasReady) {
        for (const ready of blocked.takeReady()) {
          if (this.locks.queue.length !== 0 && this.locks.mustWait(lockNames([ready.key]))) held.push(ready);
          else this.serveKey(ready);
        }
      }
    } finally {
      for (const ready of held) blocked.markReady(ready);
      this.serving = false;
    }
  }

  /**
   * Serves the waiters on one key, first come first served, while it holds
   * what they wait for (a list's elements run out; every reader of a stream
   * whose id it has passed is served). A waiter whose key went away or
   * changed type waits on, unless it ends then (BlockingSpec.goneReply).
   */
  private serveKey(ready: ReadyKey): void {
    const { store, waits } = this;
    const { db, key } = ready;
    for (const waiter of store.blocked.waitersOf(db, key)) {
      if (!store.blocked.holds(waiter)) continue;
      const now = Date.now();
      const ref = store.lookupWrite(db, key, now);
      const gone = ref === 0 || store.typeOf(ref) !== waiter.valueType;
      if (gone && waiter.goneReply === undefined) continue;
      if (!gone && waiter.ready !== undefined && !waiter.ready(store, db, key, waiter.argv, now)) continue;
      store.blocked.drop(waiter);
      // Ended elsewhere (served by another shard, timed out, gone): next.
      if (!waits.claim(waiter.thread, waiter.slot, waiter.generation)) continue;
      if (gone) this.fail(waiter, waiter.goneReply as string);
      else if (!waiter.servable) this.deliver(waiter.thread, waiter.slot, waiter.generation, RETRY_PUSH);
      else this.serve(waiter, key);
    }
  }

  /** Ends a wait with an error reply (the key it waited on went away). */
  private fail(waiter: BlockedWaiter, message: string): void {
    const out = this.out;
    out.reset();
    out.proto = waiter.proto as Protocol;
    out.errors = this.errors;
    out.error(message);
    out.errors = null;
    this.deliver(waiter.thread, waiter.slot, waiter.generation, out.buffer.subarray(0, out.length));
    out.shrink();
  }

  private serve(waiter: BlockedWaiter, key: Buffer): void {
    const out = this.out;
    out.reset();
    out.proto = waiter.proto as Protocol;
    const argv = [BLOCK_SERVE, key, ...waiter.argv];
    this.executor.execute(waiter.db, HOP_INTERNAL, argv, argv.length, out);
    this.deliver(waiter.thread, waiter.slot, waiter.generation, out.buffer.subarray(0, out.length));
    out.shrink();
  }
}
