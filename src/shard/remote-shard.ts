// Another thread's shard, over the ring to that thread. A hop waits in
// OwedReplies under its request id until the reply frame comes back; when the
// other thread dies, what it owed is failed at once.

import type { Hub } from '../transport/hub.ts';
import type { Protocol } from '../protocol/reply-writer.ts';
import type { Batching, ReplyWaiter, Shard } from './shard.ts';

/** Shards a request id can name: the most the `shards` setting allows. */
const SHARD_SPAN = 1024;
const PEER_RESTARTED = Buffer.from('-ERR the shard holding the key restarted while running the command; it may or may not have been applied\r\n');

/** Counts hops sent (INFO's hop counter). */
export interface HopCounter {
  hops: number;
}

/** The hops this thread sent and whose replies have not come back, by request id. */
export class OwedReplies {
  private readonly waiters = new Map<number, ReplyWaiter>();
  /** Request ids are a serial number and the destination shard (low digits, base SHARD_SPAN), so a restarted shard's hops can be found. */
  private nextSerial = 1;

  add(shard: number, waiter: ReplyWaiter): number {
    const id = (this.nextSerial * SHARD_SPAN + shard) >>> 0;
    if (++this.nextSerial >= 2 ** 32 / SHARD_SPAN) this.nextSerial = 1;
    this.waiters.set(id, waiter);
    return id;
  }

  onReply(requestId: number, reply: Buffer): void {
    const waiter = this.waiters.get(requestId);
    if (waiter === undefined) return;
    this.waiters.delete(requestId);
    waiter.onReply(reply);
  }

  /**
   * `shard`'s thread died and a new one took over its memory: hops sent to
   * the old one will never be answered, so their waiters get an error now
   * (the command may or may not have run there).
   */
  failShard(shard: number): void {
    for (const [id, waiter] of this.waiters) {
      if (id % SHARD_SPAN !== shard) continue;
      this.waiters.delete(id);
      waiter.onReply(PEER_RESTARTED);
    }
  }
}

export class RemoteShard implements Shard {
  private readonly shard: number;
  private readonly hub: Hub;
  private readonly owed: OwedReplies;
  private readonly counter: HopCounter;
  private readonly batching: Batching;

  constructor(shard: number, hub: Hub, owed: OwedReplies, counter: HopCounter, batching: Batching) {
    this.shard = shard;
    this.hub = hub;
    this.owed = owed;
    this.counter = counter;
    this.batching = batching;
  }

  send(db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void {
    const id = this.owed.add(this.shard, waiter);
    this.counter.hops++;
    this.hub.sendRequest(this.shard, id, db, proto, flags, argv, argc);
    // Staged only: the hub flushes at the end of the batch.
    this.batching.scheduleEndBatch();
  }
}
