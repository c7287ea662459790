// One client connection: its socket, parser, protocol state, and the queue
// that keeps replies in request order while some are computed on other shards.

import type { Socket } from 'node:net';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import type { ThreadStats } from './server-context.ts';
import type { RequestParser } from '../protocol/request-parser.ts';
import type { CommandSpec } from '../commands/command.ts';
import type { BufferLimit } from '../config/buffer-limits.ts';
import type { ClientSubscriptions } from './subscriptions.ts';
import type { ClientTracking } from './tracking.ts';
import { log } from '../util/log.ts';
import { BIG_BUFFER_BYTES, released, releasedBuffer } from '../util/memory-release.ts';

/** A command queued between MULTI and EXEC, with its own copy of the arguments. */
export interface QueuedCommand {
  spec: CommandSpec;
  argv: Buffer[];
}

/** A key the client WATCHes, in the database it was watched in. */
export interface WatchedKey {
  db: number;
  key: Buffer;
}

/** How long a connection closed after its last reply waits for the client to close its side. */
const CLOSE_LINGER_MS = 1000;
/** Stops reading from a client whose unread replies pass this, until they drain below it. */
const OUTPUT_HIGH_WATER = 64 * 1024 * 1024;
/**
 * ...or that has this many replies still to come from other shards: their
 * size is not known until they come, and a client that pipelines without
 * reading would otherwise have the shards compute without bound.
 */
const MAX_REPLIES_IN_FLIGHT = 1024;

/** The data of a pending reply already written to the output. */
const WRITTEN = Buffer.alloc(0);

/** A reply that will be computed elsewhere (another shard, or several). */
export class PendingReply {
  data: Buffer | null = null;
  next: PendingReply | null = null;
  readonly client: Client;
  /** Reserved by a command whose reply CLIENT REPLY turned off: it keeps its place, empty. */
  muted = false;
  constructor(client: Client) {
    this.client = client;
  }

  /**
   * Takes the finished reply and sends every reply now complete in order: the
   * first one waiting goes straight into the output, a later one is copied.
   */
  onReply(reply: Uint8Array): void {
    const client = this.client;
    client.repliesInFlight--;
    // A closed client's replies are dropped as they come: nothing keeps them.
    if (client.closed) return;
    if (this.muted) reply = WRITTEN;
    if (client.isNextReply(this)) {
      client.out.raw(reply);
      this.data = WRITTEN;
    } else {
      this.data = Buffer.from(reply);
      client.pendingBytes += this.data.length;
    }
    client.releaseCompleted();
  }
}

export class Client {
  readonly id: number;
  readonly socket: Socket;
  readonly out = new ReplyWriter();
  parser!: RequestParser;
  name = '';
  db = 0;
  proto: Protocol = 2;
  authenticated: boolean;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** Set while what it sent is being run (a script among it may read other clients' sockets meanwhile, never this one's). */
  feeding = false;
  lastCommand = 'NULL';
  readonly addr: string;
  readonly laddr: string;
  libName = '';
  libVersion = '';
  /** CLIENT NO-EVICT ON: never evicted for memory (flag 'e' in CLIENT LIST). */
  noEvict = false;
  /** CLIENT REPLY OFF: no command is answered. */
  repliesOff = false;
  /** CLIENT REPLY SKIP: the next command is not answered. */
  skipNextReply = false;
  /** Set while a command runs unanswered (CLIENT REPLY ON clears it, to answer itself). */
  muted = false;
  /** Close once the replies queued so far are written (QUIT, protocol errors). */
  closeAfterReply = false;
  /** Set by closeWhenAnswered while commands are held back: close once they have replied (and `lastReply` after them). */
  private closeAfterHeld = false;
  private lastReply: Uint8Array | null = null;
  closed = false;
  private firstPending: PendingReply | null = null;
  private lastPending: PendingReply | null = null;
  /** Set while queued for the thread's end-of-batch flush. */
  flushQueued = false;
  /**
   * Commands that arrived while a multi-shard transaction of this client was
   * being scheduled: they run once it holds its locks, so none overtakes it.
   * Null when nothing is held back.
   */
  heldCommands: Buffer[][] | null = null;
  /** The blocking command (BLPOP...) the client waits in (server/blocked-clients.ts); null when it is not blocked. */
  blocked: object | null = null;
  /** Bytes of the commands held while it is blocked (bounded by client-query-buffer-limit). */
  heldBytes = 0;
  /** Inside MULTI: the commands queued for EXEC. Null outside MULTI. */
  queued: QueuedCommand[] | null = null;
  /** A command was refused while queueing: EXEC answers EXECABORT. */
  queueFailed = false;
  /** The keys WATCHed since the last EXEC, DISCARD, UNWATCH or RESET. */
  watched: WatchedKey[] = [];
  /**
   * The shards' name for the current set of `watched` keys: a fresh id (from
   * the client id sequence) each time the set starts again, so that a late
   * check or clear of an earlier set cannot forget a key watched after it.
   */
  watchId = 0;
  /**
   * A shard holding one of `watched` restarted since: its records of them,
   * and whether they changed, died with its thread, so EXEC fails.
   */
  watchLost = false;

