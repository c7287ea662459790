// The coordinator: every command a client sends passes through here.
//
// It finds the command, checks arity and auth, and decides where it runs:
// on the client's thread (no keys, or keys owned by this thread's shard:
// inline, synchronous), on the one other shard that owns all its keys (one
// hop), or split over several shards by the command's MultiShardPlan.
// It also serves the hops other threads send to this thread's shard.
//
// Commands whose keys span shards run as transactions of the scheduler
// (scheduler.ts): atomic plans inside a Transaction, and this thread's shard
// serves the transaction hops, parking work behind the intent locks.

import type { Client, PendingReply, QueuedCommand } from '../server/client.ts';
import type { ServerContext } from '../server/server-context.ts';
import type { ShardStore } from '../store/shard-store.ts';
import { CommandContext, type CommandSpec, type CommandTable } from '../commands/command.ts';
import { Errors, internalError } from '../protocol/errors.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import { readReply, ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import type { Hub, HubHandler } from '../transport/hub.ts';
import { HOP_INTERNAL, HOP_PART, HOP_TX, HOP_TX_BATCH, HOP_TX_RUN, HOP_TX_SCHEDULE, HOP_TX_SCHEDULE_RUN } from './hop-flags.ts';
import { argNumber, lockNames, LockSet, RETRY_ERROR, ShardScheduler, Transaction } from './scheduler.ts';
import type { AtomicPlan, PlanRequest } from './multi-shard.ts';
import { EvictionResult, MemoryBudget, evictionPolicyOf } from '../store/eviction.ts';

/** Receives the reply to a hop. */
/** Shards a hop id can name: the most the `shards` setting allows. */
const SHARD_SPAN = 1024;
const PEER_RESTARTED = Buffer.from('-ERR the shard holding the key restarted while running the command; it may or may not have been applied\r\n');

export interface ReplyWaiter {
  onReply(reply: Buffer): void;
}

/** Where a hop served later (behind intent locks) sends its reply: another thread's request... */
/** The thread a hop came from, -1 for this one's own. */
function originOf(target: ReplyTarget): number {
  return target instanceof RemoteReply ? target.from : -1;
}

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

/** Where a command of a transaction runs: on the client's thread, on one shard (>= 0), or by its multi-shard plan. */
export const ROUTE_CLIENT = -2;
export const ROUTE_PLAN = -1;

const QUEUED = Buffer.from('+QUEUED\r\n');
/** The commands Redis never refuses for memory inside MULTI. */
const NEVER_REFUSED_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);
/** The commands that act at once inside MULTI instead of being queued. */
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const RETRY_REPLY = Buffer.from(`-${RETRY_ERROR}\r\n`);
const ABORTED_BATCH = Buffer.from(':0\r\n');
const RAN_BATCH = Buffer.from(':1\r\n');

/** A hop's arguments copied out of the ring, for work that runs later. */
function copyArgs(argv: Buffer[], from: number, to: number): Buffer[] {
  const copy: Buffer[] = [];
  for (let i = from; i < to; i++) copy.push(Buffer.from(argv[i]));
  return copy;
}

/** The lock names of a command's key arguments. */
function commandLockNames(spec: CommandSpec, argv: Buffer[], argc: number): string[] {
  const last = spec.lastKey < 0 ? argc + spec.lastKey : Math.min(spec.lastKey, argc - 1);
  const keys: Buffer[] = [];
  for (let i = spec.firstKey; i <= last; i += spec.keyStep) keys.push(argv[i]);
  return lockNames(keys);
}


