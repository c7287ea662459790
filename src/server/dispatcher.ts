// The entry point for every command a client sends: it finds the command,
// checks arity, auth and (inside MULTI) memory, queues it while in MULTI, and
// routes it: on the client's thread (no keys, or keys of this thread's shard:
// inline, synchronous, the fast path), to the one other shard that owns all
// its keys (one hop), or to its multi-shard plan (plan-runner.ts), gathered
// with the pipelined ones after it when they can run as one transaction
// (squasher.ts).

import { arityAccepts, type CommandSpec, type CommandTable } from '../commands/command.ts';
import { Flag } from '../commands/command-row.ts';
import { commandKeys, keyLockNames, keysShard } from '../commands/routing.ts';
import { callerArg, HOP_CALLER, HOP_INTERNAL } from '../shard/hop-format.ts';
import { EVICT_NOW } from '../commands/memory.ts';
import type { ReplyWaiter } from '../shard/shard.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { ShardMap } from '../shard/shard.ts';
import type { ShardScheduler } from '../tx/shard-scheduler.ts';
import { Errors } from '../protocol/errors.ts';
import { copyArgs } from '../protocol/args.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client, QueuedCommand } from './client.ts';
import type { ServerContext } from './server-context.ts';
import type { Invoker } from './invoker.ts';
import type { MemoryRefusal } from './memory-refusal.ts';
import type { ReplyOrder } from './reply-order.ts';
import type { EndOfBatch } from './end-of-batch.ts';
import { PlanRunner } from './plan-runner.ts';
import { Squasher } from './squasher.ts';
import { BlockedClients } from './blocked-clients.ts';
import { ThreadCoordinator } from './thread-coordinator.ts';
import { ScriptRunner } from './script-runner.ts';
import { BUSY_SCRIPT_ERROR } from '../commands/scripting.ts';
import { KIND_FUNCTION } from '../scripting/running-scripts.ts';
import type { ScriptServices } from '../commands/command.ts';
import { log } from '../util/log.ts';

const QUEUED = Buffer.from('+QUEUED\r\n');
/** The commands that act at once inside MULTI instead of being queued. */
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** What a RESP2 client subscribed to anything may still send. */
const PUBSUB_CONTEXT = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/** The thread's parts the dispatcher and the parts it routes to work with. */
export interface ThreadParts {
  readonly server: ServerContext;
  readonly store: ShardStore;
  readonly commands: CommandTable;
  readonly invoker: Invoker;
  readonly refusal: MemoryRefusal;
  readonly replies: ReplyOrder;
  readonly scheduler: ShardScheduler;
  readonly shards: ShardMap;
  readonly endOfBatch: EndOfBatch;
  /** Serves the clients blocked on keys this thread's writes made ready (tx/blocking-controller.ts); cheap when none are. */
  readonly serveBlocked: () => void;
  /** What scripts need of this thread (server/script-services.ts). */
  readonly scripts: ScriptServices;
}

const EVICT_NOW_ARGS = [Buffer.from(EVICT_NOW)];

export class Dispatcher {
  private readonly server: ServerContext;
  private readonly commands: CommandTable;
  private readonly invoker: Invoker;
  private readonly refusal: MemoryRefusal;
  private readonly replies: ReplyOrder;
  /** The reply order's scratch writer, for the fast path. */
  private readonly scratch: ReplyWriter;
  private readonly scheduler: ShardScheduler;
  private readonly shards: ShardMap;
  private readonly shardCount: number;
  private readonly localShard: number;
  /** What multi-shard plans and EXEC see of this thread. */
  readonly coordinator: ThreadCoordinator;
  private readonly plans: PlanRunner;
  private readonly squasher: Squasher;
  /** This thread's clients blocked in BLPOP, BLMOVE... */
  readonly blocked: BlockedClients;
  private readonly scripts: ScriptRunner;
  private readonly store: ShardStore;
  private readonly serveBlocked: () => void;
  /** The command dispatched again once other shards evicted for it: it does not ask them again. */
  private evictedFor: Buffer[] | null = null;

