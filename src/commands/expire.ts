// Expiry family: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.

import { keysAt, type CommandContext, type CommandSpec } from './command.ts';

function ttlIn(ctx: CommandContext, divisor: number): void {
  const entry = ctx.store.lookupRead(ctx.db, ctx.argv[1], ctx.now);
  if (entry === undefined) ctx.out.integer(-2);
  else if (entry.expireAt === 0) ctx.out.integer(-1);
  else ctx.out.integer(Math.round(Math.max(0, entry.expireAt - ctx.now) / divisor));
}

function ttl(ctx: CommandContext): void {
  ttlIn(ctx, 1000);
}

function pttl(ctx: CommandContext): void {
  ttlIn(ctx, 1);
}

function expireCommand(name: string, arity: number, flags: readonly string[], summary: string, since: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return { name, arity, flags, ...keysAt(1, 1, 1), group: 'generic', since, summary, placement: 'keys', handler };
}

export const expireCommands: CommandSpec[] = [
  expireCommand('ttl', 2, ['readonly', 'fast'], 'Get the time to live for a key in seconds', '1.0.0', ttl),
  expireCommand('pttl', 2, ['readonly', 'fast'], 'Get the time to live for a key in milliseconds', '2.6.0', pttl),
];
