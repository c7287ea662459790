// Serves the hops sent to this thread's shard, from other threads (the ring)
// and from this one (LocalShard): plain commands, run at once or, when their
// keys are locked, parked behind the intent locks; and the transaction hops
// of the scheduler (schedule, run, schedule-run, single-shard batch; their
// layout is shard/hop-format.ts). Running a command is the executor's job,
// handed in by the server layer.

import type { Hub } from '../transport/hub.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { Batching, ReplyWaiter } from '../shard/shard.ts';
import type { LocalHopServer } from '../shard/local-shard.ts';
import {
  ABORTED_BATCH, BATCH_KEYS_AT, batchKeysEnd, concludes, decodeBatch, HOP_TX, HOP_TX_BATCH, HOP_TX_RUN, HOP_TX_SCHEDULE, HOP_TX_SCHEDULE_RUN, locksWholeShard,
  RAN_BATCH, RETRY_REPLY, RUN_BATCH_AT, SCHEDULE_KEYS_AT, scheduledParticipants, SCHEDULE_RUN_KEYS_AT, scheduleRunKeysEnd, txIdOf, watcherOf,
} from '../shard/hop-format.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import { copyArgs } from '../protocol/args.ts';
import { lockNames, type ShardScheduler } from './shard-scheduler.ts';
import type { LockName } from './intent-locks.ts';

/** Runs the commands hops carry (the server's invoker and command table implement it). */
export interface CommandExecutor {
  /** Runs a hop's command on this thread's shard; its reply goes to `out`. */
  /** Runs a command; `clock` (ms), when not 0, is the time it runs at (EXEC's). */
  execute(db: number, flags: number, argv: Buffer[], argc: number, out: ReplyWriter, clock?: number): void;
  /** The lock names of a hop's command's keys; null when it has none (or is unknown). */
  keyLockNames(flags: number, argv: Buffer[], argc: number): LockName[] | null;
}

/** Where a hop served later (behind intent locks) sends its reply: another thread's request... */
class RemoteReply {
  readonly from: number;
  readonly requestId: number;
  readonly proto: Protocol;
  constructor(from: number, requestId: number, proto: number) {
    this.from = from;
    this.requestId = requestId;
    this.proto = proto === 3 ? 3 : 2;
  }
}

/** ...or a waiter on this thread. */
class LocalReply {
  readonly waiter: ReplyWaiter;
  readonly proto: Protocol;
  constructor(waiter: ReplyWaiter, proto: Protocol) {
    this.waiter = waiter;
    this.proto = proto;
  }
}

type ReplyTarget = RemoteReply | LocalReply;

/** The thread a hop came from, -1 for this one's own. */
function originOf(target: ReplyTarget): number {
  return target instanceof RemoteReply ? target.from : -1;
}

export class HopServer implements LocalHopServer {
  private readonly scheduler: ShardScheduler;
  private readonly store: ShardStore;
  private readonly executor: CommandExecutor;
  private readonly hub: Hub | null;
  private readonly batching: Batching;
  /** Where a local hop's reply is written before its waiter gets it. */
  private readonly scratch = new ReplyWriter();
  /** Called after a command or transaction batch ran outside a multi-shard transaction: it may have made keys ready for blocked clients. */
  afterCommand: () => void = () => {};

  constructor(scheduler: ShardScheduler, store: ShardStore, executor: CommandExecutor, hub: Hub | null, batching: Batching) {
    this.scheduler = scheduler;
    this.store = store;
    this.executor = executor;
    this.hub = hub;
    this.batching = batching;
  }