export class Coordinator implements HubHandler {
  readonly server: ServerContext;
  readonly store: ShardStore;
  readonly hub: Hub | null;
  /** The command table, handed in by the server (tx does not import the registry). */
  readonly commands: CommandTable;
  /** This shard's side of the server-wide maxmemory budget. */
  readonly memory: MemoryBudget;
  /** This thread's shard's side of the scheduler: its intent locks and queued transactions. */
  readonly scheduler: ShardScheduler;
  private readonly ctx: CommandContext;
  /** Where replies go when they must wait behind earlier ones. */
  private readonly scratch = new ReplyWriter();
  private readonly waiters = new Map<number, ReplyWaiter>();
  /** Hop ids are a serial number and the destination shard (SHARD_BITS low bits), so a restarted shard's hops can be found. */
  private nextRequestSerial = 1;
  /** Set while a command handler runs: the context and scratch writer are in use. */
  private inHandler = false;
  /** Hops a handler asked for, sent once it returned (see afterCommand). */
  private readonly afterHandler: (() => void)[] = [];
  /** Clients with output to write at the end of the current batch. */
  private readonly flushQueue: Client[] = [];
  private endOfBatchScheduled = false;
  /** Clients whose squashable commands start at the end of the batch (see dispatch). */
  private readonly squashStarts: Client[] = [];

  constructor(server: ServerContext, store: ShardStore, hub: Hub | null, commands: CommandTable) {
    this.server = server;
    this.store = store;
    this.hub = hub;
    this.commands = commands;
    this.memory = new MemoryBudget(store, server.shared.memoryUsed, server.threadIndex);
    this.ctx = new CommandContext(store, server, this.memory, commands);
    this.scheduler = new ShardScheduler(() => server.latestTransactionId());
    this.applyMemoryConfig();
    server.configListeners.push(() => this.applyMemoryConfig());
  }

  /** Reads the maxmemory settings; a lowered maxmemory starts evicting at once (the timer carries on). */
  private applyMemoryConfig(): void {
    const config = this.server.config;
    const memory = this.memory;
    memory.maxmemory = config.getNumber('maxmemory');
    memory.setPolicy(evictionPolicyOf(config.get('maxmemory-policy')));
    memory.samples = config.getNumber('maxmemory-samples');
    memory.setTenacity(config.getNumber('maxmemory-eviction-tenacity'));
    if (memory.maxmemory !== 0) memory.evict();
  }

  get shardCount(): number {
    return this.server.shardCount;
  }

  get localShard(): number {
    return this.server.threadIndex;
  }

  shardOfKey(key: Buffer): number {
    return this.shardCount === 1 ? 0 : this.server.slots.shardOfKey(key);
  }

  /** Entry point for one parsed command of a client. */
  dispatch(client: Client, argv: Buffer[], argc: number): void {
    if (client.heldCommands !== null) {
      client.heldCommands.push(copyArgs(argv, 0, argc));
      return;
    }
    let spec = this.commands.byName(argv[0]);
    // MSET, MGET, DEL... over several shards start at the end of the read, with whatever follows them in it.
    if (spec !== undefined && spec.multiShard !== undefined && this.squashable(client, spec, argv, argc)) {
      client.heldCommands = [copyArgs(argv, 0, argc)];
      this.squashStarts.push(client);
      this.scheduleEndBatch();
      return;
    }
    this.server.stats.commandsProcessed++;
    if (spec === undefined) {
      if (client.queued !== null) client.queueFailed = true;
      this.replyError(client, unknownCommandError(argv, argc));
      return;
    }
    // A container (CONFIG, CLIENT...) named alone is checked against its own arity, as in Redis.
    if (spec.subcommands !== undefined && argc >= 2) {
      const sub = this.commands.subcommand(spec, argv[1].toString('latin1'));
      if (sub === undefined) {
        if (client.queued !== null) client.queueFailed = true;
        this.replyError(client, Errors.unknownSubcommand(argv[1].toString(), spec.name));
        return;
      }
      spec = sub;
    }
    if (!arityAccepts(spec, argc)) {
      this.reject(client, spec, Errors.wrongArgs(spec.name));
      return;
    }
    if (!client.authenticated && !spec.flags.includes('no-auth')) {
      this.reject(client, spec, Errors.noAuth);
      return;
    }
    client.lastCommand = spec.name;
    // Inside MULTI, Redis refuses whatever would queue (and an EXEC of writes) while out of memory.
    if (client.queued !== null && this.memory.maxmemory !== 0 && this.queueNeedsMemory(client, spec) && this.memory.evict() === EvictionResult.Fail) {
      this.reject(client, spec, Errors.outOfMemory);
      return;
    }
    if (client.queued !== null && !TRANSACTION_CONTROL.has(spec.name)) {
      this.queueCommand(client, spec, argv, argc);
      return;
    }
    if (spec.placement === 'all-shards') {
      this.runPlan(client, spec, argv, argc);
      return;
    }
    if (spec.placement === 'client' || this.shardCount === 1) {
      this.runLocal(client, spec, argv, argc);
      return;
    }
    const shard = this.keysShard(spec, argv, argc);
    if (shard === this.localShard) this.runLocal(client, spec, argv, argc);
    else if (shard >= 0) this.forward(client, shard, argv, argc);
    else this.runPlan(client, spec, argv, argc);
  }

