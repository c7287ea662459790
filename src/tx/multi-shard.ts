// How a command whose keys live on several shards is split into per-shard
// parts and how the parts' replies become the client's one reply.
//
// Every multi-key command names a plan in its spec (`multiShard`). Commands
// that read or write keys use an AtomicPlan: its body runs inside a
// transaction of the scheduler (scheduler.ts), so it is atomic across shards.
// Plans over server state rather than keys (INFO, CLIENT LIST, SCAN's walk)
// keep plain hops.

import type { Client, PendingReply } from '../server/client.ts';
import type { Transaction } from './scheduler.ts';
import type { Coordinator, ReplyWaiter } from './coordinator.ts';
import { internalError } from '../protocol/errors.ts';
import { readReply, ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import { HOP_INTERNAL, HOP_PART } from './hop-flags.ts';

/** A plan of plain hops, not atomic (INFO, CLIENT LIST, SCAN...). */
export interface StepPlan {
  readonly atomic?: false;
  /** Runs the command; its reply completes `slot`. `argv` is only valid during the call. */
  run(coordinator: Coordinator, client: Client, argv: Buffer[], argc: number, slot: PendingReply): void;
}

/** The command a plan body runs for: arguments (its own copies), database and protocol of the caller. */
export interface PlanRequest {
  coordinator: Coordinator;
  client: Client;
  db: number;
  proto: Protocol;
  args: Buffer[];
}

/** A command made atomic across shards by the scheduler (see scheduler.ts for the API a body uses). */
export interface AtomicPlan {
  readonly atomic: true;
  /** 'keys': intent locks on the command's key arguments; 'all': every shard whole. */
  readonly locks: 'keys' | 'all';
  /** Runs the command inside `tx` and writes its reply to `out`; throws a ReplyError to reply an error. */
  body(tx: Transaction, request: PlanRequest, out: ReplyWriter): Promise<void>;
  /** The body sends all its calls at once, then only merges: over two shards it may then run in two-shard mode (scheduler.ts). */
  readonly oneStep?: boolean;
}

export type MultiShardPlan = StepPlan | AtomicPlan;

/** An atomic plan from its body. */
export function atomically(locks: 'keys' | 'all', body: AtomicPlan['body'], oneStep = false): AtomicPlan {
  return { atomic: true, locks, body, oneStep };
}

/** Groups key arguments (args[first], args[first + step], ...) with the `step - 1` arguments after each by shard: per shard, the arguments and their positions. */
function splitByShard(tx: Transaction, args: Buffer[], first: number, step: number): Map<number, { args: Buffer[]; positions: number[] }> {
  const groups = new Map<number, { args: Buffer[]; positions: number[] }>();
  for (let i = first; i < args.length; i += step) {
    const shard = tx.shardOfKey(args[i]);
    let group = groups.get(shard);
    if (group === undefined) groups.set(shard, (group = { args: args.slice(0, first), positions: [] }));
    for (let k = 0; k < step; k++) group.args.push(args[i + k]);
    group.positions.push((i - first) / step);
  }
  return groups;
}

/** Runs each shard's part of a key-split command (its last step there); an error from any part becomes the reply. */
async function runParts(tx: Transaction, request: PlanRequest, first: number, step: number): Promise<{ replies: ReplyValue[]; positions: number[][] }> {
  const groups = [...splitByShard(tx, request.args, first, step)];
  const replies = await Promise.all(groups.map(([shard, group]) => tx.call(shard, request.db, group.args, HOP_PART, true)));
  for (const reply of replies) if (reply instanceof ReplyError) throw reply;
  return { replies, positions: groups.map(([, group]) => group.positions) };
}

/** DEL, UNLINK, EXISTS, TOUCH over shards, atomically: each shard counts its keys; the counts add up. */
export const sumOverKeys = atomically(
  'keys',
  async (tx, request, out) => {
    const { replies } = await runParts(tx, request, 1, 1);
    mergeSumReplies(replies, out);
  },
  true,
);

/** MGET over shards, atomically: each shard answers for its keys; the values go back in the order asked. */
export const gatherValues = atomically('keys', async (tx, request, out) => {
  const { replies, positions } = await runParts(tx, request, 1, 1);
  const values: ReplyValue[] = new Array<ReplyValue>(request.args.length - 1);
  replies.forEach((reply, part) => {
    const items = reply as ReplyValue[];
    positions[part].forEach((position, i) => (values[position] = items[i]));
  });
  out.arrayHeader(values.length);
  for (const value of values) {
    if (value === null) out.nullBulk();
    else out.bulk(value as Buffer);
  }
}, true);

/** MSET over shards, atomically: each shard sets its pairs. */
export const setPairs = atomically(
  'keys',
  async (tx, request, out) => {
    await runParts(tx, request, 1, 2);
    out.ok();
  },
  true,
);

/** A command run whole on every shard (its handler is the per-shard part), atomically, the replies merged. */
export function onEveryShardAtomically(merge: EveryShardMerge): AtomicPlan {
  return atomically('all', async (tx, request, out) => {
    const calls: Promise<ReplyValue>[] = [];
    for (let shard = 0; shard < tx.shardCount; shard++) calls.push(tx.call(shard, request.db, request.args, HOP_PART, true));
    const results = await Promise.all(calls);
    const failure = results.find((reply) => reply instanceof ReplyError);
    if (failure !== undefined) throw failure;
    merge(results, out, request);
  }, true);
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
export function onEveryShard(merge: EveryShardMerge, internalName?: string): StepPlan {
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
export function stepwise(steps: (coordinator: Coordinator, client: Client, args: Buffer[], out: ReplyWriter) => Promise<void>): StepPlan {
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
