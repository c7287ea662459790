// Client-side caching (CLIENT TRACKING) on one thread: which keys this
// thread's clients read, and the invalidation messages sent to them when a
// key changes on any shard.
//
// A key is remembered on the thread of the client that read it (the
// dispatcher sees every read of its clients, wherever the key lives). A key
// changed on a shard is invalidated there and on every other thread that may
// track it: each thread keeps a summary in shared memory (its keys counted in
// hashed buckets, and its BCAST clients), so a write pushes the key only to
// the threads whose summary does not rule it out, one push frame per thread
// at the end of the batch (the hub's push channel, as Pub/Sub's messages). A
// thread updates its table at once and delivers at the end of the batch, so
// an invalidation follows the reply of the command that caused it.
//
// Delivery as Redis's sendTrackingMessage: a RESP3 push `invalidate` to the
// client, or to its REDIRECT client (on whichever thread it is) as that
// push in RESP3 or a `__redis__:invalidate` message in RESP2 while it is
// subscribed. A redirect client gone answers `tracking-redir-broken` to the
// tracking client. A flush invalidates everything with a null: every shard
// runs its part of FLUSHDB / FLUSHALL, so each thread tells its own clients.
//
// NOLOOP needs the writer: a command run on the client's thread knows it,
// and a command a NOLOOP client sends to another shard carries its id
// (HOP_CALLER, shard/hop-format.ts); a transaction's parts do not.

import type { Hub } from '../transport/hub.ts';
import type { Client } from './client.ts';
import type { EndOfBatch, GatheredWork } from './end-of-batch.ts';
import type { TrackingOptions } from '../commands/client.ts';

/** Push slots of tracking, after Pub/Sub's (server/subscriptions.ts): keys changed on a peer's shard, an invalidation for a redirect client, a redirect found gone. */
export const PUSH_INVALIDATE = 0xffffff08;
export const PUSH_REDIRECTED = 0xffffff09;
export const PUSH_REDIRECT_BROKEN = 0xffffff0a;
/** Keys a client of the receiving thread read in a script that ran on the sender's shard. */
export const PUSH_REMEMBER = 0xffffff0b;

const BUCKETS = 1024;
/** Word 0: tracking clients of every thread. Then per thread: its tracking clients, BCAST clients, keys, items, prefixes, then BUCKETS key buckets. */
const HEADER = 1;
const CLIENTS = 0;
const BCAST_CLIENTS = 1;
const KEYS = 2;
const ITEMS = 3;
const PREFIXES = 4;
const FIELDS = 5;
const STRIDE = FIELDS + BUCKETS;

export function allocateTrackingSummary(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (HEADER + STRIDE * threads));
}

function bucketOf(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return (hash >>> 0) & (BUCKETS - 1);
}

/** A client's CLIENT TRACKING state (null on the client when tracking is off). */
export class ClientTracking {
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command or transaction. */
  caching = false;
  /** The client invalidations go to (0: this one), and its thread. */
  redirect = 0;
  redirectThread = -1;
  brokenRedirect = false;
  /** BCAST prefixes, latin1. */
  readonly prefixes: string[] = [];
  /**
   * Keys an EXEC of the client reads after writing them itself, with the
   * count of those writes: their invalidations (they come after the EXEC)
   * are not sent, and the key stays tracked, as Redis tracks the read that
   * followed them.
   */
  readonly ownWritesBeforeRead = new Map<string, number>();
}

/** A BCAST prefix: its clients, and the keys changed under it since the last broadcast, with who changed them (0: unknown). */
class PrefixState {
  readonly prefix: Buffer;
  readonly clients = new Set<Client>();
  readonly keys = new Map<string, number>();
  constructor(prefix: Buffer) {
    this.prefix = prefix;
  }
}

const INVALIDATE = Buffer.from('>2\r\n$10\r\ninvalidate\r\n');
const INVALIDATE_MESSAGE = Buffer.from('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n');
const NULL2 = Buffer.from('$-1\r\n');
const NULL3 = Buffer.from('_\r\n');

