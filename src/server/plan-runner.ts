// Runs a command by its multi-shard plan (its keys span shards, or it runs on
// every shard): refused whole for memory, once, here; counted once, here; an
// atomic plan as a standalone transaction of the scheduler, holding the
// client's next commands until the transaction holds its locks, so none
// overtakes it.

import type { CommandSpec, Coordinator } from '../commands/command.ts';
import { addLocks, commandKeys } from '../commands/routing.ts';
import type { ReplyWaiter, Shards } from '../shard/shard.ts';
import { LockSet, Transaction } from '../tx/scheduler.ts';
import { trackingCaller } from '../commands/client.ts';
import type { AtomicPlan, PlanRequest } from '../tx/multi-shard.ts';
import { internalError } from '../protocol/errors.ts';
import { copyArgs } from '../protocol/args.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client, PendingReply } from './client.ts';
import type { CommandStats } from './command-stats.ts';
import type { MemoryRefusal } from './memory-refusal.ts';
import type { ReplyOrder } from './reply-order.ts';
import type { ThreadParts } from './dispatcher.ts';
import type { Invoker } from './invoker.ts';
import type { ServerContext } from './server-context.ts';

const NOTHING = (): void => {};

/**
 * Completes a plan's reply, then lets the client's commands held behind it
 * go: unless the plan held them itself (EXEC), and lets them go when it sees fit.
 */
class ThenRelease implements ReplyWaiter {
  private readonly slot: PendingReply;
  private readonly coordinator: Coordinator;
  private readonly client: Client;
  private readonly held: Buffer[][];

  constructor(slot: PendingReply, coordinator: Coordinator, client: Client, held: Buffer[][]) {
    this.slot = slot;
    this.coordinator = coordinator;
    this.client = client;
    this.held = held;
  }

  onReply(reply: Uint8Array): void {
    this.slot.onReply(reply);
    if (this.client.heldCommands === this.held) this.coordinator.releaseHeldCommands(this.client);
  }
}

export class PlanRunner {
  private readonly coordinator: Coordinator;
  private readonly shards: Shards;
  private readonly refusal: MemoryRefusal;
  private readonly replies: ReplyOrder;
  private readonly commandStats: CommandStats;
  private readonly invoker: Invoker;
  private readonly server: ServerContext;

  constructor(parts: ThreadParts, coordinator: Coordinator) {
    this.coordinator = coordinator;
    this.shards = parts.shards;
    this.refusal = parts.refusal;
    this.replies = parts.replies;
    this.commandStats = parts.server.commandStats;
    this.invoker = parts.invoker;
    this.server = parts.server;
  }

  /**
   * `reserved`: the reply's place, already taken (a script that ran inline on
   * another shard and must run again over every shard): the client's later
   * commands may have started already, so none are held back for it.
   */
  run(client: Client, spec: CommandSpec, argv: Buffer[], argc: number, reserved?: PendingReply): void {
    const plan = spec.multiShard;
    if (plan === undefined) throw new Error(`${spec.name} spans shards but has no multi-shard plan`);
    if (reserved !== undefined) {
      if (plan.atomic === true) this.runAtomic(client, spec, plan, argv, argc, reserved, false);
      else plan.run(this.coordinator, client, argv, argc, reserved, client.db, client.proto);
      return;
    }
    // Plain hops wait behind no lock: such a command (SCAN, DEBUG DIGEST-VALUE, INFO) starts once the client's
    // earlier commands have answered, so that it sees what they did (a COPY's new key, a write behind a lock).
    if (plan.atomic !== true && plan.ordersCommands !== true && client.hasPending()) {
      client.heldCommands = [copyArgs(argv, 0, argc)];
      client.whenAnswered = () => this.coordinator.releaseHeldCommands(client);
      return;
    }
    // Checked here, once for every shard: a write refused for memory (or for want of good replicas) is refused whole.
    if (this.refusal.enabled || this.invoker.noGoodReplicas) {
      const out = this.replies.writerFor(client);
      if (this.refusal.refuse(spec, out) || this.invoker.refuseForReplicas(spec, out)) {
        this.replies.done(client, out);
        return;
      }
    }
    this.commandStats.of(spec.name).calls++;
    const slot = client.reserveReply();
    if (plan.atomic === true) {
      this.runAtomic(client, spec, plan, argv, argc, slot);
      return;
    }
    let waiter: ReplyWaiter = slot;
    if (plan.ordersCommands !== true) {
      // Its steps take several round trips: the client's next commands wait for its reply, so that none
      // overtakes a later step (a PEXPIRE of a key SCAN has yet to reach).
      const held: Buffer[][] = [];
      client.heldCommands = held;
      waiter = new ThenRelease(slot, this.coordinator, client, held);
    }
    try {
      plan.run(this.coordinator, client, argv, argc, waiter, client.db, client.proto);
    } catch (error) {
      if (slot.data === null) waiter.onReply(Buffer.from(`-${internalError(spec.name, error)}\r\n`));
    }
  }

