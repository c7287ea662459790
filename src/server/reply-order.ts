// Replies leave a connection in request order (client.ts keeps each
// connection's queue of pending replies). A reply computed while earlier ones
// are still pending is written to this thread's scratch writer and handed to
// its reserved place in the queue, which copies it.

import { ReplyWriter } from '../protocol/reply-writer.ts';
import type { ReplyWaiter } from '../shard/shard.ts';
import type { Client } from './client.ts';
import type { ErrorCounter } from './command-stats.ts';

export class ReplyOrder {
  /** Where replies go when they must wait behind earlier ones. */
  readonly scratch = new ReplyWriter();
  private readonly errors: ErrorCounter;

  constructor(errors: ErrorCounter) {
    this.errors = errors;
  }

  /**
   * Hands what the scratch writer holds to `waiter` as a view, then empties it:
   * every waiter copies or decodes the reply before returning, so one copy is made, not two.
   */
  fromScratch(waiter: ReplyWaiter): void {
    const scratch = this.scratch;
    const reply = scratch.buffer.subarray(0, scratch.length);
    scratch.reset();
    waiter.onReply(reply);
    scratch.shrink();
  }

  /** The writer for a reply to `client` now: its output, or the scratch writer while earlier replies are pending (then call `done`). */
  writerFor(client: Client): ReplyWriter {
    const out = client.hasPending() ? this.scratch : client.out;
    out.proto = client.proto;
    return out;
  }

  /** A reply written to `writerFor(client)` is complete: from the scratch writer, it takes its place in the queue. */
  done(client: Client, out: ReplyWriter): void {
    if (out === this.scratch) this.fromScratch(client.reserveReply());
  }

  /** Replies an error to `client`, after any replies still pending. */
  error(client: Client, message: string, encoding: 'utf8' | 'latin1' = 'utf8'): void {
    const out = this.writerFor(client);
    out.errors = this.errors;
    out.error(message, encoding);
    this.done(client, out);
  }
}
