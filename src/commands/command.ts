// What every command is as dispatch runs it: its table row (command-row.ts,
// the rows in table/) bound to the handler and plan its family names, and the
// context a handler runs with.

import type { Protocol, ReplyWriter } from '../protocol/reply-writer.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { Client } from '../server/client.ts';
import type { ServerContext } from '../server/server-context.ts';
import type { AtomicPlan, PlanCoordinator } from '../tx/multi-shard.ts';
import type { Transaction, TransactionCoordinator } from '../tx/scheduler.ts';
import type { ReplyWaiter, Shards } from '../shard/shard.ts';
import type { BatchCommand } from '../shard/hop-format.ts';
import type { MemoryBudget } from '../store/eviction.ts';
import { Flag, type KeySpec, type Placement } from './command-row.ts';
import type { ScriptPlan, StepRequest } from './shard-ops.ts';
import type { RunningScripts } from '../scripting/running-scripts.ts';

/** Everything a command reads and writes while it runs. One instance per thread, reused. */
export class CommandContext {
  argv: Buffer[] = [];
  argc = 0;
  out!: ReplyWriter;
  db = 0;
  now = 0;
  /** The calling client: set when the command runs on the client's own thread, null on a remote shard. */
  client: Client | null = null;
  readonly store: ShardStore;
  readonly server: ServerContext;
  /** This shard's side of the maxmemory budget (INFO memory, MEMORY). */
  readonly memory: MemoryBudget;
  /** The command table (COMMAND reads it). */
  readonly commands: CommandTable;
  /** What a script's redis.call needs of this thread (set by the server layer). */
  scripts!: ScriptServices;

  constructor(store: ShardStore, server: ServerContext, memory: MemoryBudget, commands: CommandTable) {
    this.store = store;
    this.server = server;
    this.memory = memory;
    this.commands = commands;
  }
}

/** What a running script's calls need of the thread it runs on (the server layer implements it). */
export interface ScriptServices {
  readonly shards: Shards;
  /**
   * Runs a command here, from inside the running script's handler, at `clock` (ms); `allowOom`: never refused for
   * memory (a script flagged allow-oom); `tx`: the transaction the script runs in, over every shard (its caller,
   * Transaction.caller, is the client the writes are of; the journal puts them in its block).
   */
  runNested(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client | null, clock: number, allowOom?: boolean, tx?: Transaction | null): void;
  /** Whether a write would be refused for memory now: a script with flags that may write is refused whole then, as Redis. */
  outOfMemory(): boolean;
  /** Whether writes are refused for want of good replicas (min-replicas-to-write): a script with flags that may write is refused whole then. */
  noGoodReplicas(): boolean;
  /** Counts a call a script made that ran without the invoker (SELECT), in commandstats. */
  countCall(spec: CommandSpec, failed: boolean): void;
  /** Counts a call a script made that was refused before it ran: its error, and a rejected call of `spec` (undefined: no such command). */
  countRejected(spec: CommandSpec | undefined, message: string): void;
  /** Whether a script running inline may run this command's keys here now: no transaction holds them. */
  mayTouchHere(spec: CommandSpec, argv: Buffer[], argc: number): boolean;
  /** Inside transaction `tx`: runs one command on another shard, waiting here for its RESP reply. */
  callOnShard(tx: Transaction, shard: number, command: BatchCommand): Buffer;
  /** What glue run from a script sees of this thread (shard-ops.ts StepRequest). */
  stepRequest(args: Buffer[], db: number, out: ReplyWriter): StepRequest;
  /** Every thread's running script (busy, killed), and this thread's busy-reply-threshold in ms. */
  readonly running: RunningScripts;
  /** The script called a read-only command: its declared keys are tracked for a tracking caller (CLIENT TRACKING). */
  noteRead(): void;
  /** A command the script calls, to the MONITOR clients of every thread (as Redis's `[db lua]` lines). */
  feedMonitors(db: number, argv: readonly Buffer[], argc: number): void;
  busyThresholdMs(): number;
  /** While this thread's script is busy: answers what this thread's other clients sent (BUSY, or the commands allowed then). */
  serveWhileBusy(): void;
}

export type CommandHandler = (ctx: CommandContext) => void;

