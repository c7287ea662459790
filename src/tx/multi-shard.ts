// How a command whose keys live on several shards is split into per-shard
// parts and how the parts' replies become the client's one reply.
//
// Every multi-key command names a plan in its spec (`multiShard`). The
// transaction scheduler will make these parts atomic across shards; the
// split/merge below is the part of a command that stays the same then.

import type { Client, PendingReply } from '../server/client.ts';
import type { Coordinator, ReplyWaiter } from './coordinator.ts';
import { internalError } from '../commands/errors.ts';
import { readReply, ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import { HOP_INTERNAL, HOP_PART } from './hop-flags.ts';

export interface MultiShardPlan {
  /** Runs the command; its reply completes `slot`. `argv` is only valid during the call. */
  run(coordinator: Coordinator, client: Client, argv: Buffer[], argc: number, slot: PendingReply): void;
}

/** Collects the replies of several hops, then merges them into one reply. */
class Gather {
  readonly replies: ReplyValue[];
  private remaining: number;
  readonly slot: PendingReply;
  readonly merge: (gather: Gather, out: ReplyWriter) => void;
  /** Per-plan data: for MGET, where each shard's keys go in the reply. */
  readonly positions: number[][];

  constructor(parts: number, slot: PendingReply, merge: (gather: Gather, out: ReplyWriter) => void, positions: number[][] = []) {
    this.replies = new Array<ReplyValue>(parts).fill(null);
    this.remaining = parts;
    this.slot = slot;
    this.merge = merge;
    this.positions = positions;
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
    out.proto = this.slot.client.proto;
    const failure = this.replies.find((reply) => reply instanceof ReplyError);
    if (failure instanceof ReplyError) {
      out.error(failure.message);
    } else {
      try {
        this.merge(this, out);
      } catch (error) {
        out.reset();
        out.error(internalError(this.slot.client.lastCommand, error));
      }
    }
    this.slot.onReply(out.buffer.subarray(0, out.length));
  }
}

/** Groups argument indexes by the shard of the key at each: keys at argv[first], argv[first+step], ... */
function groupKeysByShard(coordinator: Coordinator, argv: Buffer[], argc: number, first: number, step: number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = first; i < argc; i += step) {
    const shard = coordinator.shardOfKey(argv[i]);
    let group = groups.get(shard);
    if (group === undefined) groups.set(shard, (group = []));
    group.push(i);
  }
  return groups;
}

/** Sends `argv[0..first)` plus the listed key groups (each `step` arguments wide) to each shard. */
function sendGroups(coordinator: Coordinator, client: Client, argv: Buffer[], first: number, step: number, groups: Map<number, number[]>, gather: Gather): void {
  let part = 0;
  for (const [shard, indexes] of groups) {
    const args: Buffer[] = argv.slice(0, first);
    for (const index of indexes) for (let k = 0; k < step; k++) args.push(argv[index + k]);
    coordinator.send(shard, client.db, 2, HOP_PART, args, args.length, gather.part(part++));
  }
}

/** DEL, UNLINK, EXISTS, TOUCH: each shard counts its keys; the counts add up. */
export const sumOverKeys: MultiShardPlan = {
  run(coordinator, client, argv, argc, slot) {
    const groups = groupKeysByShard(coordinator, argv, argc, 1, 1);
    const gather = new Gather(groups.size, slot, mergeSum);
    sendGroups(coordinator, client, argv, 1, 1, groups, gather);
  },
};

function mergeSum(gather: Gather, out: ReplyWriter): void {
  let total = 0;
  for (const reply of gather.replies) total += Number(reply);
  out.integer(total);
}

/** MGET: each shard answers for its keys; the values go back in the order asked. */
export const gatherValues: MultiShardPlan = {
  run(coordinator, client, argv, argc, slot) {
    const groups = groupKeysByShard(coordinator, argv, argc, 1, 1);
    const positions: number[][] = [];
    for (const indexes of groups.values()) positions.push(indexes.map((index) => index - 1));
    const gather = new Gather(groups.size, slot, mergeValues, positions);
    sendGroups(coordinator, client, argv, 1, 1, groups, gather);
  },
};

