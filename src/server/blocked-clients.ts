// The clients of this thread blocked in BLPOP, BLMOVE, BZPOPMIN... (the
// shards' side is commands/blocking.ts and tx/blocking-controller.ts).
//
// A blocking command takes its client's place in the reply order and holds
// the client's next commands back, as Redis stops reading a blocked client.
// It tries once (block-try, or a transaction over shards); if nothing is
// there, the shards holding its keys register it, and the wait ends one of
// these ways, whichever claims its wait slot first (tx/wait-slots.ts):
// - a shard serves it: the reply comes as a push (onPush);
// - its timeout: the null reply;
// - CLIENT UNBLOCK: the null reply, or the UNBLOCKED error;
// - its connection closes.
// Then the shards that still hold the wait are told to forget it, and the
// held commands run. A wait whose shard restarted registers again.

import type { CommandSpec, Coordinator } from '../commands/command.ts';
import { BLOCK_FORGET, BLOCK_PROBE, BLOCK_TRY, BLOCKED_REPLY, WAIT_ENDED_REPLY } from '../commands/blocking.ts';
import { addLocks } from '../commands/routing.ts';
import type { ReplyWaiter, ShardMap } from '../shard/shard.ts';
import { HOP_INTERNAL } from '../shard/hop-format.ts';
import { LockSet, Transaction } from '../tx/scheduler.ts';
import { RETRY_PUSH } from '../tx/blocking-controller.ts';
import { WAIT_SLOTS, type WaitSlots } from '../tx/wait-slots.ts';
import type { AtomicPlan } from '../tx/multi-shard.ts';
import { copyArgs } from '../protocol/args.ts';
import { internalError } from '../protocol/errors.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import type { Client, PendingReply } from './client.ts';
import type { ServerContext } from './server-context.ts';
import type { ThreadParts } from './dispatcher.ts';
import type { MemoryRefusal } from './memory-refusal.ts';
import type { ReplyOrder } from './reply-order.ts';

