// Transactions family: MULTI, EXEC, DISCARD, WATCH, UNWATCH, as Redis 7.
//
// MULTI only marks the client; the dispatcher queues what follows (copies
// of the arguments) and answers QUEUED, or an error that makes EXEC abort.
// EXEC runs the queue as one transaction of the scheduler (tx/scheduler.ts):
// - all its keys (and the watched ones) on one shard: one hop, no id
//   (HOP_TX_BATCH), the watch check and the commands together;
// - else: scheduled on every shard it touches, the watch check on the
//   shards holding watched keys, then the commands: consecutive commands for
//   one shard travel in one hop, commands with a multi-shard plan run their
//   plan inside the same transaction; then the locks go.
// Commands without keys (PING, SELECT, CLIENT...) run on the client's thread
// at their place, after the watch check. Errors of single commands are their
// replies; nothing is rolled back.
//
// WATCH registers the keys on the shards that own them (internal watch-add);
// each shard's WatchedKeys (store/watched-keys.ts) marks a client whose key
// changed, and EXEC asks each of those shards (watch-check), under the
// transaction's locks, whether it may go on. Those records live on the
// shard thread's heap: when that thread dies and is restarted, its watchers
// on other threads are marked (Client.watchLost) and their EXEC fails.

import { internalSpec, type CommandContext, type CommandSpec, type Bindings } from './command.ts';
import { Errors, internalError } from '../protocol/errors.ts';
import { parseInteger } from '../protocol/args.ts';
import type { Client, QueuedCommand, WatchedKey } from '../server/client.ts';
import type { Coordinator, StepPlan } from './command.ts';
import { addLocks, ROUTE_CLIENT, ROUTE_PLAN, routeOf } from './routing.ts';
import { protocolAfterHello } from './connection.ts';
import type { ReplyWaiter } from '../shard/shard.ts';
import { LockSet, Transaction } from '../tx/scheduler.ts';
import { trackingCaller } from './client.ts';
import { batchRan, BATCH_REPLIES_AT, encodeSingleShardBatch, HOP_INTERNAL, HOP_TX_BATCH, type BatchCommand } from '../shard/hop-format.ts';
import { ReplyError, splitReplies } from '../protocol/reply-reader.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';

const EXEC_ABORT = 'EXECABORT Transaction discarded because of previous errors.';

const WATCH_ADD = Buffer.from('watch-add');
const WATCH_CHECK = Buffer.from('watch-check');
const WATCH_CLEAR = Buffer.from('watch-clear');

/** Replies nobody waits for (unwatching). */
const IGNORE_REPLY: ReplyWaiter = { onReply() {} };

// --- MULTI, DISCARD, UNWATCH: the client's own state ---

function multi(ctx: CommandContext): void {
  const client = ctx.client as Client;
  if (client.queued !== null) {
    ctx.out.error('ERR MULTI calls can not be nested');
    return;
  }
  client.queued = [];
  client.queueFailed = false;
  ctx.out.ok();
}

function discard(ctx: CommandContext): void {
  const client = ctx.client as Client;
  if (client.queued === null) {
    ctx.out.error('ERR DISCARD without MULTI');
    return;
  }
  client.endTransaction();
  ctx.out.ok();
}

function unwatch(ctx: CommandContext): void {
  const client = ctx.client as Client;
  if (client.watched.length !== 0) client.unwatchAll();
  ctx.out.ok();
}

/**
 * Forgets `client`'s watched keys on every shard holding some. The hop names
 * the keys, so it queues behind whatever waits for them there (a WATCH of
 * them among it), as the client sent it.
 */
export function unwatchEverywhere(coordinator: Coordinator, client: Client): void {
  for (const [shard, args] of hopsByShard(coordinator, [WATCH_CLEAR, Buffer.from(String(client.watchId))], client.watched)) coordinator.send(shard, 0, 2, HOP_INTERNAL, args, args.length, IGNORE_REPLY);
  client.watched = [];
  client.watchLost = false;
}

