// One load connection: keeps `pipeline` units in flight, refilling after each
// read (or, in batch mode, sends `pipeline` units and waits for all their
// replies before the next batch, as redis-benchmark -P does), and records each unit's latency. Hot path: no closures or strings per
// request; one output Buffer reused while the socket has nothing queued.

import net from 'node:net';
import type { Histogram } from 'hdr-histogram-js';
import type { MixEncoder } from './command.ts';
import type { KeyPattern, Prng } from './prng.ts';
import type { ReplySink } from './reply-reader.ts';
import { ReplyReader } from './reply-reader.ts';

/** Per-thread counters shared by that thread's clients. */
export class ThreadStats {
  histogram: Histogram;
  ops = 0;
  errors = 0;
  bytesOut = 0;
  bytesIn = 0;
  stopping = false;
  readonly errorTexts: string[] = [];
  constructor(histogram: Histogram) {
    this.histogram = histogram;
  }
  noteError(text: string): void {
    if (this.errorTexts.length < 5 && !this.errorTexts.includes(text)) this.errorTexts.push(text);
  }
}

export class LoadClient implements ReplySink {
  private readonly socket: net.Socket;
  private readonly reader: ReplyReader;
  private readonly mix: MixEncoder;
  private readonly keys: KeyPattern;
  private readonly rng: Prng;
  private readonly stats: ThreadStats;
  private readonly pipeline: number;
  private readonly batch: boolean;
  private out: Buffer;
  private readonly sentAt: Float64Array;
  private readonly repliesLeft: Int32Array;
  private readonly unitError: Uint8Array;
  private head = 0;
  private inFlight = 0;
  private budget: number;
  private now = 0;
  private finished = false;
  private resolveDone: () => void = () => {};
  readonly done: Promise<void>;

  constructor(host: string, port: number, mix: MixEncoder, keys: KeyPattern, rng: Prng, stats: ThreadStats,
    pipeline: number, budget: number, batch = false) {
    this.mix = mix;
    this.keys = keys;
    this.rng = rng;
    this.stats = stats;
    this.pipeline = pipeline;
    this.batch = batch;
    this.budget = budget > 0 ? budget : Number.POSITIVE_INFINITY;
    this.out = Buffer.allocUnsafe(Math.max(16384, mix.maxUnitBytes * pipeline));
    this.sentAt = new Float64Array(pipeline);
    this.repliesLeft = new Int32Array(pipeline);
    this.unitError = new Uint8Array(pipeline);
    this.reader = new ReplyReader(this);
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    this.socket = net.connect({ host, port, noDelay: true });
    this.onData = this.onData.bind(this);
  }

  connected(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.socket.once('error', onError);
      this.socket.once('connect', () => {
        this.socket.off('error', onError);
        this.socket.on('error', (e: Error) => {
          this.stats.errors++;
          this.stats.noteError(`connection: ${e.message}`);
          this.finish();
        });
        this.socket.on('close', () => {
          if (!this.finished) {
            if (this.inFlight > 0) {
              this.stats.errors += this.inFlight;
              this.stats.noteError('connection closed by server');
            }
            this.finish();
          }
        });
        this.socket.on('data', this.onData);
        resolve();
      });
    });
  }

  start(): void {
    this.refill();
  }

  private onData(chunk: Buffer): void {
    this.now = performance.now();
    this.stats.bytesIn += chunk.length;
    this.reader.feed(chunk);
    this.refill();
  }

  onReply(error: boolean): void {
    const h = this.head;
    if (error) this.unitError[h] = 1;
    const left = this.repliesLeft[h]! - 1;
    this.repliesLeft[h] = left;
    if (left > 0) return;
    const stats = this.stats;
    stats.histogram.recordValue(Math.round((this.now - this.sentAt[h]!) * 1e6)); // ns
    stats.ops++;
    if (this.unitError[h] === 1) stats.errors++;
    this.head = h + 1 === this.pipeline ? 0 : h + 1;
    this.inFlight--;
  }

  onErrorText(text: string): void {
    this.stats.noteError(text);
  }

  private refill(): void {
    if (this.finished || (this.batch && this.inFlight > 0)) return;
    let n = this.pipeline - this.inFlight;
    if (this.stats.stopping) n = 0;
    if (n > this.budget) n = this.budget;
    if (n <= 0) {
      if (this.inFlight === 0) this.finish();
      return;
    }
    const mix = this.mix;
    let out = this.out;
    if (this.socket.writableLength > 0) {
      // The previous write is still queued and references `out`: use a new one.
      out = this.out = Buffer.allocUnsafe(out.length);
    }
    const now = performance.now();
    let pos = 0;
    let slot = this.head + this.inFlight;
    if (slot >= this.pipeline) slot -= this.pipeline;
    for (let i = 0; i < n; i++) {
      const u = mix.pick(this.rng);
      pos = mix.encode(u, out, pos, this.keys, this.rng);
      this.sentAt[slot] = now;
      this.repliesLeft[slot] = mix.units[u]!.replies;
      this.unitError[slot] = 0;
      slot = slot + 1 === this.pipeline ? 0 : slot + 1;
    }
    this.inFlight += n;
    this.budget -= n;
    this.stats.bytesOut += pos;
    this.socket.write(out.subarray(0, pos));
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.socket.end();
    this.socket.destroySoon();
    this.resolveDone();
  }

  destroy(): void {
    this.finished = true;
    this.socket.destroy();
    this.resolveDone();
  }
}