  /** The one shard owning every key of the command, or -1 when they span shards. */
  keysShard(spec: CommandSpec, argv: Buffer[], argc: number): number {
    const first = spec.firstKey;
    if (first === 0 || first >= argc) return this.localShard;
    const last = spec.lastKey < 0 ? argc + spec.lastKey : Math.min(spec.lastKey, argc - 1);
    const shard = this.shardOfKey(argv[first]);
    for (let i = first + spec.keyStep; i <= last; i += spec.keyStep) {
      if (this.shardOfKey(argv[i]) !== shard) return -1;
    }
    return shard;
  }

  /** Where a command queued in MULTI runs: ROUTE_CLIENT, ROUTE_PLAN, or a shard. */
  routeOf(spec: CommandSpec, argv: Buffer[], argc: number): number {
    if (spec.placement === 'client') return ROUTE_CLIENT;
    if (spec.placement === 'all-shards') return ROUTE_PLAN;
    if (this.shardCount === 1) return 0;
    const shard = this.keysShard(spec, argv, argc);
    return shard >= 0 ? shard : ROUTE_PLAN;
  }

  /** Adds the locks a command needs to `locks`: its keys, or every shard for a plan that locks everything. */
  addLocks(locks: LockSet, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const plan = spec.multiShard;
    if (plan !== undefined && plan.atomic === true && plan.locks === 'all') {
      locks.global = true;
      return;
    }
    if (spec.firstKey === 0 || spec.firstKey >= argc) return;
    const last = spec.lastKey < 0 ? argc + spec.lastKey : Math.min(spec.lastKey, argc - 1);
    for (let i = spec.firstKey; i <= last; i += spec.keyStep) locks.add(this.shardOfKey(argv[i]), argv[i]);
  }

  private runLocal(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    // The fast path's one check: no key of this shard is locked.
    if (this.scheduler.locks.queue.length !== 0 && spec.firstKey !== 0 && this.runLocalBehindLocks(client, spec, argv, argc)) return;
    const waiting = client.hasPending();
    const out = waiting ? this.scratch : client.out;
    out.proto = client.proto;
    this.invoke(spec, argv, argc, out, client.db, client, true);
    if (waiting) this.replyFromScratch(client.reserveReply());
  }

  /** A command on this thread's shard whose keys are locked: it runs once they are free; false when they are free now. */
  private runLocalBehindLocks(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): boolean {
    const keys = commandLockNames(spec, argv, argc);
    if (!this.scheduler.locks.mustWait(keys)) return false;
    const args = copyArgs(argv, 0, argc);
    const slot = client.reserveReply();
    const db = client.db;
    this.scheduler.runWhenFree(keys, false, () => {
      const out = this.scratch;
      out.proto = client.proto;
      this.invoke(spec, args, argc, out, db, client, true);
      this.replyFromScratch(slot);
    });
    return true;
  }

