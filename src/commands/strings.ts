// String family: GET, SET and friends, counters, ranges.

import { keysAt, type CommandContext, type CommandSpec } from './command.ts';
import { Errors } from './errors.ts';
import { isKeyword, parseInteger } from './args.ts';
import { ValueType, type Entry } from '../store/entry.ts';
import { gatherValues, setPairs } from '../tx/multi-shard.ts';

/** Reads a string key: the entry, null when missing, or false after replying WRONGTYPE. */
function lookupString(ctx: CommandContext, key: Buffer): Entry | null | false {
  const entry = ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (entry === undefined) return null;
  if (entry.type !== ValueType.String) {
    ctx.out.error(Errors.wrongType);
    return false;
  }
  return entry;
}

/** Stores `value` (already a private copy) under `key`; keeps the TTL only when asked. */
export function storeString(ctx: CommandContext, key: Buffer, value: Buffer, expireAt: number, keepTtl: boolean): void {
  const store = ctx.store;
  const existing = store.lookupWrite(ctx.db, key, ctx.now);
  if (existing === undefined) {
    store.setString(ctx.db, key, value, expireAt, ctx.now);
    return;
  }
  existing.type = ValueType.String;
  existing.value = value;
  existing.accessedAt = ctx.now;
  if (!keepTtl) store.dbs[ctx.db].setExpire(existing, expireAt);
}

function get(ctx: CommandContext): void {
  const entry = lookupString(ctx, ctx.argv[1]);
  if (entry === null) ctx.out.nullBulk();
  else if (entry !== false) ctx.out.bulk(entry.value);
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EXPIRE = 16;

/**
 * Parses SET's (and GETEX's) expiry options starting at argv[i]; returns the
 * absolute expiry in ms, 0 for none, or -1 after replying an error.
 */
export function parseExpireOption(ctx: CommandContext, unit: Buffer, amount: Buffer | undefined, command: string): number {
  if (amount === undefined) {
    ctx.out.error(Errors.syntax);
    return -1;
  }
  const value = parseInteger(amount);
  if (value === null) {
    ctx.out.error(Errors.notInteger);
    return -1;
  }
  const seconds = isKeyword(unit, 'ex') || isKeyword(unit, 'exat');
  const relative = isKeyword(unit, 'ex') || isKeyword(unit, 'px');
  let ms = seconds ? value * 1000n : value;
  if (value <= 0n || ms > 9223372036854775807n) {
    ctx.out.error(Errors.invalidExpire(command));
    return -1;
  }
  if (relative) ms += BigInt(ctx.now);
  if (ms > 9223372036854775807n) {
    ctx.out.error(Errors.invalidExpire(command));
    return -1;
  }
  // Beyond 2^53 ms (285,000 years) the key simply never expires in practice.
  return ms > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ms);
}

function set(ctx: CommandContext): void {
  const { argv, argc } = ctx;
  let flags = 0;
  let expireAt = 0;
  for (let i = 3; i < argc; i++) {
    const option = argv[i];
    if (isKeyword(option, 'nx') && !(flags & SET_XX)) flags |= SET_NX;
    else if (isKeyword(option, 'xx') && !(flags & SET_NX)) flags |= SET_XX;
    else if (isKeyword(option, 'get')) flags |= SET_GET;
    else if (isKeyword(option, 'keepttl') && !(flags & SET_EXPIRE)) flags |= SET_KEEPTTL;
    else if (
      (isKeyword(option, 'ex') || isKeyword(option, 'px') || isKeyword(option, 'exat') || isKeyword(option, 'pxat')) &&
      !(flags & (SET_KEEPTTL | SET_EXPIRE)) &&
      i + 1 < argc
    ) {
      flags |= SET_EXPIRE;
      expireAt = parseExpireOption(ctx, option, argv[++i], 'set');
      if (expireAt < 0) return;
    } else {
      ctx.out.error(Errors.syntax);
      return;
    }
  }
  const key = argv[1];
  let existing: Entry | undefined;
  if (flags & (SET_NX | SET_XX | SET_GET)) {
    existing = ctx.store.lookupWrite(ctx.db, key, ctx.now);
    if (flags & SET_GET && existing !== undefined && existing.type !== ValueType.String) {
      ctx.out.error(Errors.wrongType);
      return;
    }
    const blocked = (flags & SET_NX && existing !== undefined) || (flags & SET_XX && existing === undefined);
    if (blocked) {
      if (flags & SET_GET && existing !== undefined) ctx.out.bulk(existing.value);
      else ctx.out.nullBulk();
      return;
    }
  }
  const previous = existing?.value;
  storeString(ctx, key, Buffer.from(argv[2]), expireAt, (flags & SET_KEEPTTL) !== 0);
  if (!(flags & SET_GET)) ctx.out.ok();
  else if (previous === undefined) ctx.out.nullBulk();
  else ctx.out.bulk(previous);
}