  /** The owning thread's counters (reply bytes go to INFO total_net_output_bytes). */
  private readonly threadStats: ThreadStats;
  /** Bytes of replies that came back from shards and wait for an earlier one (reply order). */
  pendingBytes = 0;
  /** Replies reserved and not come back yet (from other shards, or from a transaction). */
  repliesInFlight = 0;
  /** client-output-buffer-limit of the client's class (normal, or pubsub while subscribed): the thread's, kept current by CONFIG SET. */
  outputLimit: BufferLimit;
  /** The channels, patterns and shard channels it listens to (server/subscriptions.ts); null when none. */
  subscriptions: ClientSubscriptions | null = null;
  /** MONITOR: it is sent every command of every thread. */
  monitoring = false;
  /** CLIENT TRACKING ON: its state (server/tracking.ts); null when off. */
  tracking: ClientTracking | null = null;
  /** When the soft output limit was first passed (0: it is not passed now). */
  private softLimitSince = 0;

  constructor(id: number, socket: Socket, authenticated: boolean, threadStats: ThreadStats, outputLimit: BufferLimit) {
    this.threadStats = threadStats;
    this.outputLimit = outputLimit;
    this.id = id;
    this.socket = socket;
    this.authenticated = authenticated;
    this.addr = formatAddress(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddress(socket.localAddress, socket.localPort);
  }

  /** Closes the connection now, dropping unsent replies (CLIENT KILL from another client). */
  kill(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** `pending` is the first reply still to come: nothing waits before it. */
  isNextReply(pending: PendingReply): boolean {
    return this.firstPending === pending;
  }

  hasPending(): boolean {
    return this.firstPending !== null;
  }

  /** Called once, when no reply is pending any more (a command waiting for the ones before it). */
  whenAnswered: (() => void) | null = null;

  /** The first place in the reply order still to be written (null when none is pending). */
  get firstReserved(): PendingReply | null {
    return this.firstPending;
  }

  /** The last place reserved in the reply order (null when none is pending). */
  get lastReserved(): PendingReply | null {
    return this.lastPending;
  }

  /** A place in the reply order for a reply that comes later. */
  reserveReply(): PendingReply {
    this.repliesInFlight++;
    const pending = new PendingReply(this);
    if (this.lastPending === null) this.firstPending = pending;
    else this.lastPending.next = pending;
    this.lastPending = pending;
    return pending;
  }

  /** Queues a reply already in RESP form, after every reply still pending. */
  reply(bytes: Uint8Array): void {
    if (this.firstPending === null) this.out.raw(bytes);
    else this.reserveReply().onReply(bytes);
  }

  /**
   * Ends the connection once every command read so far has replied, then
   * `lastReply` (a protocol error's): at once, or, while commands are held
   * back (heldCommands), after they ran and replied.
   */
  closeWhenAnswered(lastReply: Uint8Array | null): void {
    if (this.heldCommands !== null) {
      this.closeAfterHeld = true;
      // The end of the stream after a protocol error keeps the error's reply.
      if (lastReply !== null) this.lastReply = lastReply;
      return;
    }
    if (lastReply !== null) this.reply(lastReply);
    this.closeAfterReply = true;
  }

  /** Called once the held commands were dispatched: a close asked for meanwhile now waits only for their replies. */
  heldCommandsReleased(): void {
    if (!this.closeAfterHeld || this.heldCommands !== null) return;
    this.closeAfterHeld = false;
    const lastReply = this.lastReply;
    this.lastReply = null;
    this.closeWhenAnswered(lastReply);
  }

  /** Moves every completed reply at the head of the queue into the output buffer. */
  releaseCompleted(): void {
    let pending = this.firstPending;
    while (pending !== null && pending.data !== null) {
      this.out.raw(pending.data);
      this.pendingBytes -= pending.data.length;
      releasedBuffer(pending.data);
      pending = pending.next;
    }
    this.firstPending = pending;
    if (pending === null) {
      this.lastPending = null;
      const whenAnswered = this.whenAnswered;
      this.whenAnswered = null;
      if (whenAnswered !== null) whenAnswered();
    }
    this.requestFlush();
  }

  /** Set by the owning thread: called when the client has output to flush. */
  requestFlush: () => void = () => {};

  /** Set by the owning thread: called when the connection is closed after its last reply, before its socket is gone. */
  whenClosing: () => void = () => {};

  /** Set by the owning thread: forgets the watched keys on every shard that holds them. */
  unwatchAll: () => void = () => {};

  /** Leaves MULTI, dropping what was queued, and unwatches every key (DISCARD, RESET, EXECABORT, a closed connection). */
  endTransaction(): void {
    this.queued = null;
    this.queueFailed = false;
    if (this.watched.length !== 0) this.unwatchAll();
  }

  /**
   * The bytes of replies the client has not read: written to the socket,
   * buffered here, and come back from other shards waiting for their turn
   * (CLIENT LIST omem; what the output limits and read pausing count).
   */
  outputBytes(): number {
    return this.socket.writableLength + this.out.length + this.pendingBytes;
  }

  /** Bytes of the commands queued in MULTI (CLIENT LIST multi-mem). */
  queuedBytes(): number {
    let bytes = 0;
    if (this.queued !== null) for (const command of this.queued) for (const arg of command.argv) bytes += arg.length;
    return bytes;
  }

  /**
   * Every byte held for this client: its query buffer, its reply buffer and
   * what it is owed beyond it, its MULTI queue (CLIENT LIST tot-mem, INFO
   * mem_clients_normal, maxmemory-clients).
   */
  memoryUsage(): number {
    return this.parser.bufferedBytes() + this.out.buffer.length + this.socket.writableLength + this.pendingBytes + this.queuedBytes();
  }

  /** Stops reading from a client that does not read its replies; flush and the socket's drain resume it. */
  throttleReads(): void {
    if (this.outputBytes() > OUTPUT_HIGH_WATER || this.repliesInFlight > MAX_REPLIES_IN_FLIGHT) this.socket.pause();
  }

  resumeReads(): void {
    if (!this.closed && this.socket.isPaused() && this.outputBytes() <= OUTPUT_HIGH_WATER && this.repliesInFlight <= MAX_REPLIES_IN_FLIGHT) this.socket.resume();
  }

  /** Redis's checkClientOutputBufferLimits: the hard limit passed, or the soft one for longer than its seconds. */
  private overOutputLimit(): boolean {
    const { hard, soft, softSeconds } = this.outputLimit;
    if (hard === 0 && soft === 0) return false;
    const used = this.outputBytes();
    if (hard !== 0 && used >= hard) return true;
    if (soft === 0 || used < soft) {
      this.softLimitSince = 0;
      return false;
    }
    const now = Date.now();
    if (this.softLimitSince === 0) this.softLimitSince = now;
    return now - this.softLimitSince > softSeconds * 1000;
  }

  /**
   * Checked after each command of a read: one read of pipelined GETs can owe
   * far more than the limit before the read ends, so a client past the hard
   * limit is closed at once and the rest of the read is not run.
   */
  closeIfPastHardLimit(): void {
    const hard = this.outputLimit.hard;
    if (hard !== 0 && this.outputBytes() >= hard) this.closeForOutputLimit();
  }

  /** Closed as Redis closes a client past its output limits: at once, what it is owed dropped. */
  private closeForOutputLimit(): void {
    log('warning', `Client id=${this.id} addr=${this.addr} name=${this.name} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.parser.stop();
    this.kill();
  }

  /** Writes out what is buffered, in one socket write. */
  flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    // Checked before writing, as Redis checks when a reply is added: what the kernel takes at once is not counted.
    if (this.overOutputLimit()) {
      this.closeForOutputLimit();
      return;
    }
    if (this.out.length > 0) {
      this.threadStats.netOutputBytes += this.out.length;
      const data = this.out.take();
      if (data.length < BIG_BUFFER_BYTES) this.socket.write(data);
      else this.socket.write(data, () => released(data.length));
      this.lastInteraction = Date.now();
    }
    this.resumeReads();
    if (this.closeAfterReply && this.firstPending === null) {
      this.closed = true;
      this.whenClosing();
      // A half-close: bytes the client still sends are read and dropped, so
      // it gets the reply and then the end of the stream, not a reset that
      // could discard the reply. One that keeps its side open is cut off.
      this.socket.end();
      setTimeout(destroySocket, CLOSE_LINGER_MS, this.socket).unref();
    }
  }
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

function formatAddress(address: string | undefined, port: number | undefined): string {
  const host = (address ?? '').replace(/^::ffff:/, '');
  return host.includes(':') ? `[${host}]:${port ?? 0}` : `${host}:${port ?? 0}`;
}
