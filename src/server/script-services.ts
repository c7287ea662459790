// What a running script's redis.call needs of its thread
// (commands/command.ts ScriptServices): commands run nested in the script's
// handler, the lock check that keeps an inline script off keys a transaction
// holds, and calls to other shards inside a transaction, waited for here.

import type { CommandSpec, ScriptServices } from '../commands/command.ts';
import type { StepRequest } from '../commands/shard-ops.ts';
import { keyLockNames } from '../commands/routing.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { ServerContext } from './server-context.ts';
import type { RunningScripts } from '../scripting/running-scripts.ts';
import type { Shards, ReplyWaiter } from '../shard/shard.ts';
import type { ShardScheduler } from '../tx/shard-scheduler.ts';
import type { Transaction } from '../tx/scheduler.ts';
import type { BatchCommand } from '../shard/hop-format.ts';
import type { Hub } from '../transport/hub.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { parseCaller } from '../shard/hop-format.ts';
import type { Client } from './client.ts';
import type { Invoker } from './invoker.ts';

/** Keeps one hop's reply for a caller that waits for it synchronously. */
class SyncReply implements ReplyWaiter {
  reply: Buffer | null = null;
  onReply(reply: Buffer): void {
    this.reply = Buffer.from(reply);
  }
}

export class ThreadScriptServices implements ScriptServices {
  readonly shards: Shards;
  private readonly invoker: Invoker;
  private readonly scheduler: ShardScheduler;
  private readonly hub: Hub | null;
  private readonly store: ShardStore;
  private readonly server: ServerContext;

  constructor(shards: Shards, invoker: Invoker, scheduler: ShardScheduler, hub: Hub | null, store: ShardStore, server: ServerContext) {
    this.shards = shards;
    this.invoker = invoker;
    this.scheduler = scheduler;
    this.hub = hub;
    this.store = store;
    this.server = server;
  }

  get running(): RunningScripts {
    return this.server.scripts;
  }

  busyThresholdMs(): number {
    return this.server.config.getNumber('busy-reply-threshold');
  }

  serveWhileBusy(): void {
    this.server.serveWhileBusy();
  }

  stepRequest(args: Buffer[], db: number, out: ReplyWriter): StepRequest {
    const shards = this.shards;
    return {
      args, db, out, shardCount: shards.shardCount, shardOfKey: (key) => shards.shardOfKey(key), store: this.store,
      maxBulkLength: this.server.parserLimits.maxBulkLength, server: this.server,
    };
  }

  noteRead(): void {
    this.invoker.scriptRead = true;
  }

  feedMonitors(db: number, argv: readonly Buffer[], argc: number): void {
    if (this.server.pubsub.monitored) this.server.pubsub.feedMonitors(db, 'lua', argv, argc);
  }

  runNested(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client | null, clock: number, allowOom = false, tx: Transaction | null = null): void {
    if (tx === null) {
      this.invoker.invoke(spec, argv, argc, out, db, client, true, clock, !allowOom);
      return;
    }
    // A script over every shard: its writes here are its tracking client's (NOLOOP), and join the transaction's
    // block in this shard's journal as its writes on the other shards do, so the AOF replays it all or nothing.
    const saved = this.invoker.remoteCaller;
    if (tx.caller !== null) this.invoker.remoteCaller = parseCaller(tx.caller).id;
    this.scheduler.runAsPartOf(tx.id, () => this.invoker.invoke(spec, argv, argc, out, db, client, true, clock, !allowOom));
    this.invoker.remoteCaller = saved;
  }

  countCall(spec: CommandSpec, failed: boolean): void {
    const stat = this.server.commandStats.of(spec.name);
    stat.calls++;
    if (failed) stat.failedCalls++;
  }

  countRejected(spec: CommandSpec | undefined, message: string): void {
    const stats = this.server.commandStats;
    stats.errors.count(message);
    if (spec !== undefined) stats.of(spec.name).rejectedCalls++;
  }

  noGoodReplicas(): boolean {
    return this.invoker.noGoodReplicas;
  }

  outOfMemory(): boolean {
    return this.invoker.outOfMemory();
  }

  mayTouchHere(spec: CommandSpec, argv: Buffer[], argc: number): boolean {
    return this.scheduler.locks.queue.length === 0 || !this.scheduler.locks.mustWait(keyLockNames(spec, argv, argc));
  }

  callOnShard(tx: Transaction, shard: number, command: BatchCommand): Buffer {
    const waiter = new SyncReply();
    tx.callWith(shard, command, waiter);
    if (waiter.reply === null) {
      if (this.hub === null) throw new Error('no reply from a shard without a ring');
      this.hub.waitUntil(() => waiter.reply !== null);
    }
    return waiter.reply as Buffer;
  }
}
