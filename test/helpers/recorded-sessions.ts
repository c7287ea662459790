// Sessions recorded from stock redis-server 7.0.15 (commands sent pipelined
// after a FLUSHALL, the exact bytes it answered), and the small helpers the
// data-type tests use for replies whose order is the server's own.

import net from 'node:net';
import { countReplies, resp, type Pause } from './raw-client.ts';

export interface Session {
  name: string;
  /** Commands, and pauses: a number waits for the replies to everything before it, then that many milliseconds. */
  commands: (string[] | number)[];
  /** Stock Redis's reply to FLUSHALL and then the commands; a client id shows as "ID". */
  reply: string;
}

/** FLUSHALL and the session's commands, one write per run of commands between pauses. */
export function sessionParts(session: Session): (string | Pause)[] {
  const parts: (string | Pause)[] = [resp('flushall')];
  let sent = 1;
  for (const step of session.commands) {
    const last = parts[parts.length - 1];
    if (typeof step === 'number') {
      parts.push({ replies: sent, ms: step });
    } else {
      sent++;
      if (typeof last === 'string') parts[parts.length - 1] = last + resp(...step);
      else parts.push(resp(...step));
    }
  }
  return parts;
}

/** HELLO's client ids as "ID", the way sessions record them. */
export function withoutClientId(reply: string): string {
  return reply.replace(/\$2\r\nid\r\n:\d+\r\n/g, '$2\r\nid\r\n:ID\r\n');
}

/**
 * Sends a session to the server on `port` and resolves to its reply, client
 * id masked: everything it sent until it answered every command (or
 * `timeoutMs` passed), and then for `settleMs` more.
 */
export function runSession(port: number, session: Session, timeoutMs = 10000, settleMs = 50): Promise<string> {
  const expected = 1 + session.commands.filter((step) => typeof step !== 'number').length;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const deadline = Date.now() + timeoutMs;
    let received = Buffer.alloc(0);
    let closed = false;
    let arrived: (() => void) | null = null;
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      arrived?.();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') closed = true;
      else reject(error);
    });
    socket.on('close', () => {
      closed = true;
      arrived?.();
    });
    /** Resolves once `replies` replies arrived, the connection closed, or the deadline passed. */
    const repliesIn = async (replies: number): Promise<void> => {
      while (!closed && countReplies(received) < replies && Date.now() < deadline) {
        await new Promise<void>((wake) => {
          const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
          arrived = () => {
            clearTimeout(timer);
            wake();
          };
        });
        arrived = null;
      }
    };
    socket.on('connect', async () => {
      for (const part of sessionParts(session)) {
        if (typeof part === 'string') socket.write(Buffer.from(part, 'latin1'));
        else {
          await repliesIn(part.replies);
          await new Promise((done) => setTimeout(done, part.ms));
        }
      }
      await repliesIn(expected);
      await new Promise((done) => setTimeout(done, settleMs));
      socket.destroy();
      resolve(withoutClientId(received.toString('latin1')));
    });
  });
}

/**
 * A reply whose order is the server's own (a hashtable's, a random pick's),
 * as a sorted copy: two replies are the same multiset when these are equal.
 */
export function unordered(items: readonly string[]): string[] {
  return [...items].sort();
}

/** A flat [field, value, ...] reply (HGETALL, HRANDFIELD ... WITHVALUES, HSCAN pages) as a map; fails on a repeated field. */
export function pairs(flat: readonly string[]): Map<string, string> {
  if (flat.length % 2 !== 0) throw new Error(`odd number of items in a field/value reply: ${flat.length}`);
  const map = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) {
    if (map.has(flat[i])) throw new Error(`field ${flat[i]} repeated`);
    map.set(flat[i], flat[i + 1]);
  }
  return map;
}
