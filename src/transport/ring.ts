// A single-producer/single-consumer byte pipe in a SharedArrayBuffer.
//
// The producer appends bytes at `head`, the consumer takes them from `tail`;
// both are free-running 32-bit counters (positions are counter mod capacity),
// each on its own cache line. Messages are framed by the layer above, so a
// message may be split across two writes and is reassembled by the reader.

import { copyBytes } from '../util/copy-bytes.ts';

const HEAD = 0; // Int32 index of the write counter
const TAIL = 16; // Int32 index of the read counter (64 bytes away: no false sharing)
const PRODUCER_WAITING = 32; // set by a producer that has bytes the ring could not take
const HEADER_BYTES = 192;

export class Ring {
  readonly buffer: SharedArrayBuffer;
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly capacity: number;
  private readonly mask: number;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.control = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.capacity = buffer.byteLength - HEADER_BYTES;
    this.mask = this.capacity - 1;
    this.data = new Uint8Array(buffer, HEADER_BYTES, this.capacity);
  }

  /** `capacity` must be a power of two. */
  static allocate(capacity: number): SharedArrayBuffer {
    if ((capacity & (capacity - 1)) !== 0) throw new Error('ring capacity must be a power of two');
    return new SharedArrayBuffer(HEADER_BYTES + capacity);
  }

  /** Appends as many of `bytes[start, end)` as fit; returns how many were written. */
  write(bytes: Uint8Array, start: number, end: number): number {
    const head = Atomics.load(this.control, HEAD) >>> 0;
    const tail = Atomics.load(this.control, TAIL) >>> 0;
    const free = this.capacity - ((head - tail) >>> 0);
    const count = Math.min(free, end - start);
    if (count === 0) return 0;
    const at = head & this.mask;
    const first = Math.min(count, this.capacity - at);
    copyBytes(bytes, start, start + first, this.data, at);
    if (first < count) copyBytes(bytes, start + first, start + count, this.data, 0);
    Atomics.store(this.control, HEAD, (head + count) | 0);
    return count;
  }

  /** Bytes waiting for the consumer. */
  readable(): number {
    return (Atomics.load(this.control, HEAD) - Atomics.load(this.control, TAIL)) >>> 0;
  }

  /** Moves up to `target.length - offset` waiting bytes into `target`; returns how many. */
  read(target: Uint8Array, offset: number): number {
    const head = Atomics.load(this.control, HEAD) >>> 0;
    const tail = Atomics.load(this.control, TAIL) >>> 0;
    const count = Math.min((head - tail) >>> 0, target.length - offset);
    if (count === 0) return 0;
    const at = tail & this.mask;
    const first = Math.min(count, this.capacity - at);
    copyBytes(this.data, at, at + first, target, offset);
    if (first < count) copyBytes(this.data, 0, count - first, target, offset + first);
    Atomics.store(this.control, TAIL, (tail + count) | 0);
    return count;
  }

  setProducerWaiting(waiting: boolean): void {
    Atomics.store(this.control, PRODUCER_WAITING, waiting ? 1 : 0);
  }

  /** Clears and returns the producer-waiting flag. */
  takeProducerWaiting(): boolean {
    return Atomics.exchange(this.control, PRODUCER_WAITING, 0) === 1;
  }
}

/**
 * One wake-up word per thread. A producer rings a thread's bell after a batch;
 * the thread sleeps on it with Atomics.waitAsync, never blocking its event loop.
 */
export class Doorbells {
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  static allocate(threads: number): SharedArrayBuffer {
    return new SharedArrayBuffer(Math.max(1, threads) * 4);
  }

  ring(thread: number): void {
    Atomics.add(this.words, thread, 1);
    Atomics.notify(this.words, thread);
  }

  current(thread: number): number {
    return Atomics.load(this.words, thread);
  }

  /** Blocks the thread until the bell's value differs from `seen`, or `timeoutMs` passed (never on the main thread). */
  waitSync(thread: number, seen: number, timeoutMs: number): void {
    Atomics.wait(this.words, thread, seen, timeoutMs);
  }

  /** Resolves once the bell's value differs from `seen` (at once if it already does). */
  waitAsync(thread: number, seen: number): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> } {
    return Atomics.waitAsync(this.words, thread, seen);
  }
}