function keysArray(keys: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${keys.length}\r\n`)];
  for (const key of keys) parts.push(Buffer.from(`$${key.length}\r\n`), key, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

export class Tracking implements GatheredWork {
  private readonly thread: number;
  private readonly threads: number;
  private readonly hub: Hub | null;
  private readonly endOfBatch: EndOfBatch;
  private readonly summary: Int32Array;
  private readonly own: number;
  private readonly clients: Map<number, Client>;
  /** Default mode: key (latin1) → ids of this thread's clients that read it. */
  private readonly table = new Map<string, Set<number>>();
  private items = 0;
  private readonly prefixes = new Map<string, PrefixState>();
  /** Invalidations to deliver at the end of the batch: client and RESP value. */
  private readonly pendingClients: Client[] = [];
  private readonly pendingValues: Buffer[] = [];
  private bcastPending = false;
  /** Per peer: keys changed here it may track, as [u32 writer][u32 length][key] entries. */
  private readonly outgoing: Buffer[][] = [];
  /** Redirected invalidations and broken-redirect answers for other threads. */
  private readonly queuedPeers: number[] = [];
  private readonly queuedSlots: number[] = [];
  private readonly queuedPayloads: Buffer[] = [];
  /** tracking-table-max-keys; 0: no limit. */
  maxKeys = 1_000_000;
  private limitEffort = 0;

  constructor(thread: number, threads: number, hub: Hub | null, endOfBatch: EndOfBatch, summary: SharedArrayBuffer, clients: Map<number, Client>) {
    this.thread = thread;
    this.threads = threads;
    this.hub = hub;
    this.endOfBatch = endOfBatch;
    endOfBatch.startsAtEnd(this);
    this.summary = new Int32Array(summary);
    this.own = HEADER + thread * STRIDE;
    this.clients = clients;
    // A thread that replaces a dead one starts with none: the dead one's clients are gone.
    Atomics.sub(this.summary, 0, Atomics.load(this.summary, this.own + CLIENTS));
    for (let i = 0; i < STRIDE; i++) Atomics.store(this.summary, this.own + i, 0);
    for (let peer = 0; peer < threads; peer++) this.outgoing.push([]);
  }

  /** Whether any client of any thread tracks: the invoker's one check per command. */
  get anywhere(): boolean {
    return Atomics.load(this.summary, 0) !== 0;
  }

  /** Whether a client of this thread tracks. */
  get here(): boolean {
    return Atomics.load(this.summary, this.own + CLIENTS) !== 0;
  }

  // --- turning it on and off ---

  enable(client: Client, options: TrackingOptions): void {
    let state = client.tracking;
    if (state === null) {
      state = client.tracking = new ClientTracking();
      this.count(CLIENTS, 1);
      Atomics.add(this.summary, 0, 1);
    }
    state.brokenRedirect = false;
    state.redirect = options.redirect;
    state.redirectThread = options.redirectThread;
    state.optin = options.optin;
    state.optout = options.optout;
    state.noloop = options.noloop;
    if (options.bcast) {
      if (!state.bcast) this.count(BCAST_CLIENTS, 1);
      state.bcast = true;
      if (options.prefixes.length === 0) this.addPrefix(client, state, Buffer.alloc(0));
      for (const prefix of options.prefixes) this.addPrefix(client, state, prefix);
    }
  }

  disable(client: Client): void {
    const state = client.tracking;
    if (state === null) return;
    for (const key of state.prefixes) {
      const prefix = this.prefixes.get(key) as PrefixState;
      prefix.clients.delete(client);
      if (prefix.clients.size === 0) {
        this.prefixes.delete(key);
        this.count(PREFIXES, -1);
      }
    }
    if (state.bcast) this.count(BCAST_CLIENTS, -1);
    this.count(CLIENTS, -1);
    Atomics.sub(this.summary, 0, 1);
    client.tracking = null;
  }

  private addPrefix(client: Client, state: ClientTracking, prefix: Buffer): void {
    const key = prefix.toString('latin1');
    let entry = this.prefixes.get(key);
    if (entry === undefined) {
      this.prefixes.set(key, (entry = new PrefixState(Buffer.from(prefix))));
      this.count(PREFIXES, 1);
    }
    if (entry.clients.has(client)) return;
    entry.clients.add(client);
    state.prefixes.push(key);
  }

  private count(field: number, change: number): void {
    Atomics.add(this.summary, this.own + field, change);
  }

  // --- reads ---

  /**
   * The keys a read-only command of a default-mode client reads are
   * remembered, unless OPTIN without CACHING YES or OPTOUT with CACHING NO.
   */
  remember(client: Client, keys: readonly Buffer[]): void {
    const state = client.tracking;
    if (state === null || state.bcast || keys.length === 0) return;
    if ((state.optin && !state.caching) || (state.optout && state.caching)) return;
    for (const key of keys) this.track(key.toString('latin1'), key, client.id);
  }

  private track(name: string, key: Uint8Array, id: number): void {
    let ids = this.table.get(name);
    if (ids === undefined) {
      this.table.set(name, (ids = new Set()));
      this.count(KEYS, 1);
      Atomics.add(this.summary, this.own + FIELDS + bucketOf(key), 1);
    }
    if (!ids.has(id)) {
      ids.add(id);
      this.items++;
      this.count(ITEMS, 1);
    }
  }

  /** `remember` for client `id` of thread `thread` (a script of it ran here). */
  rememberFor(thread: number, id: number, keys: readonly Buffer[]): void {
    if (thread === this.thread || this.hub === null) {
      const client = this.clients.get(id);
      if (client !== undefined) this.remember(client, keys);
      return;
    }
    const parts: Buffer[] = [Buffer.alloc(4)];
    parts[0].writeUInt32LE(id, 0);
    for (const key of keys) {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(key.length, 0);
      parts.push(length, key);
    }
    this.queue(thread, PUSH_REMEMBER, Buffer.concat(parts));
  }

  /** Redis's trackingLimitUsedSlots: past tracking-table-max-keys, keys are invalidated until under it again, with more effort each time it is not enough. */
  enforceLimit(): void {
    if (this.maxKeys === 0 || this.table.size <= this.maxKeys) {
      this.limitEffort = 0;
      return;
    }
    let effort = 100 * (this.limitEffort + 1);
    this.limitEffort++;
    for (const name of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateTracked(name, 0);
      if (this.table.size <= this.maxKeys) {
        this.limitEffort = 0;
        break;
      }
    }
    // Before the command about to run replies, as Redis does it before running one.
    this.deliver();
  }

  // --- writes ---

  /**
   * A key changed on this thread's shard, by client `writer` (0: not a
   * client's command, or unknown): invalidated here, and pushed to every
   * other thread that may track it. `now`: delivered at once (a key evicted
   * before a command replies), else at the end of the batch.
   */
  keyChanged(key: Uint8Array, writer: number, now = false): void {
    const bytes = Buffer.from(key);
    this.invalidateHere(bytes, writer);
    if (now) this.deliver();
    if (this.hub === null) return;
    const bucket = FIELDS + bucketOf(bytes);
    let entry: Buffer | null = null;
    for (let peer = 0; peer < this.threads; peer++) {
      if (peer === this.thread) continue;
      const base = HEADER + peer * STRIDE;
      if (Atomics.load(this.summary, base + CLIENTS) === 0) continue;
      if (Atomics.load(this.summary, base + bucket) === 0 && Atomics.load(this.summary, base + BCAST_CLIENTS) === 0) continue;
      if (entry === null) {
        entry = Buffer.allocUnsafe(8 + bytes.length);
        entry.writeUInt32LE(writer, 0);
        entry.writeUInt32LE(bytes.length, 4);
        entry.set(bytes, 8);
      }
      this.outgoing[peer].push(entry);
    }
    if (entry !== null) this.endOfBatch.scheduleEndBatch();
  }

  /** The table's part of a change: default-mode readers invalidated, BCAST prefixes noted. */
  private invalidateHere(key: Buffer, writer: number): void {
    if (!this.here) return;
    if (this.prefixes.size !== 0) {
      const name = key.toString('latin1');
      for (const prefix of this.prefixes.values()) {
        if (prefix.prefix.length > key.length || !key.subarray(0, prefix.prefix.length).equals(prefix.prefix)) continue;
        prefix.keys.set(name, writer);
        this.bcastPending = true;
      }
      if (this.bcastPending) this.endOfBatch.scheduleEndBatch();
    }
    if (this.table.size !== 0) this.invalidateTracked(key.toString('latin1'), writer);
  }

  /** Redis's trackingInvalidateKey: every reader told (but a NOLOOP writer), and the key forgotten. */
  private invalidateTracked(name: string, writer: number): void {
    const ids = this.table.get(name);
    if (ids === undefined) return;
    let value: Buffer | null = null;
    let kept: number[] | null = null;
    for (const id of ids) {
      const client = this.clients.get(id);
      const state = client?.tracking;
      if (client === undefined || state === null || state === undefined || state.bcast) continue;
      const ownWrites = id === writer ? (state.ownWritesBeforeRead.get(name) ?? 0) : 0;
      if (ownWrites !== 0) {
        if (ownWrites === 1) state.ownWritesBeforeRead.delete(name);
        else state.ownWritesBeforeRead.set(name, ownWrites - 1);
        (kept ??= []).push(id);
        continue;
      }
      if (state.noloop && id === writer) continue;
      value ??= keysArray([Buffer.from(name, 'latin1')]);
      this.pendingClients.push(client);
      this.pendingValues.push(value);
    }
    this.items -= ids.size;
    this.count(ITEMS, -ids.size);
    this.table.delete(name);
    this.count(KEYS, -1);
    const key = Buffer.from(name, 'latin1');
    Atomics.sub(this.summary, this.own + FIELDS + bucketOf(key), 1);
    if (kept !== null) for (const id of kept) this.track(name, key, id);
    if (value !== null) this.endOfBatch.scheduleEndBatch();
  }

  /** FLUSHDB / FLUSHALL ran on this thread's shard: every tracking client of the thread is told with a null, and the table is emptied. */
  flushed(): void {
    if (this.here) {
      for (const client of this.clients.values()) {
        if (client.tracking === null) continue;
        this.pendingClients.push(client);
        this.pendingValues.push(client.proto === 3 ? NULL3 : NULL2);
      }
    }
    if (this.table.size === 0) return;
    for (const name of this.table.keys()) Atomics.sub(this.summary, this.own + FIELDS + bucketOf(Buffer.from(name, 'latin1')), 1);
    this.count(KEYS, -this.table.size);
    this.count(ITEMS, -this.items);
    this.table.clear();
    this.items = 0;
    this.endOfBatch.scheduleEndBatch();
  }

  // --- the end of a batch ---

  startGathered(): void {
    if (this.bcastPending) this.broadcast();
    if (this.pendingClients.length !== 0) this.deliver();
    if (this.hub === null) return;
    for (let peer = 0; peer < this.threads; peer++) {
      const entries = this.outgoing[peer];
      if (entries.length === 0) continue;
      this.hub.sendPush(peer, PUSH_INVALIDATE, this.thread, entries.length === 1 ? entries[0] : Buffer.concat(entries));
      entries.length = 0;
    }
    const peers = this.queuedPeers;
    for (let i = 0; i < peers.length; i++) this.hub.sendPush(peers[i], this.queuedSlots[i], this.thread, this.queuedPayloads[i]);
    peers.length = 0;
    this.queuedSlots.length = 0;
    this.queuedPayloads.length = 0;
  }

  /** Redis's trackingBroadcastInvalidationMessages: one message per prefix with its keys changed, a NOLOOP client's own changes left out. */
  private broadcast(): void {
    this.bcastPending = false;
    for (const prefix of this.prefixes.values()) {
      if (prefix.keys.size === 0) continue;
      const names = [...prefix.keys.keys()].sort();
      let all: Buffer | null = null;
      for (const client of prefix.clients) {
        if (client.closed || client.tracking === null) continue;
        if (client.tracking.noloop) {
          const own = names.filter((name) => prefix.keys.get(name) !== client.id);
          if (own.length !== 0) this.send(client, keysArray(own.map((name) => Buffer.from(name, 'latin1'))));
        } else {
          all ??= keysArray(names.map((name) => Buffer.from(name, 'latin1')));
          this.send(client, all);
        }
      }
      prefix.keys.clear();
    }
  }

  private deliver(): void {
    const clients = this.pendingClients;
    const values = this.pendingValues;
    for (let i = 0; i < clients.length; i++) if (!clients[i].closed && clients[i].tracking !== null) this.send(clients[i], values[i]);
    clients.length = 0;
    values.length = 0;
  }

  /** Redis's sendTrackingMessage: `value` (the keys' array, or a null) to the client, or to its redirect. */
  private send(client: Client, value: Buffer): void {
    const state = client.tracking as ClientTracking;
    if (state.redirect === 0) {
      if (client.proto === 3) this.push(client, INVALIDATE, value);
      return;
    }
    if (state.redirectThread === this.thread || this.hub === null) {
      this.redirected(state.redirect, client.id, this.thread, value);
      return;
    }
    const payload = Buffer.allocUnsafe(8 + value.length);
    payload.writeUInt32LE(state.redirect, 0);
    payload.writeUInt32LE(client.id, 4);
    payload.set(value, 8);
    this.queue(state.redirectThread, PUSH_REDIRECTED, payload);
  }

  /** An invalidation for redirect client `target` of this thread, from tracking client `origin` of thread `from`. */
  private redirected(target: number, origin: number, from: number, value: Buffer): void {
    const client = this.clients.get(target);
    if (client === undefined || client.closed) {
      if (from === this.thread) this.redirectBroken(origin, target);
      else {
        const payload = Buffer.allocUnsafe(8);
        payload.writeUInt32LE(origin, 0);
        payload.writeUInt32LE(target, 4);
        this.queue(from, PUSH_REDIRECT_BROKEN, payload);
      }
      return;
    }
    if (client.proto === 3) this.push(client, INVALIDATE, value);
    else if (client.subscriptions !== null) this.push(client, INVALIDATE_MESSAGE, value);
  }

  private redirectBroken(origin: number, target: number): void {
    const client = this.clients.get(origin);
    const state = client?.tracking;
    if (client === undefined || client.closed || state === null || state === undefined || state.redirect !== target) return;
    state.brokenRedirect = true;
    if (client.proto === 3) {
      client.reply(Buffer.from(`>2\r\n$21\r\ntracking-redir-broken\r\n:${target}\r\n`));
      client.requestFlush();
    }
  }

  private push(client: Client, head: Buffer, value: Buffer): void {
    client.reply(head);
    client.reply(value);
    client.requestFlush();
  }

  private queue(peer: number, slot: number, payload: Buffer): void {
    this.queuedPeers.push(peer);
    this.queuedSlots.push(slot);
    this.queuedPayloads.push(payload);
    this.endOfBatch.scheduleEndBatch();
  }

  /** A tracking push frame from thread `from`. */
  onPush(slot: number, from: number, payload: Buffer): void {
    if (slot === PUSH_INVALIDATE) {
      for (let at = 0; at < payload.length; ) {
        const writer = payload.readUInt32LE(at);
        const length = payload.readUInt32LE(at + 4);
        this.invalidateHere(payload.subarray(at + 8, at + 8 + length), writer);
        at += 8 + length;
      }
      // At once: the push comes after the replies its shard sent before it, and before those it sends after
      // (a command another shard evicted for: its reply must follow the invalidation).
      this.deliver();
    } else if (slot === PUSH_REDIRECTED) {
      this.redirected(payload.readUInt32LE(0), payload.readUInt32LE(4), from, Buffer.from(payload.subarray(8)));
    } else if (slot === PUSH_REDIRECT_BROKEN) {
      this.redirectBroken(payload.readUInt32LE(0), payload.readUInt32LE(4));
    } else if (slot === PUSH_REMEMBER) {
      const client = this.clients.get(payload.readUInt32LE(0));
      if (client === undefined) return;
      const keys: Buffer[] = [];
      for (let at = 4; at < payload.length; ) {
        const length = payload.readUInt32LE(at);
        keys.push(Buffer.from(payload.subarray(at + 4, at + 4 + length)));
        at += 4 + length;
      }
      this.remember(client, keys);
    }
  }

  // --- INFO ---

  /** INFO's tracking_clients, tracking_total_keys, tracking_total_items, tracking_total_prefixes of this thread (INFO sums the threads). */
  get infoFields(): [string, number][] {
    return [
      ['tracking_clients', Atomics.load(this.summary, this.own + CLIENTS)],
      ['tracking_total_keys', this.table.size],
      ['tracking_total_items', this.items],
      ['tracking_total_prefixes', this.prefixes.size],
    ];
  }
}