/** One internal command per shard: `head` (its name, the client's id...), then the keys that shard owns. */
function hopsByShard(coordinator: Coordinator, head: readonly Buffer[], keys: readonly WatchedKey[]): Map<number, Buffer[]> {
  const byShard = new Map<number, Buffer[]>();
  for (const { key } of keys) {
    const shard = coordinator.shardOfKey(key);
    let args = byShard.get(shard);
    if (args === undefined) byShard.set(shard, (args = [...head]));
    args.push(key);
  }
  return byShard;
}

function shardsOf(coordinator: Coordinator, watched: readonly WatchedKey[]): Set<number> {
  const shards = new Set<number>();
  for (const { key } of watched) shards.add(coordinator.shardOfKey(key));
  return shards;
}

// --- WATCH ---

/** Counts down the shards' replies to WATCH, then answers OK. */
class WatchReplies implements ReplyWaiter {
  private remaining: number;
  private readonly slot: ReplyWaiter;
  constructor(parts: number, slot: ReplyWaiter) {
    this.remaining = parts;
    this.slot = slot;
  }
  onReply(): void {
    if (--this.remaining === 0) this.slot.onReply(OK);
  }
}

const OK = Buffer.from('+OK\r\n');

const watchPlan: StepPlan = {
  ordersCommands: true,
  run(coordinator, client, argv, argc, slot, db) {
    if (client.queued !== null) {
      slot.onReply(errorReply(coordinator, 'ERR WATCH inside MULTI is not allowed'));
      return;
    }
    const keys: WatchedKey[] = [];
    for (let i = 1; i < argc; i++) keys.push({ db, key: Buffer.from(argv[i]) });
    if (client.watched.length === 0) client.watchId = coordinator.server.nextClientId();
    // Before the hops: a restart of their shard from now on marks the client (ShardThread.replacePeer).
    client.watched.push(...keys);
    // The keys go with the hop: it waits behind earlier writes of them that wait for locks.
    const byShard = hopsByShard(coordinator, [WATCH_ADD, Buffer.from(String(client.watchId)), Buffer.from(String(coordinator.localShard))], keys);
    const replies = new WatchReplies(byShard.size, slot);
    for (const [shard, args] of byShard) coordinator.send(shard, db, 2, HOP_INTERNAL, args, args.length, replies);
  },
};

function errorReply(coordinator: Coordinator, message: string): Buffer {
  const out = new ReplyWriter(128);
  out.errors = coordinator.server.commandStats.errors;
  out.error(message);
  return out.take();
}

// --- the internal commands WATCH and EXEC send to the shards ---

/** watch-add watch-id thread key...: registers the keys of the hop's database for a client of that thread (watch-id: Client.watchId). */
function watchAdd(ctx: CommandContext): void {
  const { store, argv, argc, db } = ctx;
  const watchId = Number(argv[1].toString('latin1'));
  const thread = Number(argv[2].toString('latin1'));
  for (let i = 3; i < argc; i++) store.watchedKeys.watch(watchId, thread, db, argv[i], store, ctx.now);
  ctx.out.ok();
}

/** watch-check watch-id: 1 when none of that set's keys here changed, else 0; its keys are forgotten here. */
function watchCheck(ctx: CommandContext): void {
  ctx.out.integer(ctx.store.watchedKeys.checkAndRemove(Number(ctx.argv[1].toString('latin1')), ctx.store, ctx.now) ? 1 : 0);
}

/** watch-clear watch-id key...: forgets that set's keys here (the keys only order the hop). */
function watchClear(ctx: CommandContext): void {
  ctx.store.watchedKeys.remove(Number(ctx.argv[1].toString('latin1')));
  ctx.out.ok();
}

// --- EXEC ---

/** Where each queued command runs and with which database, and the locks the whole needs. */
interface ExecLayout {
  routes: number[];
  dbs: number[];
  locks: LockSet;
  hasPlan: boolean;
  /** The protocol each command replies in: the client's, or what a HELLO queued before it switched to (its own reply too). */
  protos: Protocol[];
  /** The time (ms) every queued command runs at: EXEC's start. Redis freezes its clock for the whole EXEC, so a key that expires meanwhile is still there for the commands after. */
  clock: number;
}

