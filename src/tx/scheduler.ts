// The transaction scheduler: every operation that touches keys on several
// shards runs through it, so no client ever sees half of one (the VLL design
// Dragonfly uses; see DESIGN.md, Transactions). This file is the coordinating
// thread's side, the Transaction; shard-scheduler.ts is each shard's side, and
// hop-server.ts serves the transaction hops there.
//
// How it orders and locks
// -----------------------
// - A multi-shard transaction takes an id from one counter in shared memory
//   (Atomics.add), so ids are unique and totally ordered across threads.
// - Phase 1, schedule: one hop to every shard it touches (in parallel). Each
//   shard queues it in id order and takes intent locks on its keys there
//   (intent-locks.ts); a "global" transaction (FLUSHALL, SWAPDB, KEYS...)
//   locks the whole shard. Nothing runs in this phase.
// - Phase 2, run: only once every shard accepted does the coordinator send
//   the commands (one hop per shard and step, consecutive commands for one
//   shard squashed into that hop; the last step also releases the locks).
//   A shard runs a transaction's commands as soon as no holder ahead of it in
//   id order shares a key with it; until then they are parked.
// - Single-key commands (and single-shard transactions) keep the fast path:
//   the shard runs them at once when its lock queue is empty (one length
//   check). Otherwise, if a key they touch is held, or earlier fast-path
//   commands wait, they join the queue with an id just after the newest one
//   handed out, and run in arrival order once their keys are free. So a
//   client that saw one shard's part of a transaction finds the others'
//   locked until they are done too: no half MSET, no half EXEC, anywhere.
// - A transaction touching one shard needs no id and no locks elsewhere: one
//   hop (HOP_TX_BATCH), run at once or after the holders of its keys.
// - A one-step command over this thread's shard and one other (MSET, DEL,
//   MGET... on two shards) is scheduled here first (no hop), then the other
//   shard gets schedule and run in one hop (HOP_TX_SCHEDULE_RUN); this
//   shard's part runs when that comes back. It held its locks here all along,
//   so nothing changes but one round trip less; if the other shard refuses,
//   nothing ran anywhere and it starts over with a new id. (Reads are never
//   run on one shard before the locks are held on all: that would let a
//   reader see one client's two writes, made one after the other on two
//   shards, in the wrong order.)
//
// - Pipelined commands of one client run together: a run of one-step
//   commands over shards (MSET, MGET, DEL...) that arrive one after another
//   is one transaction (server/squasher.ts, Transaction.runTogether):
//   one schedule, the union of their locks, and all their parts in one hop
//   per shard, run in the order sent. Each command stays atomic, the run is
//   atomic as a whole, and the replies are each command's own. The first
//   such command of a socket read waits for the end of the read to gather
//   the ones after it.
//
// Why it is serializable: two transactions that conflict (share a key on some
// shard) must run in id order on every shard where they conflict. The queue
// gives that order when both are queued before either runs. The one way to
// break it would be a transaction arriving at a shard after one with a larger
// id already started there on a key it touches: the shard refuses it
// (schedule replies an error; the shard remembers the newest started id per
// bucket of key names, so unrelated keys cost no refusal), it releases what
// it took and schedules again with a new id. So the
// conflict order is the id order everywhere, and the order has no cycle.
// Locks are held from the schedule until the last step on every shard, so
// the order also agrees with real time: whatever a client saw before a
// transaction started, the transaction sees too.
// The same refusal keeps arrival order for a waiting fast-path command: a
// transaction whose id is older than the command's place cannot be queued
// ahead of it, so a client's commands run in the order it sent them even
// when the transaction's id was taken before the command reached the shard.
//
// Why it cannot deadlock: a holder only ever waits for holders with smaller
// ids (a parked transaction for the ones ahead of it on its keys, a waiting
// fast-path command also for earlier fast-path commands, which have smaller
// or equal ids). Scheduling itself never waits. The holder with the smallest
// id can always run, so every holder eventually runs. No thread ever blocks:
// waiting is a parked callback, so a thread keeps serving its shard and its
// clients while its own transactions wait. A transaction is refused only
// when a later one already started on one of its keys (bucket) there, or a
// fast-path command waits there for one of them; it then retries at once
// with a newer id, ahead of everything scheduled after it, so it is not
// starved by newer work, and fast-path commands queue behind it instead of
// overtaking it.
//
// The API every multi-key command uses (MSET, RENAME..., and later SMOVE,
// LMOVE, SINTERSTORE, ZUNIONSTORE, BLPOP over several keys, EVAL)
// ------------------------------------------------------------------
// A command whose keys can span shards names an AtomicPlan in its spec
// (multi-shard.ts; a command over keys gets it from its per-shard ops and
// glue, commands/shard-ops.ts), made by `atomically(locks, body, oneStep)`: `locks`
// ('keys': its key arguments; 'all': every shard whole), `body(tx, request,
// out)`, and `oneStep` when the body sends all its calls at once and then
// only merges (MSET, MGET, DEL: the two-shard mode above applies). The
// plan runner (server/plan-runner.ts) builds the lock set, schedules the
// Transaction, awaits the body, and concludes it; inside EXEC
// the body runs in the EXEC's transaction instead. In the body:
//   - `await tx.call(shard, db, args)`          one command on that shard, its reply decoded;
//   - `await tx.call(shard, db, args, 0, true)` the same, as that shard's last step: the
//                                                locks there go with the reply (standalone only);
//   - `tx.shardOfKey(key)`, `tx.shardCount`     where keys live;
//   - several calls in a Promise.all run on their shards in parallel.
// Commands run by `call` are a command's per-shard ops (internal commands,
// HOP_INTERNAL) or ordinary handlers; they run on the shard with the transaction's locks held, so
// the body may read on one shard and write on another (RENAME, SMOVE) and
// nobody sees the in-between. Keys a body touches must be in its lock set:
// for keys not known up front (EVAL without KEYS) use locks 'all'. A
// blocking command over several keys (BLPOP) runs its try as a body; when
// nothing is there it ends the transaction, waits for a write to one of its
// keys, and runs a new transaction.

