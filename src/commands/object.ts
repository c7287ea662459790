// OBJECT: how a key's value is held (ENCODING, REFCOUNT), and its access
// statistics (IDLETIME, FREQ). The key is read without touching it: asking
// does not count as an access. A missing key answers nil.

import type { CommandContext, Bindings } from './command.ts';
import { replyHelp } from './help.ts';
import { sharedIntegersAllowed } from '../store/string-object.ts';
import { VALUE_TYPES } from '../store/value-types.ts';
import { idleSeconds, lfuCounter } from '../store/access-clock.ts';
import type { Ref } from '../store/shard-store.ts';

const ObjectErrors = {
  idleWithLfu:
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  freqWithoutLfu:
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
} as const;

/** The key at argv[2], without touching it; replies nil and returns 0 when it does not exist. */
function lookupObject(ctx: CommandContext): Ref {
  const ref = ctx.store.lookupRead(ctx.db, ctx.argv[2], ctx.now, false);
  if (ref === 0) ctx.out.nullBulk();
  return ref;
}

function lfuPolicy(ctx: CommandContext): boolean {
  return ctx.server.config.get('maxmemory-policy').endsWith('-lfu');
}

function objectEncoding(ctx: CommandContext): void {
  const ref = lookupObject(ctx);
  if (ref !== 0) ctx.out.bulkString(VALUE_TYPES[ctx.store.typeOf(ref)].encoding(ctx.store, ref));
}

function objectRefcount(ctx: CommandContext): void {
  const ref = lookupObject(ctx);
  if (ref === 0) return;
  const config = ctx.server.config;
  const shared = sharedIntegersAllowed(config.getNumber('maxmemory'), config.get('maxmemory-policy'));
  ctx.out.integer(VALUE_TYPES[ctx.store.typeOf(ref)].refcount(ctx.store, ref, shared));
}

function objectIdletime(ctx: CommandContext): void {
  const ref = lookupObject(ctx);
  if (ref === 0) return;
  if (lfuPolicy(ctx)) ctx.out.error(ObjectErrors.idleWithLfu);
  else ctx.out.integer(idleSeconds(ctx.store.accessWord(ref), ctx.now));
}

/** OBJECT FREQ, under an LFU policy only: the key's access counter, decayed for the time it sat idle. */
function objectFreq(ctx: CommandContext): void {
  const ref = lookupObject(ctx);
  if (ref === 0) return;
  if (!lfuPolicy(ctx)) {
    ctx.out.error(ObjectErrors.freqWithoutLfu);
    return;
  }
  ctx.out.integer(lfuCounter(ctx.store.accessWord(ref), ctx.now, ctx.store.access.lfuDecayTime));
}

function objectHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'OBJECT', [
    'ENCODING <key>',
    "    How the key's value is held: int, embstr or raw for a string; listpack or hashtable for a hash; intset or hashtable for a set.",
    'FREQ <key>',
    "    The key's logarithmic access frequency counter (LFU maxmemory policies only).",
    'IDLETIME <key>',
    '    Seconds since the key was last read or written.',
    'REFCOUNT <key>',
    "    References to the key's value (small integers are shared).",
  ]);
}


// --- the bindings (the rows are table/object.ts) ---

export const objectBindings: Bindings = {
  'object|encoding': objectEncoding,
  'object|freq': objectFreq,
  'object|idletime': objectIdletime,
  'object|refcount': objectRefcount,
  'object|help': objectHelp,
};