function mergeValues(gather: Gather, out: ReplyWriter): void {
  const values: ReplyValue[] = [];
  gather.replies.forEach((reply, part) => {
    const items = reply as ReplyValue[];
    gather.positions[part].forEach((position, i) => (values[position] = items[i]));
  });
  out.arrayHeader(values.length);
  for (const value of values) {
    if (value === null) out.nullBulk();
    else out.bulk(value as Buffer);
  }
}

/** MSET: each shard sets its pairs. */
export const setPairs: MultiShardPlan = {
  run(coordinator, client, argv, argc, slot) {
    const groups = groupKeysByShard(coordinator, argv, argc, 1, 2);
    const gather = new Gather(groups.size, slot, mergeOk);
    sendGroups(coordinator, client, argv, 1, 2, groups, gather);
  },
};

function mergeOk(_gather: Gather, out: ReplyWriter): void {
  out.ok();
}

/** What a merge may need besides the replies: who asked, and what. */
export interface MergeRequest {
  coordinator: Coordinator;
  client: Client;
  args: Buffer[];
}

export type EveryShardMerge = (replies: ReplyValue[], out: ReplyWriter, request: MergeRequest) => void;

/**
 * Runs the command on every shard (its handler is the per-shard part) and
 * merges the replies with `merge`. With `internalName`, the shards run that
 * internal command with the same arguments instead.
 */
export function onEveryShard(merge: EveryShardMerge, internalName?: string): MultiShardPlan {
  return {
    run(coordinator, client, argv, argc, slot) {
      const request: MergeRequest = { coordinator, client, args: argv.slice(0, argc).map((arg) => Buffer.from(arg)) };
      const gather = new Gather(coordinator.shardCount, slot, (g, out) => merge(g.replies, out, request));
      const args = argv.slice(0, argc);
      if (internalName !== undefined) args[0] = Buffer.from(internalName);
      for (let shard = 0; shard < coordinator.shardCount; shard++) {
        coordinator.send(shard, client.db, 2, internalName === undefined ? HOP_PART : HOP_INTERNAL, args, argc, gather.part(shard));
      }
    },
  };
}

export function mergeSumReplies(replies: ReplyValue[], out: ReplyWriter): void {
  let total = 0;
  for (const reply of replies) total += Number(reply);
  out.integer(total);
}

export function mergeOkReplies(_replies: ReplyValue[], out: ReplyWriter): void {
  out.ok();
}

/** Concatenates the shards' arrays of bulk strings (KEYS). */
export function mergeConcatReplies(replies: ReplyValue[], out: ReplyWriter): void {
  let count = 0;
  for (const reply of replies) count += (reply as Buffer[]).length;
  out.arrayHeader(count);
  for (const reply of replies) for (const item of reply as Buffer[]) out.bulk(item);
}

/**
 * A plan written as an async function of hops (RENAME, COPY, MSETNX, LCS
 * across shards): it returns the reply to write, or throws a ReplyError.
 */
export function stepwise(steps: (coordinator: Coordinator, client: Client, args: Buffer[], out: ReplyWriter) => Promise<void>): MultiShardPlan {
  return {
    run(coordinator, client, argv, argc, slot) {
      const args = argv.slice(0, argc).map((arg) => Buffer.from(arg));
      const out = new ReplyWriter(256);
      out.proto = client.proto;
      steps(coordinator, client, args, out).then(
        () => slot.onReply(out.buffer.subarray(0, out.length)),
        (error: unknown) => {
          out.reset();
          out.error(error instanceof ReplyError ? error.message : `ERR ${(error as Error).message}`);
          slot.onReply(out.buffer.subarray(0, out.length));
        },
      );
    },
  };
}
