// Plans of plain hops (StepPlan), for commands over server state rather than
// keys, which need no transaction: a command run on every shard and the
// replies merged (INFO, CLIENT LIST, DEBUG DIGEST...), or an async function
// of hops (CLIENT KILL, DEBUG DIGEST-VALUE). Atomic plans over keys are
// tx/multi-shard.ts.

import type { Coordinator, StepPlan } from './command.ts';
import type { Client } from '../server/client.ts';
import type { ReplyWaiter } from '../shard/shard.ts';
import { internalError } from '../protocol/errors.ts';
import { readReply, ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import { HOP_INTERNAL, HOP_PART } from '../shard/hop-format.ts';

/** What a merge may need besides the replies: who asked, and what. */
export interface MergeRequest {
  coordinator: Coordinator;
  client: Client;
  args: Buffer[];
}

export type EveryShardMerge = (replies: ReplyValue[], out: ReplyWriter, request: MergeRequest) => void;

/** Collects the replies of several hops, then merges them into one reply. */
class Gather {
  readonly replies: ReplyValue[];
  private remaining: number;
  private readonly client: Client;
  private readonly proto: Protocol;
  private readonly slot: ReplyWaiter;
  private readonly merge: (replies: ReplyValue[], out: ReplyWriter) => void;

  constructor(parts: number, client: Client, proto: Protocol, slot: ReplyWaiter, merge: (replies: ReplyValue[], out: ReplyWriter) => void) {
    this.replies = new Array<ReplyValue>(parts).fill(null);
    this.remaining = parts;
    this.client = client;
    this.proto = proto;
    this.slot = slot;
    this.merge = merge;
  }

  part(index: number): ReplyWaiter {
    return {
      onReply: (reply: Buffer) => {
        this.replies[index] = readReply(reply);
        if (--this.remaining === 0) this.finish();
      },
    };
  }

  private finish(): void {
    const out = new ReplyWriter(256);
    out.proto = this.proto;
    const failure = this.replies.find((reply) => reply instanceof ReplyError);
    if (failure instanceof ReplyError) {
      out.error(failure.message);
    } else {
      try {
        this.merge(this.replies, out);
      } catch (error) {
        out.reset();
        out.error(internalError(this.client.lastCommand, error));
      }
    }
    this.slot.onReply(out.buffer.subarray(0, out.length));
  }
}

/**
 * Runs the command on every shard (its handler is the per-shard part) and
 * merges the replies with `merge`. With `internalName`, the shards run that
 * internal command with the same arguments instead.
 */
export function onEveryShard(merge: EveryShardMerge, internalName?: string): StepPlan {
  return {
    run(coordinator, client, argv, argc, slot, db, proto) {
      const request: MergeRequest = { coordinator, client, args: argv.slice(0, argc).map((arg) => Buffer.from(arg)) };
      const gather = new Gather(coordinator.shardCount, client, proto, slot, (replies, out) => merge(replies, out, request));
      const args = argv.slice(0, argc);
      if (internalName !== undefined) args[0] = Buffer.from(internalName);
      for (let shard = 0; shard < coordinator.shardCount; shard++) {
        coordinator.send(shard, db, 2, internalName === undefined ? HOP_PART : HOP_INTERNAL, args, argc, gather.part(shard));
      }
    },
  };
}

/**
 * A plan written as an async function of hops (CLIENT KILL, DEBUG
 * DIGEST-VALUE) in database `db`: it writes the reply to `out`, or throws a
 * ReplyError. The client's next commands wait until it is done: one sent to
 * a shard before a hop of it reaches there would overtake it (a write of a
 * key DEBUG DIGEST-VALUE has yet to read).
 */
export function stepwise(steps: (coordinator: Coordinator, client: Client, args: Buffer[], out: ReplyWriter, db: number) => Promise<void>): StepPlan {
  return {
    run(coordinator, client, argv, argc, slot, db, proto) {
      const args = argv.slice(0, argc).map((arg) => Buffer.from(arg));
      const out = new ReplyWriter(256);
      out.proto = proto;
      // Unless they are held already (inside EXEC, whose transaction releases them).
      const hold = client.heldCommands === null;
      if (hold) client.heldCommands = [];
      const finish = (): void => {
        slot.onReply(out.buffer.subarray(0, out.length));
        if (hold) coordinator.releaseHeldCommands(client);
      };
      steps(coordinator, client, args, out, db).then(finish, (error: unknown) => {
        out.reset();
        out.error(error instanceof ReplyError ? error.message : `ERR ${(error as Error).message}`);
        finish();
      });
    },
  };
}
