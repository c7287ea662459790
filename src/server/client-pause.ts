// CLIENT PAUSE / UNPAUSE over every thread: the pause (its end and whether it
// holds every command or only writes) lives in shared memory, set by whichever
// thread ran CLIENT PAUSE; each thread holds back its own clients' commands
// that the pause covers, in order, as Redis postpones a paused client, and
// lets them run once the pause is over (ended by its time, or by CLIENT
// UNPAUSE on any thread: looked at every few milliseconds while some client
// of this thread waits).

import type { Client } from './client.ts';

export const PAUSE_WRITE = 1;
export const PAUSE_ALL = 2;
/** How often a thread with held clients looks whether the pause is over. */
const CHECK_MS = 10;

export function allocatePauseState(): SharedArrayBuffer {
  return new SharedArrayBuffer(16);
}

export class ClientPause {
  /** [0]: when the pause ends (ms since the epoch; 0: none). */
  private readonly end: Float64Array;
  /** [2]: PAUSE_WRITE or PAUSE_ALL. */
  private readonly type: Int32Array;
  private readonly held = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  /** Set by the thread: dispatches a client's held commands. */
  release: (client: Client) => void = () => {};

  constructor(state: SharedArrayBuffer) {
    this.end = new Float64Array(state, 0, 1);
    this.type = new Int32Array(state, 8, 2);
  }

  /** CLIENT PAUSE: until `end`, for `type`; a pause already on keeps the later end and the wider type, as Redis. */
  pause(end: number, kind: 'write' | 'all'): void {
    const type = kind === 'write' ? PAUSE_WRITE : PAUSE_ALL;
    const active = this.activeType(Date.now()) !== 0;
    this.end[0] = active ? Math.max(this.end[0], end) : end;
    Atomics.store(this.type, 0, active ? Math.max(Atomics.load(this.type, 0), type) : type);
  }

  unpause(): void {
    this.end[0] = 0;
    Atomics.store(this.type, 0, 0);
  }

  /** The pause in force now: PAUSE_WRITE, PAUSE_ALL, or 0. */
  activeType(now: number): number {
    const end = this.end[0];
    return end !== 0 && end > now ? Atomics.load(this.type, 0) : 0;
  }

  /** This thread's clients waiting for the pause to end (INFO blocked_clients counts them, as Redis). */
  get heldClients(): number {
    return this.held.size;
  }

  /** Whether a command (writes: `writes`) waits now: the dispatcher's one check. */
  holds(writes: boolean): boolean {
    if (this.end[0] === 0) return false;
    const type = this.activeType(Date.now());
    return type === PAUSE_ALL || (type === PAUSE_WRITE && writes);
  }

  /** Holds the client's command (a copy) and every one after it until the pause is over. */
  hold(client: Client, command: Buffer[]): void {
    client.heldCommands = [command];
    this.held.add(client);
    if (this.timer === null) {
      this.timer = setInterval(this.check, CHECK_MS);
      this.timer.unref();
    }
  }

  private readonly check = (): void => {
    for (const client of this.held) {
      if (client.closed) {
        this.held.delete(client);
        continue;
      }
      const command = client.heldCommands?.[0];
      if (command === undefined) {
        this.held.delete(client);
        continue;
      }
      if (this.activeType(Date.now()) !== 0 && this.stillHeld(command)) continue;
      this.held.delete(client);
      this.release(client);
    }
    if (this.held.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  };

  /** Set by the thread: whether the first held command is still covered by the pause. */
  stillHeld: (command: Buffer[]) => boolean = () => true;
}
