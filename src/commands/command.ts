// What every command is: its metadata as data (as Redis's command table) and
// the function that runs it.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { Client } from '../server/client.ts';
import type { ServerContext } from '../server/server-context.ts';
import type { MultiShardPlan } from '../tx/multi-shard.ts';

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

  constructor(store: ShardStore, server: ServerContext) {
    this.store = store;
    this.server = server;
  }
}

export type CommandHandler = (ctx: CommandContext) => void;

/**
 * Where a command runs:
 * - 'client': on the connection's thread, with the client (no keys: PING, SELECT, CLIENT...);
 * - 'keys': on the shard that owns its keys; `multiShard` says how to split it when they span shards;
 * - 'all-shards': on every shard, the replies merged by `multiShard` (DBSIZE, KEYS, FLUSHALL...).
 */
export type Placement = 'client' | 'keys' | 'all-shards';

export interface CommandSpec {
  /** Lowercase name; subcommands are "container|sub". */
  name: string;
  /** Redis arity: exact argument count with the name, or -N for at least N. */
  arity: number;
  flags: readonly string[];
  firstKey: number;
  lastKey: number;
  keyStep: number;
  /** Redis's command group (string, generic, connection, server...). */
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  aclCategories?: readonly string[];
  placement: Placement;
  handler: CommandHandler;
  multiShard?: MultiShardPlan;
  subcommands?: CommandSpec[];
  /** Filled by the registry: the parent's name for subcommands. */
  container?: string;
}

/** Metadata defaults for a command whose keys follow Redis's (first, last, step) key spec. */
export function keysAt(first: number, last: number, step: number): Pick<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep'> {
  return { firstKey: first, lastKey: last, keyStep: step };
}

export const NO_KEYS = { firstKey: 0, lastKey: 0, keyStep: 0 } as const;
