// A small pipelining RESP2 connection for the soak: every command sent gets
// one promise for its reply, in order; a connection that goes away (killed
// here, dropped by the server) fails the replies still owed with
// ConnectionLost, so the caller knows exactly which commands were answered.

import net from 'node:net';
import { readReply, replyEnd, type ReplyValue } from '../../src/protocol/reply-reader.ts';
import { resp } from '../helpers/raw-client.ts';

export type Reply = ReplyValue;

/** The connection ended before this command's reply came: it may or may not have run. */
export class ConnectionLost extends Error {}

/** No reply came in time: the server hangs (or is very slow). */
export class ReplyTimeout extends Error {}

interface Owed {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  command: string;
  sentAt: number;
}

export class RespConnection {
  private readonly socket: net.Socket;
  private readonly owed: Owed[] = [];
  private received: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | null = null;
  private readonly replyTimeoutMs: number;
  /** Set once the socket closed (either side). */
  isClosed = false;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  /** The server ended the stream (after a half-close, once every reply came). */
  endedByServer = false;

  private constructor(socket: net.Socket, replyTimeoutMs: number) {
    this.socket = socket;
    this.replyTimeoutMs = replyTimeoutMs;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => (this.endedByServer = true));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.isClosed = true;
      if (this.timer) clearTimeout(this.timer);
      for (const owed of this.owed.splice(0)) owed.reject(new ConnectionLost(`connection closed before the reply to ${owed.command}`));
    });
  }

  /** A connection to the server on 127.0.0.1; fails after `timeoutMs`. */
  static connect(port: number, timeoutMs = 5000, replyTimeoutMs = 15000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RespConnection(socket, replyTimeoutMs));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Sends the commands in one write; one promise per reply, in order. */
  send(commands: readonly string[][]): Promise<Reply>[] {
    const promises = commands.map(
      (args) =>
        new Promise<Reply>((resolve, reject) => {
          if (this.isClosed) reject(new ConnectionLost(`connection closed before ${args[0]} was sent`));
          else this.owed.push({ resolve, reject, command: args.join(' ').slice(0, 200), sentAt: Date.now() });
        }),
    );
    // A rejection nobody awaits yet must not count as unhandled: callers await them in order.
    for (const promise of promises) promise.catch(() => {});
    if (!this.isClosed) {
      this.socket.write(commands.map((args) => resp(...args)).join(''), 'latin1');
      this.armTimer();
    }
    return promises;
  }

  /** One command, its reply. */
  call(...args: string[]): Promise<Reply> {
    return this.send([args])[0];
  }

  /** Destroys the socket at once, whatever is still owed (a client killed mid-pipeline). */
  kill(): void {
    this.socket.destroy();
  }

  /** Shuts down the sending side: the server must still answer what it was sent, then end the stream. */
  halfClose(): void {
    this.socket.end();
  }

  /** How many replies are still owed. */
  get pending(): number {
    return this.owed.length;
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    let at = 0;
    while (at < this.received.length && this.owed.length > 0) {
      const end = replyEnd(this.received, at);
      if (end < 0) break;
      const owed = this.owed.shift() as Owed;
      owed.resolve(readReply(this.received.subarray(at, end)));
      at = end;
    }
    this.received = this.received.subarray(at);
    this.armTimer();
  }

  /** A reply owed for longer than the limit fails the connection: every wait is bounded. */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const oldest = this.owed[0];
    if (oldest === undefined) return;
    const left = oldest.sentAt + this.replyTimeoutMs - Date.now();
    this.timer = setTimeout(() => {
      const owed = this.owed.splice(0);
      this.socket.destroy();
      for (const entry of owed) entry.reject(new ReplyTimeout(`no reply to ${entry.command} within ${this.replyTimeoutMs} ms`));
    }, Math.max(0, left));
  }
}

/** A bulk reply as text (latin1), null for a null reply; anything else is a protocol surprise. */
export function text(reply: Reply): string | null {
  if (reply === null) return null;
  if (Buffer.isBuffer(reply)) return reply.toString('latin1');
  if (typeof reply === 'string') return reply;
  throw new Error(`expected a string reply, got ${show(reply)}`);
}

/** A reply, short, for messages. */
export function show(reply: Reply | undefined): string {
  if (reply === undefined) return 'nothing';
  if (reply === null) return 'nil';
  if (Buffer.isBuffer(reply)) return JSON.stringify(reply.toString('latin1').slice(0, 80));
  if (Array.isArray(reply)) return `[${reply.slice(0, 12).map(show).join(', ')}${reply.length > 12 ? ', ...' : ''}]`;
  if (typeof reply === 'object') return `(error) ${reply.message}`;
  return String(reply);
}
