// The hop wire format: what a hop's flags mean, how the transaction hops lay
// out their arguments, and what their replies look like. The transport frames
// a hop (transport/hub.ts: request id, db, proto, flags, arguments); this file
// is the one place that knows what goes inside.
//
// A plain hop carries a command as a client would send it, with HOP_INTERNAL
// or HOP_PART when it is not a client's own call. Transaction hops carry
// their fields first, then a batch of commands, each [flags, db, argc, args...]:
//   HOP_TX_SCHEDULE      [txid, scope, key...]                     → +OK, or -TXRETRY (retry with a newer id)
//   HOP_TX_RUN           [txid, conclude 0|1, batch...]             → the batch's replies, one after another (+OK for a bare conclude)
//   HOP_TX_SCHEDULE_RUN  [txid, scope, key count, key..., batch...] → :1 then the replies, or :0 when refused
// scope: 1 when the transaction locks whole shards, plus twice the bit set of
// the shards it spans (0 past 50 shards: unknown), which the journal records.
//   HOP_TX_BATCH         [key count, key..., watcher id or "", batch...] → :1 then the replies, or :0 when a watched key changed

import type { Protocol } from '../protocol/reply-writer.ts';

/** argv[0] names an internal command (a command's per-shard op, commands/shard-ops.ts, or another internal one), never reachable by clients. */
export const HOP_INTERNAL = 1;
/** One shard's part of a command the coordinator splits or steps through: its call is counted once, by the coordinator. */
export const HOP_PART = 2;
/**
 * A plain hop whose last argument names the client that sent the command
 * (not one of its arguments): a tracking client's, whose own writes NOLOOP
 * does not invalidate, and whose script's keys are tracked when the script
 * reads (server/tracking.ts). The argument is callerArg's.
 */
export const HOP_CALLER = 64;

/** The caller argument: client id and its thread. */
export function callerArg(id: number, thread: number): Buffer {
  return Buffer.from(`${id}.${thread}`);
}

export function parseCaller(arg: Buffer): { id: number; thread: number } {
  const dot = arg.indexOf(0x2e);
  return { id: argNumber(arg.subarray(0, dot)), thread: argNumber(arg.subarray(dot + 1)) };
}
/** A batched command that runs at a given time, not the shard's clock: EXEC's commands all see the time EXEC started, as in Redis. */
export const HOP_AT_CLOCK = 64;
/** A batched command that replies in RESP2, or RESP3, whatever the hop's protocol: after a HELLO queued before it in EXEC. */
export const HOP_RESP2 = 128;
export const HOP_RESP3 = 256;
/** A batched command followed by its caller argument (HOP_CALLER of a plain hop; decoded as HOP_CALLER). */
const BATCH_CALLER = 512;
const COMMAND_ENCODING_FLAGS = HOP_AT_CLOCK | HOP_RESP2 | HOP_RESP3 | BATCH_CALLER;
/** A batched command a script flagged allow-oom (or no-writes) calls: never refused for memory. Batches only (a plain hop's flags are one byte). */
export const HOP_ALLOW_OOM = 1024;
/** Schedules a transaction on the shard, taking its intent locks. */
export const HOP_TX_SCHEDULE = 4;
/** Runs commands inside a scheduled transaction, and ends it there when told to conclude. */
export const HOP_TX_RUN = 8;
/** A single-shard transaction in one hop, no id: EXEC's watch check, then its commands. */
export const HOP_TX_BATCH = 16;
/** Schedules a transaction, runs its one step once it may, then ends it there (two-shard mode, tx/scheduler.ts). */
export const HOP_TX_SCHEDULE_RUN = 32;
/** Any of the transaction hops. */
export const HOP_TX = HOP_TX_SCHEDULE | HOP_TX_RUN | HOP_TX_BATCH | HOP_TX_SCHEDULE_RUN;

/** The reply of a schedule hop refused because a later transaction already started on that shard. */
export const RETRY_ERROR = 'TXRETRY a later transaction already ran here';
export const RETRY_REPLY = Buffer.from(`-${RETRY_ERROR}\r\n`);
/** The first reply of a batch that ran (schedule-run, single-shard batch)... */
export const RAN_BATCH = Buffer.from(':1\r\n');
/** ...and the whole reply of one that did not. */
export const ABORTED_BATCH = Buffer.from(':0\r\n');

/** One command travelling in a transaction hop. */
export interface BatchCommand {
  /** Hop flags for this command alone (HOP_INTERNAL, HOP_PART). */
  flags: number;
  db: number;
  argv: Buffer[];
  /** The time (ms) it runs at; absent: the shard's clock when it runs. */
  clock?: number;
  /** The protocol it replies in; absent: the hop's. */
  proto?: Protocol;
  /** The client that sent it, as callerArg (a tracking client's: HOP_CALLER); absent: not named. */
  caller?: Buffer;
}

const DIGITS: Buffer[] = [];
for (let i = 0; i < 32; i++) DIGITS.push(Buffer.from(String(i)));
const ZERO = DIGITS[0];
const ONE = DIGITS[1];

function numberArg(value: number): Buffer {
  return value < DIGITS.length ? DIGITS[value] : Buffer.from(String(value));
}

/** A small decimal argument (counts, flags, ids) as a number. */
export function argNumber(arg: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < arg.length; i++) value = value * 10 + (arg[i] - 0x30);
  return value;
}

