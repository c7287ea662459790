// The end of a batch (everything parsed from one socket read, or one drain of
// the rings): the runs of commands gathered for squashing start, every
// client's output is written in one write each, and the hops staged in the
// hub go out. Replies and hops made outside a batch (a plan going on after an
// await) schedule an end of their own, once per microtask run.

import type { Hub } from '../transport/hub.ts';
import type { Batching } from '../shard/shard.ts';
import type { Client } from './client.ts';

/** Work gathered during a batch that starts at its end, before output is written (the squasher's runs). */
export interface GatheredWork {
  startGathered(): void;
}

export class EndOfBatch implements Batching {
  private readonly hub: Hub | null;
  private readonly gathered: GatheredWork[] = [];
  /** Clients with output to write at the end of the current batch. */
  private readonly flushQueue: Client[] = [];
  private scheduled = false;
  /** Runs before any output of the batch leaves: the AOF writes (and with appendfsync always, syncs) the batch's writes first. */
  beforeOutput: () => void = () => {};

  constructor(hub: Hub | null) {
    this.hub = hub;
  }

  /** Registers work to start at the end of every batch. */
  startsAtEnd(work: GatheredWork): void {
    this.gathered.push(work);
  }

  queueFlush(client: Client): void {
    if (client.flushQueued) return;
    client.flushQueued = true;
    this.flushQueue.push(client);
    this.scheduleEndBatch();
  }

  /** The end of a batch: gathered work started, every client's output written, the staged hops sent. */
  run(): void {
    const gathered = this.gathered;
    for (let i = 0; i < gathered.length; i++) gathered[i].startGathered();
    this.beforeOutput();
    // Hops before the clients' output (after the AOF's write: a hop's reply is output too): an invalidation
    // for another thread's client is on its way before the reply that follows it here reaches its client.
    this.hub?.flush();
    this.flushClients();
  }

  /**
   * Socket reads and ring drains end their batch themselves; this catches
   * replies and hops made outside one (a stepwise plan going on after an
   * await), once per microtask run.
   */
  scheduleEndBatch(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.runScheduled);
  }

  private readonly runScheduled = (): void => {
    this.scheduled = false;
    this.run();
  };

  flushClients(): void {
    this.beforeOutput();
    const queue = this.flushQueue;
    for (let i = 0; i < queue.length; i++) queue[i].flush();
    queue.length = 0;
  }
}
