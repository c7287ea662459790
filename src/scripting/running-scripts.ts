// Which thread runs a script, in shared memory, so that every thread can act
// on a busy one: past busy-reply-threshold (lua-time-limit) a script that
// still runs makes every thread answer BUSY to what would wait for it, and
// SCRIPT KILL / FUNCTION KILL on any thread ask it to stop. A thread running
// a script cannot read its own sockets, so its own clients wait; the others
// are answered.

/** Int32 words per thread: state, kind, wrote, kill requested; the first group holds the count of busy threads. */
const WORDS = 4;
const BUSY_COUNT = 0;
/** Set by the supervisor at shutdown: a script still running stops, written or not. */
const STOPPING = 1;
const STATE = 0;
const KIND = 1;
const WROTE = 2;
const KILL = 3;

const IDLE = 0;
const RUNNING = 1;
const BUSY = 2;

/** What runs: EVAL's script or FCALL's function (their KILL commands differ). */
export const KIND_SCRIPT = 1;
export const KIND_FUNCTION = 2;

export type KillOutcome = 'killed' | 'unkillable' | 'not-busy' | 'other-kind';

export class RunningScripts {
  private readonly words: Int32Array;
  private readonly thread: number;
  private readonly threads: number;

  static allocate(threads: number): SharedArrayBuffer {
    return new SharedArrayBuffer((Math.max(1, threads) + 1) * WORDS * 4);
  }

  constructor(buffer: SharedArrayBuffer, thread: number) {
    this.words = new Int32Array(buffer);
    this.thread = thread;
    this.threads = this.words.length / WORDS - 1;
  }

  private at(thread: number): number {
    return (thread + 1) * WORDS;
  }

  /** This thread starts running a script. */
  begin(kind: number): void {
    const at = this.at(this.thread);
    this.words[at + KIND] = kind;
    this.words[at + WROTE] = 0;
    Atomics.store(this.words, at + KILL, 0);
    Atomics.store(this.words, at + STATE, RUNNING);
  }

  markWrote(): void {
    Atomics.store(this.words, this.at(this.thread) + WROTE, 1);
  }

  /** The script ran past busy-reply-threshold: other threads answer BUSY from now on. */
  markBusy(): void {
    Atomics.store(this.words, this.at(this.thread) + STATE, BUSY);
    Atomics.add(this.words, BUSY_COUNT, 1);
  }

  end(): void {
    const at = this.at(this.thread);
    if (Atomics.exchange(this.words, at + STATE, IDLE) === BUSY) Atomics.sub(this.words, BUSY_COUNT, 1);
  }

  /** Whether a script on some thread is busy (one load: dispatch asks it for every command). */
  get anyBusy(): boolean {
    return Atomics.load(this.words, BUSY_COUNT) !== 0;
  }

  /** Whether another thread asked this thread's script to stop. */
  get killRequested(): boolean {
    return Atomics.load(this.words, this.at(this.thread) + KILL) !== 0;
  }

  /** The server is stopping (SHUTDOWN NOSAVE while busy): every script ends at its next look at the clock. */
  static stopAll(buffer: SharedArrayBuffer): void {
    Atomics.store(new Int32Array(buffer), STOPPING, 1);
  }

  get stopping(): boolean {
    return Atomics.load(this.words, STOPPING) !== 0;
  }

  /** The kind of the busy script on any thread, 0 when none is busy. */
  busyKind(): number {
    for (let thread = 0; thread < this.threads; thread++) {
      if (Atomics.load(this.words, this.at(thread) + STATE) === BUSY) return this.words[this.at(thread) + KIND];
    }
    return 0;
  }

  /** SCRIPT KILL (KIND_SCRIPT) or FUNCTION KILL: asks the busy script of that kind to stop, unless it wrote. */
  requestKill(kind: number): KillOutcome {
    for (let thread = 0; thread < this.threads; thread++) {
      const at = this.at(thread);
      if (Atomics.load(this.words, at + STATE) !== BUSY) continue;
      if (this.words[at + KIND] !== kind) return 'other-kind';
      if (Atomics.load(this.words, at + WROTE) !== 0) return 'unkillable';
      Atomics.store(this.words, at + KILL, 1);
      return 'killed';
    }
    return 'not-busy';
  }
}
