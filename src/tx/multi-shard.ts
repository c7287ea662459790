// How a command whose keys live on several shards runs atomically: its
// AtomicPlan's body runs inside a transaction of the scheduler (scheduler.ts),
// calling each shard's part and merging the values. Commands over keys make
// their bodies from their per-shard ops (commands/shard-ops.ts); a command
// run whole on every shard (CONFIG SET) uses onEveryShardAtomically. Plans of
// plain hops, for server state rather than keys (INFO, CLIENT LIST), are
// commands/step-plans.ts.

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

export function mergeOkReplies(_replies: ReplyValue[], out: ReplyWriter): void {
  out.ok();
}
