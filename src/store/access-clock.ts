// How a key's record keeps its last access, for OBJECT IDLETIME / FREQ and
// the LRU and LFU eviction policies (Redis's evict.c is the model):
// - LRU: a clock in seconds, kept in 24 bits, that wraps around;
// - LFU: minutes of the last decrement (16 bits) << 8 | an 8-bit counter that
//   grows logarithmically with accesses and decays by one every
//   lfu-decay-time minutes.

const LRU_CLOCK_MAX = (1 << 24) - 1;
/** A new key's LFU counter, so it is not evicted before it had a chance to be used. */
export const LFU_INIT_VALUE = 5;
const LFU_MAX = 255;

export function lruClock(ms: number): number {
  return Math.floor(ms / 1000) & LRU_CLOCK_MAX;
}

/** Seconds since the LRU clock read `clock`, counting one wrap-around. */
export function idleSeconds(clock: number, now: number): number {
  const current = lruClock(now);
  return current >= clock ? current - clock : current + (LRU_CLOCK_MAX - clock);
}

function lfuMinutes(ms: number): number {
  return Math.floor(ms / 60000) & 0xffff;
}

/** The LRU clock of a key last used `idle` seconds before `now` (RESTORE IDLETIME, an RDB file's idle times). */
export function lruClockIdle(now: number, idle: number): number {
  const clock = lruClock(now) - (idle % (LRU_CLOCK_MAX + 1));
  return clock >= 0 ? clock : clock + LRU_CLOCK_MAX + 1;
}

/** The LFU word of a key whose counter is `counter` now (RESTORE FREQ, an RDB file's frequencies). */
export function lfuWord(now: number, counter: number): number {
  return (lfuMinutes(now) << 8) | counter;
}

/** The LFU word of a key just made. */
export function lfuInitial(now: number): number {
  return (lfuMinutes(now) << 8) | LFU_INIT_VALUE;
}

/** The key's LFU counter after the decay of the minutes since it was last decremented (OBJECT FREQ). */
export function lfuCounter(word: number, now: number, decayMinutes: number): number {
  const counter = word & 0xff;
  if (decayMinutes === 0) return counter;
  const last = word >>> 8;
  const current = lfuMinutes(now);
  const elapsed = current >= last ? current - last : 0xffff - last + current;
  const periods = Math.floor(elapsed / decayMinutes);
  return periods > counter ? 0 : counter - periods;
}

/** The LFU word after one access to a key whose decayed counter is `counter`: it grows with probability 1 / ((counter - 5) * logFactor + 1). */
export function lfuTouched(counter: number, now: number, logFactor: number): number {
  if (counter < LFU_MAX) {
    const base = Math.max(0, counter - LFU_INIT_VALUE);
    if (Math.random() < 1 / (base * logFactor + 1)) counter++;
  }
  return (lfuMinutes(now) << 8) | counter;
}
