// The shards' side of blocking commands (BLPOP, BLMOVE, BZPOPMIN...), as
// internal commands, and what the families' blocking commands share.
//
// How a client blocks (server/blocked-clients.ts drives it from the client's
// thread; DESIGN.md, "Transactions"):
// - Its keys on one shard: one hop, block-try. If a key exists the command
//   runs there at once, as it would inside MULTI (popping, or WRONGTYPE);
//   otherwise the client is registered as a waiter on its keys there. Both in
//   one step on the shard, so no write can slip in between.
// - Its keys on several shards: a transaction over them (its locks held
//   throughout): block-probe on each shard; if a key exists the command's own
//   atomic plan runs in the same transaction, else block-try registers the
//   waiter on every shard.
// - A write that makes a key ready is served after the command that made it,
//   outside any transaction (tx/blocking-controller.ts): the shard claims the
//   first waiter's wait slot (tx/wait-slots.ts) and runs block-serve, the
//   command over that one key, whose reply goes to the client's thread.

import { internalSpec, type BlockingSpec, type CommandContext, type CommandSpec, type Glue } from './command.ts';
import { steppedCommand, type Steps } from './shard-ops.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import type { BlockedWaiter } from '../store/blocked-keys.ts';
import { parseLongDouble } from '../protocol/number-format.ts';
import { parseInt32 } from '../protocol/args.ts';

/** block-try's reply when the client now waits on the shard's keys. */
export const BLOCKED_REPLY = Buffer.from('+BLOCKED\r\n');
/** block-try's reply when the wait ended before the shard saw it (a timeout, a disconnect). */
export const WAIT_ENDED_REPLY = Buffer.from('+WAIT-ENDED\r\n');

export const BLOCK_TRY = Buffer.from('block-try');
export const BLOCK_PROBE = Buffer.from('block-probe');
export const BLOCK_SERVE = Buffer.from('block-serve');
export const BLOCK_FORGET = Buffer.from('block-forget');

const TimeoutErrors = {
  notFloat: 'ERR timeout is not a float or out of range',
  negative: 'ERR timeout is negative',
} as const;

/** Redis's timeout in seconds (a float): milliseconds, rounded up (0: wait for ever), or the error to reply. */
export function parseTimeout(arg: Buffer): number | string {
  if (parseLongDouble(arg) === null) return TimeoutErrors.notFloat;
  const ms = Math.ceil(Number(arg.toString('latin1')) * 1000);
  // Redis converts to a long long: infinities and values past it come out negative.
  if (!Number.isFinite(ms) || ms >= 2 ** 63) return TimeoutErrors.negative;
  if (ms < 0) return TimeoutErrors.negative;
  return ms;
}

// --- what the families' blocking commands share ---

/** B*POP key... timeout (BLPOP, BRPOP, BZPOPMIN, BZPOPMAX): waits on every key for a value of `valueType`, served from one. */
export function popFirstBlocking(valueType: number): BlockingSpec {
  return {
    parse: (argv, argc) => parseTimeout(argv[argc - 1]),
    keys: (argv, argc) => argv.slice(1, argc - 1),
    valueType,
    serveArgs: (argv, key) => [argv[0], key, argv[argv.length - 1]],
    timeoutReply: 'null-array',
  };
}

const ONE = Buffer.from('1');

/**
 * B*MPOP timeout numkeys key... <end> [COUNT count] (BLMPOP, BZMPOP): its
 * non-blocking form's parse and steps (LMPOP's, ZMPOP's) over the arguments
 * after the timeout, which Redis checks after them.
 */
export function multiPopCommand(valueType: number, parse: (args: readonly Buffer[]) => { keys: Buffer[] } | string, steps: Steps): Glue {
  const afterTimeout = (argv: readonly Buffer[], argc: number): Buffer[] => [argv[0], ...argv.slice(2, argc)];
  const blocking: BlockingSpec = {
    parse: (argv, argc) => {
      const parsed = parse(afterTimeout(argv, argc));
      return typeof parsed === 'string' ? parsed : parseTimeout(argv[1]);
    },
    keys: (argv, argc) => {
      const parsed = parse(afterTimeout(argv, argc));
      return typeof parsed === 'string' ? [] : parsed.keys;
    },
    valueType,
    serveArgs: (argv, key) => {
      const keyCount = Number(argv[2].toString('latin1'));
      return [argv[0], argv[1], ONE, key, ...argv.slice(3 + keyCount)];
    },
    timeoutReply: 'null-array',
  };
  const glue = steppedCommand(function* (request) {
    const args = afterTimeout(request.args, request.args.length);
    const parsed = parse(args);
    if (typeof parsed === 'string') throw new ReplyError(parsed);
    const timeout = parseTimeout(request.args[1]);
    if (typeof timeout === 'string') throw new ReplyError(timeout);
    return yield* steps({ ...request, args });
  });
  return { ...glue, blocking };
}

/** The command a blocking spec belongs to, by name. */
function blockingCommand(ctx: CommandContext, name: Buffer): CommandSpec & { blocking: BlockingSpec } {
  const spec = ctx.commands.byName(name);
  if (spec?.blocking === undefined) throw new Error(`${name.toString()} is not a blocking command`);
  return spec as CommandSpec & { blocking: BlockingSpec };
}

