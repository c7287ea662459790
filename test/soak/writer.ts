// A writer: a client that alone writes its own keys (strings, hashes, sets
// over every shard), one pipeline after another, and keeps a model of what
// the server acknowledged. Every reply is checked against the model; the
// keys are read back now and then and at the end. A write whose reply never
// came (the connection killed or dropped, or a restart error) may have run
// or not: once it can no longer be running, its keys are read back and
// must be all as before or all as after it, nothing else.

import { ConnectionLost, ReplyTimeout, RespConnection, type Reply } from './resp.ts';
import { pace, randomInt, sleep, within, type SoakContext } from './context.ts';
import { Draft, randomStep, type Step } from './steps.ts';
import {
  ABSENT, array, holdsRestartError, isEmpty, matches, observe, ok, queued, readCommands, settled, showObserved, showState,
  type Data, type Expect, type KeyState, type Kind, type Observed,
} from './model.ts';

/** How often a pipeline goes on a connection of its own that half-closes after sending it. */
const HALF_CLOSE_RATE = 0.02;

type OpKind = 'single' | 'multi' | 'watch' | 'discard';

/** What a writer sends at once: one command, or a transaction. */
interface Op {
  kind: OpKind;
  label: string;
  commands: string[][];
  expects: Expect[];
  steps: Step[];
  /** The keys it reads or writes. */
  keys: string[];
  writes: boolean;
  /** The state it leaves when its replies are the ones expected. */
  draft: Draft;
}

/** A write whose outcome is unknown: read back once `dueAt` passed. */
interface Unresolved {
  op: Op;
  before: Map<string, KeyState>;
  dueAt: number;
  /** After a failure already reported: take whatever is there as the state from now on, unchecked. */
  adopt?: boolean;
}

export interface WriterKeys {
  key: string;
  kind: Kind;
}

/** The keys of writer `id`: strings, hashes and sets, spread over the shards by their names. */
export function writerKeys(id: number): WriterKeys[] {
  const keys: WriterKeys[] = [];
  for (let i = 0; i < 8; i++) keys.push({ key: `soak:w${id}:s${i}`, kind: 'string' });
  for (let i = 0; i < 4; i++) keys.push({ key: `soak:w${id}:h${i}`, kind: 'hash' });
  for (let i = 0; i < 4; i++) keys.push({ key: `soak:w${id}:t${i}`, kind: 'set' });
  return keys;
}

export class Writer {
  readonly id: number;
  private readonly ctx: SoakContext;
  private readonly kinds = new Map<string, Kind>();
  private readonly states = new Map<string, KeyState>();
  /** Per key: acknowledged writes not read back yet. */
  private readonly unchecked = new Map<string, number>();
  private readonly unresolved: Unresolved[] = [];
  private conn: RespConnection | null = null;
  /** The connection this writer killed itself (its losses need no panic to explain them). */
  private killed = new WeakSet<RespConnection>();
  private nextAudit: number;

  constructor(ctx: SoakContext, id: number) {
    this.ctx = ctx;
    this.id = id;
    for (const { key, kind } of writerKeys(id)) {
      this.kinds.set(key, kind);
      this.states.set(key, ABSENT);
    }
    this.nextAudit = Date.now() + 2000 + randomInt(3000);
  }

  /** Destroys the connection if a pipeline is in flight on it; whether it did. */
  kill(): boolean {
    const conn = this.conn;
    if (conn === null || conn.isClosed || conn.pending === 0) return false;
    this.killed.add(conn);
    conn.kill();
    return true;
  }

  async run(): Promise<void> {
    const ctx = this.ctx;
    while (!ctx.stopping()) {
      try {
        if (this.conn === null || this.conn.isClosed) this.conn = await RespConnection.connect(ctx.port);
        const due = this.unresolved.find((entry) => entry.dueAt <= Date.now());
        if (due !== undefined) await this.resolve(due);
        else if (Date.now() >= this.nextAudit) await this.audit();
        else if (Math.random() < 0.005) await this.scanOwn();
        else await this.round();
        await pace(ctx);
      } catch (error) {
        if (!this.expectedFailure(error)) ctx.fail(`writer ${this.id}: ${(error as Error).stack ?? String(error)}`);
      }
    }
    this.conn?.kill();
  }

