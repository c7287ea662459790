// What a command's multi-shard glue sees of this thread (commands/command.ts
// Coordinator): where keys live and how to reach their shards, the thread's
// store and server state, and the pieces of the server that EXEC reuses.

import type { CommandSpec, CommandTable, Coordinator, ScriptServices } from '../commands/command.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { ReplyWaiter, ShardMap } from '../shard/shard.ts';
import type { Protocol, ReplyWriter } from '../protocol/reply-writer.ts';
import type { ReplyValue } from '../protocol/reply-reader.ts';
import type { Client } from './client.ts';
import type { ServerContext } from './server-context.ts';
import type { Invoker } from './invoker.ts';
import type { MemoryRefusal } from './memory-refusal.ts';
import type { Dispatcher, ThreadParts } from './dispatcher.ts';

export class ThreadCoordinator implements Coordinator {
  readonly server: ServerContext;
  readonly store: ShardStore;
  readonly shardCount: number;
  readonly localShard: number;
  readonly commands: CommandTable;
  readonly scripts: ScriptServices;
  private readonly shards: ShardMap;
  private readonly invoker: Invoker;
  private readonly refusal: MemoryRefusal;
  private readonly dispatcher: Dispatcher;

  constructor(parts: ThreadParts, dispatcher: Dispatcher) {
    this.server = parts.server;
    this.store = parts.store;
    this.shards = parts.shards;
    this.shardCount = parts.shards.shardCount;
    this.localShard = parts.shards.localShard;
    this.commands = parts.commands;
    this.scripts = parts.scripts;
    this.invoker = parts.invoker;
    this.refusal = parts.refusal;
    this.dispatcher = dispatcher;
  }

  shardOfKey(key: Buffer): number {
    return this.shards.shardOfKey(key);
  }

  send(shard: number, db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void {
    this.shards.send(shard, db, proto, flags, argv, argc, waiter);
  }

  call(shard: number, db: number, flags: number, args: Buffer[]): Promise<ReplyValue> {
    return this.shards.call(shard, db, flags, args);
  }

  nextTransactionId(): number {
    return this.server.nextTransactionId();
  }

  refuseForMemory(spec: CommandSpec, out: ReplyWriter): boolean {
    return this.refusal.refuse(spec, out);
  }

  runForClient(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client, clock = 0): void {
    this.invoker.invoke(spec, argv, argc, out, db, client, true, clock);
  }

  releaseHeldCommands(client: Client): void {
    this.dispatcher.releaseHeldCommands(client);
  }
}