/** The database SELECT switches to, or -1 when it would fail. */
function selectedDb(argv: Buffer[]): number {
  const index = argv.length === 2 ? parseInteger(argv[1]) : null;
  return index === null || index < 0n || index >= BigInt(DATABASE_COUNT) ? -1 : Number(index);
}

function layOut(coordinator: Coordinator, client: Client, commands: readonly QueuedCommand[], watched: readonly WatchedKey[]): ExecLayout {
  const layout: ExecLayout = { routes: [], dbs: [], locks: new LockSet(), hasPlan: false, protos: [], clock: Date.now() };
  let db = client.db;
  let proto = client.proto;
  for (const { spec, argv } of commands) {
    // A HELLO that fails (NOPROTO, a wrong password, a bad name) leaves the protocol as it was.
    if (spec.name === 'hello') proto = protocolAfterHello(coordinator.server.config, argv, argv.length, proto);
    layout.protos.push(proto);
    // A script inside EXEC over several shards runs by its plan, in EXEC's transaction (which then holds every
    // shard): inline on one shard it could not reach the others.
    const route = spec.script === true && coordinator.shardCount > 1 ? ROUTE_PLAN : routeOf(coordinator, spec, argv, argv.length);
    layout.routes.push(route);
    layout.dbs.push(db);
    if (route === ROUTE_PLAN) layout.hasPlan = true;
    if (route !== ROUTE_CLIENT) addLocks(coordinator, layout.locks, spec, argv, argv.length);
    if (spec.name === 'select' && selectedDb(argv) >= 0) db = selectedDb(argv);
  }
  for (const { key } of watched) layout.locks.add(coordinator.shardOfKey(key), key);
  return layout;
}

/** A plan's reply captured for the EXEC array instead of going to the client. */
class CapturedReply implements ReplyWaiter {
  resolve!: (reply: Buffer) => void;
  readonly promise = new Promise<Buffer>((resolve) => (this.resolve = resolve));
  onReply(reply: Buffer): void {
    this.resolve(Buffer.from(reply));
  }
}

/** Runs a command with a multi-shard plan inside EXEC's transaction; resolves to its reply. */
async function runPlanInside(tx: Transaction, coordinator: Coordinator, client: Client, command: QueuedCommand, db: number, proto: Protocol): Promise<Buffer> {
  const { spec, argv } = command;
  const plan = spec.multiShard;
  const out = new ReplyWriter(256);
  out.proto = proto;
  if (coordinator.refuseForMemory(spec, out)) return out.take();
  coordinator.server.commandStats.of(spec.name).calls++;
  if (plan === undefined) {
    out.error(internalError(spec.name, new Error('no multi-shard plan')));
  } else if (plan.atomic === true) {
    try {
      await plan.body(tx, { coordinator, db, proto, args: argv }, out);
    } catch (error) {
      out.reset();
      out.error(error instanceof ReplyError ? error.message : internalError(spec.name, error));
    }
  } else {
    const captured = new CapturedReply();
    plan.run(coordinator, client, argv, argv.length, captured, db, proto);
    return captured.promise;
  }
  return out.take();
}

/** Runs a command without keys on the client's thread; its reply. */
function runForClient(coordinator: Coordinator, client: Client, command: QueuedCommand, proto: Protocol, clock: number): Buffer {
  const out = new ReplyWriter(256);
  out.proto = proto;
  coordinator.runForClient(command.spec, command.argv, command.argv.length, out, client.db, client, clock);
  return out.take();
}

/** Puts a batch's replies, one after another in `raw` from `at`, into `replies` at `indexes`. */
function placeReplies(raw: Buffer, at: number, indexes: readonly number[], replies: Buffer[]): void {
  const split = splitReplies(raw, at, indexes.length);
  indexes.forEach((index, i) => (replies[index] = split[i]));
}