/**
 * The thread coordinating a command over shards, as the command's glue sees
 * it (step plans, atomic bodies typed with it, EXEC): its shards, store and
 * server state, and the pieces of the server EXEC reuses. The server layer
 * implements it (server/thread-coordinator.ts).
 */
export interface Coordinator extends TransactionCoordinator, PlanCoordinator {
  readonly server: ServerContext;
  /** The command table, and what scripts run by a plan need of this thread. */
  readonly commands: CommandTable;
  readonly scripts: ScriptServices;
  /** The OOM refusal, as Redis before every command: true, with the error written to `out` and counted, when `spec` may not run. */
  refuseForMemory(spec: CommandSpec, out: ReplyWriter): boolean;
  /** Runs a command here, with its client (EXEC's commands without keys), at `clock` (ms) when not 0. */
  runForClient(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client, clock?: number): void;
  /** Dispatches the commands held back while the client's transaction was being scheduled (Client.heldCommands). */
  releaseHeldCommands(client: Client): void;
}

/** A plan of plain hops, not atomic (INFO, CLIENT LIST, CLIENT KILL...; see step-plans.ts). */
export interface StepPlan {
  readonly atomic?: false;
  /**
   * The plan keeps the client's earlier and later commands in order itself
   * (EXEC, WATCH). Otherwise it starts once the earlier ones have answered,
   * and the later ones wait for its reply: plain hops wait behind no lock.
   */
  readonly ordersCommands?: true;
  /**
   * Runs the command in database `db`, replying in protocol `proto` (the
   * client's own, or, inside EXEC, those a queued SELECT or HELLO left); its
   * reply goes to `slot`. `argv` is only valid during the call.
   */
  run(coordinator: Coordinator, client: Client, argv: Buffer[], argc: number, slot: ReplyWaiter, db: number, proto: Protocol): void;
}

/** How a command whose keys span shards (or that runs on every shard) is split and merged. */
export type MultiShardPlan = StepPlan | AtomicPlan<Coordinator>;

/** A command as dispatch sees it: its table row (command-row.ts), derived for speed, and its family's binding. */
export interface CommandSpec {
  /** Lowercase name; subcommands are "container|sub". */
  name: string;
  arity: number;
  /** The row's flags as a bit set (Flag). */
  flags: number;
  /** The legacy key range (derived from keySpecs): where routing and locking find the keys. */
  firstKey: number;
  lastKey: number;
  keyStep: number;
  /**
   * For a command whose key count is an argument (SINTERCARD numkeys key...):
   * that argument's index. Its keys are then the count's worth from firstKey
   * (lastKey is ignored), and COMMAND INFO shows 0 0 0 as Redis does for
   * movable keys.
   */
  numKeysAt?: number;
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  aclCategories?: readonly string[];
  tips?: readonly string[];
  keySpecs: readonly KeySpec[];
  placement: Placement;
  handler: CommandHandler;
  multiShard?: MultiShardPlan;
  /** A blocking command (BLPOP...): how it waits when nothing is there for it. */
  blocking?: BlockingSpec;
  /** EVAL and its kin: routed by the script runner (server/script-runner.ts), which may run it again over every shard. */
  script?: boolean;
  /** A script command: whether the script it names may write (no `no-writes` flag, not an _RO form): CLIENT PAUSE WRITE holds it then, as Redis. */
  scriptMayWrite?: (argv: readonly Buffer[]) => boolean;
  /** How a script holding every shard runs it when its keys span shards (its glue's ops, synchronously). */
  inScript?: ScriptPlan;
  /** Some of its keys follow a keyword (GEORADIUS ... STORE key): routing and locking look for them too. */
  keywordKeys?: boolean;
  /** COMMAND GETKEYS for keys its key specs cannot find (SORT's STORE), as Redis's getkeys_proc. */
  findKeys?: KeyFinder;
  subcommands?: CommandSpec[];
  /** Filled by the registry: the parent's name for subcommands. */
  container?: string;
}

/** What a family binds to a row: the handler (run where the keys are), and the plan for when they span shards or it runs on every shard. */
export interface Glue {
  handler: CommandHandler;
  multiShard?: MultiShardPlan;
  blocking?: BlockingSpec;
  findKeys?: KeyFinder;
  /** See CommandSpec.script. */
  script?: boolean;
  /** See CommandSpec.scriptMayWrite. */
  scriptMayWrite?: (argv: readonly Buffer[]) => boolean;
  /** See CommandSpec.inScript. */
  inScript?: ScriptPlan;
}