  /** An atomic plan the server runs of itself, no client: its reply, or its error as a reply. */
  runByServer(spec: CommandSpec, plan: AtomicPlan<Coordinator>, argv: Buffer[]): Promise<Buffer> {
    const locks = new LockSet();
    addLocks(this.shards, locks, spec, argv, argv.length);
    const request: PlanRequest<Coordinator> = { coordinator: this.coordinator, db: 0, proto: 2, args: argv };
    const out = new ReplyWriter(256);
    return new Transaction(this.coordinator, locks, true).run((tx) => plan.body(tx, request, out), NOTHING, plan.oneStep === true, () => out.reset()).then(
      () => Buffer.from(out.buffer.subarray(0, out.length)),
      (error: unknown) => Buffer.from(`-${error instanceof ReplyError ? error.message : internalError(spec.name, error)}\r\n`),
    );
  }

  /** An atomic plan as a standalone transaction: locks, body, conclusion; the reply completes `slot`. */
  private runAtomic(client: Client, spec: CommandSpec, plan: AtomicPlan<Coordinator>, argv: Buffer[], argc: number, slot: PendingReply, hold = true): void {
    const args = copyArgs(argv, 0, argc);
    const locks = new LockSet();
    addLocks(this.shards, locks, spec, args, argc);
    const request: PlanRequest<Coordinator> = { coordinator: this.coordinator, db: client.db, proto: client.proto, args };
    const out = new ReplyWriter(256);
    out.proto = client.proto;
    // A script's error reply counts in the error stats, as one run inline does (commands/scripting.ts writeScriptReply).
    if (spec.script === true) out.errors = this.commandStats.errors;
    if (hold) client.heldCommands = [];
    const coordinator = this.coordinator;
    // Behind a transaction that locks every shard, a keyless command (CONFIG GET after CONFIG SET, DEBUG after
    // FLUSHALL) would not wait for the locks: the client's next commands are held until it is done.
    const holdToTheEnd = plan.locks === 'all';
    const release = hold ? (): void => coordinator.releaseHeldCommands(client) : NOTHING;
    const tx = new Transaction(coordinator, locks, true);
    tx.caller = trackingCaller(client, coordinator.localShard);
    // A script that read keys has its declared keys tracked for a tracking client, as when it runs inline (invoker.ts).
    const body = spec.script === true
      ? async (tx: Transaction): Promise<void> => {
          await plan.body(tx, request, out);
          if (this.invoker.takeScriptRead() && client.tracking !== null) this.server.tracking.remember(client, commandKeys(spec, args, argc));
        }
      : (tx: Transaction): Promise<void> => plan.body(tx, request, out);
    tx.run(body, holdToTheEnd ? NOTHING : release, plan.oneStep === true, () => out.reset()).then(
      () => {
        if (spec.script === true && out.length > 0 && out.buffer[0] === 0x2d /* - */) this.commandStats.of(spec.name).failedCalls++;
        slot.onReply(out.buffer.subarray(0, out.length));
        if (holdToTheEnd) release();
      },
      (error: unknown) => {
        out.reset();
        out.error(error instanceof ReplyError ? error.message : internalError(spec.name, error));
        slot.onReply(out.buffer.subarray(0, out.length));
        if (holdToTheEnd) release();
      },
    );
  }
}
