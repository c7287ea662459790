// Pub/Sub on one thread: who of this thread's clients listens to which
// channel, pattern or shard channel, and the delivery of messages to them,
// whichever thread published.
//
// Registries stay per thread. A PUBLISH delivers to its own thread's
// subscribers at once, and travels as one push frame per other thread that
// may have a subscriber (the hub's push channel, KIND_PUSH): that thread
// delivers to its subscribers and pushes back how many received it, and the
// PUBLISH replies once every thread has answered. Rings are FIFO per pair of
// threads, so one publisher's messages reach every subscriber in publish
// order, and each peer's answers come back in the order of the publishes.
//
// Which threads may have a subscriber: each thread keeps a summary in shared
// memory (its pattern subscriptions, and its channel subscriptions counted in
// hashed buckets), updated before a SUBSCRIBE replies, so a publish that
// follows it (in causal order) sees it. A publish skips threads whose summary
// rules it out, and answers at once when none is left, where a broadcast to
// every thread waits a ring round trip per publish. Measured on the 2-core
// box, 2 shards, redis-benchmark -c 50, PUBLISH to a channel nobody listens
// to: with the summary 212-258k rps at -P 16 (p50 1.5 ms) and 29k rps
// unpipelined (p50 0.8 ms); broadcasting instead 122-163k rps (p50 3.6-4.9
// ms) and 26k rps (p50 1.1 ms). A thread with subscribers still gets every
// publish whose channel shares a bucket: it finds no receiver and answers 0.

import type { Hub } from '../transport/hub.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import { globMatch } from '../store/glob.ts';
import type { BufferLimit } from '../config/buffer-limits.ts';
import type { Client, PendingReply } from './client.ts';
import type { EndOfBatch, GatheredWork } from './end-of-batch.ts';

/** Push slots above every blocked-client wait slot (tx/wait-slots.ts): a message of each kind, and a peer's count of receivers. */
export const PUSH_PUBLISH = 0xffffff00;
export const PUSH_SPUBLISH = 0xffffff01;
export const PUSH_RECEIVERS = 0xffffff02;
/** A message nobody waits to count (keyspace notifications). */
export const PUSH_NOTIFICATION = 0xffffff03;
/** A MONITOR line, for this thread's monitors. */
export const PUSH_MONITOR = 0xffffff04;

const BUCKETS = 1024;
/** Per thread: [0] pattern subscriptions, [1] MONITOR clients, then BUCKETS channel buckets, then BUCKETS shard channel buckets. */
const STRIDE = 2 + 2 * BUCKETS;
const MONITORS = 1;

export function allocatePubsubSummary(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * STRIDE * threads);
}

/** What a subscription names; as an index into per-kind arrays. */
export type SubscriptionKind = 'channel' | 'pattern' | 'shard';
type Kind = 0 | 1 | 2;
const CHANNEL: Kind = 0;
const PATTERN: Kind = 1;
const SHARD: Kind = 2;
const KIND_INDEX: Readonly<Record<SubscriptionKind, Kind>> = { channel: CHANNEL, pattern: PATTERN, shard: SHARD };

const KINDS: readonly Kind[] = [CHANNEL, PATTERN, SHARD];
const REDACTED = Buffer.from(' "(redacted)"');
const CRLF = Buffer.from('\r\n');

