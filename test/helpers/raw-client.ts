// Raw TCP exchanges with a server: exact bytes out, exact bytes back, and
// whether the server closed the connection. For protocol edge cases that
// client libraries would never send.

import net from 'node:net';
import { SlotMap } from '../../src/cluster/slots.ts';
import { replyEnd } from '../../src/protocol/reply-reader.ts';

/** One command as a RESP multibulk request. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/** Several commands as RESP multibulk requests, one after the other. */
export function respCommands(...commands: string[][]): string {
  return commands.map((args) => resp(...args)).join('');
}

/** What follows the map a HELLO 3 replies (its last entry is `modules`, an empty array). */
export function afterHello3(reply: string): string {
  const end = '$7\r\nmodules\r\n*0\r\n';
  return reply.slice(reply.indexOf(end) + end.length);
}

export interface Exchange {
  /** Everything the server sent, one character per byte (latin1). */
  reply: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
}

/**
 * A part of an exchange that sends nothing: wait until the server has sent
 * `replies` complete replies in all, then `ms` more. Unlike a gap between
 * writes, this orders the wait after the server ran the commands, so a TTL
 * shorter than `ms` has surely run out by the next command.
 */
export interface Pause {
  replies: number;
  ms: number;
}

export interface ExchangeOptions {
  /** Resolve once this long passed without data from the server (it stays open). */
  quietMs?: number;
  /** Wait this long between writes of consecutive parts. */
  gapMs?: number;
  /** Shut down the sending side (SHUT_WR) after the last part, as a client that has said all it will. */
  halfClose?: boolean;
}

/** Sends `parts` (strings are latin1) and collects the reply until the server closes or goes quiet. */
export function exchange(port: number, parts: (string | Buffer | Pause)[], options: ExchangeOptions = {}): Promise<Exchange> {
  const quietMs = options.quietMs ?? 250;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const chunks: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    let writing = true;
    let pause: { replies: number; resume: () => void } | null = null;
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const rearm = (): void => {
      if (timer) clearTimeout(timer);
      if (!writing) timer = setTimeout(finish, quietMs);
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (pause && countReplies(Buffer.concat(chunks)) >= pause.replies) pause.resume();
      rearm();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') closed = true;
      else reject(error);
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      for (const part of parts) {
        if (socket.destroyed) break;
        if (typeof part === 'object' && !Buffer.isBuffer(part)) {
          const replies = part.replies;
          if (countReplies(Buffer.concat(chunks)) < replies) {
            await new Promise<void>((resume) => (pause = { replies, resume }));
            pause = null;
          }
          await new Promise((done) => setTimeout(done, part.ms));
          continue;
        }
        socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
        if (options.gapMs) await new Promise((done) => setTimeout(done, options.gapMs));
      }
      if (options.halfClose && !socket.destroyed) socket.end();
      writing = false;
      rearm();
    });
  });
}

/** A raw connection that stays open between exchanges (for sessions other clients act in the middle of). */
export class RawSession {
  private readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  /** Why the connection ended (the server closed it, or an error), once it has. */
  private ended: string | null = null;
  private waiting: { replies: number; resolve: (replies: Buffer[]) => void; reject: (error: Error) => void } | null = null;

  constructor(port: number) {
    this.socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.settle();
    });
    this.socket.on('error', (error: Error) => this.end(error.message));
    this.socket.on('close', () => this.end('the connection was closed'));
  }

  /** Writes `text` (latin1) and resolves to the next `replies` replies, as text. */
  async send(text: string, replies: number): Promise<string> {
    return Buffer.concat(await this.request(Buffer.from(text, 'latin1'), replies)).toString('latin1');
  }

  /**
   * Writes `bytes` and resolves to the next `replies` replies, one buffer
   * each; rejects when the connection ends before they came, or when they
   * take longer than `timeoutMs`.
   */
  request(bytes: Buffer, replies: number, timeoutMs = Infinity): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.waiting = null;
            reject(new Error(`no reply within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
      const done = (): void => clearTimeout(timer);
      this.waiting = {
        replies,
        resolve: (got) => (done(), resolve(got)),
        reject: (error) => (done(), reject(error)),
      };
      this.socket.write(bytes);
      this.settle();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Stops reading from the socket (a client that does not read its replies); what the server sends piles up. */
  pause(): void {
    this.socket.pause();
  }

  private end(why: string): void {
    this.ended ??= why;
    this.settle();
  }

  private settle(): void {
    const waiting = this.waiting;
    if (waiting === null) return;
    const replies: Buffer[] = [];
    let at = 0;
    while (replies.length < waiting.replies && at < this.received.length) {
      const end = replyEnd(this.received, at);
      if (end < 0) break;
      replies.push(this.received.subarray(at, end));
      at = end;
    }
    if (replies.length < waiting.replies) {
      if (this.ended === null) return;
      this.waiting = null;
      waiting.reject(new Error(this.ended));
      return;
    }
    this.received = this.received.subarray(at);
    this.waiting = null;
    waiting.resolve(replies);
  }
}

/** How many complete RESP2/RESP3 replies `bytes` holds, one after the other. */
export function countReplies(bytes: Buffer): number {
  let count = 0;
  for (let at = 0; at < bytes.length; count++) {
    at = replyEnd(bytes, at);
    if (at < 0) break;
  }
  return count;
}

/** `count` distinct keys (prefix + number) that live on `shard` of a server with `shards` shards. */
export function keysOnShard(prefix: string, shard: number, shards: number, count: number): string[] {
  const map = new SlotMap(SlotMap.allocate(shards));
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `${prefix}${i}`;
    if (map.shardOfKey(Buffer.from(key)) === shard) keys.push(key);
  }
  return keys;
}

/** Keys named prefix0, prefix1... until every shard owns at least `perShard` of them. */
export function keysOnEveryShard(prefix: string, shards: number, perShard: number): string[] {
  const map = new SlotMap(SlotMap.allocate(shards));
  const counts = new Array<number>(shards).fill(0);
  const keys: string[] = [];
  for (let i = 0; counts.some((count) => count < perShard); i++) {
    const key = `${prefix}${i}`;
    counts[map.shardOfKey(Buffer.from(key))]++;
    keys.push(key);
  }
  return keys;
}