  /**
   * Runs `work` now, or right after the handler running now returns: work
   * that sends hops (unwatching for RESET, UNWATCH, DISCARD) must not run
   * inside a handler, whose context and scratch writer a local hop reuses.
   */
  afterCommand(work: () => void): void {
    if (this.inHandler) this.afterHandler.push(work);
    else work();
  }

  private runAfterHandler(): void {
    const works = this.afterHandler.splice(0);
    for (const work of works) work();
  }

  /** Runs a command with no keys (or queued in EXEC for the client's thread) here, with its client. */
  runForClient(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client): void {
    this.invoke(spec, argv, argc, out, db, client, true);
  }

  /**
   * Runs a command's handler on this thread, timing it for INFO commandstats.
   * `countCall` is false for one shard's part of a multi-shard command, which
   * the coordinator counts once.
   */
  private invoke(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client | null, countCall: boolean): void {
    const ctx = this.ctx;
    const commandStats = this.server.commandStats;
    const errors = commandStats.errors;
    if (this.memory.maxmemory !== 0) {
      // A shard's part of a multi-shard command evicts as any command, but
      // only its coordinator may refuse it (runPlan), once for every shard.
      if (!countCall) this.memory.evict();
      else if (this.refuseForMemory(spec, out)) return;
    }
    ctx.argv = argv;
    ctx.argc = argc;
    ctx.out = out;
    ctx.db = db;
    ctx.now = Date.now();
    ctx.client = client;
    out.errors = errors;
    const errorsBefore = errors.total;
    const replyStart = out.length;
    const started = performance.now();
    this.inHandler = true;
    try {
      spec.handler(ctx);
    } catch (error) {
      // A bug in one command answers that command with an error; it never takes the server down.
      out.length = replyStart;
      out.error(internalError(spec.name, error));
    }
    this.inHandler = false;
    if (this.afterHandler.length !== 0) this.runAfterHandler();
    const stat = commandStats.of(spec.name);
    stat.usec += (performance.now() - started) * 1000;
    if (countCall) {
      stat.calls++;
      if (errors.total !== errorsBefore) stat.failedCalls++;
    }
    ctx.client = null;
  }

  /** As Redis before every command: evicts while over maxmemory; true when `spec` needs memory and none can be freed. */
  outOfMemoryFor(spec: CommandSpec): boolean {
    return this.memory.maxmemory !== 0 && this.memory.evict() === EvictionResult.Fail && spec.flags.includes('denyoom');
  }

  /** The OOM refusal: true, with the error written to `out` and counted, when `spec` may not run for want of memory. */
  refuseForMemory(spec: CommandSpec, out: ReplyWriter): boolean {
    if (!this.outOfMemoryFor(spec)) return false;
    out.errors = this.server.commandStats.errors;
    out.error(Errors.outOfMemory);
    this.server.commandStats.of(spec.name).rejectedCalls++;
    return true;
  }

  private runPlan(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const plan = spec.multiShard;
    if (plan === undefined) throw new Error(`${spec.name} spans shards but has no multi-shard plan`);
    // Checked here, once for every shard: a write refused for memory is refused whole.
    if (this.memory.maxmemory !== 0) {
      const out = client.hasPending() ? this.scratch : client.out;
      out.proto = client.proto;
      if (this.refuseForMemory(spec, out)) {
        if (out === this.scratch) this.replyFromScratch(client.reserveReply());
        return;
      }
    }
    this.server.commandStats.of(spec.name).calls++;
    const slot = client.reserveReply();
    if (plan.atomic === true) {
      this.runAtomic(client, spec, plan, argv, argc, slot);
      return;
    }
    try {
      plan.run(this, client, argv, argc, slot);
    } catch (error) {
      if (slot.data === null) slot.onReply(Buffer.from(`-${internalError(spec.name, error)}\r\n`));
    }
  }

