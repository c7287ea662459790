// Which thread runs a script, in shared memory, so that every thread can act
// on a busy one: past busy-reply-threshold (lua-time-limit) a script that
// still runs makes every thread answer BUSY to what would wait for it, and
// SCRIPT KILL / FUNCTION KILL on any thread ask it to stop. The thread
// running it reads its own clients' sockets from inside the script (the
// busy hook) and answers them too. What runs (the function's name, the
// command that called it, when it started) is kept there as well, for
// FUNCTION STATS on any thread.

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

/** Bytes per thread telling what its busy script is: a Float64 start time, a u32 count of parts, then the name and the arguments, each a u32 length and its bytes. */
const DETAIL_BYTES = 4096;
const DETAIL_HEADER = 12;

/** What a busy script is, as FUNCTION STATS tells it. */
export interface BusyScript {
  kind: number;
  name: Buffer;
  command: Buffer[];
  durationMs: number;
}

export class RunningScripts {
  private readonly words: Int32Array;
  private readonly details: Buffer;
  private readonly thread: number;
  private readonly threads: number;

  static allocate(threads: number): SharedArrayBuffer {
    const count = Math.max(1, threads);
    return new SharedArrayBuffer((count + 1) * WORDS * 4 + count * DETAIL_BYTES);
  }

  constructor(buffer: SharedArrayBuffer, thread: number) {
    this.threads = (buffer.byteLength - WORDS * 4) / (WORDS * 4 + DETAIL_BYTES);
    this.words = new Int32Array(buffer, 0, (this.threads + 1) * WORDS);
    this.details = Buffer.from(buffer, this.words.byteLength);
    this.thread = thread;
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

  /** The script ran past busy-reply-threshold: other threads answer BUSY from now on. `name` and `command` say what runs (as far as they fit). */
  markBusy(name: Buffer, command: readonly Buffer[], startedAt: number): void {
    const details = this.details.subarray(this.thread * DETAIL_BYTES, (this.thread + 1) * DETAIL_BYTES);
    details.writeDoubleLE(startedAt, 0);
    let at = DETAIL_HEADER;
    let count = 0;
    for (const part of [name, ...command]) {
      if (at + 4 + part.length > details.length) break;
      details.writeUInt32LE(part.length, at);
      details.set(part, at + 4);
      at += 4 + part.length;
      count++;
    }
    details.writeUInt32LE(count, 8);
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

  /** The busy script of any thread, null when none is busy. */
  busyScript(): BusyScript | null {
    for (let thread = 0; thread < this.threads; thread++) {
      if (Atomics.load(this.words, this.at(thread) + STATE) !== BUSY) continue;
      const details = this.details.subarray(thread * DETAIL_BYTES, (thread + 1) * DETAIL_BYTES);
      const parts: Buffer[] = [];
      const count = details.readUInt32LE(8);
      for (let i = 0, at = DETAIL_HEADER; i < count; i++) {
        const length = details.readUInt32LE(at);
        parts.push(Buffer.from(details.subarray(at + 4, at + 4 + length)));
        at += 4 + length;
      }
      return { kind: this.words[this.at(thread) + KIND], name: parts[0] ?? Buffer.alloc(0), command: parts.slice(1), durationMs: Date.now() - details.readDoubleLE(0) };
    }
    return null;
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