/** The commands of one shard in one hop, and their places in EXEC's reply. */
class ShardBatch {
  readonly commands: BatchCommand[] = [];
  readonly indexes: number[] = [];
}

/** EXEC whose keys all live on `shard`: one hop with the watch check; null when a watched key changed. */
async function execOnOneShard(coordinator: Coordinator, client: Client, commands: readonly QueuedCommand[], layout: ExecLayout, watchId: number | null, proto: Protocol): Promise<Buffer[] | null> {
  const [lockShard] = layout.locks.byShard.keys();
  const shard = lockShard ?? coordinator.localShard;
  const keys = layout.locks.byShard.get(shard) ?? [];
  const batch = new ShardBatch();
  const caller = trackingCaller(client, coordinator.localShard) ?? undefined;
  commands.forEach((command, i) => {
    if (layout.routes[i] === ROUTE_CLIENT) return;
    batch.commands.push({ flags: 0, db: layout.dbs[i], argv: command.argv, clock: layout.clock, proto: layout.protos[i], caller });
    batch.indexes.push(i);
  });
  const argv = encodeSingleShardBatch(keys, watchId, batch.commands);
  const raw = await new Promise<Buffer>((resolve) => coordinator.send(shard, 0, proto, HOP_TX_BATCH, argv, argv.length, { onReply: (reply) => resolve(Buffer.from(reply)) }));
  // A hop that failed whole (its shard restarted under it) answers one error: each command gets it, as over
  // several shards. Not a null EXEC, which would tell the client that nothing ran.
  const failed = raw[0] === 0x2d;
  if (!failed && !batchRan(raw)) return null;
  const replies: Buffer[] = new Array<Buffer>(commands.length);
  placeReplies(raw, failed ? 0 : BATCH_REPLIES_AT, batch.indexes, replies);
  commands.forEach((command, i) => {
    if (layout.routes[i] === ROUTE_CLIENT) replies[i] = runForClient(coordinator, client, command, layout.protos[i], layout.clock);
  });
  return replies;
}

/**
 * EXEC over several shards: one transaction; null when a watched key
 * changed. Without WATCH and multi-shard plans it is one step (two-shard mode
 * applies). Commands for the client's thread run after it: they touch no key.
 */
async function execOnShards(coordinator: Coordinator, client: Client, commands: readonly QueuedCommand[], layout: ExecLayout, watched: readonly WatchedKey[], watchId: number, proto: Protocol, holdUntilDone: boolean): Promise<Buffer[] | null> {
  const tx = new Transaction(coordinator, layout.locks, true);
  tx.clock = layout.clock;
  tx.caller = trackingCaller(client, coordinator.localShard);
  const replies: Buffer[] = new Array<Buffer>(commands.length);
  let aborted = false;
  const body = async (): Promise<void> => {
    if (watched.length > 0) {
      const id = Buffer.from(String(watchId));
      const checks = await Promise.all([...shardsOf(coordinator, watched)].map((shard) => tx.call(shard, 0, [WATCH_CHECK, id], HOP_INTERNAL)));
      aborted = checks.some((clean) => clean !== 1);
      if (aborted) return;
    }
    let batches = new Map<number, ShardBatch>();
    const sendBatches = async (last: boolean): Promise<void> => {
      const pending = batches;
      batches = new Map();
      await Promise.all([...pending].map(async ([shard, batch]) => placeReplies(await tx.runBatch(shard, batch.commands, proto, last), 0, batch.indexes, replies)));
    };
    for (let i = 0; i < commands.length; i++) {
      const route = layout.routes[i];
      if (route === ROUTE_PLAN) {
        await sendBatches(false);
        // A plan's last steps must not end EXEC's transaction on their shards.
        tx.keepLocks = true;
        replies[i] = await runPlanInside(tx, coordinator, client, commands[i], layout.dbs[i], layout.protos[i]);
        tx.keepLocks = false;
      } else if (route !== ROUTE_CLIENT) {
        let batch = batches.get(route);
        if (batch === undefined) batches.set(route, (batch = new ShardBatch()));
        batch.commands.push({ flags: 0, db: layout.dbs[i], argv: commands[i].argv, proto: layout.protos[i] });
        batch.indexes.push(i);
      }
    }
    await sendBatches(true);
  };
  const released = (): void => {
    if (!holdUntilDone) coordinator.releaseHeldCommands(client);
  };
  // One step only over its own keys' shards: a transaction holding every shard may send nothing to some (two-shard mode would wait for them).
  await tx.run(body, released, watched.length === 0 && !layout.hasPlan && !layout.locks.global);
  if (aborted) return null;
  commands.forEach((command, i) => {
    if (layout.routes[i] === ROUTE_CLIENT) replies[i] = runForClient(coordinator, client, command, layout.protos[i], layout.clock);
  });
  return replies;
}