/** The keys of a command's arguments (the name first): their positions and key-spec flags. */
export type KeyFinder = (args: readonly Buffer[]) => { position: number; flags: readonly string[] }[];

/**
 * How a blocking command (BLPOP, BLMOVE, BZPOPMIN...) waits. Its handler and
 * plan are what it does when it does not wait: inside MULTI or a script, and
 * once one of its keys holds something (commands/blocking.ts tells the rest).
 */
export interface BlockingSpec {
  /** Checks the arguments as the command does before it looks at a key: the timeout in ms (0: none), or the error to reply. */
  parse(argv: readonly Buffer[], argc: number): number | string;
  /** The keys it waits on, in order. */
  keys(argv: readonly Buffer[], argc: number): Buffer[];
  /** The value type (ValueType) a key must hold to serve it. */
  valueType: number;
  /** The command that serves it from `key` alone, once `key` holds such a value. */
  serveArgs(argv: readonly Buffer[], key: Buffer): Buffer[];
  /** Keys besides the one it is served from that the serving shard must own (BLMOVE's destination). */
  alsoTouches?(argv: readonly Buffer[]): Buffer[];
  /** Its reply on timeout: a null array (BLPOP) or a null bulk string (BLMOVE). */
  timeoutReply: 'null-array' | 'null-bulk';
  /** Whether this call may block at all (XREAD only with BLOCK); absent: always. */
  blocks?(argv: readonly Buffer[], argc: number): boolean;
  /** Whether `key`, holding a value of valueType, can serve the command now (XREAD: entries after the client's id); absent: it can. */
  ready?: KeyReadiness;
  /** The command as a shard registers it, over that shard's `keys` (XREAD's `$` becomes the stream's last id there). */
  registerArgs?(store: ShardStore, db: number, keys: readonly Buffer[], argv: readonly Buffer[], now: number): Buffer[];
  /** A missing key makes it run at once rather than wait (XREADGROUP: its reply is NOGROUP). */
  missingServes?: boolean;
  /** The error its waiters get when a key they wait on is deleted or replaced by another type (XREADGROUP); absent: they wait on. */
  goneReply?: string;
}

/** Whether `key` (of the right type) can serve the blocked command `argv` now. */
export type KeyReadiness = (store: ShardStore, db: number, key: Buffer, argv: readonly Buffer[], now: number) => boolean;

/** A family's bindings, by command name ("container|sub" for a subcommand): a handler alone, or a handler with its plan. */
export type Bindings = Readonly<Record<string, CommandHandler | Glue>>;

/**
 * The command table's lookups. The registry builds it and the server hands it
 * to whoever dispatches, so that nothing the table contains imports the table
 * (a runtime cycle).
 */
export interface CommandTable {
  /** Every command, in the registry's order. */
  readonly all: readonly CommandSpec[];
  /** The command named by a request's first argument, in any case. */
  byName(name: Uint8Array): CommandSpec | undefined;
  /** The subcommand `name` of a container command (CLIENT, CONFIG...), in any case. */
  subcommand(spec: CommandSpec, name: string): CommandSpec | undefined;
  /** A command only threads send each other. */
  internal(name: string): CommandSpec | undefined;
}

/** Whether `argc` arguments (the name included) fit the command's arity. */
export function arityAccepts(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity;
}

export const NO_KEYS = { firstKey: 0, lastKey: 0, keyStep: 0, keySpecs: [] as readonly KeySpec[] } as const;

/**
 * A command only threads send each other (a shard's op, a watch hop): never
 * listed, never found by a client. With `firstKey`, its arguments from there
 * on are keys, and it queues behind the locks on them.
 */
export function internalSpec(name: string, arity: number, summary: string, handler: CommandHandler, firstKey = 0): CommandSpec {
  const keys = firstKey === 0 ? NO_KEYS : { firstKey, lastKey: -1, keyStep: 1, keySpecs: [] };
  return { name, arity, flags: Flag.Internal, ...keys, group: 'internal', since: '', summary, placement: 'keys', handler };
}