const NULL_ARRAY = Buffer.from('*-1\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL = Buffer.from('_\r\n');
const UNBLOCKED_ERROR = Buffer.from('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
const NOTHING = (): void => {};
/** setTimeout's longest delay: a longer timeout is waited in steps. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** How a wait ended while a shard had already claimed it: what the client gets if that shard only asks it to retry. */
type EndedAs = 'timeout' | 'unblock-error' | 'closed' | null;

/** One blocked command of a client of this thread. */
class BlockedWait {
  readonly client: Client;
  readonly spec: CommandSpec;
  readonly argv: Buffer[];
  readonly db: number;
  readonly proto: Protocol;
  readonly slot: number;
  /** Its place in the client's reply order. */
  readonly reply: PendingReply;
  /** The client's commands held behind it. */
  readonly held: Buffer[][];
  /** The generation of the attempt in progress (tx/wait-slots.ts). */
  generation = 0;
  /** Shards where it is registered now. */
  readonly registered = new Set<number>();
  /** When it times out (ms since the epoch; 0: never). */
  readonly deadline: number;
  timer: NodeJS.Timeout | null = null;
  /** Its first attempt has not answered yet: a command that can be served at once never times out, so its timer waits for that. */
  firstTry = true;
  /** The timer fired during the first attempt: the wait times out once that attempt registered it. */
  timeoutDue = false;
  done = false;
  endedAs: EndedAs = null;

  constructor(client: Client, spec: CommandSpec, argv: Buffer[], slot: number, deadline: number) {
    this.client = client;
    this.spec = spec;
    this.argv = argv;
    this.db = client.db;
    this.proto = client.proto;
    this.slot = slot;
    this.deadline = deadline;
    this.reply = client.reserveReply();
    this.held = [];
  }

  get timeoutReply(): Buffer {
    if (this.proto === 3) return NULL;
    return this.spec.blocking?.timeoutReply === 'null-bulk' ? NULL_BULK : NULL_ARRAY;
  }
}

/** block-try's reply on one shard, for the attempt of `generation`. */
class TryReply implements ReplyWaiter {
  private readonly clients: BlockedClients;
  private readonly wait: BlockedWait;
  private readonly generation: number;
  private readonly shard: number;

  constructor(clients: BlockedClients, wait: BlockedWait, generation: number, shard: number) {
    this.clients = clients;
    this.wait = wait;
    this.generation = generation;
    this.shard = shard;
  }

  onReply(reply: Uint8Array): void {
    const wait = this.wait;
    const current = !wait.done && wait.generation === this.generation;
    if (BLOCKED_REPLY.equals(reply)) {
      // Registered after the wait ended here (a timeout while the hop travelled): the shard forgets it again.
      if (current) wait.registered.add(this.shard);
      else this.clients.forgetOn(this.shard, wait, this.generation);
    } else if (current && !WAIT_ENDED_REPLY.equals(reply)) {
      this.clients.finish(wait, reply);
    }
    this.clients.attempted(wait);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

export class BlockedClients {
  private readonly server: ServerContext;
  private readonly shards: ShardMap;
  private readonly replies: ReplyOrder;
  private readonly refusal: MemoryRefusal;
  private readonly coordinator: Coordinator;
  private readonly waitSlots: WaitSlots;
  private readonly thread: number;
  private readonly bySlot: (BlockedWait | undefined)[] = [];
  private readonly freeSlots: number[] = [];

  constructor(parts: ThreadParts, coordinator: Coordinator) {
    this.server = parts.server;
    this.shards = parts.shards;
    this.replies = parts.replies;
    this.refusal = parts.refusal;
    this.coordinator = coordinator;
    this.waitSlots = parts.server.waits;
    this.thread = parts.server.threadIndex;
  }

  /** A blocking command sent outside MULTI: served now, or blocked until it can be. */
  start(client: Client, spec: CommandSpec, argv: Buffer[], argc: number): void {
    const blocking = spec.blocking;
    if (blocking === undefined) throw new Error(`${spec.name} does not block`);
    const stat = this.server.commandStats.of(spec.name);
    if (this.refusal.enabled) {
      const out = this.replies.writerFor(client);
      if (this.refusal.refuse(spec, out)) {
        this.replies.done(client, out);
        return;
      }
    }
    stat.calls++;
    const timeout = blocking.parse(argv, argc);
    if (typeof timeout === 'string') {
      stat.failedCalls++;
      this.replies.error(client, timeout);
      return;
    }
    const slot = this.takeSlot();
    if (slot < 0) {
      stat.failedCalls++;
      this.replies.error(client, 'ERR max number of clients blocked on this thread reached');
      return;
    }
    const wait = new BlockedWait(client, spec, copyArgs(argv, 0, argc), slot, timeout === 0 ? 0 : Date.now() + timeout);
    this.bySlot[slot] = wait;
    client.heldCommands = wait.held;
    client.blocked = wait;
    this.server.blockedClients++;
    if (timeout !== 0) {
      this.server.clientsInTimeoutTable++;
      this.armTimer(wait);
    }
    this.attempt(wait);
  }

  /** Tries the command with a fresh generation: served at once, or registered on the shards of its keys. */
  private attempt(wait: BlockedWait): void {
    const waits = this.waitSlots;
    const generation = waits.nextGeneration(this.thread);
    wait.generation = generation;
    waits.arm(this.thread, wait.slot, generation);
    const blocking = wait.spec.blocking as NonNullable<CommandSpec['blocking']>;
    const keys = blocking.keys(wait.argv, wait.argv.length);
    const byShard = this.keysByShard(keys);
    const touched = blocking.alsoTouches?.(wait.argv) ?? [];
    if (byShard.size === 1) {
      const [shard, shardKeys] = byShard.entries().next().value as [number, Buffer[]];
      if (touched.every((key) => this.shards.shardOfKey(key) === shard)) {
        const args = this.tryArgs(wait, shardKeys, true);
        this.shards.send(shard, wait.db, wait.proto, HOP_INTERNAL, args, args.length, new TryReply(this, wait, generation, shard));
        return;
      }
    }
    this.attemptAcrossShards(wait, generation, byShard, touched);
  }

  private keysByShard(keys: readonly Buffer[]): Map<number, Buffer[]> {
    const byShard = new Map<number, Buffer[]>();
    for (const key of keys) {
      const shard = this.shards.shardOfKey(key);
      const list = byShard.get(shard);
      if (list === undefined) byShard.set(shard, [key]);
      else list.push(key);
    }
    return byShard;
  }

  private tryArgs(wait: BlockedWait, keys: readonly Buffer[], servable: boolean): Buffer[] {
    const header = [String(keys.length)];
    const identity = [String(this.thread), String(wait.slot), String(wait.generation), String(wait.proto), servable ? '1' : '0'];
    return [BLOCK_TRY, ...header.map((word) => Buffer.from(word)), ...keys, ...identity.map((word) => Buffer.from(word)), ...wait.argv];
  }

  /**
   * Keys on several shards: one transaction over them. If one exists, the
   * command's own atomic plan runs in it; else every shard registers the wait.
   */
  private attemptAcrossShards(wait: BlockedWait, generation: number, byShard: Map<number, Buffer[]>, touched: readonly Buffer[]): void {
    const plan = wait.spec.multiShard as AtomicPlan<Coordinator>;
    const locks = new LockSet();
    addLocks(this.shards, locks, wait.spec, wait.argv, wait.argv.length);
    const out = new ReplyWriter(256);
    out.proto = wait.proto;
    const waits = this.waitSlots;
    const thread = this.thread;
    let served = false;
    const registered: number[] = [];
    const body = async (tx: Transaction): Promise<void> => {
      const shards = [...byShard.keys()];
      const probes = await Promise.all(
        shards.map((shard) => {
          const keys = byShard.get(shard) as Buffer[];
          return tx.call(shard, wait.db, [BLOCK_PROBE, Buffer.from(String(keys.length)), ...keys, ...wait.argv], HOP_INTERNAL);
        }),
      );
      const anyExists = probes.some((probe) => Array.isArray(probe) && probe.some((exists) => exists === 1));
      if (anyExists) {
        if (!waits.claim(thread, wait.slot, generation)) return;
        served = true;
        await plan.body(tx, { coordinator: this.coordinator, db: wait.db, proto: wait.proto, args: wait.argv }, out);
        return;
      }
      if (!waits.isArmed(thread, wait.slot, generation)) return;
      const replies = await Promise.all(
        shards.map((shard) => {
          const servable = touched.every((key) => this.shards.shardOfKey(key) === shard);
          return tx.call(shard, wait.db, this.tryArgs(wait, byShard.get(shard) as Buffer[], servable), HOP_INTERNAL, true);
        }),
      );
      replies.forEach((reply, i) => {
        if (reply === 'BLOCKED') registered.push(shards[i]);
      });
    };
    new Transaction(this.coordinator, locks, true).run(body, NOTHING).then(
      () => {
        if (served) {
          this.finish(wait, out.buffer.subarray(0, out.length));
          return;
        }
        for (const shard of registered) wait.registered.add(shard);
        // Ended while the shards registered it: they forget it again.
        if (wait.done || wait.generation !== generation) this.forgetEverywhere(wait, generation);
        this.attempted(wait);
      },
      (error: unknown) => {
        // A failed hop (a shard died mid-way) or a refusal: the client hears of it, unless its wait ended meanwhile.
        this.attempted(wait);
        if (!served && (wait.done || wait.generation !== generation || !waits.claim(thread, wait.slot, generation))) return;
        out.reset();
        out.error(error instanceof ReplyError ? error.message : internalError(wait.spec.name, error));
        this.finish(wait, out.buffer.subarray(0, out.length));
      },
    );
  }

  /** A shard served one of this thread's waits (a push frame, or this thread's own shard). */
  onPush(slot: number, generation: number, payload: Uint8Array): void {
    const wait = this.bySlot[slot];
    if (wait === undefined || wait.done || wait.generation !== generation) return;
    if (!sameBytes(payload, RETRY_PUSH)) {
      this.finish(wait, payload);
      return;
    }
    // Its serving needs another shard's key: it tries again, unless it ended meanwhile.
    if (wait.endedAs === null) {
      this.forgetEverywhere(wait, generation);
      this.attempt(wait);
    } else {
      this.finish(wait, this.endingReply(wait, wait.endedAs));
    }
  }

  private endingReply(wait: BlockedWait, how: EndedAs): Buffer | null {
    if (how === 'timeout') return wait.timeoutReply;
    if (how === 'unblock-error') return UNBLOCKED_ERROR;
    return null;
  }

  /** Ends the wait `how`, unless a shard claimed it first (then its push settles it). True when it ended here. */
  private end(wait: BlockedWait, how: EndedAs): boolean {
    if (wait.done) return false;
    if (!this.waitSlots.claim(this.thread, wait.slot, wait.generation)) {
      wait.endedAs = how;
      return false;
    }
    this.finish(wait, this.endingReply(wait, how));
    return true;
  }

  private armTimer(wait: BlockedWait): void {
    const left = wait.deadline - Date.now();
    wait.timer = setTimeout(() => {
      wait.timer = null;
      if (wait.deadline - Date.now() > 0) this.armTimer(wait);
      else if (wait.firstTry) wait.timeoutDue = true;
      else this.end(wait, 'timeout');
    }, Math.min(Math.max(left, 0), LONGEST_TIMER_MS));
  }

  /** An attempt answered (served, registered, or refused): a timeout that came during the first one ends the wait now. */
  attempted(wait: BlockedWait): void {
    if (!wait.firstTry) return;
    wait.firstTry = false;
    if (wait.timeoutDue && !wait.done) this.end(wait, 'timeout');
  }

  /** The wait is over: `reply` (null: none, the client is gone) takes its place, the shards forget it, the held commands run. */
  finish(wait: BlockedWait, reply: Uint8Array | null): void {
    if (wait.done) return;
    wait.done = true;
    if (wait.timer !== null) clearTimeout(wait.timer);
    this.bySlot[wait.slot] = undefined;
    this.freeSlots.push(wait.slot);
    this.server.blockedClients--;
    if (wait.deadline !== 0) this.server.clientsInTimeoutTable--;
    const client = wait.client;
    if (client.blocked === wait) client.blocked = null;
    client.heldBytes = 0;
    // Its call was counted when it blocked; an error it ends with makes it a failed one (INFO commandstats).
    if (reply !== null && reply.length !== 0 && reply[0] === 0x2d) this.server.commandStats.of(wait.spec.name).failedCalls++;
    wait.reply.onReply(reply ?? Buffer.alloc(0));
    // Not from inside whatever ended the wait (CLIENT UNBLOCK is a command running now, and a hop to this
    // thread's shard runs at once): the shards forget it, and the held commands run, right after.
    queueMicrotask(() => this.afterWait(client, wait));
  }

  private afterWait(client: Client, wait: BlockedWait): void {
    this.forgetEverywhere(wait, wait.generation);
    if (client.heldCommands === wait.held) this.coordinator.releaseHeldCommands(client);
  }

  private forgetEverywhere(wait: BlockedWait, generation: number): void {
    for (const shard of wait.registered) this.forgetOn(shard, wait, generation);
    wait.registered.clear();
  }

  /** Tells `shard` to drop the wait's registration of `generation` (or older). */
  forgetOn(shard: number, wait: BlockedWait, generation: number): void {
    const args = [BLOCK_FORGET, Buffer.from(String(this.thread)), Buffer.from(String(wait.slot)), Buffer.from(String(generation))];
    this.shards.send(shard, wait.db, 2, HOP_INTERNAL, args, args.length, { onReply: NOTHING });
  }

  /** The client's connection closed: its wait ends without a reply. */
  clientClosed(client: Client): void {
    const wait = client.blocked;
    if (wait instanceof BlockedWait) this.end(wait, 'closed');
  }

  /** CLIENT UNBLOCK: true when the client was blocked and is no longer. */
  unblock(client: Client, withError: boolean): boolean {
    const wait = client.blocked;
    return wait instanceof BlockedWait && this.end(wait, withError ? 'unblock-error' : 'timeout');
  }

  /** Shard `peer` restarted: the waits it held died with it, and register again. */
  shardReplaced(peer: number): void {
    for (const wait of this.bySlot) {
      if (wait === undefined || wait.done || !wait.registered.has(peer)) continue;
      if (!this.waitSlots.claim(this.thread, wait.slot, wait.generation)) continue;
      wait.registered.delete(peer);
      this.forgetEverywhere(wait, wait.generation);
      this.attempt(wait);
    }
  }

  private takeSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    return this.bySlot.length < WAIT_SLOTS ? this.bySlot.push(undefined) - 1 : -1;
  }
}
