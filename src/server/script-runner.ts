// Where EVAL and EVALSHA run (commands/scripting.ts tells why): inline on
// the shard that owns their declared keys when the script was seen to keep to
// it, else as a transaction over every shard. An inline run that reached another shard before it wrote comes back
// as STRAYED_REPLY and runs again as a transaction; the script is remembered.

import type { CommandSpec } from '../commands/command.ts';
import { keysShard } from '../commands/routing.ts';
import { noteScriptStrays, scriptStays, STRAYED_REPLY } from '../commands/scripting.ts';
import { sha1hex } from '../scripting/lua-vm.ts';
import type { ReplyWaiter, ShardMap } from '../shard/shard.ts';
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

/** The SHA1 a script call names: EVALSHA's argument, or EVAL's body's digest. */
function shaOf(spec: CommandSpec, argv: Buffer[]): string {
  return spec.name.startsWith('evalsha') ? argv[1].toString('latin1').toLowerCase() : sha1hex(argv[1]);
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
    noteScriptStrays(shaOf(this.spec, this.args));
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
    if (shard < 0 || (this.shards.shardCount > 1 && !scriptStays(shaOf(spec, argv)))) {
      this.runPlan(client, spec, argv, argc);
      return;
    }
    if (shard !== this.shards.localShard) {
      const args = copyArgs(argv, 0, argc);
      this.shards.send(shard, client.db, client.proto, 0, args, argc, new StrayCatcher(this, client, spec, args, client.reserveReply()));
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
      noteScriptStrays(shaOf(spec, argv));
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