function mget(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  out.arrayHeader(argc - 1);
  for (let i = 1; i < argc; i++) {
    const entry = ctx.store.lookupRead(ctx.db, argv[i], ctx.now);
    if (entry === undefined || entry.type !== ValueType.String) out.nullBulk();
    else out.bulk(entry.value);
  }
}

function mset(ctx: CommandContext): void {
  const { argv, argc } = ctx;
  if (argc % 2 === 0) {
    ctx.out.error(Errors.wrongArgs('mset'));
    return;
  }
  for (let i = 1; i < argc; i += 2) storeString(ctx, argv[i], Buffer.from(argv[i + 1]), 0, false);
  ctx.out.ok();
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** INCR, DECR, INCRBY, DECRBY: adds `delta` to the integer at `key`. */
function incrementBy(ctx: CommandContext, delta: bigint): void {
  const key = ctx.argv[1];
  const entry = ctx.store.lookupWrite(ctx.db, key, ctx.now);
  let current = 0n;
  if (entry !== undefined) {
    if (entry.type !== ValueType.String) {
      ctx.out.error(Errors.wrongType);
      return;
    }
    const parsed = parseInteger(entry.value);
    if (parsed === null) {
      ctx.out.error(Errors.notInteger);
      return;
    }
    current = parsed;
  }
  const result = current + delta;
  if (result > INT64_MAX || result < INT64_MIN) {
    ctx.out.error(Errors.overflow);
    return;
  }
  const bytes = Buffer.from(result.toString(), 'latin1');
  if (entry === undefined) ctx.store.setString(ctx.db, key, bytes, 0, ctx.now);
  else entry.value = bytes;
  ctx.out.integer(result >= -9007199254740991n && result <= 9007199254740991n ? Number(result) : result);
}

function incr(ctx: CommandContext): void {
  incrementBy(ctx, 1n);
}

function decr(ctx: CommandContext): void {
  incrementBy(ctx, -1n);
}

function incrby(ctx: CommandContext): void {
  const delta = parseInteger(ctx.argv[2]);
  if (delta === null) ctx.out.error(Errors.notInteger);
  else incrementBy(ctx, delta);
}

function decrby(ctx: CommandContext): void {
  const delta = parseInteger(ctx.argv[2]);
  if (delta === null) ctx.out.error(Errors.notInteger);
  else if (delta === INT64_MIN) ctx.out.error('ERR decrement would overflow');
  else incrementBy(ctx, -delta);
}

interface StringCommand {
  name: string;
  arity: number;
  flags: readonly string[];
  keys: ReturnType<typeof keysAt>;
  summary: string;
  since: string;
  handler: (ctx: CommandContext) => void;
  multiShard?: CommandSpec['multiShard'];
}

function stringCommand(c: StringCommand): CommandSpec {
  return { name: c.name, arity: c.arity, flags: c.flags, ...c.keys, group: 'string', since: c.since, summary: c.summary, placement: 'keys', handler: c.handler, multiShard: c.multiShard };
}

const ONE_KEY = keysAt(1, 1, 1);

export const stringCommands: CommandSpec[] = [
  stringCommand({ name: 'get', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, summary: 'Get the value of a key', since: '1.0.0', handler: get }),
  stringCommand({ name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: ONE_KEY, summary: 'Set the string value of a key', since: '1.0.0', handler: set }),
  stringCommand({ name: 'mget', arity: -2, flags: ['readonly', 'fast'], keys: keysAt(1, -1, 1), summary: 'Get the values of all the given keys', since: '1.0.0', handler: mget, multiShard: gatherValues }),
  stringCommand({ name: 'mset', arity: -3, flags: ['write', 'denyoom'], keys: keysAt(1, -1, 2), summary: 'Set multiple keys to multiple values', since: '1.0.1', handler: mset, multiShard: setPairs }),
  stringCommand({ name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, summary: 'Increment the integer value of a key by one', since: '1.0.0', handler: incr }),
  stringCommand({ name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, summary: 'Decrement the integer value of a key by one', since: '1.0.0', handler: decr }),
  stringCommand({ name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, summary: 'Increment the integer value of a key by the given amount', since: '1.0.0', handler: incrby }),
  stringCommand({ name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, summary: 'Decrement the integer value of a key by the given number', since: '1.0.0', handler: decrby }),
];
