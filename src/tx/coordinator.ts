// The coordinator: every command a client sends passes through here.
//
// It finds the command, checks arity and auth, and decides where it runs:
// on the client's thread (no keys, or keys owned by this thread's shard:
// inline, synchronous), on the one other shard that owns all its keys (one
// hop), or split over several shards by the command's MultiShardPlan.
// It also serves the hops other threads send to this thread's shard.
//
// The transaction scheduler (atomic multi-shard commands, MULTI/EXEC) will
// slot in between routing and MultiShardPlan: plans already express a
// command as per-shard parts plus a merge.

import type { Client } from '../server/client.ts';
import type { ServerContext } from '../server/server-context.ts';
import type { ShardStore } from '../store/shard-store.ts';
import { CommandContext, type CommandSpec } from '../commands/command.ts';
import { findCommandByName, findInternalCommand, findSubcommand } from '../commands/registry.ts';
import { Errors, internalError } from '../commands/errors.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import { readReply, type ReplyValue } from '../protocol/reply-reader.ts';
import type { Hub, HubHandler } from '../transport/hub.ts';
import { HOP_INTERNAL, HOP_PART } from './hop-flags.ts';
import { EvictionResult, MemoryBudget, evictionPolicyOf } from '../store/eviction.ts';

/** Receives the reply to a hop. */
/** Shards a hop id can name: the most the `shards` setting allows. */
const SHARD_SPAN = 1024;
const PEER_RESTARTED = Buffer.from('-ERR the shard holding the key restarted while running the command; it may or may not have been applied\r\n');

export interface ReplyWaiter {
  onReply(reply: Buffer): void;
}


export class Coordinator implements HubHandler {
  readonly server: ServerContext;
  readonly store: ShardStore;
  readonly hub: Hub | null;
  /** This shard's side of the server-wide maxmemory budget. */
  readonly memory: MemoryBudget;
  private readonly ctx: CommandContext;
  /** Where replies go when they must wait behind earlier ones. */
  private readonly scratch = new ReplyWriter();
  private readonly waiters = new Map<number, ReplyWaiter>();
  /** Hop ids are a serial number and the destination shard (SHARD_BITS low bits), so a restarted shard's hops can be found. */
  private nextRequestSerial = 1;
  /** Clients with output to write at the end of the current batch. */
  private readonly flushQueue: Client[] = [];
  private endOfBatchScheduled = false;