import type { ReplyWaiter, Shards } from '../shard/shard.ts';
import {
  batchRan, BATCH_REPLIES_AT, encodeRun, encodeSchedule, encodeScheduleRun, HOP_TX_RUN, participantsOf, HOP_TX_SCHEDULE, HOP_TX_SCHEDULE_RUN, scheduleRefused, txIdArg, type BatchCommand,
} from '../shard/hop-format.ts';
import { readReply, splitReplies, type ReplyValue } from '../protocol/reply-reader.ts';
import type { Protocol } from '../protocol/reply-writer.ts';

/** Thrown inside a two-shard body when the other shard refused its id. */
const REFUSED = new Error('the other shard refused the transaction');

function ignore(): void {}

/** What a transaction needs of the thread coordinating it: its shards, and ids (the server layer implements it). */
export interface TransactionCoordinator extends Shards {
  /** A new transaction id: unique and ordered across every thread. */
  nextTransactionId(): number;
}

/** The keys a transaction locks, by shard, or every shard whole. */
export class LockSet {
  readonly byShard = new Map<number, Buffer[]>();
  global = false;

  add(shard: number, key: Buffer): void {
    const keys = this.byShard.get(shard);
    if (keys === undefined) this.byShard.set(shard, [key]);
    else keys.push(key);
  }
}

/** Resolves to a hop's reply, copied out of the ring. */
class HopReply {
  resolve!: (reply: Buffer) => void;
  readonly promise = new Promise<Buffer>((resolve) => (this.resolve = resolve));
  onReply(reply: Buffer): void {
    this.resolve(Buffer.from(reply));
  }
}

