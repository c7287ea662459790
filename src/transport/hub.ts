// A thread's end of the hop mesh: one outgoing ring to every other thread,
// one incoming ring from each, and its doorbell.
//
// Sending only stages bytes in a per-destination outbox; `flush()` moves
// every outbox into its ring and rings each destination's bell once, so all
// the hops produced by one socket read (or one ring drain) travel as a batch.

import { Ring, Doorbells } from './ring.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import { releasedBuffer } from '../util/memory-release.ts';

const KIND_REQUEST = 1;
const KIND_REPLY = 2;
/** Bytes for a client of the receiving thread, not a reply to a request (a blocked client served). */
const KIND_PUSH = 3;
const FRAME_HEADER = 4; // u32 body length
const REQUEST_HEADER = FRAME_HEADER + 1 + 4 + 1 + 1 + 1 + 4;
const REPLY_HEADER = FRAME_HEADER + 1 + 4;
const PUSH_HEADER = FRAME_HEADER + 1 + 4 + 4;

export const RING_CAPACITY = 1 << 20;
const OUTBOX_BYTES = 16 * 1024;
const INBOX_BYTES = 64 * 1024;
/** Outboxes and inboxes grown past this (by a big value) go back to their usual size once empty. */
const LARGE_BUFFER = 4 * 1024 * 1024;

/** Shared memory for the whole mesh, made by the supervisor and handed to every thread. */
export interface MeshBuffers {
  /** rings[from][to]; null on the diagonal. */
  rings: (SharedArrayBuffer | null)[][];
  bells: SharedArrayBuffer;
}

export function allocateMesh(threads: number): MeshBuffers {
  const rings: (SharedArrayBuffer | null)[][] = [];
  for (let from = 0; from < threads; from++) {
    const row: (SharedArrayBuffer | null)[] = [];
    for (let to = 0; to < threads; to++) row.push(from === to ? null : Ring.allocate(RING_CAPACITY));
    rings.push(row);
  }
  return { rings, bells: Doorbells.allocate(threads) };
}

/** Fresh rings to and from `peer` (its thread is being replaced), in place in `mesh`. */
export function renewPeerRings(mesh: MeshBuffers, peer: number): void {
  for (let other = 0; other < mesh.rings.length; other++) {
    if (other === peer) continue;
    mesh.rings[peer][other] = Ring.allocate(RING_CAPACITY);
    mesh.rings[other][peer] = Ring.allocate(RING_CAPACITY);
  }
}

export interface HubHandler {
  /** A command to run on this thread's shard; its reply goes into `hub.beginReply`. */
  onRequest(from: number, requestId: number, db: number, proto: number, flags: number, argv: Buffer[], argc: number): void;
  /** A reply to one of our requests. `reply` is only valid during the call. */
  onReply(requestId: number, reply: Buffer): void;
  /** Bytes pushed to waiter `slot` (of `generation`) of this thread. `payload` is only valid during the call. */
  onPush(slot: number, generation: number, payload: Buffer): void;
  /** Called after a drain, once every message of the batch was handled. */
  afterDrain(): void;
}

const NO_BYTES = Buffer.alloc(0);

/** Bytes received from one peer, reassembled into whole frames. */
class Inbox {
  buffer = Buffer.allocUnsafe(INBOX_BYTES);
  start = 0;
  end = 0;
}

export class Hub {
  readonly self: number;
  private readonly threads: number;
  private readonly outRings: (Ring | null)[] = [];
  private readonly inRings: (Ring | null)[] = [];
  private readonly bells: Doorbells;
  private readonly outboxes: ReplyWriter[] = [];
  /** Bytes at the start of each outbox already in the ring (the rest waits for room). */
  private readonly outboxSent: number[] = [];
  /** Outboxes holding bytes: the destinations the next flush serves. */
  private readonly dirty: number[] = [];
  private readonly inboxes: Inbox[] = [];
  private readonly argv: Buffer[] = [];
  private handler: HubHandler | null = null;
  private replyStart = 0;
  private stopped = false;

  constructor(self: number, mesh: MeshBuffers) {
    this.self = self;
    this.threads = mesh.rings.length;
    this.bells = new Doorbells(mesh.bells);
    for (let peer = 0; peer < this.threads; peer++) {
      const out = mesh.rings[self][peer];
      const incoming = mesh.rings[peer][self];
      this.outRings.push(out ? new Ring(out) : null);
      this.inRings.push(incoming ? new Ring(incoming) : null);
      this.outboxes.push(new ReplyWriter(OUTBOX_BYTES));
      this.outboxSent.push(0);
      this.inboxes.push(new Inbox());
    }
  }

