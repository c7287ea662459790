// What every command is: its metadata as data (as Redis's command table) and
// the function that runs it.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { Client } from '../server/client.ts';
import type { ServerContext } from '../server/server-context.ts';
import type { AtomicPlan, PlanCoordinator } from '../tx/multi-shard.ts';
import type { TransactionCoordinator } from '../tx/scheduler.ts';
import type { ReplyWaiter } from '../shard/shard.ts';
import type { MemoryBudget } from '../store/eviction.ts';

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

  constructor(store: ShardStore, server: ServerContext, memory: MemoryBudget, commands: CommandTable) {
    this.store = store;
    this.server = server;
    this.memory = memory;
    this.commands = commands;
  }
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
  /** The OOM refusal, as Redis before every command: true, with the error written to `out` and counted, when `spec` may not run. */
  refuseForMemory(spec: CommandSpec, out: ReplyWriter): boolean;
  /** Runs a command here, with its client (EXEC's commands without keys). */
  runForClient(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client): void;
  /** Dispatches the commands held back while the client's transaction was being scheduled (Client.heldCommands). */
  releaseHeldCommands(client: Client): void;
}

/** A plan of plain hops, not atomic (INFO, CLIENT LIST, SCAN...; see step-plans.ts). */
export interface StepPlan {
  readonly atomic?: false;
  /** Runs the command; its reply goes to `slot`. `argv` is only valid during the call. */
  run(coordinator: Coordinator, client: Client, argv: Buffer[], argc: number, slot: ReplyWaiter): void;
}

/** How a command whose keys span shards (or that runs on every shard) is split and merged. */
export type MultiShardPlan = StepPlan | AtomicPlan<Coordinator>;

/**
 * Where a command runs:
 * - 'client': on the connection's thread, with the client (no keys: PING, SELECT, CLIENT...);
 * - 'keys': on the shard that owns its keys; `multiShard` says how to split it when they span shards;
 * - 'all-shards': on every shard, the replies merged by `multiShard` (DBSIZE, KEYS, FLUSHALL...).
 */
export type Placement = 'client' | 'keys' | 'all-shards';

/** Where a key spec starts looking for keys: at an argument index, or after a keyword searched from `startFrom` (negative: backwards from the end). */
export type BeginSearch = readonly ['index', number] | readonly ['keyword', string, number];
/** How the keys follow the start: a range (lastKey relative to the start or negative from the end, step, limit), or a count argument (its index, the first key after it, step). */
export type FindKeys = readonly ['range', number, number, number] | readonly ['keynum', number, number, number];

/** One of Redis 7.0's key specs: which arguments are keys, and what the command does with them. */
export interface KeySpec {
  /** Access (RO, RW, OW, RM) and what happens to the value (access, update, insert, delete), plus not_key/incomplete/variable_flags. */
  flags: readonly string[];
  begin: BeginSearch;
  find: FindKeys;
}

export interface CommandSpec {
  /** Lowercase name; subcommands are "container|sub". */
  name: string;
  /** Redis arity: exact argument count with the name, or -N for at least N. */
  arity: number;
  flags: readonly string[];
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
  /** Redis's command group (string, generic, connection, server...). */
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  /** ACL categories stated for the command; the ones its flags imply (read, write, fast, slow...) are added by COMMAND. */
  aclCategories?: readonly string[];
  /** Redis's command tips (nondeterministic_output...), as COMMAND INFO lists them. */
  tips?: readonly string[];
  /** Key-spec flags of the one key spec that firstKey/lastKey/keyStep describe. */
  keyFlags?: readonly string[];
  /** The key specs, for commands whose keys are not one range with the same flags (RENAME, COPY). */
  keySpecs?: readonly KeySpec[];
  placement: Placement;
  handler: CommandHandler;
  multiShard?: MultiShardPlan;
  subcommands?: CommandSpec[];
  /** Filled by the registry: the parent's name for subcommands. */
  container?: string;
}

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

export type KeyPositions = Pick<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep'>;

/** Metadata defaults for a command whose keys follow Redis's (first, last, step) key spec. */
export function keysAt(first: number, last: number, step: number): KeyPositions {
  return { firstKey: first, lastKey: last, keyStep: step };
}

/** One row of a data family's table; the family supplies its group and ACL category. */
export interface KeyCommandDefinition {
  name: string;
  arity: number;
  flags: readonly string[];
  keys: KeyPositions;
  /** What the command does with its keys, when one key spec covers them all. */
  keyFlags?: readonly string[];
  /** The key specs, when its keys are used differently (RENAME, COPY). */
  keySpecs?: readonly KeySpec[];
  /** The index of the key count argument, for keys counted by an argument (see CommandSpec). */
  numKeysAt?: number;
  summary: string;
  since: string;
  tips?: readonly string[];
  handler: CommandHandler;
  multiShard?: MultiShardPlan;
}

/** The row-to-spec function of a family of commands that run where their keys live. */
export function keyCommandFamily(group: string, aclCategories: readonly string[]): (definition: KeyCommandDefinition) => CommandSpec {
  return (d) => ({
    name: d.name,
    arity: d.arity,
    flags: d.flags,
    ...d.keys,
    keyFlags: d.keyFlags,
    keySpecs: d.keySpecs,
    numKeysAt: d.numKeysAt,
    tips: d.tips,
    aclCategories,
    group,
    since: d.since,
    summary: d.summary,
    placement: 'keys',
    handler: d.handler,
    multiShard: d.multiShard,
  });
}

export const NO_KEYS = { firstKey: 0, lastKey: 0, keyStep: 0 } as const;

/** The command's key specs: the explicit ones, or the one its key range and keyFlags make. */
export function keySpecsOf(spec: CommandSpec): readonly KeySpec[] {
  if (spec.keySpecs !== undefined) return spec.keySpecs;
  if (spec.firstKey === 0) return [];
  const lastKey = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
  return [{ flags: spec.keyFlags ?? [], begin: ['index', spec.firstKey], find: ['range', lastKey, spec.keyStep, 0] }];
}
