// Raw TCP exchanges with a server: exact bytes out, exact bytes back, and
// whether the server closed the connection. For protocol edge cases that
// client libraries would never send.

import net from 'node:net';
import { SlotMap } from '../../src/cluster/slots.ts';

export interface Exchange {
  /** Everything the server sent, one character per byte (latin1). */
  reply: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
}

export interface ExchangeOptions {
  /** Resolve once this long passed without data from the server (it stays open). */
  quietMs?: number;
  /** Wait this long between writes of consecutive parts. */
  gapMs?: number;
}

/** Sends `parts` (strings are latin1) and collects the reply until the server closes or goes quiet. */
export function exchange(port: number, parts: (string | Buffer)[], options: ExchangeOptions = {}): Promise<Exchange> {
  const quietMs = options.quietMs ?? 250;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const chunks: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    let writing = true;
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
        socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
        if (options.gapMs) await new Promise((done) => setTimeout(done, options.gapMs));
      }
      writing = false;
      rearm();
    });
  });
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
