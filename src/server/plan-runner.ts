// Runs a command by its multi-shard plan (its keys span shards, or it runs on
// every shard): refused whole for memory, once, here; counted once, here; an
// atomic plan as a standalone transaction of the scheduler, holding the
// client's next commands until the transaction holds its locks, so none
// overtakes it.

import type { CommandSpec, Coordinator } from '../commands/command.ts';
import { addLocks } from '../commands/routing.ts';
import type { Shards } from '../shard/shard.ts';
import { LockSet, Transaction } from '../tx/scheduler.ts';
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

const NOTHING = (): void => {};

export class PlanRunner {
  private readonly coordinator: Coordinator;
  private readonly shards: Shards;
  private readonly refusal: MemoryRefusal;
  private readonly replies: ReplyOrder;
  private readonly commandStats: CommandStats;

  constructor(parts: ThreadParts, coordinator: Coordinator) {
    this.coordinator = coordinator;
    this.shards = parts.shards;
    this.refusal = parts.refusal;
    this.replies = parts.replies;
    this.commandStats = parts.server.commandStats;
  }

  run(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const plan = spec.multiShard;
    if (plan === undefined) throw new Error(`${spec.name} spans shards but has no multi-shard plan`);
    // Checked here, once for every shard: a write refused for memory is refused whole.
    if (this.refusal.enabled) {
      const out = this.replies.writerFor(client);
      if (this.refusal.refuse(spec, out)) {
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
    try {
      plan.run(this.coordinator, client, argv, argc, slot, client.db, client.proto);
    } catch (error) {
      if (slot.data === null) slot.onReply(Buffer.from(`-${internalError(spec.name, error)}\r\n`));
    }
  }

  /** An atomic plan as a standalone transaction: locks, body, conclusion; the reply completes `slot`. */
  private runAtomic(client: Client, spec: CommandSpec, plan: AtomicPlan<Coordinator>, argv: Buffer[], argc: number, slot: PendingReply): void {
    const args = copyArgs(argv, 0, argc);
    const locks = new LockSet();
    addLocks(this.shards, locks, spec, args, argc);
    const request: PlanRequest<Coordinator> = { coordinator: this.coordinator, db: client.db, proto: client.proto, args };
    const out = new ReplyWriter(256);
    out.proto = client.proto;
    client.heldCommands = [];
    const coordinator = this.coordinator;
    // Behind a transaction that locks every shard, a keyless command (CONFIG GET after CONFIG SET, DEBUG after
    // FLUSHALL) would not wait for the locks: the client's next commands are held until it is done.
    const holdToTheEnd = plan.locks === 'all';
    const release = (): void => coordinator.releaseHeldCommands(client);
    new Transaction(coordinator, locks, true).run((tx) => plan.body(tx, request, out), holdToTheEnd ? NOTHING : release, plan.oneStep === true, () => out.reset()).then(
      () => {
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