/** Runs a command's handler here over `argv`, as if it had been sent (its non-blocking form). */
function runHandler(ctx: CommandContext, spec: CommandSpec, argv: Buffer[]): void {
  const savedArgv = ctx.argv;
  const savedArgc = ctx.argc;
  ctx.argv = argv;
  ctx.argc = argv.length;
  try {
    spec.handler(ctx);
  } finally {
    ctx.argv = savedArgv;
    ctx.argc = savedArgc;
  }
}

function copies(args: readonly Buffer[]): Buffer[] {
  return args.map((arg) => Buffer.from(arg));
}

/**
 * block-try numkeys key... thread slot generation proto servable command...:
 * runs the command if one of this shard's keys exists, else registers its
 * client as waiting on them. Replies the command's reply, BLOCKED_REPLY, or
 * WAIT_ENDED_REPLY.
 */
function blockTry(ctx: CommandContext): void {
  const { argv, argc, store, out } = ctx;
  const keyCount = parseInt32(argv[1]) as number;
  const at = 2 + keyCount;
  const thread = parseInt32(argv[at]) as number;
  const slot = parseInt32(argv[at + 1]) as number;
  const generation = parseInt32(argv[at + 2]) as number;
  const proto = parseInt32(argv[at + 3]) as number;
  const servable = argv[at + 4][0] === 0x31; // '1'
  const command = argv.slice(at + 5, argc);
  const waits = ctx.server.waits;
  if (!waits.isArmed(thread, slot, generation)) {
    out.raw(WAIT_ENDED_REPLY);
    return;
  }
  const spec = blockingCommand(ctx, command[0]);
  const keys = argv.slice(2, at);
  if (keys.some((key) => servesNow(ctx, spec.blocking, key, command))) {
    if (!waits.claim(thread, slot, generation)) out.raw(WAIT_ENDED_REPLY);
    else runHandler(ctx, spec, command);
    return;
  }
  const blocking = spec.blocking;
  const registered = blocking.registerArgs?.(store, ctx.db, keys, command, ctx.now) ?? copies(command);
  const waiter: BlockedWaiter = {
    thread, slot, generation, proto, db: ctx.db, keys: copies(keys), valueType: blocking.valueType, argv: registered, servable, ready: blocking.ready,
    goneReply: blocking.goneReply,
  };
  store.blocked.add(waiter);
  out.raw(BLOCKED_REPLY);
}

/**
 * Whether the command runs now rather than wait, for `key`: it exists, and
 * either holds another type (the command's reply is the error) or can serve
 * it (BlockingSpec.ready); or it is missing and that is an error
 * (BlockingSpec.missingServes).
 */
function servesNow(ctx: CommandContext, blocking: BlockingSpec, key: Buffer, command: readonly Buffer[]): boolean {
  const ref = ctx.store.lookupWrite(ctx.db, key, ctx.now);
  if (ref === 0) return blocking.missingServes === true;
  if (blocking.ready === undefined || ctx.store.typeOf(ref) !== blocking.valueType) return true;
  return blocking.ready(ctx.store, ctx.db, key, command, ctx.now);
}

/** block-probe numkeys key... command...: per key, 1 when the command would run now for it (servesNow), else 0. */
function blockProbe(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  const keyCount = parseInt32(argv[1]) as number;
  const command = argv.slice(2 + keyCount, argc);
  const spec = blockingCommand(ctx, command[0]);
  out.arrayHeader(keyCount);
  for (let i = 2; i < 2 + keyCount; i++) out.integer(servesNow(ctx, spec.blocking, argv[i], command) ? 1 : 0);
}

/** block-serve key command...: the blocked command served from `key`, which holds what it waits for. */
function blockServe(ctx: CommandContext): void {
  const command = ctx.argv.slice(2, ctx.argc);
  const spec = blockingCommand(ctx, command[0]);
  runHandler(ctx, spec, spec.blocking.serveArgs(command, ctx.argv[1]));
}

/** block-forget thread slot generation: the wait ended; this shard drops it. */
function blockForget(ctx: CommandContext): void {
  const { argv } = ctx;
  ctx.store.blocked.remove(parseInt32(argv[1]) as number, parseInt32(argv[2]) as number, parseInt32(argv[3]) as number);
  ctx.out.ok();
}

/** block-try's keys come first, counted: it queues behind the locks on them. */
const blockTrySpec: CommandSpec = { ...internalSpec('block-try', -8, 'Serve a blocking command or register its client as waiting', blockTry), firstKey: 2, lastKey: -1, keyStep: 1, numKeysAt: 1 };

export const blockingCommands: CommandSpec[] = [
  blockTrySpec,
  { ...internalSpec('block-probe', -3, 'Tell for which of the keys a blocking command would run now', blockProbe), firstKey: 2, lastKey: -1, keyStep: 1, numKeysAt: 1 },
  internalSpec('block-serve', -3, 'Serve a blocked command from a key', blockServe),
  internalSpec('block-forget', 4, 'Drop an ended wait', blockForget),
];