function hop(coordinator: TransactionCoordinator, shard: number, db: number, proto: Protocol, flags: number, argv: Buffer[]): Promise<Buffer> {
  const reply = new HopReply();
  coordinator.send(shard, db, proto, flags, argv, argv.length, reply);
  return reply.promise;
}

/** Calls gathered for one shard while bodies run together (Transaction.runTogether). */
class CollectedCalls {
  readonly commands: BatchCommand[] = [];
  /** Per call: how many commands it sent, and where its replies go. */
  readonly counts: number[] = [];
  readonly resolvers: ((replies: Buffer) => void)[] = [];
  readonly rejecters: ((error: unknown) => void)[] = [];

  add(commands: readonly BatchCommand[]): Promise<Buffer> {
    for (const command of commands) this.commands.push(command);
    this.counts.push(commands.length);
    return new Promise<Buffer>((resolve, reject) => {
      this.resolvers.push(resolve);
      this.rejecters.push(reject);
    });
  }

  /** Hands each call its slice of the hop's replies. */
  settle(raw: Buffer): void {
    let total = 0;
    for (const count of this.counts) total += count;
    const replies = splitReplies(raw, 0, total);
    let at = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const count = this.counts[i];
      this.resolvers[i](count === 1 ? replies[at] : Buffer.concat(replies.slice(at, at + count)));
      at += count;
    }
  }

  fail(error: unknown): void {
    for (const reject of this.rejecters) reject(error);
  }
}

const NO_COMMANDS: BatchCommand[] = [];
const NO_KEYS: Buffer[] = [];

/** A multi-shard transaction as its coordinator drives it. */
export class Transaction {
  readonly coordinator: TransactionCoordinator;
  id = 0;
  /** The shards it holds locks on, ascending. */
  readonly shards: number[];
  private readonly locks: LockSet;
  /** A standalone command: a call marked last also ends the transaction on its shard. */
  private readonly concludeOnLast: boolean;
  /** Set while a multi-shard plan runs inside EXEC: its last calls keep the locks. */
  keepLocks = false;
  /** Not 0: the time (ms) every command of the transaction runs at (EXEC's start, as Redis freezes its clock). */
  clock = 0;
  /** The client whose commands these are, when they must name it (HOP_CALLER: a tracking client's); null: not named. */
  caller: Buffer | null = null;
  private readonly concluded = new Set<number>();
  /** Two-shard mode: the other shard, which gets HOP_TX_SCHEDULE_RUN (-1: not in that mode). */
  private remoteShard = -1;
  /** Settles once the other shard ran its part (or refused): this shard's part waits for it. */
  private remoteDone: Promise<void> = Promise.resolve();
  private settleRemote: (refused: boolean) => void = ignore;
  /** While bodies run together: their calls, by shard, not sent yet. */
  private collected: Map<number, CollectedCalls> | null = null;
  /** The bit set of the shards it spans, told to each (the journals record it). */
  private readonly participants: number;

  constructor(coordinator: TransactionCoordinator, locks: LockSet, standalone: boolean) {
    this.coordinator = coordinator;
    this.locks = locks;
    this.concludeOnLast = standalone;
    this.shards = locks.global ? Array.from({ length: coordinator.shardCount }, (_, shard) => shard) : [...locks.byShard.keys()].sort((a, b) => a - b);
    this.participants = participantsOf(this.shards);
  }

  get shardCount(): number {
    return this.coordinator.shardCount;
  }

  shardOfKey(key: Buffer): number {
    return this.coordinator.shardOfKey(key);
  }

  /** Phase 1 on every shard; retried with a newer id while some shard refuses. */
  async schedule(): Promise<void> {
    const coordinator = this.coordinator;
    for (;;) {
      this.id = coordinator.nextTransactionId();
      const idArg = txIdArg(this.id);
      const replies = await Promise.all(
        this.shards.map((shard) => hop(coordinator, shard, 0, 2, HOP_TX_SCHEDULE, encodeSchedule(idArg, this.locks.global, this.locks.byShard.get(shard) ?? NO_KEYS, this.participants))),
      );
      let refused = false;
      for (const reply of replies) if (scheduleRefused(reply)) refused = true;
      if (!refused) return;
      this.shards.forEach((shard, i) => {
        if (!scheduleRefused(replies[i])) void this.sendRun(shard, NO_COMMANDS, 2, true);
      });
      this.concluded.clear();
    }
  }

