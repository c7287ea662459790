// The blocked clients' wait slots, in memory every thread shares. A client
// that blocks (BLPOP...) takes a slot on its own thread and arms it with a new
// generation; it may be registered on several shards, and whoever ends the wait
// first -- a shard serving it, its timeout, a disconnect, CLIENT UNBLOCK --
// claims the slot with one compare-and-swap from that generation to 0. So a
// client blocked on keys of three shards is served by one of them only, and a
// shard never serves a client that timed out a moment before.
//
// Layout, per thread: word 0 is the thread's generation counter (it survives a
// restarted thread, so that a new wait never has a dead one's generation),
// then one word per slot: the armed generation, or 0 when free or claimed.

/** Wait slots per thread: more clients blocked at once on one thread than this are refused. */
export const WAIT_SLOTS = 65536;
const WORDS_PER_THREAD = WAIT_SLOTS + 1;

export function allocateWaitSlots(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * WORDS_PER_THREAD * threads);
}

export class WaitSlots {
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  /** A new generation for a wait of `thread`'s: never 0, never one in use. */
  nextGeneration(thread: number): number {
    const base = thread * WORDS_PER_THREAD;
    for (;;) {
      const generation = (Atomics.add(this.words, base, 1) + 1) & 0x7fffffff;
      if (generation !== 0) return generation;
    }
  }

  /** Arms `thread`'s `slot` for the wait of `generation`. */
  arm(thread: number, slot: number, generation: number): void {
    Atomics.store(this.words, thread * WORDS_PER_THREAD + 1 + slot, generation);
  }

  /** Whether the wait of `generation` is still armed in the slot (nobody ended it). */
  isArmed(thread: number, slot: number, generation: number): boolean {
    return Atomics.load(this.words, thread * WORDS_PER_THREAD + 1 + slot) === generation;
  }

  /** Ends the wait of `generation`: true for the one caller that ended it. */
  claim(thread: number, slot: number, generation: number): boolean {
    return Atomics.compareExchange(this.words, thread * WORDS_PER_THREAD + 1 + slot, generation, 0) === generation;
  }

  /** A thread that replaces a dead one: the dead one's waits all end. */
  disarmThread(thread: number): void {
    const base = thread * WORDS_PER_THREAD + 1;
    for (let slot = 0; slot < WAIT_SLOTS; slot++) Atomics.store(this.words, base + slot, 0);
  }
}
