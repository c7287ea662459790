// Where EVAL, EVALSHA and FCALL run (commands/scripting.ts tells why): inline on
// the shard that owns their declared keys when the script was seen to keep to
// it, else as a transaction over every shard. An inline run that reached another shard before it wrote comes back
// as STRAYED_REPLY and runs again as a transaction; the script is remembered.

import type { CommandSpec } from '../commands/command.ts';
import { keysShard } from '../commands/routing.ts';
import { noteScriptStrays, scriptIdentity, scriptStays, STRAYED_REPLY } from '../commands/scripting.ts';
import type { ReplyWaiter, ShardMap } from '../shard/shard.ts';
import { callerArg, HOP_CALLER } from '../shard/hop-format.ts';
import type { ShardScheduler } from '../tx/shard-scheduler.ts';
import { copyArgs } from '../protocol/args.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client, PendingReply } from './client.ts';
import type { Invoker } from './invoker.ts';
import type { ReplyOrder } from './reply-order.ts';
import type { ThreadParts } from './dispatcher.ts';

function isStrayed(reply: Uint8Array): boolean {
  return reply.length === STRAYED_REPLY.length && STRAYED_REPLY.equals(reply);
}

/** A forwarded script's reply: kept, or, if it strayed, the script runs again as a transaction. */
class StrayCatcher implements ReplyWaiter {
  private readonly runner: ScriptRunner;
  private readonly client: Client;
  private readonly spec: CommandSpec;
  private readonly args: Buffer[];
  private readonly slot: PendingReply;

  constructor(runner: ScriptRunner, client: Client, spec: CommandSpec, args: Buffer[], slot: PendingReply) {
    this.runner = runner;
    this.client = client;
    this.spec = spec;
    this.args = args;
    this.slot = slot;
  }

  onReply(reply: Buffer): void {
    if (!isStrayed(reply)) {
      this.slot.onReply(reply);
      return;
    }
    noteScriptStrays(scriptIdentity(this.spec, this.args));
    this.runner.runOverEveryShard(this.client, this.spec, this.args, this.args.length, this.slot);
  }
}

export class ScriptRunner {
  private readonly shards: ShardMap;
  private readonly scheduler: ShardScheduler;
  private readonly invoker: Invoker;
  private readonly replies: ReplyOrder;
  private readonly out = new ReplyWriter(1024);
  private readonly runPlan: (client: Client, spec: CommandSpec, argv: Buffer[], argc: number, slot?: PendingReply) => void;

  constructor(parts: ThreadParts, runPlan: (client: Client, spec: CommandSpec, argv: Buffer[], argc: number, slot?: PendingReply) => void) {
    this.shards = parts.shards;
    this.scheduler = parts.scheduler;
    this.invoker = parts.invoker;
    this.replies = parts.replies;
    this.runPlan = runPlan;
  }

  run(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const shard = this.shards.shardCount === 1 ? 0 : keysShard(this.shards, spec, argv, argc);
    if (shard < 0 || (this.shards.shardCount > 1 && !scriptStays(scriptIdentity(spec, argv)))) {
      this.runPlan(client, spec, argv, argc);
      return;
    }
    if (shard !== this.shards.localShard) {
      const args = copyArgs(argv, 0, argc);
      const catcher = new StrayCatcher(this, client, spec, args, client.reserveReply());
      // A tracking client is named: the keys of a script that reads are tracked for it (server/tracking.ts).
      if (client.tracking === null) this.shards.send(shard, client.db, client.proto, 0, args, argc, catcher);
      else this.shards.send(shard, client.db, client.proto, HOP_CALLER, [...args, callerArg(client.id, this.shards.localShard)], argc + 1, catcher);
      return;
    }
    // Behind a transaction (on its keys, or one holding the whole shard): it waits in the transaction's queue.
    if (this.scheduler.locks.queue.length !== 0) {
      this.runPlan(client, spec, argv, argc);
      return;
    }
    const out = this.out;
    out.reset();
    out.proto = client.proto;
    this.invoker.invoke(spec, argv, argc, out, client.db, client, true);
    const reply = out.buffer.subarray(0, out.length);
    if (isStrayed(reply)) {
      noteScriptStrays(scriptIdentity(spec, argv));
      this.runPlan(client, spec, argv, argc);
      return;
    }
    const target = this.replies.writerFor(client);
    target.raw(reply);
    this.replies.done(client, target);
    out.shrink();
  }

  runOverEveryShard(client: Client, spec: CommandSpec, argv: Buffer[], argc: number, slot: PendingReply): void {
    this.runPlan(client, spec, argv, argc, slot);
  }
}