  /** After the run: waits out the writes still unknown, resolves them, and reads every key back. */
  async finish(): Promise<void> {
    const ctx = this.ctx;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        if (this.conn === null || this.conn.isClosed) this.conn = await RespConnection.connect(ctx.port);
        while (this.unresolved.length > 0) {
          const [next] = this.unresolved;
          if (next.dueAt > Date.now()) await sleep(next.dueAt - Date.now());
          await this.resolve(next);
        }
        await this.audit();
        this.conn.kill();
        return;
      } catch (error) {
        if (!this.expectedFailure(error)) throw error;
        await sleep(100);
      }
    }
    throw new Error(`writer ${this.id}: could not read its keys back at the end`);
  }

  /** Connection losses and restart errors only mean: try again. */
  private expectedFailure(error: unknown): boolean {
    if (error instanceof ReplyTimeout) {
      this.ctx.fail(`writer ${this.id}: ${error.message}`);
      return true;
    }
    if (error instanceof ConnectionLost || error instanceof RetryLater) return true;
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE';
  }

  private state(key: string): KeyState {
    const state = settled(this.states.get(key) as KeyState, Date.now());
    this.states.set(key, state);
    return state;
  }

  private busyKeys(): Set<string> {
    const busy = new Set<string>();
    for (const entry of this.unresolved) for (const key of entry.op.keys) busy.add(key);
    return busy;
  }

  /** Keys no unknown write touches and without a short TTL running. */
  private freeKeys(): string[] {
    const busy = this.busyKeys();
    return [...this.kinds.keys()].filter((key) => !busy.has(key) && this.state(key).expiresBy === undefined);
  }

  // --- one pipeline ---

  private buildOp(free: string[]): Op | null {
    const roll = Math.random();
    const kind: OpKind = roll < 0.75 ? 'single' : roll < 0.87 ? 'multi' : roll < 0.95 ? 'watch' : 'discard';
    const draft = new Draft((key) => this.state(key), free, this.kinds);
    const steps: Step[] = [];
    const wanted = kind === 'single' ? 1 : 2 + randomInt(3);
    for (let tries = 0; steps.length < wanted && tries < wanted * 4; tries++) {
      const step = randomStep(draft, kind !== 'single');
      if (step !== null) steps.push(step);
    }
    if (steps.length === 0) return null;
    const commands = steps.map((step) => step.command);
    const expects = steps.map((step) => step.expect);
    const label = commands.map((command) => command.join(' ').slice(0, 120)).join('; ');
    const keys = [...draft.touched];
    const writes = kind !== 'discard' && steps.some((step) => step.writes);
    if (kind === 'single') return { kind, label, commands, expects, steps, keys, writes, draft };
    const inside: string[][] = [['MULTI'], ...commands];
    const queuedReplies = [ok, ...steps.map(() => queued)];
    if (kind === 'multi') return { kind, label: `MULTI ${label} EXEC`, commands: [...inside, ['EXEC']], expects: [...queuedReplies, array(expects)], steps, keys, writes, draft };
    if (kind === 'discard') {
      return { kind, label: `MULTI ${label} DISCARD`, commands: [...inside, ['DISCARD']], expects: [...queuedReplies, ok], steps, keys, writes, draft: new Draft((key) => this.state(key), free, this.kinds) };
    }
    const watched = keys.slice(0, 1 + randomInt(2));
    return { kind, label: `WATCH ${watched.join(' ')} MULTI ${label} EXEC`, commands: [['WATCH', ...watched], ...inside, ['EXEC']], expects: [ok, ...queuedReplies, array(expects)], steps, keys, writes, draft };
  }

  private async round(): Promise<void> {
    const ctx = this.ctx;
    let free = this.freeKeys();
    const ops: Op[] = [];
    const count = 1 + randomInt(5);
    for (let i = 0; i < count && free.length > 0; i++) {
      const op = this.buildOp(free);
      if (op === null) continue;
      ops.push(op);
      // The ops of one pipeline touch different keys: each one's outcome stands alone.
      free = free.filter((key) => !op.keys.includes(key));
    }
    if (ops.length === 0) {
      await sleep(5);
      return;
    }
    const halfClose = Math.random() < HALF_CLOSE_RATE;
    const conn = halfClose ? await RespConnection.connect(ctx.port) : (this.conn as RespConnection);
    const commands = ops.flatMap((op) => op.commands);
    const sentAt = Date.now();
    const replies = conn.send(commands);
    ctx.counters.commands += commands.length;
    if (halfClose) {
      conn.halfClose();
      ctx.counters.halfCloses++;
    }
    let at = 0;
    let missing = 0;
    for (const op of ops) {
      const results = await Promise.allSettled(replies.slice(at, at + op.commands.length));
      at += op.commands.length;
      if (results.some((result) => result.status === 'rejected')) missing++;
      this.settleOp(op, results, sentAt, conn);
    }
    if (!halfClose) return;
    await within(conn.closed, 10000, `writer ${this.id}: the server closing a half-closed connection once it answered`);
    if (missing > 0 && !ctx.panics.overlaps(sentAt, Date.now())) ctx.fail(`writer ${this.id}: a half-closed connection got no reply to ${missing} of ${ops.length} ops, no worker being killed`);
    else if (missing === 0 && !conn.endedByServer) ctx.fail(`writer ${this.id}: a half-closed connection was reset instead of ended after its replies`);
  }

  private settleOp(op: Op, results: PromiseSettledResult<Reply>[], sentAt: number, conn: RespConnection): void {
    const ctx = this.ctx;
    const lost = results.find((result) => result.status === 'rejected');
    if (lost !== undefined) {
      const reason: unknown = lost.reason;
      if (reason instanceof ReplyTimeout) ctx.fail(`writer ${this.id}: ${reason.message}`);
      else if (!(reason instanceof ConnectionLost)) throw reason;
      else if (!this.killed.has(conn) && !ctx.panics.overlaps(sentAt, Date.now())) {
        ctx.fail(`writer ${this.id}: the server closed the connection before answering ${op.label}, no worker being killed`);
      }
      if (!this.killed.has(conn)) ctx.counters.dropped++;
      this.markUnknown(op);
      return;
    }
    const replies = results.map((result) => (result as PromiseFulfilledResult<Reply>).value);
    if (replies.some(holdsRestartError)) {
      ctx.counters.restartErrors++;
      if (!ctx.panics.overlaps(sentAt, Date.now())) ctx.fail(`writer ${this.id}: ${op.label} got a restart error, no worker being killed`);
      this.markUnknown(op);
      return;
    }
    for (let i = 0; i < op.expects.length; i++) {
      const isExec = i === op.expects.length - 1 && op.kind === 'watch';
      if (isExec && replies[i] === null) {
        // Nobody else writes these keys: only a restart of a shard since WATCH may fail this EXEC.
        if (!ctx.panics.overlaps(sentAt, Date.now())) ctx.fail(`writer ${this.id}: ${op.label} answered a null EXEC, no worker being killed`);
        ctx.counters.watchLost++;
        return;
      }
      const mismatch = op.expects[i](replies[i]);
      if (mismatch !== null) {
        ctx.fail(`writer ${this.id}: ${op.label}: reply ${i}: ${mismatch}; the model had ${op.keys.map((key) => `${key}=${showState(this.state(key))}`).join(', ')}`);
        this.resync(op);
        return;
      }
    }
    if (op.kind === 'single' && op.steps[0].learn) op.steps[0].learn(replies[0], op.draft);
    const now = Date.now();
    for (const [key, state] of op.draft.changed) this.states.set(key, answered(state, now));
    if (op.writes) {
      ctx.counters.ackedWrites++;
      for (const key of op.draft.changed.keys()) this.unchecked.set(key, (this.unchecked.get(key) ?? 0) + 1);
    }
  }

  /** The model no longer knows these keys (a failure was reported): they are read back and taken as found. */
  private resync(op: Op): void {
    this.unresolved.push({ op, before: new Map(), dueAt: Date.now() + this.ctx.settleMs, adopt: true });
  }

  private markUnknown(op: Op): void {
    if (!op.writes) return;
    this.ctx.counters.unknownWrites++;
    const before = new Map(op.keys.map((key) => [key, this.state(key)]));
    this.unresolved.push({ op, before, dueAt: Date.now() + this.ctx.settleMs });
  }

  // --- reading back ---

  /** Every key's value and PTTL, as one pipeline. */
  private async readKeys(keys: string[]): Promise<Map<string, Observed>> {
    const conn = this.conn as RespConnection;
    const commands = keys.flatMap((key) => readCommands(key, this.kinds.get(key) as Kind));
    this.ctx.counters.commands += commands.length;
    const replies = await Promise.all(conn.send(commands));
    if (replies.some(holdsRestartError)) throw new RetryLater();
    const found = new Map<string, Observed>();
    keys.forEach((key, i) => {
      const observed = observe(this.kinds.get(key) as Kind, replies[2 * i], replies[2 * i + 1]);
      if (typeof observed === 'string') throw new Error(`reading ${key} back: ${observed}`);
      found.set(key, observed);
    });
    return found;
  }

  /** Reads an unknown write's keys back: all as before it, or all as after it. */
  private async resolve(entry: Unresolved): Promise<void> {
    const { op, before } = entry;
    const readAt = Date.now();
    const found = await this.readKeys(op.keys);
    if (entry.adopt === true) {
      this.unresolved.splice(this.unresolved.indexOf(entry), 1);
      for (const key of op.keys) this.states.set(key, asState(found.get(key) as Observed));
      return;
    }
    const after = (key: string): KeyState => answered(op.draft.state(key), readAt);
    const asBefore = op.keys.every((key) => matches(before.get(key) as KeyState, found.get(key) as Observed, readAt));
    const single = op.kind === 'single' ? op.steps[0] : undefined;
    const asAfter = single?.mayLeave
      ? single.mayLeave(before, new Map(op.keys.map((key) => [key, (found.get(key) as Observed).data])))
      : op.keys.every((key) => matches(after(key), found.get(key) as Observed, readAt));
    this.unresolved.splice(this.unresolved.indexOf(entry), 1);
    this.ctx.counters.keyChecks += op.keys.length;
    if (!asBefore && !asAfter) {
      const detail = op.keys.map((key) => `${key}: before ${showState(before.get(key) as KeyState)}, after ${showState(after(key))}, found ${showObserved(found.get(key) as Observed)}`);
      this.ctx.fail(`writer ${this.id}: ${op.label}, whose reply never came, left neither the state before it nor the one after it (not atomic, or lost): ${detail.join('; ')}`);
      // What is there from now on, so that this is not reported again at each audit.
      for (const key of op.keys) this.states.set(key, asState(found.get(key) as Observed));
      return;
    }
    for (const key of op.keys) {
      if (asBefore) this.states.set(key, before.get(key) as KeyState);
      else if (single?.mayLeave) this.states.set(key, { ...(before.get(key) as KeyState), data: nonEmpty((found.get(key) as Observed).data) });
      else this.states.set(key, after(key));
    }
  }

  /** Reads every key no unknown write touches and compares it with the model. */
  private async audit(): Promise<void> {
    const busy = this.busyKeys();
    const keys = [...this.kinds.keys()].filter((key) => !busy.has(key));
    const readAt = Date.now();
    const found = await this.readKeys(keys);
    for (const key of keys) {
      const state = settled(this.states.get(key) as KeyState, readAt);
      const observed = found.get(key) as Observed;
      this.ctx.counters.keyChecks++;
      if (!matches(state, observed, readAt)) {
        this.ctx.fail(`writer ${this.id}: ${key} holds ${showObserved(observed)} where the acknowledged writes left ${showState(state)} (${this.unchecked.get(key) ?? 0} acknowledged writes since it was last read back)`);
        this.states.set(key, asState(observed));
        this.unchecked.delete(key);
        continue;
      }
      this.ctx.counters.writesChecked += this.unchecked.get(key) ?? 0;
      this.unchecked.delete(key);
    }
    this.nextAudit = Date.now() + 2000 + randomInt(4000);
  }

  /** SCAN (or KEYS) of this writer's names: exactly its keys that exist, while nothing else writes them. */
  private async scanOwn(): Promise<void> {
    const conn = this.conn as RespConnection;
    // A key whose short TTL runs out while the walk goes on may be returned or not: judged as of its start.
    const startedAt = Date.now();
    const pattern = `soak:w${this.id}:*`;
    const found = new Set<string>();
    const command = Math.random() < 0.3 ? 'KEYS' : 'SCAN';
    if (command === 'KEYS') {
      this.ctx.counters.commands++;
      const reply = await conn.call('KEYS', pattern);
      if (holdsRestartError(reply)) throw new RetryLater();
      for (const key of reply as Buffer[]) found.add(key.toString('latin1'));
    } else {
      let cursor = '0';
      for (let calls = 0; ; calls++) {
        if (calls > 100000) throw new Error('SCAN never came back to cursor 0');
        this.ctx.counters.commands++;
        const reply = await conn.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', String(10 + randomInt(300)));
        if (holdsRestartError(reply)) throw new RetryLater();
        const [next, keys] = reply as [Buffer, Buffer[]];
        for (const key of keys) found.add(key.toString('latin1'));
        cursor = next.toString('latin1');
        if (cursor === '0') break;
      }
    }
    const busy = this.busyKeys();
    for (const key of found) if (!this.kinds.has(key)) this.ctx.fail(`writer ${this.id}: ${command} ${pattern} returned ${key}, no key of this writer`);
    for (const key of this.kinds.keys()) {
      const state = settled(this.states.get(key) as KeyState, startedAt);
      if (busy.has(key) || state.expiresBy !== undefined) continue;
      const exists = !isEmpty(state.data);
      if (exists !== found.has(key)) this.ctx.fail(`writer ${this.id}: ${command} ${pattern} ${exists ? 'missed' : 'returned'} ${key}, which the model has as ${showState(state)}`);
    }
  }
}

/** Thrown when a read met a restart error: read again later. */
class RetryLater extends Error {}

/** A state as of its command's reply: a short TTL becomes the moment it surely ran out by. */
function answered(state: KeyState, now: number): KeyState {
  if (state.expiresIn === undefined) return state;
  return { data: state.data, ttl: 'none', expiresBy: now + state.expiresIn };
}

/** A state as a read found it. */
function asState(observed: Observed): KeyState {
  return { data: nonEmpty(observed.data), ttl: observed.pttl > 0 ? 'long' : 'none' };
}

function nonEmpty(data: Data | null): Data | null {
  return isEmpty(data) ? null : data;
}
