// One client connection: its socket, parser, protocol state, and the queue
// that keeps replies in request order while some are computed on other shards.

import type { Socket } from 'node:net';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import type { RequestParser } from '../protocol/request-parser.ts';

/** A reply that will be computed elsewhere (another shard, or several). */
export class PendingReply {
  data: Buffer | null = null;
  next: PendingReply | null = null;
  readonly client: Client;
  constructor(client: Client) {
    this.client = client;
  }

  /** Stores the finished reply (copied) and sends every reply now complete in order. */
  onReply(reply: Uint8Array): void {
    this.data = Buffer.from(reply);
    this.client.releaseCompleted();
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
  lastCommand = 'NULL';
  readonly addr: string;
  readonly laddr: string;
  libName = '';
  libVersion = '';
  /** Close once the replies queued so far are written (QUIT, protocol errors). */
  closeAfterReply = false;
  closed = false;
  private firstPending: PendingReply | null = null;
  private lastPending: PendingReply | null = null;
  /** Set while queued for the thread's end-of-batch flush. */
  flushQueued = false;

  constructor(id: number, socket: Socket, authenticated: boolean) {
    this.id = id;
    this.socket = socket;
    this.authenticated = authenticated;
    this.addr = formatAddress(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddress(socket.localAddress, socket.localPort);
  }

  hasPending(): boolean {
    return this.firstPending !== null;
  }

  /** A place in the reply order for a reply that comes later. */
  reserveReply(): PendingReply {
    const pending = new PendingReply(this);
    if (this.lastPending === null) this.firstPending = pending;
    else this.lastPending.next = pending;
    this.lastPending = pending;
    return pending;
  }

  /** Moves every completed reply at the head of the queue into the output buffer. */
  releaseCompleted(): void {
    let pending = this.firstPending;
    while (pending !== null && pending.data !== null) {
      this.out.raw(pending.data);
      pending = pending.next;
    }
    this.firstPending = pending;
    if (pending === null) this.lastPending = null;
    this.requestFlush();
  }

  /** Set by the owning thread: called when the client has output to flush. */
  requestFlush: () => void = () => {};

  /** Writes out what is buffered, in one socket write. */
  flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    if (this.out.length > 0) this.socket.write(this.out.take());
    if (this.closeAfterReply && this.firstPending === null) {
      this.closed = true;
      this.socket.end();
    }
  }
}

function formatAddress(address: string | undefined, port: number | undefined): string {
  const host = (address ?? '').replace(/^::ffff:/, '');
  return host.includes(':') ? `[${host}]:${port ?? 0}` : `${host}:${port ?? 0}`;
}