/** Appends each command as [flags, db, argc, args...] to `out`, or [flags | HOP_AT_CLOCK, db, argc, clock, args...] when it has a clock. */
export function encodeBatch(out: Buffer[], commands: readonly BatchCommand[]): Buffer[] {
  for (const command of commands) {
    const timed = command.clock !== undefined;
    let flags = timed ? command.flags | HOP_AT_CLOCK : command.flags;
    if (command.proto !== undefined) flags |= command.proto === 3 ? HOP_RESP3 : HOP_RESP2;
    if (command.caller !== undefined) flags |= BATCH_CALLER;
    out.push(numberArg(flags), numberArg(command.db), numberArg(command.argv.length + (command.caller !== undefined ? 1 : 0)));
    if (timed) out.push(numberArg(command.clock as number));
    for (const arg of command.argv) out.push(arg);
    if (command.caller !== undefined) out.push(command.caller);
  }
  return out;
}

/** Hands each command of the batch in argv[at..end) to `run`, with its own slice of the arguments, its clock (0: none) and protocol (0: the hop's). */
export function decodeBatch(argv: Buffer[], at: number, end: number, run: (db: number, flags: number, args: Buffer[], argc: number, clock: number, proto: number) => void): void {
  while (at < end) {
    const flags = argNumber(argv[at]);
    const db = argNumber(argv[at + 1]);
    const argc = argNumber(argv[at + 2]);
    let first = at + 3;
    const clock = flags & HOP_AT_CLOCK ? argNumber(argv[first++]) : 0;
    const proto = flags & HOP_RESP3 ? 3 : flags & HOP_RESP2 ? 2 : 0;
    run(db, (flags & ~COMMAND_ENCODING_FLAGS) | (flags & BATCH_CALLER ? HOP_CALLER : 0), argv.slice(first, first + argc), argc, clock, proto);
    at = first + argc;
  }
}

// --- encoding, on the coordinating thread ---

/** The scope argument: whether it locks whole shards, and the shards it spans. */
function scopeArg(global: boolean, participants: number): Buffer {
  return participants === 0 ? (global ? ONE : ZERO) : numberArg(participants * 2 + (global ? 1 : 0));
}

/** The bit set of `shards` as a scope's participants (0: too many shards to say). */
export function participantsOf(shards: readonly number[]): number {
  let mask = 0;
  for (const shard of shards) {
    if (shard > 50) return 0;
    mask += 2 ** shard;
  }
  return mask;
}

export function encodeSchedule(id: Buffer, global: boolean, keys: readonly Buffer[], participants = 0): Buffer[] {
  const argv: Buffer[] = [id, scopeArg(global, participants)];
  for (const key of keys) argv.push(key);
  return argv;
}

export function encodeRun(id: Buffer, conclude: boolean, commands: readonly BatchCommand[]): Buffer[] {
  return encodeBatch([id, conclude ? ONE : ZERO], commands);
}

export function encodeScheduleRun(id: Buffer, global: boolean, keys: readonly Buffer[], commands: readonly BatchCommand[], participants = 0): Buffer[] {
  return encodeBatch([id, scopeArg(global, participants), numberArg(keys.length), ...keys], commands);
}

/** A single-shard transaction: its keys, the client whose watched keys are checked first (null: none), its commands. */
export function encodeSingleShardBatch(keys: readonly Buffer[], watcher: number | null, commands: readonly BatchCommand[]): Buffer[] {
  return encodeBatch([Buffer.from(String(keys.length)), ...keys, Buffer.from(watcher === null ? '' : String(watcher))], commands);
}

/** A transaction id as a hop argument. */
export function txIdArg(id: number): Buffer {
  return Buffer.from(String(id));
}

// --- decoding, on the shard that serves the hop ---

/** The transaction id of a schedule, run or schedule-run hop. */
export function txIdOf(argv: Buffer[]): number {
  return argNumber(argv[0]);
}

/** Schedule and schedule-run: whether it locks the whole shard. */
export function locksWholeShard(argv: Buffer[]): boolean {
  return argNumber(argv[1]) % 2 === 1;
}

/** Schedule and schedule-run: the bit set of the shards the transaction spans (0: unknown). */
export function scheduledParticipants(argv: Buffer[]): number {
  return Math.floor(argNumber(argv[1]) / 2);
}

/** Run: whether it ends the transaction on this shard. */
export function concludes(argv: Buffer[]): boolean {
  return argv[1][0] === 0x31;
}

/** Where a schedule hop's keys start (they run to the end). */
export const SCHEDULE_KEYS_AT = 2;
/** Where a run hop's batch starts. */
export const RUN_BATCH_AT = 2;
/** Where a schedule-run hop's keys start... */
export const SCHEDULE_RUN_KEYS_AT = 3;

/** ...and where they end, its batch starting there. */
export function scheduleRunKeysEnd(argv: Buffer[]): number {
  return SCHEDULE_RUN_KEYS_AT + argNumber(argv[2]);
}

/** Where a single-shard batch's keys start... */
export const BATCH_KEYS_AT = 1;

/** ...and where they end: the watcher's id is there, the batch after it. */
export function batchKeysEnd(argv: Buffer[]): number {
  return BATCH_KEYS_AT + argNumber(argv[0]);
}

/** A single-shard batch's watching client id, or -1 when there is no watch check. */
export function watcherOf(watcher: Buffer): number {
  return watcher.length > 0 ? argNumber(watcher) : -1;
}

// --- replies, back on the coordinating thread ---

/** A schedule hop's reply: true when the shard refused (an error: retry with a newer id). */
export function scheduleRefused(reply: Buffer): boolean {
  return reply[0] === 0x2d;
}

/** A schedule-run or single-shard batch reply: true when its commands ran (their replies follow at BATCH_REPLIES_AT). */
export function batchRan(reply: Buffer): boolean {
  return reply[1] === 0x31 && reply[0] === 0x3a;
}

export const BATCH_REPLIES_AT = RAN_BATCH.length;