  /** One command on `shard` inside the transaction, its reply decoded (RESP2). */
  async call(shard: number, db: number, args: Buffer[], flags = 0, last = false): Promise<ReplyValue> {
    return readReply(await this.runBatch(shard, [{ flags, db, argv: args }], 2, last));
  }

  /**
   * Resolves once the transaction runs on every shard it holds: from then on
   * its commands run at once wherever they go (nothing can get ahead of a
   * transaction that started). A script waits for this before it runs, since
   * its calls then block its thread: had it to wait behind a transaction its
   * own thread coordinates, neither would move.
   */
  async startEverywhere(): Promise<void> {
    await Promise.all(this.shards.map((shard) => this.runBatch(shard, NO_COMMANDS, 2, false)));
  }

  /** One command on `shard` inside a started transaction (not its last step there), its RESP reply to `waiter`: for a script, which waits for it synchronously. */
  callWith(shard: number, command: BatchCommand, waiter: ReplyWaiter): void {
    if (this.clock !== 0 && command.clock === undefined) command = { ...command, clock: this.clock };
    if (this.caller !== null) command = { ...command, caller: this.caller };
    const argv = encodeRun(txIdArg(this.id), false, [command]);
    this.coordinator.send(shard, 0, command.proto ?? 2, HOP_TX_RUN, argv, argv.length, waiter);
  }

  /** Commands on `shard` inside the transaction; resolves to their replies, one after another. */
  runBatch(shard: number, commands: readonly BatchCommand[], proto: Protocol, last: boolean): Promise<Buffer> {
    if (this.clock !== 0) commands = commands.map((command) => (command.clock === undefined ? { ...command, clock: this.clock } : command));
    const caller = this.caller;
    if (caller !== null) commands = commands.map((command) => ({ ...command, caller }));
    if (this.collected !== null) {
      let calls = this.collected.get(shard);
      if (calls === undefined) this.collected.set(shard, (calls = new CollectedCalls()));
      return calls.add(commands);
    }
    if (this.remoteShard >= 0) {
      if (shard === this.remoteShard) return this.sendScheduleRun(shard, commands, proto);
      return this.remoteDone.then(() => this.sendRun(shard, commands, proto, last && this.concludeOnLast));
    }
    return this.sendRun(shard, commands, proto, last && this.concludeOnLast && !this.keepLocks);
  }

  /**
   * Starts one-step bodies (each sends all its calls at once, as RESP2
   * `call`s marked last) together: their calls go out in one hop per shard,
   * in the order the bodies made them, the last step there. Resolves to each
   * body's outcome; a refusal by the other shard in two-shard mode is thrown,
   * so that the whole starts over.
   */
  async runTogether(bodies: readonly (() => Promise<void>)[]): Promise<PromiseSettledResult<void>[]> {
    const collected = new Map<number, CollectedCalls>();
    const started: Promise<void>[] = [];
    this.collected = collected;
    try {
      for (const body of bodies) started.push(body());
    } finally {
      this.collected = null;
    }
    for (const [shard, calls] of collected) {
      this.runBatch(shard, calls.commands, 2, true).then(
        (raw) => calls.settle(raw),
        (error: unknown) => calls.fail(error),
      );
    }
    const outcomes = await Promise.allSettled(started);
    for (const outcome of outcomes) if (outcome.status === 'rejected' && outcome.reason === REFUSED) throw REFUSED;
    return outcomes;
  }

