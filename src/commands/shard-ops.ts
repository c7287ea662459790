// One implementation per command, whatever the shard count (DESIGN.md, "The
// engine's shape"). A command is a per-shard operation plus its glue:
//
// - A ShardOp runs on one shard over that shard's slice of the arguments
//   (ctx.argv from 1) and returns a value, never a reply. It throws a
//   ReplyError to refuse (WRONGTYPE...).
// - The glue splits the arguments by shard, runs the op where the keys are and
//   merges the values into the reply. With every key on one shard, the
//   command's handler runs the glue there and calls the ops directly; across
//   shards its plan runs the same glue inside a transaction of the scheduler,
//   each op travelling as an internal command (HOP_INTERNAL) whose value
//   comes back as RESP2 and is decoded.
//
// Three shapes of glue:
// - splitCommand: one step over the key arguments (MSET, MGET, DEL, EXISTS):
//   each shard's op gets its keys (with the arguments that follow each), the
//   values merge into the reply. One step also means two-shard mode and
//   squashing apply (tx/scheduler.ts).
// - everyShardCommand: one step on every shard, all of it locked (KEYS,
//   DBSIZE, FLUSHALL, SWAPDB).
// - steppedCommand: the glue is a generator; it yields a step (op calls, run
//   in parallel) and gets their values back, as often as it needs, then
//   writes the reply (MSETNX, RENAME, COPY, LCS, SMOVE, SINTERSTORE; SCAN's
//   walk, every shard locked).

import { internalSpec, type CommandContext, type CommandHandler, type CommandSpec, type Coordinator, type Glue } from './command.ts';
import type { ShardStore } from '../store/shard-store.ts';
import { ByteSlice } from '../store/bytes.ts';
import { atomically, type AtomicPlan, type PlanRequest } from '../tx/multi-shard.ts';
import type { Transaction } from '../tx/scheduler.ts';
import { HOP_INTERNAL } from '../shard/hop-format.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';

/**
 * What an op returns: what travels between shards as RESP2 and decodes back
 * the same, a ByteSlice (bytes read in place, no copy, no Buffer object) as a
 * Buffer.
 */
export type OpValue = null | number | bigint | Buffer | ByteSlice | OpValue[];

/** One shard's part of a command: reads and writes this shard, returns a value. */
export interface ShardOp<V extends OpValue = OpValue> {
  /** The internal command the op travels as. */
  readonly name: Buffer;
  /** Runs over ctx.argv[1..argc) in ctx.db (argv[0] is the op's name, or the client's command name). */
  readonly run: (ctx: CommandContext) => V;
}

/** Every op, as the internal commands hops run them (the registry lists them). */
export const shardOpCommands: CommandSpec[] = [];

/** An op; registered as an internal command `name`. */
export function shardOp<V extends OpValue>(name: string, summary: string, run: (ctx: CommandContext) => V): ShardOp<V> {
  const op: ShardOp<V> = { name: Buffer.from(name, 'latin1'), run };
  shardOpCommands.push(internalSpec(name, -1, summary, (ctx) => replyOpValue(ctx, op)));
  return op;
}

/** Runs an op a hop brought and replies its value, or the error it refused with. */
function replyOpValue(ctx: CommandContext, op: ShardOp): void {
  let value: OpValue;
  try {
    value = op.run(ctx);
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    ctx.out.error(error.message);
    return;
  }
  writeOpValue(ctx.out, value);
}

function writeOpValue(out: ReplyWriter, value: OpValue): void {
  if (value === null) out.nullBulk();
  else if (typeof value === 'number' || typeof value === 'bigint') out.integer(value);
  else if (Array.isArray(value)) {
    out.arrayHeader(value.length);
    for (const item of value) writeOpValue(out, item);
  } else if (value instanceof ByteSlice) out.bulkRange(value.bytes, value.start, value.length);
  else out.bulk(value);
}

/** Where the values of a split step came from: per part, the index (among the keys) of each of its keys; null for one part holding them all in order. */
export type PartPositions = readonly (readonly number[])[] | null;

/** Merges the parts' values into the reply. */
export type Merge<V extends OpValue> = (values: readonly V[], positions: PartPositions, out: ReplyWriter) => void;

/** Refuses bad arguments before any shard runs: the error to reply, or null. */
export type ArgsCheck = (argv: readonly Buffer[], argc: number) => string | null;

/** One step over the key arguments: argv[1], argv[1 + step]..., each with the step - 1 arguments after it. */
export interface SplitDefinition<V extends OpValue> {
  step: number;
  check?: ArgsCheck;
  op: ShardOp<V>;
  merge: Merge<V>;
}