  constructor(server: ServerContext, store: ShardStore, hub: Hub | null) {
    this.server = server;
    this.store = store;
    this.hub = hub;
    this.memory = new MemoryBudget(store, server.shared.memoryUsed, server.threadIndex);
    this.ctx = new CommandContext(store, server, this.memory);
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
    this.server.stats.commandsProcessed++;
    let spec = findCommandByName(argv[0]);
    if (spec === undefined) {
      this.replyError(client, unknownCommandError(argv, argc));
      return;
    }
    // A container (CONFIG, CLIENT...) named alone is checked against its own arity, as in Redis.
    if (spec.subcommands !== undefined && argc >= 2) {
      const sub = findSubcommand(spec, argv[1].toString('latin1'));
      if (sub === undefined) {
        this.replyError(client, Errors.unknownSubcommand(argv[1].toString(), spec.name));
        return;
      }
      spec = sub;
    }
    if ((spec.arity > 0 && argc !== spec.arity) || argc < -spec.arity) {
      this.reject(client, spec, Errors.wrongArgs(spec.name));
      return;
    }
    if (!client.authenticated && !spec.flags.includes('no-auth')) {
      this.reject(client, spec, Errors.noAuth);
      return;
    }
    client.lastCommand = spec.name;
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
  private keysShard(spec: CommandSpec, argv: Buffer[], argc: number): number {
    const first = spec.firstKey;
    if (first === 0 || first >= argc) return this.localShard;
    const last = spec.lastKey < 0 ? argc + spec.lastKey : Math.min(spec.lastKey, argc - 1);
    const shard = this.shardOfKey(argv[first]);
    for (let i = first + spec.keyStep; i <= last; i += spec.keyStep) {
      if (this.shardOfKey(argv[i]) !== shard) return -1;
    }
    return shard;
  }

  private runLocal(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const waiting = client.hasPending();
    const out = waiting ? this.scratch : client.out;
    out.proto = client.proto;
    this.invoke(spec, argv, argc, out, client.db, client, true);
    if (waiting) this.replyFromScratch(client.reserveReply());
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
    // As Redis before every command: evict while over maxmemory; refuse what needs memory when nothing can be freed.
    if (this.memory.maxmemory !== 0 && this.memory.evict() === EvictionResult.Fail && spec.flags.includes('denyoom')) {
      out.errors = errors;
      out.error(Errors.outOfMemory);
      if (countCall) commandStats.of(spec.name).rejectedCalls++;
      return;
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
    try {
      spec.handler(ctx);
    } catch (error) {
      // A bug in one command answers that command with an error; it never takes the server down.
      out.length = replyStart;
      out.error(internalError(spec.name, error));
    }
    const stat = commandStats.of(spec.name);
    stat.usec += (performance.now() - started) * 1000;
    if (countCall) {
      stat.calls++;
      if (errors.total !== errorsBefore) stat.failedCalls++;
    }
    ctx.client = null;
  }

  private runPlan(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const plan = spec.multiShard;
    if (plan === undefined) throw new Error(`${spec.name} spans shards but has no multi-shard plan`);
    this.server.commandStats.of(spec.name).calls++;
    const slot = client.reserveReply();
    try {
      plan.run(this, client, argv, argc, slot);
    } catch (error) {
      if (slot.data === null) slot.onReply(Buffer.from(`-${internalError(spec.name, error)}\r\n`));
    }
  }

  /** Sends the whole command to the shard that owns its keys; its reply keeps its place in order. */
  private forward(client: Client, shard: number, argv: Buffer[], argc: number): void {
    this.send(shard, client.db, client.proto, 0, argv, argc, client.reserveReply());
  }

  /** Sends a hop (or runs it here when `shard` is ours); the waiter gets the RESP reply. */
  send(shard: number, db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void {
    if (shard === this.localShard) {
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

  /** Runs a command on this thread's shard for a hop (or a local plan part). */
  private execute(db: number, flags: number, argv: Buffer[], argc: number, out: ReplyWriter, client: Client | null): void {
    let spec = flags & HOP_INTERNAL ? findInternalCommand(argv[0].toString('latin1')) : findCommandByName(argv[0]);
    if (spec !== undefined && spec.subcommands !== undefined && argc > 1) spec = findSubcommand(spec, argv[1].toString('latin1'));
    if (spec === undefined) {
      out.error(`ERR unknown command '${argv[0].toString()}'`);
      return;
    }
    this.invoke(spec, argv, argc, out, db, client, (flags & (HOP_INTERNAL | HOP_PART)) === 0);
  }

  /** A command refused before it ran (arity, auth): Redis counts it as a rejected call. */
  private reject(client: Client, spec: CommandSpec, error: string): void {
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

  // --- hops from other threads ---

  onRequest(from: number, requestId: number, db: number, proto: number, flags: number, argv: Buffer[], argc: number): void {
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
    this.flushClients();
    this.hub?.flush();
  }

  /**
   * Socket reads and ring drains end their batch themselves; this catches
   * replies and hops made outside one (a stepwise plan going on after an
   * await), once per microtask run.
   */
  private scheduleEndBatch(): void {
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

function unknownCommandError(argv: Buffer[], argc: number): string {
  let args = '';
  for (let i = 1; i < argc && args.length < 128; i++) args += `'${argv[i].toString().slice(0, 128 - args.length)}' `;
  return `ERR unknown command '${argv[0].toString().slice(0, 128)}', with args beginning with: ${args}`;
}

