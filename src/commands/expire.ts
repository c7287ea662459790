// Expiry family: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME,
// PEXPIRETIME, PERSIST. Expiry times are absolute Unix times in ms
// (the record's expiry time); lazy expiry is ShardStore's lookups, active expiry its
// activeExpireCycle.

import type { CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { expireTime, type ExpireTime } from '../store/record.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** EXPIRE's NX | XX | GT | LT options (argv[3...]): the flags, or -1 after replying an error. */
function parseExpireFlags(ctx: CommandContext): number {
  let flags = 0;
  for (let i = 3; i < ctx.argc; i++) {
    const option = ctx.argv[i];
    if (isKeyword(option, 'nx')) flags |= EXPIRE_NX;
    else if (isKeyword(option, 'xx')) flags |= EXPIRE_XX;
    else if (isKeyword(option, 'gt')) flags |= EXPIRE_GT;
    else if (isKeyword(option, 'lt')) flags |= EXPIRE_LT;
    else {
      ctx.out.error(`ERR Unsupported option ${option.toString('latin1')}`, 'latin1');
      return -1;
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    ctx.out.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return -1;
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    ctx.out.error('ERR GT and LT options at the same time are not compatible');
    return -1;
  }
  return flags;
}

/** Whether the flags let a key whose expiry is `current` (-1: none) take the expiry `when`. */
function flagsAllow(flags: number, current: ExpireTime, when: bigint): boolean {
  if (flags & EXPIRE_NX && current !== -1) return false;
  if (flags & EXPIRE_XX && current === -1) return false;
  if (flags & EXPIRE_GT && (current === -1 || when <= current)) return false;
  if (flags & EXPIRE_LT && current !== -1 && when >= current) return false;
  return true;
}

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (Redis's expireGenericCommand): the
 * time is relative to now or absolute, in seconds or ms; a time not in the
 * future deletes the key.
 */
function expireGeneric(ctx: CommandContext, relative: boolean, seconds: boolean, command: string): void {
  const flags = parseExpireFlags(ctx);
  if (flags < 0) return;
  let when = parseInteger(ctx.argv[2]);
  if (when === null) {
    ctx.out.error(Errors.notInteger);
    return;
  }
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
      ctx.out.error(Errors.invalidExpire(command));
      return;
    }
    when *= 1000n;
  }
  const base = relative ? BigInt(ctx.now) : 0n;
  if (when > INT64_MAX - base) {
    ctx.out.error(Errors.invalidExpire(command));
    return;
  }
  when += base;
  const { store, db } = ctx;
  const ref = store.lookupWrite(db, ctx.argv[1], ctx.now);
  const current = ref === 0 ? 0 : store.exactExpireAt(ref);
  if (ref === 0 || (flags !== 0 && !flagsAllow(flags, current === 0 ? -1 : current, when))) {
    ctx.out.integer(0);
    return;
  }
  if (when <= ctx.now) store.remove(ref);
  else store.setExpire(ref, expireTime(when));
  ctx.out.integer(1);
}

function expire(ctx: CommandContext): void {
  expireGeneric(ctx, true, true, 'expire');
}

function pexpire(ctx: CommandContext): void {
  expireGeneric(ctx, true, false, 'pexpire');
}

function expireat(ctx: CommandContext): void {
  expireGeneric(ctx, false, true, 'expireat');
}

function pexpireat(ctx: CommandContext): void {
  expireGeneric(ctx, false, false, 'pexpireat');
}

/** ms to whole seconds as Redis rounds them: (ms + 500) / 1000 in integer arithmetic. */
function roundToSeconds(ms: ExpireTime): ExpireTime {
  if (typeof ms === 'bigint') return (ms + 500n) / 1000n;
  // Below 1e15 the float division cannot land on the wrong side of an integer.
  return ms <= 1e15 ? Math.floor((ms + 500) / 1000) : Number((BigInt(ms) + 500n) / 1000n);
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 without the key, -1 without an expiry. */
function ttlGeneric(ctx: CommandContext, ms: boolean, absolute: boolean): void {
  const ref = ctx.store.lookupRead(ctx.db, ctx.argv[1], ctx.now, false);
  if (ref === 0) {
    ctx.out.integer(-2);
    return;
  }
  const expireAt = ctx.store.exactExpireAt(ref);
  if (expireAt === 0) {
    ctx.out.integer(-1);
    return;
  }
  let time: ExpireTime;
  if (absolute) time = expireAt;
  else if (typeof expireAt === 'bigint') time = expireAt - BigInt(ctx.now);
  else time = Math.max(0, expireAt - ctx.now);
  ctx.out.integer(ms ? time : roundToSeconds(time));
}

function ttl(ctx: CommandContext): void {
  ttlGeneric(ctx, false, false);
}

function pttl(ctx: CommandContext): void {
  ttlGeneric(ctx, true, false);
}

function expiretime(ctx: CommandContext): void {
  ttlGeneric(ctx, false, true);
}

function pexpiretime(ctx: CommandContext): void {
  ttlGeneric(ctx, true, true);
}

function persist(ctx: CommandContext): void {
  const ref = ctx.store.lookupWrite(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0 || ctx.store.expireAt(ref) === 0) {
    ctx.out.integer(0);
    return;
  }
  ctx.store.setExpire(ref, 0);
  ctx.out.integer(1);
}

// --- the bindings (the rows are table/expire.ts) ---

export const expireBindings: Bindings = { expire, pexpire, expireat, pexpireat, ttl, pttl, expiretime, pexpiretime, persist };
