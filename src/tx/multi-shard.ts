// How a command whose keys live on several shards runs atomically: its
// AtomicPlan's body runs inside a transaction of the scheduler (scheduler.ts),
// splitting the arguments by shard, calling each shard's part and merging
// the replies. The shared bodies are here (DEL, EXISTS, MGET, MSET...; whole
// commands run on every shard). Plans of plain hops, for server state rather
// than keys (INFO, CLIENT LIST, SCAN's walk), are commands/step-plans.ts.

import type { Transaction } from './scheduler.ts';
import type { ShardStore } from '../store/shard-store.ts';
import { ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import type { Protocol, ReplyWriter } from '../protocol/reply-writer.ts';
import { HOP_PART } from '../shard/hop-format.ts';

/**
 * The thread coordinating a plan, as far as tx/ knows it. The server layer
 * hands bodies more: commands/command.ts's Coordinator, for bodies typed with it.
 */
export interface PlanCoordinator {
  /** This thread's shard (its settings shape merged results: set-max-intset-entries...). */
  readonly store: ShardStore;
}

/** The command a plan body runs for: arguments (its own copies), database and protocol of the caller. */
export interface PlanRequest<C extends PlanCoordinator = PlanCoordinator> {
  coordinator: C;
  db: number;
  proto: Protocol;
  args: Buffer[];
}

/** A command made atomic across shards by the scheduler (see scheduler.ts for the API a body uses). */
export interface AtomicPlan<C extends PlanCoordinator = PlanCoordinator> {
  readonly atomic: true;
  /** 'keys': intent locks on the command's key arguments; 'all': every shard whole. */
  readonly locks: 'keys' | 'all';
  /** Runs the command inside `tx` and writes its reply to `out`; throws a ReplyError to reply an error. */
  body(tx: Transaction, request: PlanRequest<C>, out: ReplyWriter): Promise<void>;
  /** The body sends all its calls at once, then only merges: over two shards it may then run in two-shard mode (scheduler.ts). */
  readonly oneStep?: boolean;
}

/** An atomic plan from its body. */
export function atomically<C extends PlanCoordinator = PlanCoordinator>(locks: 'keys' | 'all', body: AtomicPlan<C>['body'], oneStep = false): AtomicPlan<C> {
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
export function onEveryShardAtomically(merge: (replies: ReplyValue[], out: ReplyWriter, request: PlanRequest) => void): AtomicPlan {
  return atomically('all', async (tx, request, out) => {
    const calls: Promise<ReplyValue>[] = [];
    for (let shard = 0; shard < tx.shardCount; shard++) calls.push(tx.call(shard, request.db, request.args, HOP_PART, true));
    const results = await Promise.all(calls);
    const failure = results.find((reply) => reply instanceof ReplyError);
    if (failure !== undefined) throw failure;
    merge(results, out, request);
  }, true);
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
