// The Shard interface: one shard of the keyspace as a thread sees it. Its own
// shard is a LocalShard (direct calls), every other one a RemoteShard (the
// ring to that shard's thread); ShardMap holds them all and knows which shard
// owns a key. A hop is a command (or a transaction hop, hop-format.ts) sent to
// a shard; its reply comes back as RESP bytes to a ReplyWaiter.

import type { SlotMap } from '../cluster/slots.ts';
import type { Protocol } from '../protocol/reply-writer.ts';
import { readReply, type ReplyValue } from '../protocol/reply-reader.ts';

/** Receives the reply to a hop. `reply` is only valid during the call: copy or decode it. */
export interface ReplyWaiter {
  onReply(reply: Buffer): void;
}

export interface Shard {
  /** Sends a hop; `waiter` gets its RESP reply. `argv` is only read during the call. */
  send(db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void;
}

/** Where keys live and how to reach their shards: what transactions and multi-shard plans route with. */
export interface Shards {
  readonly shardCount: number;
  /** This thread's own shard. */
  readonly localShard: number;
  shardOfKey(key: Buffer): number;
  /** Sends a hop to `shard` (runs it here when that is ours); the waiter gets the RESP reply. */
  send(shard: number, db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void;
  /** A hop as a promise of its decoded reply (RESP2): for multi-step plans (RENAME across shards...). */
  call(shard: number, db: number, flags: number, args: Buffer[]): Promise<ReplyValue>;
}

/** Ends the current batch soon: replies and hops staged outside a socket read or ring drain go out (server/end-of-batch.ts). */
export interface Batching {
  scheduleEndBatch(): void;
}

export class ShardMap implements Shards {
  readonly shardCount: number;
  readonly localShard: number;
  private readonly slots: SlotMap;
  /** Indexed by shard number; the local one among them. */
  private readonly shards: readonly Shard[];

  constructor(slots: SlotMap, localShard: number, shards: readonly Shard[]) {
    this.slots = slots;
    this.localShard = localShard;
    this.shards = shards;
    this.shardCount = shards.length;
  }

  shardOfKey(key: Buffer): number {
    return this.shardCount === 1 ? 0 : this.slots.shardOfKey(key);
  }

  send(shard: number, db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void {
    this.shards[shard].send(db, proto, flags, argv, argc, waiter);
  }

  call(shard: number, db: number, flags: number, args: Buffer[]): Promise<ReplyValue> {
    return new Promise((resolve) => {
      this.send(shard, db, 2, flags, args, args.length, { onReply: (reply) => resolve(readReply(reply)) });
    });
  }
}