  /** A hop from this thread (LocalShard): run here, the reply handed to `waiter`. */
  serveLocal(db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void {
    if (flags & HOP_TX) {
      this.serveTransactionHop(new LocalReply(waiter, proto), flags, argv, argc);
      return;
    }
    if (this.scheduler.locks.queue.length !== 0 && this.serveBehindLocks(null, waiter, db, proto, flags, argv, argc)) return;
    const out = this.scratch;
    out.proto = proto;
    this.executor.execute(db, flags, argv, argc, out);
    this.replyFromScratch(waiter);
    if (this.store.blocked.hasReady) this.afterCommand();
  }

  /** A hop from another thread; its reply goes into the ring back. `argv` is only valid during the call. */
  onRequest(from: number, requestId: number, db: number, proto: number, flags: number, argv: Buffer[], argc: number): void {
    if (flags & HOP_TX) {
      this.serveTransactionHop(new RemoteReply(from, requestId, proto), flags, argv, argc);
      return;
    }
    if (this.scheduler.locks.queue.length !== 0 && this.serveBehindLocks(new RemoteReply(from, requestId, proto), null, db, proto, flags, argv, argc)) return;
    const hub = this.hub as Hub;
    const out = hub.beginReply(from, requestId, proto);
    this.executor.execute(db, flags, argv, argc, out);
    hub.endReply(from);
    if (this.store.blocked.hasReady) this.afterCommand();
  }

  /**
   * Hands what the scratch writer holds to `waiter` as a view, then empties it:
   * every waiter copies or decodes the reply before returning, so one copy is made, not two.
   */
  private replyFromScratch(waiter: ReplyWaiter): void {
    const scratch = this.scratch;
    const reply = scratch.buffer.subarray(0, scratch.length);
    scratch.reset();
    waiter.onReply(reply);
    scratch.shrink();
  }

  /**
   * A hop for a key that is locked here: it runs once its keys are free and
   * replies to `remote` (another thread) or `waiter` (this one). False when
   * its keys are free now.
   */
  private serveBehindLocks(remote: RemoteReply | null, waiter: ReplyWaiter | null, db: number, proto: number, flags: number, argv: Buffer[], argc: number): boolean {
    const keys = this.executor.keyLockNames(flags, argv, argc);
    if (keys === null || !this.scheduler.locks.mustWait(keys)) return false;
    const args = copyArgs(argv, 0, argc);
    const target: ReplyTarget = remote ?? new LocalReply(waiter as ReplyWaiter, proto === 3 ? 3 : 2);
    this.scheduler.runWhenFree(keys, false, () => {
      const out = this.openReply(target);
      this.executor.execute(db, flags, args, argc, out);
      this.closeReply(target);
    });
    return true;
  }

  private openReply(target: ReplyTarget): ReplyWriter {
    if (target instanceof RemoteReply) return (this.hub as Hub).beginReply(target.from, target.requestId, target.proto);
    const out = this.scratch;
    out.proto = target.proto;
    return out;
  }

  private closeReply(target: ReplyTarget): void {
    if (target instanceof RemoteReply) {
      (this.hub as Hub).endReply(target.from);
      this.batching.scheduleEndBatch();
    } else {
      this.replyFromScratch(target.waiter);
    }
  }

  private reply(target: ReplyTarget, bytes: Buffer): void {
    this.openReply(target).raw(bytes);
    this.closeReply(target);
  }

  /** Schedule, run and batch hops (see shard/hop-format.ts and scheduler.ts). */
  private serveTransactionHop(target: ReplyTarget, flags: number, argv: Buffer[], argc: number): void {
    const scheduler = this.scheduler;
    if (flags & HOP_TX_SCHEDULE) {
      const accepted = scheduler.schedule(txIdOf(argv), lockNames(argv.slice(SCHEDULE_KEYS_AT, argc)), locksWholeShard(argv), originOf(target), scheduledParticipants(argv));
      const out = this.openReply(target);
      if (accepted) out.ok();
      else out.raw(RETRY_REPLY);
      this.closeReply(target);
      return;
    }
    if (flags & HOP_TX_RUN) {
      const id = txIdOf(argv);
      const conclude = concludes(argv);
      if (argc === RUN_BATCH_AT && conclude) {
        scheduler.conclude(id);
        const out = this.openReply(target);
        out.ok();
        this.closeReply(target);
        return;
      }
      const batch = copyArgs(argv, RUN_BATCH_AT, argc);
      const known = scheduler.runInTransaction(id, () => {
        const out = this.openReply(target);
        this.runBatch(out, batch, 0, batch.length);
        this.closeReply(target);
        if (conclude) scheduler.conclude(id);
      });
      if (!known) {
        const out = this.openReply(target);
        out.error(`ERR unknown transaction ${id}`);
        this.closeReply(target);
      }
      return;
    }
    if (flags & HOP_TX_SCHEDULE_RUN) {
      const id = txIdOf(argv);
      const at = scheduleRunKeysEnd(argv);
      if (!scheduler.schedule(id, lockNames(argv.slice(SCHEDULE_RUN_KEYS_AT, at)), locksWholeShard(argv), originOf(target), scheduledParticipants(argv))) {
        this.reply(target, ABORTED_BATCH);
        return;
      }
      const batch = copyArgs(argv, at, argc);
      scheduler.runInTransaction(id, () => {
        const out = this.openReply(target);
        out.raw(RAN_BATCH);
        this.runBatch(out, batch, 0, batch.length);
        this.closeReply(target);
        scheduler.conclude(id);
      });
      return;
    }
    if (flags & HOP_TX_BATCH) {
      const keysEnd = batchKeysEnd(argv);
      const keys = lockNames(argv.slice(BATCH_KEYS_AT, keysEnd));
      const at = keysEnd + 1;
      if (scheduler.locks.queue.length === 0 || !scheduler.locks.mustWait(keys)) {
        this.runWatchedBatch(target, argv[keysEnd], argv, at, argc);
        return;
      }
      const args = copyArgs(argv, 0, argc);
      scheduler.runWhenFree(keys, false, () => this.runWatchedBatch(target, args[keysEnd], args, at, argc));
    }
  }

  /** A single-shard transaction: EXEC's watch check (when `watcher` names a client), then its commands. */
  private runWatchedBatch(target: ReplyTarget, watcher: Buffer, argv: Buffer[], at: number, argc: number): void {
    const out = this.openReply(target);
    const watching = watcherOf(watcher);
    if (watching >= 0 && !this.store.watchedKeys.checkAndRemove(watching, this.store, Date.now())) {
      out.raw(ABORTED_BATCH);
    } else {
      out.raw(RAN_BATCH);
      this.scheduler.runAtomically(() => this.runBatch(out, argv, at, argc));
    }
    this.closeReply(target);
    if (this.store.blocked.hasReady) this.afterCommand();
  }

  /** Runs the commands of a batch in argv[at..end), their replies one after another. */
  private runBatch(out: ReplyWriter, argv: Buffer[], at: number, end: number): void {
    const hopProto = out.proto;
    decodeBatch(argv, at, end, (db, flags, args, argc, clock, proto) => {
      out.proto = proto === 0 ? hopProto : (proto as Protocol);
      this.executor.execute(db, flags, args, argc, out, clock);
    });
    out.proto = hopProto;
  }
}