  /** Starts serving the incoming rings. */
  start(handler: HubHandler): void {
    this.handler = handler;
    this.wait();
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Peer `peer` was restarted with fresh rings to and from it: whatever was
   * staged for the old thread or half-read from it is dropped (the
   * shard thread fails the hops it was waiting for), then the new rings are
   * drained at once, since the new thread may have rung already.
   */
  replacePeer(peer: number, toPeer: SharedArrayBuffer, fromPeer: SharedArrayBuffer): void {
    this.outRings[peer] = new Ring(toPeer);
    this.inRings[peer] = new Ring(fromPeer);
    this.outboxes[peer].reset();
    this.outboxSent[peer] = 0;
    const staged = this.dirty.indexOf(peer);
    if (staged !== -1) this.dirty.splice(staged, 1);
    this.inboxes[peer] = new Inbox();
    this.bells.ring(this.self);
  }

  sendRequest(to: number, requestId: number, db: number, proto: number, flags: number, argv: Buffer[], argc: number, firstArg = 0): void {
    const box = this.outboxes[to];
    let size = REQUEST_HEADER;
    for (let i = firstArg; i < argc; i++) size += 4 + argv[i].length;
    this.markDirty(to, box);
    box.ensure(size);
    const buffer = box.buffer;
    let at = box.length;
    buffer.writeUInt32LE(size - FRAME_HEADER, at);
    buffer[at + 4] = KIND_REQUEST;
    buffer.writeUInt32LE(requestId, at + 5);
    buffer[at + 9] = db;
    buffer[at + 10] = proto;
    buffer[at + 11] = flags;
    buffer.writeUInt32LE(argc - firstArg, at + 12);
    at += REQUEST_HEADER;
    for (let i = firstArg; i < argc; i++) {
      const arg = argv[i];
      buffer.writeUInt32LE(arg.length, at);
      buffer.set(arg, at + 4);
      at += 4 + arg.length;
    }
    box.length = at;
  }

  /** Pushes `payload` to waiter `slot` (of `generation`) on thread `to`. */
  sendPush(to: number, slot: number, generation: number, payload: Uint8Array): void {
    const box = this.outboxes[to];
    this.markDirty(to, box);
    box.ensure(PUSH_HEADER + payload.length);
    const buffer = box.buffer;
    const at = box.length;
    buffer.writeUInt32LE(PUSH_HEADER - FRAME_HEADER + payload.length, at);
    buffer[at + 4] = KIND_PUSH;
    buffer.writeUInt32LE(slot, at + 5);
    buffer.writeUInt32LE(generation, at + 9);
    buffer.set(payload, at + PUSH_HEADER);
    box.length = at + PUSH_HEADER + payload.length;
  }

  /** Opens a reply frame to `to`; write the RESP reply into the returned writer, then call endReply. */
  beginReply(to: number, requestId: number, proto: number): ReplyWriter {
    const box = this.outboxes[to];
    this.markDirty(to, box);
    box.ensure(REPLY_HEADER);
    this.replyStart = box.length;
    box.buffer[box.length + 4] = KIND_REPLY;
    box.buffer.writeUInt32LE(requestId, box.length + 5);
    box.length += REPLY_HEADER;
    box.proto = proto === 3 ? 3 : 2;
    return box;
  }

  endReply(to: number): void {
    const box = this.outboxes[to];
    box.buffer.writeUInt32LE(box.length - this.replyStart - FRAME_HEADER, this.replyStart);
  }

  /** Moves staged bytes into the rings and rings each destination's bell once. */
  flush(): void {
    const dirty = this.dirty;
    let kept = 0;
    for (let i = 0; i < dirty.length; i++) {
      const to = dirty[i];
      if (!this.sendOutbox(to)) dirty[kept++] = to;
    }
    dirty.length = kept;
  }

  /** Writes what the ring to `to` takes of its outbox; false when bytes are left for a later flush. */
  private sendOutbox(to: number): boolean {
    const box = this.outboxes[to];
    const ring = this.outRings[to] as Ring;
    const before = this.outboxSent[to];
    let sent = before + ring.write(box.buffer, before, box.length);
    if (sent < box.length) {
      // The ring is full: the consumer rings our bell once it has taken bytes
      // after seeing this flag. It may have taken them before the flag was
      // up, so try once more.
      ring.setProducerWaiting(true);
      sent += ring.write(box.buffer, sent, box.length);
    }
    if (sent > before) this.bells.ring(to);
    if (sent < box.length) {
      this.outboxSent[to] = sent;
      return false;
    }
    box.length = 0;
    this.outboxSent[to] = 0;
    box.shrink(LARGE_BUFFER);
    return true;
  }

  /**
   * Sends what is staged, then serves the incoming rings, blocking the
   * thread between drains, until `done()` holds: a script waiting for
   * another shard's reply. The thread keeps serving its own shard meanwhile,
   * so two threads waiting on each other this way both get their replies.
   * Never called from inside a drain.
   */
  waitUntil(done: () => boolean): void {
    for (;;) {
      this.flush();
      const seen = this.bells.current(this.self);
      this.drain();
      if (done()) return;
      this.bells.waitSync(this.self, seen, 100);
    }
  }

  /**
   * Serves the incoming rings now if a peer wrote to them, without waiting
   * for the doorbell's turn in the event loop: before a client's commands
   * that must see what other threads sent first (a tracking client's
   * invalidations). Never called from inside a drain.
   */
  drainPending(): void {
    for (let peer = 0; peer < this.threads; peer++) {
      const ring = this.inRings[peer];
      if (ring !== null && ring.readable() !== 0) {
        this.drain();
        return;
      }
    }
  }

  private markDirty(to: number, box: ReplyWriter): void {
    if (box.length === 0) this.dirty.push(to);
  }

  private wait(): void {
    if (this.stopped) return;
    const seen = this.bells.current(this.self);
    this.drain();
    const result = this.bells.waitAsync(this.self, seen);
    if (result.async) result.value.then(this.onBell);
    else setImmediate(this.onBell);
  }

  private readonly onBell = (): void => {
    this.wait();
  };

  /** Handles every whole message waiting in every incoming ring. */
  private drain(): void {
    const handler = this.handler as HubHandler;
    for (let peer = 0; peer < this.threads; peer++) {
      const ring = this.inRings[peer];
      if (ring === null || ring.readable() === 0) continue;
      const inbox = this.inboxes[peer];
      for (;;) {
        if (inbox.end === inbox.buffer.length) this.makeRoom(inbox);
        const got = ring.read(inbox.buffer, inbox.end);
        inbox.end += got;
        this.dispatchFrames(peer, inbox, handler);
        if (got === 0 || ring.readable() === 0) break;
      }
      if (ring.takeProducerWaiting()) this.bells.ring(peer);
    }
    handler.afterDrain();
    this.flush();
  }

  private makeRoom(inbox: Inbox): void {
    const held = inbox.end - inbox.start;
    if (inbox.start > 0) {
      inbox.buffer.copy(inbox.buffer, 0, inbox.start, inbox.end);
    } else {
      const grown = Buffer.allocUnsafe(inbox.buffer.length * 2);
      inbox.buffer.copy(grown, 0, 0, inbox.end);
      releasedBuffer(inbox.buffer);
      inbox.buffer = grown;
    }
    inbox.start = 0;
    inbox.end = held;
  }

  private dispatchFrames(peer: number, inbox: Inbox, handler: HubHandler): void {
    const buffer = inbox.buffer;
    let at = inbox.start;
    while (inbox.end - at >= FRAME_HEADER) {
      const frameEnd = at + FRAME_HEADER + buffer.readUInt32LE(at);
      if (frameEnd > inbox.end) {
        // Incomplete: make sure the buffer can hold the whole frame.
        if (frameEnd - at > buffer.length) {
          const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, frameEnd - at));
          buffer.copy(grown, 0, at, inbox.end);
          releasedBuffer(buffer);
          inbox.buffer = grown;
          inbox.end -= at;
          inbox.start = 0;
          return;
        }
        break;
      }
      if (buffer[at + 4] === KIND_REPLY) {
        handler.onReply(buffer.readUInt32LE(at + 5), buffer.subarray(at + REPLY_HEADER, frameEnd));
      } else if (buffer[at + 4] === KIND_PUSH) {
        handler.onPush(buffer.readUInt32LE(at + 5), buffer.readUInt32LE(at + 9), buffer.subarray(at + PUSH_HEADER, frameEnd));
      } else {
        const argc = buffer.readUInt32LE(at + 12);
        const argv = this.argv;
        let p = at + REQUEST_HEADER;
        for (let i = 0; i < argc; i++) {
          const length = buffer.readUInt32LE(p);
          argv[i] = buffer.subarray(p + 4, p + 4 + length);
          p += 4 + length;
        }
        handler.onRequest(peer, buffer.readUInt32LE(at + 5), buffer[at + 9], buffer[at + 10], buffer[at + 11], argv, argc);
      }
      at = frameEnd;
    }
    inbox.start = at;
    if (inbox.start === inbox.end) {
      inbox.start = 0;
      inbox.end = 0;
      if (inbox.buffer.length > LARGE_BUFFER) {
        releasedBuffer(inbox.buffer);
        inbox.buffer = Buffer.allocUnsafe(INBOX_BYTES);
        // The reused argv may still hold views of the big buffer.
        this.argv.fill(NO_BYTES);
      }
    }
  }
}