/** The handler of a one-step command: the op over every argument, here, then the merge. */
function oneStepHandler<V extends OpValue>(check: ArgsCheck | undefined, op: ShardOp<V>, merge: Merge<V>): CommandHandler {
  // The one part's value, in an array reused from call to call: the merge consumes it before the handler returns.
  const values: V[] = [];
  return (ctx) => {
    const error = check === undefined ? null : check(ctx.argv, ctx.argc);
    if (error !== null) {
      ctx.out.error(error);
      return;
    }
    try {
      values[0] = op.run(ctx);
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      ctx.out.error(error.message);
      return;
    }
    merge(values, null, ctx.out);
    values.length = 0; // keeps nothing alive (a KEYS list) until the next call
  };
}

/**
 * The values of op calls inside a transaction; the first error becomes the
 * reply. Of several calls to one shard marked last, only the final one ends
 * the transaction there (they arrive in order).
 */
async function callAll(tx: Transaction, calls: readonly OpCall[]): Promise<OpValue[]> {
  const replies = await Promise.all(calls.map((call, i) => tx.call(call.shard, call.db, opArgs(call), HOP_INTERNAL, call.last === true && !calledAgain(calls, i))));
  for (const reply of replies) if (reply instanceof ReplyError) throw reply;
  return replies as OpValue[];
}

/** Whether a call after `calls[i]` goes to the same shard. */
function calledAgain(calls: readonly OpCall[], i: number): boolean {
  for (let j = i + 1; j < calls.length; j++) if (calls[j].shard === calls[i].shard) return true;
  return false;
}

function opArgs(call: OpCall): Buffer[] {
  return [call.op.name, ...call.args];
}

/** A one-step command over its keys: its handler and its atomic plan over shards. */
export function splitCommand<V extends OpValue>(definition: SplitDefinition<V>): Glue {
  const { step, check, op, merge } = definition;
  const plan = atomically('keys', async (tx, request, out) => {
    const args = request.args;
    const error = check === undefined ? null : check(args, args.length);
    if (error !== null) throw new ReplyError(error);
    const parts = splitKeys((key) => tx.shardOfKey(key), args, 1, step);
    const calls = parts.map((part) => ({ shard: part.shard, db: request.db, op, args: part.args, last: true }));
    merge((await callAll(tx, calls)) as V[], parts.map((part) => part.positions), out);
  }, true);
  return { handler: oneStepHandler(check, op, merge), multiShard: plan };
}

/** One step on every shard, all of them locked whole. */
export interface EveryShardDefinition<V extends OpValue> {
  check?: ArgsCheck;
  op: ShardOp<V>;
  /** The values come one per shard, in shard order (positions is null). */
  merge: Merge<V>;
}

export function everyShardCommand<V extends OpValue>(definition: EveryShardDefinition<V>): Glue {
  const { check, op, merge } = definition;
  const plan = atomically('all', async (tx, request, out) => {
    const args = request.args;
    const error = check === undefined ? null : check(args, args.length);
    if (error !== null) throw new ReplyError(error);
    const calls: OpCall[] = [];
    for (let shard = 0; shard < tx.shardCount; shard++) calls.push({ shard, db: request.db, op, args: args.slice(1), last: true });
    merge((await callAll(tx, calls)) as V[], null, out);
  }, true);
  return { handler: oneStepHandler(check, op, merge), multiShard: plan };
}

/** One shard's slice of split arguments. */
export interface Part {
  shard: number;
  /** The slice, after the op's name: its keys, each with the arguments that follow it. */
  args: Buffer[];
  /** The index, among the keys, of each of its keys. */
  positions: number[];
}

/** Groups args[first], args[first + step]... (each with the step - 1 arguments after it) by the shard of the key. */
export function splitKeys(shardOfKey: (key: Buffer) => number, args: readonly Buffer[], first: number, step: number): Part[] {
  const parts: Part[] = [];
  const byShard = new Map<number, Part>();
  for (let i = first; i < args.length; i += step) {
    const shard = shardOfKey(args[i]);
    let part = byShard.get(shard);
    if (part === undefined) {
      part = { shard, args: [], positions: [] };
      byShard.set(shard, part);
      parts.push(part);
    }
    for (let k = 0; k < step; k++) part.args.push(args[i + k]);
    part.positions.push((i - first) / step);
  }
  return parts;
}

/** One op to run on a shard in a step. */
export interface OpCall {
  shard: number;
  db: number;
  op: ShardOp;
  /** The op's arguments, after its name. */
  args: Buffer[];
  /** Its shard's last call of the command: the locks there go with its reply. */
  last?: boolean;
}

/** What stepped glue sees of the command it runs. */
export interface StepRequest {
  /** The command's arguments, the name first. */
  args: Buffer[];
  db: number;
  /** Where the reply goes. */
  out: ReplyWriter;
  shardCount: number;
  shardOfKey(key: Buffer): number;
  /** This thread's shard (its settings shape merged results: set-max-intset-entries...). */
  store: ShardStore;
  /** proto-max-bulk-len: the biggest string a command may make (LCS's table). */
  maxBulkLength: number;
  /** The coordinating thread's server (its config, the save status: SAVE and SHUTDOWN's glue). */
  server: CommandContext['server'];
}