/** One argument of a MONITOR line: a space, then the bytes quoted as Redis's sdscatrepr. */
function quoted(arg: Buffer): Buffer {
  let text = ' "';
  for (const byte of arg) {
    if (byte === 0x5c || byte === 0x22) text += `\\${String.fromCharCode(byte)}`;
    else if (byte === 0x0a) text += '\\n';
    else if (byte === 0x0d) text += '\\r';
    else if (byte === 0x09) text += '\\t';
    else if (byte === 0x07) text += '\\a';
    else if (byte === 0x08) text += '\\b';
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return Buffer.from(`${text}"`, 'latin1');
}

/** The arguments MONITOR hides, as Redis redacts them: AUTH's, HELLO's after AUTH. */
function redactedFrom(argv: readonly Buffer[], argc: number): { from: number; to: number } {
  const name = argv[0].toString('latin1').toLowerCase();
  if (name === 'auth') return { from: 1, to: argc };
  if (name === 'hello') {
    for (let i = 1; i + 2 < argc; i++) if (argv[i].toString('latin1').toLowerCase() === 'auth') return { from: i + 1, to: i + 3 };
  }
  return { from: argc, to: argc };
}

const SUBSCRIBE_WORDS = [Buffer.from('subscribe'), Buffer.from('psubscribe'), Buffer.from('ssubscribe')];
const UNSUBSCRIBE_WORDS = [Buffer.from('unsubscribe'), Buffer.from('punsubscribe'), Buffer.from('sunsubscribe')];
const MESSAGE = Buffer.from('message');
const PMESSAGE = Buffer.from('pmessage');
const SMESSAGE = Buffer.from('smessage');

/** What one client of this thread listens to. */
export class ClientSubscriptions {
  /** By kind: channels, patterns, shard channels, each as its bytes in latin1 (one character per byte). */
  readonly sets: [Set<string>, Set<string>, Set<string>] = [new Set(), new Set(), new Set()];

  /** Redis's count in (P)SUBSCRIBE replies: channels and patterns. */
  get channelsAndPatterns(): number {
    return this.sets[0].size + this.sets[1].size;
  }

  get total(): number {
    return this.sets[0].size + this.sets[1].size + this.sets[2].size;
  }
}

/** A pattern's subscribers, with its bytes for matching. */
class PatternEntry {
  readonly pattern: Buffer;
  readonly clients = new Set<Client>();
  constructor(pattern: Buffer) {
    this.pattern = pattern;
  }
}

/** A PUBLISH waiting for the other threads' counts of receivers. */
class PendingPublish {
  readonly reply: PendingReply;
  count: number;
  waiting: number;
  constructor(reply: PendingReply, count: number, waiting: number) {
    this.reply = reply;
    this.count = count;
    this.waiting = waiting;
  }
}

function bucketOf(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return (hash >>> 0) & (BUCKETS - 1);
}

export class Subscriptions implements GatheredWork {
  private readonly thread: number;
  private readonly threads: number;
  private readonly hub: Hub | null;
  private readonly summary: Int32Array;
  /** Where this thread's words start in the summary. */
  private readonly own: number;
  /** Output limits: a subscribed client is of the pubsub class (client-output-buffer-limit pubsub). */
  private readonly normalLimit: BufferLimit;
  private readonly pubsubLimit: BufferLimit;
  /** Writers whose output is a client's own, where a reply may wait for the other threads (not EXEC's). */
  private readonly deferrable: ReplyWriter[];
  private readonly channels = new Map<string, Set<Client>>();
  private readonly patterns = new Map<string, PatternEntry>();
  private readonly shardChannels = new Map<string, Set<Client>>();
  /** Per peer, the publishes waiting for its count, in the order it answers them. */
  private readonly awaiting: PendingPublish[][] = [];
  /** A message as each protocol frames it, reused from message to message. */
  private readonly framed: [ReplyWriter, ReplyWriter] = [new ReplyWriter(256), new ReplyWriter(256)];
  private readonly frame = new ReplyWriter(256);
  private readonly count = Buffer.alloc(4);
  /** Notifications for other threads, sent at the end of the batch. */
  private readonly queuedPeers: number[] = [];
  private readonly queuedPayloads: Buffer[] = [];
  private readonly queuedSlots: number[] = [];
  private readonly endOfBatch: EndOfBatch;
  /** The peers a publish went to, reused from publish to publish. */
  private readonly targets: number[] = [];

  constructor(thread: number, threads: number, hub: Hub | null, endOfBatch: EndOfBatch, summary: SharedArrayBuffer, normalLimit: BufferLimit, pubsubLimit: BufferLimit, scratch: ReplyWriter) {
    this.thread = thread;
    this.endOfBatch = endOfBatch;
    endOfBatch.startsAtEnd(this);
    this.threads = threads;
    this.hub = hub;
    this.summary = new Int32Array(summary);
    this.own = thread * STRIDE;
    // A thread that replaces a dead one starts with no subscriber: the dead one's clients are gone.
    for (let i = 0; i < STRIDE; i++) Atomics.store(this.summary, this.own + i, 0);
    this.normalLimit = normalLimit;
    this.pubsubLimit = pubsubLimit;
    this.deferrable = [scratch];
    this.framed[1].proto = 3;
    for (let peer = 0; peer < threads; peer++) this.awaiting.push([]);
  }

  // --- subscribing ---

  subscribe(client: Client, kindName: SubscriptionKind, names: readonly Buffer[], out: ReplyWriter): void {
    const kind = KIND_INDEX[kindName];
    // Its replies are pushes, which CLIENT REPLY OFF or SKIP does not silence (as Redis's CLIENT_PUSHING).
    client.muted = false;
    const mine = this.subscriptionsOf(client);
    const set = mine.sets[kind];
    for (const name of names) {
      const key = name.toString('latin1');
      if (!set.has(key)) {
        set.add(key);
        this.register(client, kind, key, name);
      }
      this.confirm(out, SUBSCRIBE_WORDS[kind], name, kind === SHARD ? set.size : mine.channelsAndPatterns);
    }
  }

  /** UNSUBSCRIBE and its kin: the names given, or every one of the kind the client has; a reply for each (one with a null name for none). */
  unsubscribe(client: Client, kindName: SubscriptionKind, names: readonly Buffer[], out: ReplyWriter): void {
    const kind = KIND_INDEX[kindName];
    client.muted = false;
    const mine = client.subscriptions;
    const set = mine?.sets[kind];
    const word = UNSUBSCRIBE_WORDS[kind];
    if (names.length === 0) {
      if (mine === null || set === undefined || set.size === 0) {
        this.confirm(out, word, null, kind === SHARD ? 0 : (mine?.channelsAndPatterns ?? 0));
        return;
      }
      for (const key of [...set]) {
        this.drop(client, mine, kind, key);
        this.confirm(out, word, Buffer.from(key, 'latin1'), kind === SHARD ? set.size : mine.channelsAndPatterns);
      }
    } else {
      for (const name of names) {
        const key = name.toString('latin1');
        if (mine !== null) this.drop(client, mine, kind, key);
        this.confirm(out, word, name, mine === null ? 0 : kind === SHARD ? mine.sets[SHARD].size : mine.channelsAndPatterns);
      }
    }
    this.leaveIfDone(client);
  }

  /** The client closed or was RESET: every subscription goes, without replies (and MONITOR ends). */
  forget(client: Client): void {
    if (client.monitoring) this.dropMonitor(client);
    const mine = client.subscriptions;
    if (mine === null) return;
    for (const kind of KINDS) for (const key of [...mine.sets[kind]]) this.drop(client, mine, kind, key);
    this.leaveIfDone(client);
  }

  private subscriptionsOf(client: Client): ClientSubscriptions {
    if (client.subscriptions === null) {
      client.subscriptions = new ClientSubscriptions();
      client.outputLimit = this.pubsubLimit;
    }
    return client.subscriptions;
  }

  private leaveIfDone(client: Client): void {
    if (client.subscriptions === null || client.subscriptions.total !== 0) return;
    client.subscriptions = null;
    client.outputLimit = this.normalLimit;
  }

  private confirm(out: ReplyWriter, word: Buffer, name: Buffer | null, count: number): void {
    out.pushHeader(3);
    out.bulk(word);
    if (name === null) out.nullBulk();
    else out.bulk(name);
    out.integer(count);
  }

  private register(client: Client, kind: Kind, key: string, name: Buffer): void {
    if (kind === PATTERN) {
      let entry = this.patterns.get(key);
      if (entry === undefined) this.patterns.set(key, (entry = new PatternEntry(Buffer.from(name))));
      entry.clients.add(client);
      Atomics.add(this.summary, this.own, 1);
      return;
    }
    const map = kind === CHANNEL ? this.channels : this.shardChannels;
    let clients = map.get(key);
    if (clients === undefined) map.set(key, (clients = new Set()));
    clients.add(client);
    Atomics.add(this.summary, this.bucketWord(this.thread, kind, name), 1);
  }

  private drop(client: Client, mine: ClientSubscriptions, kind: Kind, key: string): void {
    if (!mine.sets[kind].delete(key)) return;
    if (kind === PATTERN) {
      const entry = this.patterns.get(key) as PatternEntry;
      entry.clients.delete(client);
      if (entry.clients.size === 0) this.patterns.delete(key);
      Atomics.sub(this.summary, this.own, 1);
      return;
    }
    const map = kind === CHANNEL ? this.channels : this.shardChannels;
    const clients = map.get(key) as Set<Client>;
    clients.delete(client);
    if (clients.size === 0) map.delete(key);
    Atomics.sub(this.summary, this.bucketWord(this.thread, kind, Buffer.from(key, 'latin1')), 1);
  }

  private bucketWord(thread: number, kind: Kind, name: Uint8Array): number {
    return thread * STRIDE + 2 + (kind === SHARD ? BUCKETS : 0) + bucketOf(name);
  }

  // --- publishing ---

  /**
   * PUBLISH / SPUBLISH from `client`: delivered here at once, pushed to every
   * other thread that may have a receiver. The count of receivers is written
   * to `out` when no other thread is involved; otherwise the reply waits for
   * their counts in the client's reply order. Inside EXEC (`out` is not the
   * client's own) it cannot wait: the other threads' part of the count is
   * their summary's channel subscriptions (pattern receivers not counted).
   */
  publish(client: Client | null, shard: boolean, channel: Buffer, message: Buffer, out: ReplyWriter): void {
    const kind = shard ? SHARD : CHANNEL;
    const here = this.deliver(kind, channel, message);
    const targets = this.targets;
    targets.length = 0;
    let estimate = 0;
    if (this.hub !== null) {
      const bucket = 2 + (shard ? BUCKETS : 0) + bucketOf(channel);
      let payload: Buffer | null = null;
      for (let peer = 0; peer < this.threads; peer++) {
        if (peer === this.thread) continue;
        const listeners = Atomics.load(this.summary, peer * STRIDE + bucket);
        if (listeners === 0 && (shard || Atomics.load(this.summary, peer * STRIDE) === 0)) continue;
        if (payload === null) payload = this.framePayload(channel, message);
        this.hub.sendPush(peer, shard ? PUSH_SPUBLISH : PUSH_PUBLISH, this.thread, payload);
        targets.push(peer);
        estimate += listeners;
      }
    }
    if (targets.length === 0) {
      out.integer(here);
      return;
    }
    if (client === null || (out !== client.out && !this.deferrable.includes(out))) {
      out.integer(here + estimate);
      return;
    }
    const pending = new PendingPublish(client.reserveReply(), here, targets.length);
    for (const peer of targets) this.awaiting[peer].push(pending);
  }

  /**
   * A message published by the server itself (keyspace notifications):
   * delivered everywhere, counted nowhere. It may come while a hop's reply
   * to a peer is being written into the hub: what goes to the other threads
   * waits for the end of the batch (startGathered).
   */
  notify(channel: Buffer, message: Buffer): void {
    this.deliver(CHANNEL, channel, message);
    if (this.hub === null) return;
    const bucket = 2 + bucketOf(channel);
    let payload: Buffer | null = null;
    for (let peer = 0; peer < this.threads; peer++) {
      if (peer === this.thread) continue;
      if (Atomics.load(this.summary, peer * STRIDE + bucket) === 0 && Atomics.load(this.summary, peer * STRIDE) === 0) continue;
      if (payload === null) payload = Buffer.from(this.framePayload(channel, message));
      this.queuedPeers.push(peer);
      this.queuedPayloads.push(payload);
      this.queuedSlots.push(PUSH_NOTIFICATION);
    }
    if (payload !== null) this.endOfBatch.scheduleEndBatch();
  }

  /** The end of a batch: the notifications for other threads go into the hub. */
  startGathered(): void {
    const peers = this.queuedPeers;
    if (peers.length === 0) return;
    const hub = this.hub as Hub;
    for (let i = 0; i < peers.length; i++) hub.sendPush(peers[i], this.queuedSlots[i], this.thread, this.queuedPayloads[i]);
    peers.length = 0;
    this.queuedPayloads.length = 0;
    this.queuedSlots.length = 0;
  }

  /** [u32 channel length][channel][message]. */
  private framePayload(channel: Buffer, message: Buffer): Buffer {
    const frame = this.frame;
    frame.reset();
    frame.ensure(4 + channel.length + message.length);
    frame.buffer.writeUInt32LE(channel.length, 0);
    frame.buffer.set(channel, 4);
    frame.buffer.set(message, 4 + channel.length);
    return frame.buffer.subarray(0, 4 + channel.length + message.length);
  }

  /** A push frame of pub/sub: a message from thread `from`, or a peer's count of receivers. */
  onPush(slot: number, from: number, payload: Buffer): void {
    if (slot === PUSH_MONITOR) {
      this.deliverMonitorLine(payload);
      return;
    }
    if (slot === PUSH_RECEIVERS) {
      const pending = this.awaiting[from].shift();
      if (pending !== undefined) this.settle(pending, payload.readUInt32LE(0));
      return;
    }
    const length = payload.readUInt32LE(0);
    const channel = payload.subarray(4, 4 + length);
    const message = payload.subarray(4 + length);
    const received = this.deliver(slot === PUSH_SPUBLISH ? SHARD : CHANNEL, channel, message);
    if (slot === PUSH_NOTIFICATION) return;
    this.count.writeUInt32LE(received, 0);
    (this.hub as Hub).sendPush(from, PUSH_RECEIVERS, this.thread, this.count);
  }

  private settle(pending: PendingPublish, received: number): void {
    pending.count += received;
    if (--pending.waiting !== 0) return;
    this.frame.reset();
    this.frame.integer(pending.count);
    pending.reply.onReply(this.frame.buffer.subarray(0, this.frame.length));
  }

  /** Peer `peer` died: the publishes it had yet to count get none from it. */
  peerReplaced(peer: number): void {
    for (const pending of this.awaiting[peer].splice(0)) this.settle(pending, 0);
  }

  /** Delivers to this thread's subscribers; the number of deliveries. */
  private deliver(kind: Kind, channel: Buffer, message: Buffer): number {
    let received = 0;
    const clients = (kind === SHARD ? this.shardChannels : this.channels).get(channel.toString('latin1'));
    if (clients !== undefined) {
      this.frameMessage(kind === SHARD ? SMESSAGE : MESSAGE, null, channel, message);
      for (const client of clients) received += this.send(client);
    }
    if (kind === CHANNEL && this.patterns.size !== 0) {
      for (const entry of this.patterns.values()) {
        if (!globMatch(entry.pattern, channel)) continue;
        this.frameMessage(PMESSAGE, entry.pattern, channel, message);
        for (const client of entry.clients) received += this.send(client);
      }
    }
    return received;
  }

  private frameMessage(word: Buffer, pattern: Buffer | null, channel: Buffer, message: Buffer): void {
    for (const out of this.framed) {
      out.reset();
      out.pushHeader(pattern === null ? 3 : 4);
      out.bulk(word);
      if (pattern !== null) out.bulk(pattern);
      out.bulk(channel);
      out.bulk(message);
    }
  }

  private send(client: Client): number {
    if (client.closed) return 0;
    const out = this.framed[client.proto === 3 ? 1 : 0];
    client.reply(out.buffer.subarray(0, out.length));
    client.requestFlush();
    return 1;
  }

  // --- MONITOR ---

  private readonly monitors = new Set<Client>();
  private readonly monitorLine = new ReplyWriter(256);

  /** MONITOR: the client hears every command of every thread from now on. */
  addMonitor(client: Client): void {
    if (this.monitors.has(client)) return;
    this.monitors.add(client);
    client.monitoring = true;
    Atomics.add(this.summary, this.own + MONITORS, 1);
  }

  private dropMonitor(client: Client): void {
    if (!this.monitors.delete(client)) return;
    client.monitoring = false;
    Atomics.sub(this.summary, this.own + MONITORS, 1);
  }

  /** Whether some thread has a MONITOR client: the dispatcher's one check per command. */
  get monitored(): boolean {
    for (let thread = 0; thread < this.threads; thread++) if (Atomics.load(this.summary, thread * STRIDE + MONITORS) !== 0) return true;
    return false;
  }

  /** A command run in `db` from `source` (a client's address, or lua), as Redis's MONITOR line, to every thread's monitors (AUTH's secrets hidden) but `except`. */
  feedMonitors(db: number, source: string, argv: readonly Buffer[], argc: number, except: Client | null = null): void {
    const line = this.monitorLine;
    line.reset();
    const now = Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
    line.raw(Buffer.from(`+${Math.floor(now / 1e6)}.${String(now % 1e6).padStart(6, '0')} [${db} ${source}]`, 'latin1'));
    const hidden = redactedFrom(argv, argc);
    for (let i = 0; i < argc; i++) line.raw(i >= hidden.from && i < hidden.to ? REDACTED : quoted(argv[i]));
    line.raw(CRLF);
    const bytes = line.buffer.subarray(0, line.length);
    for (const monitor of this.monitors) {
      if (monitor.closed || monitor === except) continue;
      monitor.reply(bytes);
      monitor.requestFlush();
    }
    if (this.hub === null) return;
    let payload: Buffer | null = null;
    for (let peer = 0; peer < this.threads; peer++) {
      if (peer === this.thread || Atomics.load(this.summary, peer * STRIDE + MONITORS) === 0) continue;
      payload ??= Buffer.from(bytes);
      this.queuedPeers.push(peer);
      this.queuedPayloads.push(payload);
      this.queuedSlots.push(PUSH_MONITOR);
    }
    if (payload !== null) this.endOfBatch.scheduleEndBatch();
  }

  private deliverMonitorLine(line: Buffer): void {
    for (const monitor of this.monitors) {
      if (monitor.closed) continue;
      monitor.reply(line);
      monitor.requestFlush();
    }
  }

  // --- PUBSUB's per-thread parts ---

  /** This thread's channels (or shard channels) with subscribers, matching `pattern` when given. */
  channelNames(shard: boolean, pattern: Buffer | null): Buffer[] {
    const names: Buffer[] = [];
    for (const key of (shard ? this.shardChannels : this.channels).keys()) {
      const name = Buffer.from(key, 'latin1');
      if (pattern === null || globMatch(pattern, name)) names.push(name);
    }
    return names;
  }

  subscriberCount(shard: boolean, channel: Buffer): number {
    return (shard ? this.shardChannels : this.channels).get(channel.toString('latin1'))?.size ?? 0;
  }

  patternNames(): Buffer[] {
    return [...this.patterns.values()].map((entry) => entry.pattern);
  }

  /** INFO's pubsub_channels / pubsub_patterns of this thread. */
  get channelCount(): number {
    return this.channels.size;
  }

  get patternCount(): number {
    return this.patterns.size;
  }
}