  /** Two-shard mode: schedule and run on the other shard in one hop; its replies, or REFUSED. */
  private async sendScheduleRun(shard: number, commands: readonly BatchCommand[], proto: Protocol): Promise<Buffer> {
    this.concluded.add(shard);
    const keys = this.locks.byShard.get(shard) ?? [];
    const argv = encodeScheduleRun(txIdArg(this.id), this.locks.global, keys, commands, this.participants);
    const reply = await hop(this.coordinator, shard, 0, proto, HOP_TX_SCHEDULE_RUN, argv);
    const ran = batchRan(reply);
    this.settleRemote(!ran);
    if (!ran) throw REFUSED;
    return reply.subarray(BATCH_REPLIES_AT);
  }

  private sendRun(shard: number, commands: readonly BatchCommand[], proto: Protocol, conclude: boolean): Promise<Buffer> {
    if (conclude) this.concluded.add(shard);
    return hop(this.coordinator, shard, 0, proto, HOP_TX_RUN, encodeRun(txIdArg(this.id), conclude, commands));
  }

  /** Releases the locks on every shard not released yet (no reply awaited: the rings keep the order). */
  conclude(): void {
    for (const shard of this.shards) {
      if (this.concluded.has(shard)) continue;
      void this.sendRun(shard, NO_COMMANDS, 2, true);
    }
  }

  /**
   * Schedules, runs `body`, concludes: the whole life of a standalone
   * transaction. `onScheduled` runs once its locks are held everywhere.
   * `oneStep`: the body sends all its calls at once, then only merges; over
   * this shard and one other it then runs in two-shard mode, where a refusal
   * calls `restart` to clear what the body wrote before it runs again.
   */
  async run(body: (tx: Transaction) => Promise<void>, scheduled: () => void, oneStep = false, restart: () => void = ignore): Promise<void> {
    // Once on every path, errors included: the client's next commands wait for it.
    let notified = false;
    const onScheduled = (): void => {
      if (notified) return;
      notified = true;
      scheduled();
    };
    try {
      await this.runOnce(body, onScheduled, oneStep, restart);
    } finally {
      onScheduled();
    }
  }

  private async runOnce(body: (tx: Transaction) => Promise<void>, onScheduled: () => void, oneStep: boolean, restart: () => void): Promise<void> {
    const local = this.coordinator.localShard;
    if (oneStep && this.concludeOnLast && this.shards.length === 2 && this.shards.includes(local)) {
      await this.runOnTwoShards(body, onScheduled, local, restart);
      return;
    }
    await this.schedule();
    onScheduled();
    try {
      await body(this);
    } finally {
      this.conclude();
    }
  }

  /** Two-shard mode (see the top of this file), retried with a new id while the other shard refuses. */
  private async runOnTwoShards(body: (tx: Transaction) => Promise<void>, onScheduled: () => void, local: number, restart: () => void): Promise<void> {
    const remote = this.shards[0] === local ? this.shards[1] : this.shards[0];
    const localKeys = this.locks.byShard.get(local) ?? [];
    for (;;) {
      this.id = this.coordinator.nextTransactionId();
      const argv = encodeSchedule(txIdArg(this.id), this.locks.global, localKeys, this.participants);
      if (scheduleRefused(await hop(this.coordinator, local, 0, 2, HOP_TX_SCHEDULE, argv))) continue;
      this.remoteShard = remote;
      this.remoteDone = new Promise<void>((resolve, reject) => {
        this.settleRemote = (refused) => (refused ? reject(REFUSED) : resolve());
      });
      this.remoteDone.then(onScheduled, ignore);
      try {
        await body(this);
        this.conclude();
        return;
      } catch (error) {
        if (error !== REFUSED) {
          this.conclude();
          throw error;
        }
      } finally {
        this.remoteShard = -1;
      }
      // Nothing ran: this shard's part waited for the other's.
      void this.sendRun(local, NO_COMMANDS, 2, true);
      this.concluded.clear();
      restart();
    }
  }
}