/** Stepped glue: yields steps, gets their values (in call order), writes the reply to request.out; throws a ReplyError to refuse. */
export type Steps = (request: StepRequest) => Generator<OpCall[], void, OpValue[]>;

/** Runs stepped glue on this shard, every op a direct call, for a command whose keys all live here. */
function steppedHandler(steps: Steps): CommandHandler {
  return (ctx) => {
    const out = ctx.out;
    const request: StepRequest = {
      args: ctx.argv.slice(0, ctx.argc), db: ctx.db, out, shardCount: 1, shardOfKey: () => 0, store: ctx.store, maxBulkLength: ctx.server.parserLimits.maxBulkLength,
      server: ctx.server,
    };
    const replyStart = out.length;
    const { argv, argc, db } = ctx;
    try {
      const glue = steps(request);
      let step = glue.next();
      while (step.done !== true) {
        const values: OpValue[] = [];
        for (const call of step.value) {
          ctx.argv = opArgs(call);
          ctx.argc = ctx.argv.length;
          ctx.db = call.db;
          values.push(call.op.run(ctx));
        }
        ctx.argv = argv;
        ctx.argc = argc;
        ctx.db = db;
        step = glue.next(values);
      }
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      out.length = replyStart;
      out.error(error.message);
    } finally {
      ctx.argv = argv;
      ctx.argc = argc;
      ctx.db = db;
    }
  };
}

/** The StepRequest of a command run by `coordinator`'s thread across shards. */
export function stepRequest(coordinator: Coordinator, args: Buffer[], db: number, out: ReplyWriter): StepRequest {
  return {
    args, db, out, shardCount: coordinator.shardCount, shardOfKey: (key) => coordinator.shardOfKey(key), store: coordinator.store, maxBulkLength: coordinator.server.parserLimits.maxBulkLength,
    server: coordinator.server,
  };
}

/** Drives stepped glue with `run` doing each step; a refusal of any call becomes the reply. */
async function driveSteps(glue: Generator<OpCall[], void, OpValue[]>, run: (calls: OpCall[]) => Promise<OpValue[]>): Promise<void> {
  let step = glue.next();
  while (step.done !== true) {
    let values: OpValue[];
    try {
      values = await run(step.value);
    } catch (error) {
      glue.return();
      throw error;
    }
    step = glue.next(values);
  }
}

/** How stepped glue runs across shards. */
export interface SteppedOptions {
  /** The glue yields one step only, then merges: over two shards it may run in two-shard mode, and pipelined ones squash (tx/scheduler.ts). */
  oneStep?: boolean;
  /** 'all': every shard is locked whole, for glue that reads keys it is not given (SCAN); else its key arguments. */
  locks?: 'keys' | 'all';
}

export const ONE_STEP: SteppedOptions = { oneStep: true };
export const EVERY_SHARD_LOCKED: SteppedOptions = { locks: 'all' };

/** A command run by stepped glue: its handler, and its plan across shards, a transaction with its locks. */
export function steppedCommand(steps: Steps, options: SteppedOptions = {}): Glue {
  const handler = steppedHandler(steps);
  const plan: AtomicPlan<Coordinator> = atomically<Coordinator>(options.locks ?? 'keys', async (tx, request: PlanRequest<Coordinator>, out) => {
    await driveSteps(steps(stepRequest(request.coordinator, request.args, request.db, out)), (calls) => callAll(tx, calls));
  }, options.oneStep === true);
  return { handler, multiShard: plan };
}

// --- merges most commands share ---

export function mergeSum(values: readonly number[], _positions: PartPositions, out: ReplyWriter): void {
  let total = 0;
  for (const value of values) total += value;
  out.integer(total);
}

export function mergeOk(_values: readonly OpValue[], _positions: PartPositions, out: ReplyWriter): void {
  out.ok();
}

/** Concatenates the parts' lists of strings (KEYS). */
export function mergeConcat(values: readonly Buffer[][], _positions: PartPositions, out: ReplyWriter): void {
  let count = 0;
  for (const value of values) count += value.length;
  out.arrayHeader(count);
  for (const value of values) for (const item of value) out.bulk(item);
}

/** The parts' lists of per-key values, put back in the order of the keys (MGET). */
export function mergeInKeyOrder(values: readonly (Buffer | ByteSlice | null)[][], positions: PartPositions, out: ReplyWriter): void {
  if (positions === null) {
    writeBulks(out, values[0]);
    return;
  }
  let count = 0;
  for (const value of values) count += value.length;
  const ordered = new Array<Buffer | ByteSlice | null>(count);
  values.forEach((value, part) => positions[part].forEach((position, i) => (ordered[position] = value[i])));
  writeBulks(out, ordered);
}

function writeBulks(out: ReplyWriter, values: readonly (Buffer | ByteSlice | null)[]): void {
  out.arrayHeader(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null) out.nullBulk();
    else if (value instanceof ByteSlice) out.bulkRange(value.bytes, value.start, value.length);
    else out.bulk(value);
  }
}
