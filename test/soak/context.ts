// What every part of the soak shares: the server's port, the clock of the
// run, the failures found, the counters of the summary, and when workers
// were being killed (some outcomes are only allowed around a panic).

export interface Counters {
  /** Commands sent by every client, the prober's PINGs left out. */
  commands: number;
  /** Writes whose reply came, each checked against the model. */
  ackedWrites: number;
  /** Acknowledged writes whose keys were read back and found as the model says. */
  writesChecked: number;
  /** Writes whose reply never came (or came as a restart error): either outcome allowed, then read back. */
  unknownWrites: number;
  /** Key read-backs compared with the model (audits, resolutions, the end). */
  keyChecks: number;
  /** Audits of the accounts' total and the MSET groups. */
  audits: number;
  /** Transfers between accounts answered. */
  transfers: number;
  kills: number;
  halfCloses: number;
  /** Replies that were a restart error (the hop's shard died under it). */
  restartErrors: number;
  /** Connections found closed by the server (a panic of their thread). */
  dropped: number;
  /** EXECs under WATCH that failed because a shard restarted since WATCH. */
  watchLost: number;
}

export function newCounters(): Counters {
  return { commands: 0, ackedWrites: 0, writesChecked: 0, unknownWrites: 0, keyChecks: 0, audits: 0, transfers: 0, kills: 0, halfCloses: 0, restartErrors: 0, dropped: 0, watchLost: 0 };
}

/** When panics were under way: from the DEBUG PANIC sent until its worker was serving again. */
export class PanicTimeline {
  private readonly windows: { from: number; to: number }[] = [];

  /** A panic starts now; call the function returned once its worker is back. */
  begin(): () => void {
    const window = { from: Date.now(), to: Infinity };
    this.windows.push(window);
    return () => (window.to = Date.now());
  }

  /** Whether a panic was under way at some moment between `from` and `to`. */
  overlaps(from: number, to: number): boolean {
    return this.windows.some((window) => window.from <= to && window.to >= from);
  }

  get count(): number {
    return this.windows.length;
  }
}

export interface SoakContext {
  port: number;
  counters: Counters;
  panics: PanicTimeline;
  /** How long a write whose reply never came may still take effect (hops already sent run on). */
  settleMs: number;
  /** Up to this long (ms, at random) between two operations of a client: 0 runs them back to back. */
  paceMs: number;
  /** Whether pipelined writes seen out of order fail the run (SoakOptions.checkPipelineOrder). */
  checkPipelineOrder: boolean;
  /** True once time is up or something failed: every loop ends. */
  stopping(): boolean;
  /** Records a broken invariant; the run stops. */
  fail(message: string): void;
  log(message: string): void;
}

/** A client's pause between two operations (see SoakContext.paceMs). */
export function pace(ctx: SoakContext): Promise<void> | undefined {
  return ctx.paceMs > 0 ? sleep(Math.random() * ctx.paceMs) : undefined;
}

export function randomInt(limit: number): number {
  return Math.floor(Math.random() * limit);
}

export function pickOne<T>(items: readonly T[]): T {
  return items[randomInt(items.length)];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection after `ms`: every wait of the soak is bounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