  constructor(parts: ThreadParts) {
    this.server = parts.server;
    this.commands = parts.commands;
    this.invoker = parts.invoker;
    this.refusal = parts.refusal;
    this.replies = parts.replies;
    this.scratch = parts.replies.scratch;
    this.scheduler = parts.scheduler;
    this.shards = parts.shards;
    this.shardCount = parts.shards.shardCount;
    this.localShard = parts.shards.localShard;
    this.coordinator = new ThreadCoordinator(parts, this);
    this.plans = new PlanRunner(parts, this.coordinator);
    this.squasher = new Squasher(parts, this, this.coordinator);
    this.blocked = new BlockedClients(parts, this.coordinator);
    this.scripts = new ScriptRunner(parts, (client, spec, argv, argc, slot) => this.plans.run(client, spec, argv, argc, slot));
    this.store = parts.store;
    this.serveBlocked = parts.serveBlocked;
    this.server.pause.release = (client) => this.releaseHeldCommands(client);
    this.server.pause.stillHeld = (command) => {
      const spec = this.commands.byName(command[0]);
      return spec !== undefined && this.server.pause.holds((spec.flags & WRITES) !== 0 || spec.name === 'exec' || spec.scriptMayWrite?.(command) === true);
    };
  }

  /** Entry point for one parsed command of a client. `argv` is only valid during the call. */
  dispatch(client: Client, argv: Buffer[], argc: number): void {
    if (client.heldCommands !== null) {
      client.heldCommands.push(copyArgs(argv, 0, argc));
      if (client.blocked !== null) this.limitHeldWhileBlocked(client, argv, argc);
      return;
    }
    let spec = this.commands.byName(argv[0]);
    // A script busy on some thread: only what Redis lets through then (that thread cannot answer hops).
    if (spec !== undefined && this.server.scripts.anyBusy && !this.mayRunWhileBusy(client, spec, argv, argc)) return;
    if (this.refusal.enabled && argv !== this.evictedFor && this.evictElsewhereFirst(client, argv, argc)) return;
    // MSET, MGET, DEL... over several shards start at the end of the read, with whatever follows them in it.
    // (Not for a command whose reply CLIENT REPLY drops: its place in the order is taken now, to be muted.)
    if (spec !== undefined && spec.multiShard !== undefined && !client.muted && this.squasher.gather(client, spec, argv, argc)) return;
    this.server.stats.commandsProcessed++;
    if (spec === undefined) {
      if (client.queued !== null) client.queueFailed = true;
      this.replies.error(client, unknownCommandError(argv, argc), 'latin1');
      return;
    }
    // A container (CONFIG, CLIENT...) named alone is checked against its own arity, as in Redis.
    if (spec.subcommands !== undefined && argc >= 2) {
      const sub = this.commands.subcommand(spec, argv[1].toString('latin1'));
      if (sub === undefined) {
        if (client.queued !== null) client.queueFailed = true;
        this.replies.error(client, Errors.unknownSubcommand(argv[1].toString('latin1'), spec.name), 'latin1');
        return;
      }
      spec = sub;
    }
    if (!arityAccepts(spec, argc)) {
      this.reject(client, spec, Errors.wrongArgs(spec.name));
      return;
    }
    if (!client.authenticated && (spec.flags & Flag.NoAuth) === 0) {
      this.reject(client, spec, Errors.noAuth);
      return;
    }
    client.lastCommand = spec.name;
    if (this.server.tracking.here) this.server.tracking.enforceLimit();
    if (client.subscriptions !== null && client.proto === 2 && !PUBSUB_CONTEXT.has(spec.name)) {
      this.reject(client, spec, `ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
      return;
    }
    // CLIENT PAUSE: the client waits, this command first (MONITOR sees it when it runs).
    if (this.server.pause.holds(writesOrReplicates(spec, client, argv))) {
      this.server.pause.hold(client, copyArgs(argv, 0, argc));
      return;
    }
    // Scripts are skip-monitor for their calls' sake, but are shown themselves, before what they call (as Redis's evalCommand).
    // A monitor's own RESET is not shown to it: Redis feeds monitors once a command ran, and RESET ended its MONITOR.
    if (((spec.flags & (Flag.SkipMonitor | Flag.Admin)) === 0 || spec.script === true) && this.server.pubsub.monitored) {
      this.server.pubsub.feedMonitors(client.db, client.addr, argv, argc, spec.name === 'reset' ? client : null);
    }
    // A failed AOF write, or (stop-writes-on-bgsave-error, save points set) a failed save: writes and PING are refused, as Redis.
    if (this.server.saveStatus.troubled) {
      const refusal = this.diskRefusal(client, spec);
      if (refusal !== null) {
        this.reject(client, spec, refusal);
        return;
      }
    }
    if (client.queued !== null && this.refusal.refusesInMulti(client, spec)) {
      this.reject(client, spec, Errors.outOfMemory);
      return;
    }
    if (client.queued !== null && !TRANSACTION_CONTROL.has(spec.name)) {
      this.queueCommand(client, spec, argv, argc);
      return;
    }
    if (client.tracking !== null) this.trackReads(client, spec, argv, argc);
    if (spec.blocking !== undefined && (spec.blocking.blocks === undefined || spec.blocking.blocks(argv, argc))) {
      this.blocked.start(client, spec, argv, argc);
      return;
    }
    if (spec.script === true) {
      this.scripts.run(client, spec, argv, argc);
      return;
    }
    if (spec.placement === 'all-shards') {
      this.plans.run(client, spec, argv, argc);
      return;
    }
    if (spec.placement === 'client' || this.shardCount === 1) {
      this.runLocal(client, spec, argv, argc);
      return;
    }
    const shard = keysShard(this.shards, spec, argv, argc);
    if (shard === this.localShard) this.runLocal(client, spec, argv, argc);
    else if (shard >= 0) this.forward(client, shard, argv, argc);
    else this.plans.run(client, spec, argv, argc);
  }

  /**
   * Over maxmemory with nothing to evict on this thread's shard (a volatile
   * policy, no key here with a TTL): the shards that have keys to evict
   * evict now, and the command, with the client's next ones, waits for them,
   * as Redis evicts before every command. Each is asked twice: the second
   * reply comes behind what the shard sent at the end of the first one's
   * batch, the invalidations of what it evicted, so they reach the client
   * before the command's reply. False when there is nobody to ask.
   */
  private evictElsewhereFirst(client: Client, argv: Buffer[], argc: number): boolean {
    const peers = this.refusal.peersToEvictFirst();
    if (peers.length === 0) return false;
    const command = copyArgs(argv, 0, argc);
    client.heldCommands = [command];
    let remaining = peers.length;
    let asked = 1;
    const evicted: ReplyWaiter = {
      onReply: () => {
        if (--remaining !== 0) return;
        if (asked++ === 1) {
          remaining = peers.length;
          for (const shard of peers) this.shards.send(shard, 0, 2, HOP_INTERNAL, EVICT_NOW_ARGS, 1, evicted);
          return;
        }
        this.evictedFor = command;
        try {
          this.releaseHeldCommands(client);
        } finally {
          this.evictedFor = null;
        }
      },
    };
    for (const shard of peers) this.shards.send(shard, 0, 2, HOP_INTERNAL, EVICT_NOW_ARGS, 1, evicted);
    return true;
  }

  /**
   * While a script is busy: what is flagged allow-busy runs, SHUTDOWN NOSAVE
   * stops the server at once, and anything else is answered BUSY. False
   * when the command was answered here.
   */
  private mayRunWhileBusy(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): boolean {
    if (spec.name === 'shutdown') {
      // Its steps would wait for the busy thread: NOSAVE stops the server at once, without them.
      if (argc >= 2 && argv[1].toString('latin1').toLowerCase() === 'nosave') this.server.requestShutdown();
      else this.replies.error(client, BUSY_SCRIPT_ERROR);
      return false;
    }
    const sub = spec.subcommands !== undefined && argc >= 2 ? this.commands.subcommand(spec, argv[1].toString('latin1')) : undefined;
    if (((sub ?? spec).flags & Flag.AllowBusy) !== 0) return true;
    const kind = this.server.scripts.busyKind();
    if (kind === 0) return true;
    this.replies.error(client, `BUSY Redis is busy running a script. You can only call ${kind === KIND_FUNCTION ? 'FUNCTION' : 'SCRIPT'} KILL or SHUTDOWN NOSAVE.`);
    return false;
  }

  /**
   * A blocked client's commands wait in memory for as long as it is blocked:
   * past client-query-buffer-limit of them it is closed, as Redis closes a
   * client whose query buffer grows past it.
   */
  private limitHeldWhileBlocked(client: Client, argv: Buffer[], argc: number): void {
    for (let i = 0; i < argc; i++) client.heldBytes += argv[i].length;
    if (client.heldBytes <= this.server.parserLimits.maxQueryBuffer) return;
    log('warning', `Closing client that reached max query buffer length while blocked: id=${client.id} addr=${client.addr}`);
    client.kill();
  }

  /** Runs a command by its multi-shard plan (the squasher's single commands come here too). */
  runPlan(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    this.plans.run(client, spec, argv, argc);
  }

  /** Dispatches the commands held back while the client's transaction was being scheduled. */
  /** Redis's writeCommandsDeniedByDiskError, for a write (or PING): the MISCONF answer, or null. */
  private diskRefusal(client: Client, spec: CommandSpec): string | null {
    const writes = spec.name === 'ping' || (spec.flags & Flag.Write) !== 0
      || (spec.name === 'exec' && client.queued !== null && client.queued.some((command) => (command.spec.flags & Flag.Write) !== 0));
    if (!writes) return null;
    const status = this.server.saveStatus;
    const config = this.server.config;
    if (!status.lastOk && config.get('stop-writes-on-bgsave-error') === 'yes' && config.get('save') !== '') return Errors.rdbSaveFailed;
    const aofError = status.aofWriteError();
    return aofError === null ? null : `MISCONF Errors writing to the AOF file: ${aofError}`;
  }

  /** A command the server gives itself, with no client (a save point's BGSAVE); resolves with its reply. */
  runByServer(argv: Buffer[]): Promise<Buffer> {
    const spec = this.commands.byName(argv[0]);
    if (spec === undefined || spec.multiShard === undefined || spec.multiShard.atomic !== true) throw new Error(`${argv[0].toString()} is not a command the server runs by itself`);
    return this.plans.runByServer(spec, spec.multiShard, argv);
  }

  releaseHeldCommands(client: Client): void {
    this.squasher.releaseHeldCommands(client);
  }

  private runLocal(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    // The fast path's one check: no key of this shard is locked.
    if (this.scheduler.locks.queue.length !== 0 && (spec.firstKey !== 0 || spec.keywordKeys === true) && this.runLocalBehindLocks(client, spec, argv, argc)) return;
    // ReplyOrder.writerFor and done, inline.
    const waiting = client.hasPending();
    const out = waiting ? this.scratch : client.out;
    out.proto = client.proto;
    this.invoker.invoke(spec, argv, argc, out, client.db, client, true);
    if (waiting) this.replies.fromScratch(client.reserveReply());
    if (this.store.blocked.hasReady) this.serveBlocked();
  }

  /**
   * A command on this thread's shard whose keys are locked: it runs once they
   * are free; false when they are free now. The client's next commands wait
   * for it, so that none overtakes it (a keyless one would not wait at all).
   */
  private runLocalBehindLocks(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): boolean {
    const keys = keyLockNames(spec, argv, argc);
    if (!this.scheduler.locks.mustWait(keys)) return false;
    const args = copyArgs(argv, 0, argc);
    const slot = client.reserveReply();
    const db = client.db;
    client.heldCommands = [];
    this.scheduler.runWhenFree(keys, false, () => {
      const out = this.scratch;
      out.proto = client.proto;
      this.invoker.invoke(spec, args, argc, out, db, client, true);
      this.replies.fromScratch(slot);
      this.releaseHeldCommands(client);
    });
    return true;
  }

  /** Sends the whole command to the shard that owns its keys; its reply keeps its place in order. */
  private forward(client: Client, shard: number, argv: Buffer[], argc: number): void {
    if (client.tracking !== null) {
      // Named, for NOLOOP and for a script's reads (server/tracking.ts).
      const args = argv.slice(0, argc);
      args.push(callerArg(client.id, this.server.threadIndex));
      this.shards.send(shard, client.db, client.proto, HOP_CALLER, args, argc + 1, client.reserveReply());
      return;
    }
    this.shards.send(shard, client.db, client.proto, 0, argv, argc, client.reserveReply());
  }

  /**
   * CLIENT TRACKING: a read-only command's keys (each read-only command's of
   * an EXEC) are remembered for the client before it runs, so a change on
   * any shard after it ran is invalidated. CLIENT CACHING lasts for the
   * next command or transaction.
   */
  private trackReads(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const tracking = this.server.tracking;
    const state = client.tracking as NonNullable<Client['tracking']>;
    if (!state.bcast) {
      if (spec.name === 'exec') {
        // A key the transaction writes, then reads: tracked, its own writes not invalidated (tracking.ts).
        const written = new Map<string, number>();
        for (const queued of client.queued ?? []) {
          const keys = commandKeys(queued.spec, queued.argv, queued.argv.length);
          if (tracksReadsOf(queued.spec)) {
            tracking.remember(client, keys);
            for (const key of keys) {
              const name = key.toString('latin1');
              const writes = written.get(name) ?? 0;
              if (writes !== 0) state.ownWritesBeforeRead.set(name, writes);
            }
          }
          if ((queued.spec.flags & Flag.Write) !== 0) for (const key of keys) written.set(key.toString('latin1'), (written.get(key.toString('latin1')) ?? 0) + 1);
        }
      } else if (tracksReadsOf(spec)) {
        tracking.remember(client, commandKeys(spec, argv, argc));
      }
    }
    if (spec.name !== 'multi' && !spec.name.startsWith('client|')) state.caching = false;
  }

  /** MULTI: the command waits for EXEC (a copy of it), unless it may not run in a transaction. */
  private queueCommand(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    if ((spec.flags & Flag.NoMulti) !== 0) {
      this.reject(client, spec, 'ERR Command not allowed inside a transaction');
      return;
    }
    // After a refused command EXEC can only abort: nothing more is kept.
    if (!client.queueFailed) (client.queued as QueuedCommand[]).push({ spec, argv: copyArgs(argv, 0, argc) });
    client.reply(QUEUED);
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
    this.replies.error(client, error);
  }
}

const WRITES = Flag.Write | Flag.MayReplicate;

/** The read-only scripts are tracked by the reads they run, not their own keys. */
const UNTRACKED_READS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

/** A command whose keys a tracking client caches: read-only, not a script's RO form, not a shard channel's. */
function tracksReadsOf(spec: CommandSpec): boolean {
  return (spec.flags & (Flag.Readonly | Flag.Pubsub)) === Flag.Readonly && !UNTRACKED_READS.has(spec.name);
}

/** What CLIENT PAUSE WRITE holds: a write, or what may replicate (a script that may write); EXEC of a transaction with one. */
function writesOrReplicates(spec: CommandSpec, client: Client, argv: readonly Buffer[]): boolean {
  if ((spec.flags & WRITES) !== 0) return true;
  if (spec.scriptMayWrite !== undefined) return spec.scriptMayWrite(argv);
  return spec.name === 'exec' && client.queued !== null && client.queued.some((command) => (command.spec.flags & WRITES) !== 0 || command.spec.scriptMayWrite?.(command.argv) === true);
}

/** Redis's words for an unknown command, in latin1 (its bytes as they came): each argument cut at a NUL, as its %.*s does, the whole at 128 bytes. */
function unknownCommandError(argv: Buffer[], argc: number): string {
  let args = '';
  for (let i = 1; i < argc && args.length < 128; i++) args += `'${cString(argv[i], 128 - args.length)}' `;
  return `ERR unknown command '${cString(argv[0], 128)}', with args beginning with: ${args}`;
}

/** At most `max` bytes of `bytes`, up to its first NUL, one character per byte. */
function cString(bytes: Buffer, max: number): string {
  const nul = bytes.indexOf(0);
  const end = Math.min(nul < 0 ? bytes.length : nul, max);
  return bytes.toString('latin1', 0, end);
}