  /** An atomic plan as a standalone transaction: locks, body, conclusion; the reply completes `slot`. */
  private runAtomic(client: Client, spec: CommandSpec, plan: AtomicPlan, argv: Buffer[], argc: number, slot: PendingReply): void {
    const args = copyArgs(argv, 0, argc);
    const locks = new LockSet();
    this.addLocks(locks, spec, args, argc);
    const request: PlanRequest = { coordinator: this, client, db: client.db, proto: client.proto, args };
    const out = new ReplyWriter(256);
    out.proto = client.proto;
    client.heldCommands = [];
    new Transaction(this, locks, true).run((tx) => plan.body(tx, request, out), () => this.releaseHeldCommands(client), plan.oneStep === true, () => out.reset()).then(
      () => slot.onReply(out.buffer.subarray(0, out.length)),
      (error: unknown) => {
        out.reset();
        out.error(error instanceof ReplyError ? error.message : internalError(spec.name, error));
        slot.onReply(out.buffer.subarray(0, out.length));
      },
    );
  }

  /**
   * An atomic one-step plan over several shards (MSET, MGET, DEL... whose
   * keys span shards) that dispatch would run now: consecutive ones of a
   * client run as one transaction (runSquashed).
   */
  private squashable(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): boolean {
    const plan = spec.multiShard;
    if (plan === undefined || plan.atomic !== true || plan.oneStep !== true || plan.locks !== 'keys') return false;
    if (this.shardCount === 1 || client.queued !== null || !client.authenticated || !arityAccepts(spec, argc)) return false;
    // One refused for memory goes alone, through runPlan's check.
    return this.keysShard(spec, argv, argc) === -1 && !this.outOfMemoryFor(spec);
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

  /**
   * Pipelined atomic one-step commands of one client, run as one transaction:
   * one schedule for all, and their parts in one hop per shard (each command
   * stays atomic; together they are atomic too). Replies keep their order.
   */
  private runSquashed(client: Client, commands: Buffer[][], specs: CommandSpec[]): void {
    if (commands.length === 1) {
      // Alone, it runs as any atomic plan (cheaper than the machinery for several).
      this.server.stats.commandsProcessed++;
      client.lastCommand = specs[0].name;
      this.runPlan(client, specs[0], commands[0], commands[0].length);
      return;
    }
    const locks = new LockSet();
    commands.forEach((args, i) => this.addLocks(locks, specs[i], args, args.length));
    const tx = new Transaction(this, locks, true);
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
      const request: PlanRequest = { coordinator: this, client, db: client.db, proto: client.proto, args };
      const plan = spec.multiShard as AtomicPlan;
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

  /** Dispatches the commands held back while the client's transaction was being scheduled. */
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
        this.dispatch(client, held[i], held[i].length);
      }
      // Another transaction of the client: what follows waits for that one.
      const again = client.heldCommands as Buffer[][] | null;
      if (again !== null) {
        for (let j = i + 1; j < held.length; j++) again.push(held[j]);
        break;
      }
    }
    client.flush();
    this.scheduleEndBatch();
  }

  /** Sends the whole command to the shard that owns its keys; its reply keeps its place in order. */
  private forward(client: Client, shard: number, argv: Buffer[], argc: number): void {
    this.send(shard, client.db, client.proto, 0, argv, argc, client.reserveReply());
  }

  /** Sends a hop (or runs it here when `shard` is ours); the waiter gets the RESP reply. */
  send(shard: number, db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void {
    if (shard === this.localShard) {
      if (flags & HOP_TX) {
        this.serveTransactionHop(new LocalReply(waiter, proto), flags, argv, argc);
        return;
      }
      if (this.scheduler.locks.queue.length !== 0 && this.serveBehindLocks(null, waiter, db, proto, flags, argv, argc)) return;
      const out = this.scratch;
      out.proto = proto;
      this.execute(db, flags, argv, argc, out, null);
      this.replyFromScratch(waiter);
      return;
    }
    const id = (this.nextRequestSerial * SHARD_SPAN + shard) >>> 0;
    if (++this.nextRequestSerial >= 2 ** 32 / SHARD_SPAN) this.nextRequestSerial = 1;
    this.waiters.set(id, waiter);
    this.server.stats.hops++;
    (this.hub as Hub).sendRequest(shard, id, db, proto, flags, argv, argc);
    this.scheduleEndBatch();
  }

  /** A hop as a promise of its decoded reply: for multi-step plans (RENAME across shards...). */
  call(shard: number, db: number, flags: number, args: Buffer[]): Promise<ReplyValue> {
    return new Promise((resolve) => {
      this.send(shard, db, 2, flags, args, args.length, { onReply: (reply) => resolve(readReply(reply)) });
    });
  }

  /** The spec a hop names. */
  private resolve(flags: number, argv: Buffer[], argc: number): CommandSpec | undefined {
    const spec = flags & HOP_INTERNAL ? this.commands.internal(argv[0].toString('latin1')) : this.commands.byName(argv[0]);
    return spec !== undefined && spec.subcommands !== undefined && argc > 1 ? this.commands.subcommand(spec, argv[1].toString('latin1')) : spec;
  }

  /** Runs a command on this thread's shard for a hop (or a local plan part). */
  private execute(db: number, flags: number, argv: Buffer[], argc: number, out: ReplyWriter, client: Client | null): void {
    const spec = this.resolve(flags, argv, argc);
    if (spec === undefined) {
      out.error(`ERR unknown command '${argv[0].toString()}'`);
      return;
    }
    this.invoke(spec, argv, argc, out, db, client, (flags & (HOP_INTERNAL | HOP_PART)) === 0);
  }

  /** MULTI: the command waits for EXEC (a copy of it), unless it may not run in a transaction. */
  private queueCommand(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    if (spec.flags.includes('no-multi')) {
      this.reject(client, spec, 'ERR Command not allowed inside a transaction');
      return;
    }
    // After a refused command EXEC can only abort: nothing more is kept.
    if (!client.queueFailed) (client.queued as QueuedCommand[]).push({ spec, argv: copyArgs(argv, 0, argc) });
    client.reply(QUEUED);
  }

  /** Inside MULTI: whether `spec` needs memory (anything but EXEC, DISCARD, QUIT and RESET; EXEC when a queued command does). */
  private queueNeedsMemory(client: Client, spec: CommandSpec): boolean {
    if (spec.name === 'exec') return (client.queued as QueuedCommand[]).some((command) => command.spec.flags.includes('denyoom'));
    return !NEVER_REFUSED_IN_MULTI.has(spec.name);
  }

  /**
   * A command refused before it ran (arity, auth, memory): Redis counts it as
   * a rejected call; inside MULTI, EXEC will abort. A refused EXEC discards
   * the transaction at once, as Redis's execCommandAbort.
   */
  private reject(client: Client, spec: CommandSpec, error: string): void {
    if (spec.name === 'exec') {
      client.endTransaction();
      error = `EXECABORT Transaction discarded because of: ${error.startsWith('ERR ') ? error.slice('ERR '.length) : error}`;
    }
    if (client.queued !== null) client.queueFailed = true;
    this.server.commandStats.of(spec.name).rejectedCalls++;
    this.replyError(client, error);
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
    if (scratch.buffer.length > 1024 * 1024) scratch.buffer = Buffer.allocUnsafe(16 * 1024);
  }

  /** Replies an error to `client`, after any replies still pending. */
  replyError(client: Client, error: string): void {
    const out = client.hasPending() ? this.scratch : client.out;
    out.proto = client.proto;
    out.errors = this.server.commandStats.errors;
    out.error(error);
    if (out === this.scratch) this.replyFromScratch(client.reserveReply());
  }

  // --- hops served behind intent locks, and transaction hops ---

  /**
   * A hop for a key that is locked here: it runs once its keys are free and
   * replies to `remote` (another thread) or `waiter` (this one). False when
   * its keys are free now.
   */
  private serveBehindLocks(remote: RemoteReply | null, waiter: ReplyWaiter | null, db: number, proto: number, flags: number, argv: Buffer[], argc: number): boolean {
    const spec = this.resolve(flags, argv, argc);
    if (spec === undefined || spec.firstKey === 0) return false;
    const keys = commandLockNames(spec, argv, argc);
    if (!this.scheduler.locks.mustWait(keys)) return false;
    const args = copyArgs(argv, 0, argc);
    const target: ReplyTarget = remote ?? new LocalReply(waiter as ReplyWaiter, proto === 3 ? 3 : 2);
    this.scheduler.runWhenFree(keys, false, () => {
      const out = this.openReply(target);
      this.execute(db, flags, args, argc, out, null);
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
      this.scheduleEndBatch();
    } else {
      this.replyFromScratch(target.waiter);
    }
  }

  /** Schedule, run and batch hops (see hop-flags.ts and scheduler.ts). */
  private serveTransactionHop(target: ReplyTarget, flags: number, argv: Buffer[], argc: number): void {
    const scheduler = this.scheduler;
    if (flags & HOP_TX_SCHEDULE) {
      const accepted = scheduler.schedule(argNumber(argv[0]), lockNames(argv.slice(2, argc)), argv[1][0] === 0x31, originOf(target));
      const out = this.openReply(target);
      if (accepted) out.ok();
      else out.raw(RETRY_REPLY);
      this.closeReply(target);
      return;
    }
    if (flags & HOP_TX_RUN) {
      const id = argNumber(argv[0]);
      const conclude = argv[1][0] === 0x31;
      if (argc === 2 && conclude) {
        scheduler.conclude(id);
        const out = this.openReply(target);
        out.ok();
        this.closeReply(target);
        return;
      }
      const batch = copyArgs(argv, 2, argc);
      const known = scheduler.runInTransaction(id, () => {
        const out = this.openReply(target);
        this.runBatch(out, batch, 0);
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
      const id = argNumber(argv[0]);
      const at = 3 + argNumber(argv[2]);
      if (!scheduler.schedule(id, lockNames(argv.slice(3, at)), argv[1][0] === 0x31, originOf(target))) {
        const out = this.openReply(target);
        out.raw(ABORTED_BATCH);
        this.closeReply(target);
        return;
      }
      const batch = copyArgs(argv, at, argc);
      scheduler.runInTransaction(id, () => {
        const out = this.openReply(target);
        out.raw(RAN_BATCH);
        this.runBatch(out, batch, 0);
        this.closeReply(target);
        scheduler.conclude(id);
      });
      return;
    }
    if (flags & HOP_TX_BATCH) {
      const keyCount = argNumber(argv[0]);
      const keys = lockNames(argv.slice(1, 1 + keyCount));
      const watcher = argv[1 + keyCount];
      const at = 2 + keyCount;
      if (scheduler.locks.queue.length === 0 || !scheduler.locks.mustWait(keys)) {
        this.runWatchedBatch(target, watcher, argv, at, argc);
        return;
      }
      const args = copyArgs(argv, 0, argc);
      scheduler.runWhenFree(keys, false, () => this.runWatchedBatch(target, args[1 + keyCount], args, at, argc));
    }
  }

  /** A single-shard transaction: EXEC's watch check (when `watcher` names a client), then its commands. */
  private runWatchedBatch(target: ReplyTarget, watcher: Buffer, argv: Buffer[], at: number, argc: number): void {
    const out = this.openReply(target);
    if (watcher.length > 0 && !this.store.watchedKeys.checkAndRemove(argNumber(watcher), this.store, Date.now())) {
      out.raw(ABORTED_BATCH);
    } else {
      out.raw(RAN_BATCH);
      this.runBatch(out, argv, at, argc);
    }
    this.closeReply(target);
  }

  /** Runs the commands encoded in `argv[at..end)` (scheduler.ts encodeBatch), their replies one after another. */
  private runBatch(out: ReplyWriter, argv: Buffer[], at: number, end = argv.length): void {
    while (at < end) {
      const flags = argNumber(argv[at]);
      const db = argNumber(argv[at + 1]);
      const argc = argNumber(argv[at + 2]);
      const args = argv.slice(at + 3, at + 3 + argc);
      this.execute(db, flags, args, argc, out, null);
      at += 3 + argc;
    }
  }

  // --- hops from other threads ---

  onRequest(from: number, requestId: number, db: number, proto: number, flags: number, argv: Buffer[], argc: number): void {
    if (flags & HOP_TX) {
      this.serveTransactionHop(new RemoteReply(from, requestId, proto), flags, argv, argc);
      return;
    }
    if (this.scheduler.locks.queue.length !== 0 && this.serveBehindLocks(new RemoteReply(from, requestId, proto), null, db, proto, flags, argv, argc)) return;
    const hub = this.hub as Hub;
    const out = hub.beginReply(from, requestId, proto);
    this.execute(db, flags, argv, argc, out, null);
    hub.endReply(from);
  }

  onReply(requestId: number, reply: Buffer): void {
    const waiter = this.waiters.get(requestId);
    if (waiter === undefined) return;
    this.waiters.delete(requestId);
    waiter.onReply(reply);
  }

  /**
   * Another shard's thread died and a new one took over its memory: hops
   * sent to the old one will never be answered, so their waiters get an
   * error now (the command may or may not have run there).
   */
  onPeerRestarted(shard: number): void {
    for (const [id, waiter] of this.waiters) {
      if (id % SHARD_SPAN !== shard) continue;
      this.waiters.delete(id);
      waiter.onReply(PEER_RESTARTED);
    }
    // Locks the dead thread's transactions hold here would block their keys forever.
    this.scheduler.abandonFrom(shard);
    // Its WATCH records, and which of them had changed, died with its heap:
    // the EXEC of this thread's clients watching keys there must fail
    // (transactions.ts). Its own clients were dropped: their records here go.
    this.store.watchedKeys.forgetThread(shard);
    for (const client of this.server.clients.values()) {
      if (!client.watchLost && client.watched.some(({ key }) => this.shardOfKey(key) === shard)) client.watchLost = true;
    }
  }

  afterDrain(): void {
    this.flushClients();
  }

  queueFlush(client: Client): void {
    if (client.flushQueued) return;
    client.flushQueued = true;
    this.flushQueue.push(client);
    this.scheduleEndBatch();
  }

  /** The end of a batch (one socket read): every client's output written, the staged hops sent. */
  endBatch(): void {
    if (this.squashStarts.length !== 0) {
      const clients = this.squashStarts.splice(0);
      for (const client of clients) this.releaseHeldCommands(client);
    }
    this.flushClients();
    this.hub?.flush();
  }

  /**
   * Socket reads and ring drains end their batch themselves; this catches
   * replies and hops made outside one (a stepwise plan going on after an
   * await), once per microtask run.
   */
  scheduleEndBatch(): void {
    if (this.endOfBatchScheduled) return;
    this.endOfBatchScheduled = true;
    queueMicrotask(this.runScheduledEndBatch);
  }

  private readonly runScheduledEndBatch = (): void => {
    this.endOfBatchScheduled = false;
    this.endBatch();
  };

  flushClients(): void {
    const queue = this.flushQueue;
    for (let i = 0; i < queue.length; i++) queue[i].flush();
    queue.length = 0;
  }
}

function arityAccepts(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity;
}

function unknownCommandError(argv: Buffer[], argc: number): string {
  let args = '';
  for (let i = 1; i < argc && args.length < 128; i++) args += `'${argv[i].toString().slice(0, 128 - args.length)}' `;
  return `ERR unknown command '${argv[0].toString().slice(0, 128)}', with args beginning with: ${args}`;
}

