// Squashing: pipelined atomic one-step commands over several shards (MSET,
// MGET, DEL... whose keys span shards) of one client run as one transaction:
// one schedule for all, the union of their locks, and their parts in one hop
// per shard (Transaction.runTogether). Each command stays atomic, the run is
// atomic as a whole, and the replies are each command's own, in order.
//
// The first such command of a socket read is held, with whatever the client
// sends after it, until the end of the read; then the held commands are
// released: runs of squashable ones as one transaction each, the others
// dispatched as usual. A transaction of the client holds its next commands
// the same way until it holds its locks (Client.heldCommands).

import { arityAccepts, type CommandSpec, type CommandTable, type Coordinator } from '../commands/command.ts';
import { addLocks, keysShard } from '../commands/routing.ts';
import type { Batching, Shards } from '../shard/shard.ts';
import { LockSet, Transaction } from '../tx/scheduler.ts';
import { trackingCaller } from '../commands/client.ts';
import type { AtomicPlan, PlanRequest } from '../tx/multi-shard.ts';
import { internalError } from '../protocol/errors.ts';
import { copyArgs } from '../protocol/args.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client, PendingReply } from './client.ts';
import type { ServerContext } from './server-context.ts';
import type { MemoryRefusal } from './memory-refusal.ts';
import type { GatheredWork } from './end-of-batch.ts';
import type { Dispatcher, ThreadParts } from './dispatcher.ts';

export class Squasher implements GatheredWork {
  private readonly server: ServerContext;
  private readonly commands: CommandTable;
  private readonly shards: Shards;
  private readonly refusal: MemoryRefusal;
  private readonly batching: Batching;
  private readonly dispatcher: Dispatcher;
  private readonly coordinator: Coordinator;
  /** Clients whose held commands start at the end of the batch. */
  private readonly starts: Client[] = [];

  constructor(parts: ThreadParts, dispatcher: Dispatcher, coordinator: Coordinator) {
    this.server = parts.server;
    this.commands = parts.commands;
    this.shards = parts.shards;
    this.refusal = parts.refusal;
    this.batching = parts.endOfBatch;
    this.dispatcher = dispatcher;
    this.coordinator = coordinator;
    parts.endOfBatch.startsAtEnd(this);
  }

  /** A squashable command (a copy of it) is held until the end of the batch, to gather what follows: true when it was. */
  gather(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): boolean {
    if (!this.squashable(client, spec, argv, argc)) return false;
    client.heldCommands = [copyArgs(argv, 0, argc)];
    this.starts.push(client);
    this.batching.scheduleEndBatch();
    return true;
  }

  startGathered(): void {
    if (this.starts.length === 0) return;
    const clients = this.starts.splice(0);
    for (const client of clients) this.releaseHeldCommands(client);
  }

  /** Dispatches the commands held back while the client's transaction was being scheduled (or gathered). */
  releaseHeldCommands(client: Client): void {
    const held = client.heldCommands as Buffer[][];
    client.heldCommands = null;
    for (let i = 0; i < held.length; i++) {
      if (client.closed) return;
      const specs = this.squashableRun(client, held, i);
      if (specs.length > 0) {
        this.runSquashed(client, held.slice(i, i + specs.length), specs);
        i += specs.length - 1;
      } else {
        this.dispatcher.dispatch(client, held[i], held[i].length);
      }
      // Another transaction of the client: what follows waits for that one.
      const again = client.heldCommands as Buffer[][] | null;
      if (again !== null) {
        for (let j = i + 1; j < held.length; j++) again.push(held[j]);
        break;
      }
    }
    client.heldCommandsReleased();
    // Written at the end of the batch, after the AOF has what these commands wrote.
    client.requestFlush();
    this.batching.scheduleEndBatch();
  }

  /** An atomic one-step plan over several shards that dispatch would run now. */
  private squashable(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): boolean {
    const plan = spec.multiShard;
    if (plan === undefined || plan.atomic !== true || plan.oneStep !== true || plan.locks !== 'keys') return false;
    if (this.shards.shardCount === 1 || client.queued !== null || !client.authenticated || !arityAccepts(spec, argc)) return false;
    // One refused for memory goes alone, through the plan runner's check.
    return keysShard(this.shards, spec, argv, argc) === -1 && !this.refusal.outOfMemoryFor(spec);
  }

  /** The specs of the squashable commands from `held[from]` on, in a row. */
  private squashableRun(client: Client, held: Buffer[][], from: number): CommandSpec[] {
    const specs: CommandSpec[] = [];
    for (let i = from; i < held.length; i++) {
      const spec = this.commands.byName(held[i][0]);
      if (spec === undefined || !this.squashable(client, spec, held[i], held[i].length)) break;
      specs.push(spec);
    }
    return specs;
  }

  /** Pipelined atomic one-step commands of one client, run as one transaction. */
  private runSquashed(client: Client, commands: Buffer[][], specs: CommandSpec[]): void {
    if (commands.length === 1) {
      // Alone, it runs as any atomic plan (cheaper than the machinery for several).
      this.server.stats.commandsProcessed++;
      client.lastCommand = specs[0].name;
      this.dispatcher.runPlan(client, specs[0], commands[0], commands[0].length);
      return;
    }
    const locks = new LockSet();
    commands.forEach((args, i) => addLocks(this.shards, locks, specs[i], args, args.length));
    const tx = new Transaction(this.coordinator, locks, true);
    tx.caller = trackingCaller(client, this.coordinator.localShard);
    const outs: ReplyWriter[] = [];
    const slots: PendingReply[] = [];
    const bodies: (() => Promise<void>)[] = [];
    commands.forEach((args, i) => {
      const spec = specs[i];
      this.server.stats.commandsProcessed++;
      this.server.commandStats.of(spec.name).calls++;
      client.lastCommand = spec.name;
      const out = new ReplyWriter(256);
      out.proto = client.proto;
      const request: PlanRequest<Coordinator> = { coordinator: this.coordinator, db: client.db, proto: client.proto, args };
      const plan = spec.multiShard as AtomicPlan<Coordinator>;
      outs.push(out);
      slots.push(client.reserveReply());
      bodies.push(() => plan.body(tx, request, out));
    });
    client.heldCommands = [];
    const restart = (): void => {
      for (const out of outs) out.reset();
    };
    const body = async (): Promise<void> => {
      const outcomes = await tx.runTogether(bodies);
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') return;
        outs[i].reset();
        outs[i].error(outcome.reason instanceof ReplyError ? outcome.reason.message : internalError(specs[i].name, outcome.reason));
      });
    };
    const answer = (): void => slots.forEach((slot, i) => slot.onReply(outs[i].buffer.subarray(0, outs[i].length)));
    tx.run(body, () => this.releaseHeldCommands(client), true, restart).then(answer, (error: unknown) => {
      outs.forEach((out, i) => {
        out.reset();
        out.error(internalError(specs[i].name, error));
      });
      answer();
    });
  }
}