const execPlan: StepPlan = {
  ordersCommands: true,
  run(coordinator, client, _argv, _argc, slot) {
    const commands = client.queued;
    if (commands === null) {
      slot.onReply(errorReply(coordinator, 'ERR EXEC without MULTI'));
      return;
    }
    if (client.queueFailed) {
      client.endTransaction();
      slot.onReply(errorReply(coordinator, EXEC_ABORT));
      return;
    }
    if (client.watchLost) {
      // A shard holding a watched key restarted since WATCH: whether the key
      // changed (before the restart too) died with that thread's records, so
      // EXEC fails. A restart is rare, and a spurious failure is safe: the
      // client retries, where a wrong success would act on a stale read.
      client.queued = null;
      unwatchEverywhere(coordinator, client);
      const out = new ReplyWriter(16);
      out.proto = client.proto;
      out.nullArray();
      slot.onReply(out.take());
      return;
    }
    const watched = client.watched;
    // The shards know these keys by this id; a WATCH after EXEC starts another set under a new one.
    const watchId = client.watchId;
    client.queued = null;
    client.watched = [];
    const proto = client.proto;
    const layout = layOut(coordinator, client, commands, watched);
    const oneShard = !layout.hasPlan && !layout.locks.global && layout.locks.byShard.size <= 1;
    // Later commands of the client wait until the transaction holds its locks
    // (several shards), or until it is done when it changes the client's
    // state (SELECT...: commands that run here, after the watch check).
    const holdUntilDone = layout.routes.includes(ROUTE_CLIENT);
    if (holdUntilDone || !oneShard) client.heldCommands = [];
    const run = oneShard ? execOnOneShard(coordinator, client, commands, layout, watched.length > 0 ? watchId : null, proto) : execOnShards(coordinator, client, commands, layout, watched, watchId, proto, holdUntilDone);
    const done = (): void => {
      if (holdUntilDone) coordinator.releaseHeldCommands(client);
    };
    run.then(
      (replies) => {
        const out = new ReplyWriter(256);
        out.proto = proto;
        if (replies === null) {
          out.nullArray();
        } else {
          out.arrayHeader(replies.length);
          for (const reply of replies) out.raw(reply);
        }
        slot.onReply(out.buffer.subarray(0, out.length));
        done();
      },
      (error: unknown) => {
        slot.onReply(errorReply(coordinator, internalError('exec', error)));
        done();
      },
    );
  },
};

/** EXEC and WATCH do their work in their plans; their handler never runs alone. */
function planOnly(ctx: CommandContext): void {
  ctx.out.error(Errors.syntax);
}

// --- the bindings (the rows are table/transactions.ts) ---

export const transactionBindings: Bindings = {
  multi,
  exec: { handler: planOnly, multiShard: execPlan },
  discard,
  watch: { handler: planOnly, multiShard: watchPlan },
  unwatch,
};

export const transactionInternalCommands: CommandSpec[] = [
  internalSpec(WATCH_ADD.toString(), -4, 'Watch keys of this shard for a client of a thread', watchAdd, 3),
  internalSpec(WATCH_CHECK.toString(), 2, "Whether a client's watched keys here are unchanged; forgets them", watchCheck, 2),
  internalSpec(WATCH_CLEAR.toString(), -2, "Forget a client's watched keys here", watchClear, 2),
];
