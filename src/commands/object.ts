// OBJECT: how a key's value is held (ENCODING, REFCOUNT), and its access
// statistics (IDLETIME, FREQ). The key is read without touching it: asking
// does not count as an access. A missing key answers nil.

import { keysAt, NO_KEYS, type CommandContext, type CommandSpec } from './command.ts';
import { replyHelp } from './command-docs.ts';
import { idleSeconds, stringEncoding, stringRefcount } from '../store/string-object.ts';
import type { Entry } from '../store/entry.ts';

const ObjectErrors = {
  idleWithLfu:
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  freqWithoutLfu:
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
} as const;

/** The key at argv[2], without touching it; replies nil and returns undefined when it does not exist. */
function lookupObject(ctx: CommandContext): Entry | undefined {
  const entry = ctx.store.lookupRead(ctx.db, ctx.argv[2], ctx.now, false);
  if (entry === undefined) ctx.out.nullBulk();
  return entry;
}

function lfuPolicy(ctx: CommandContext): boolean {
  return ctx.server.config.get('maxmemory-policy').endsWith('-lfu');
}

function objectEncoding(ctx: CommandContext): void {
  const entry = lookupObject(ctx);
  if (entry !== undefined) ctx.out.bulkString(stringEncoding(entry.value));
}

function objectRefcount(ctx: CommandContext): void {
  const entry = lookupObject(ctx);
  if (entry === undefined) return;
  const config = ctx.server.config;
  ctx.out.integer(stringRefcount(entry.value, config.getNumber('maxmemory'), config.get('maxmemory-policy')));
}

function objectIdletime(ctx: CommandContext): void {
  const entry = lookupObject(ctx);
  if (entry === undefined) return;
  if (lfuPolicy(ctx)) ctx.out.error(ObjectErrors.idleWithLfu);
  else ctx.out.integer(idleSeconds(entry.accessedAt, ctx.now));
}

/** The counter Redis's LFU gives a new key (LFU_INIT_VAL). */
const LFU_INITIAL_COUNTER = 5;

/**
 * OBJECT FREQ, under an LFU policy only. Accesses are not counted yet (the
 * LFU eviction that would use them does not exist): a key reports the
 * counter a new key starts with, decayed by one per lfu-decay-time minutes
 * idle, as Redis decays it.
 */
function objectFreq(ctx: CommandContext): void {
  const entry = lookupObject(ctx);
  if (entry === undefined) return;
  if (!lfuPolicy(ctx)) {
    ctx.out.error(ObjectErrors.freqWithoutLfu);
    return;
  }
  const decayMinutes = ctx.server.config.getNumber('lfu-decay-time');
  const periods = decayMinutes === 0 ? 0 : Math.floor((ctx.now - entry.accessedAt) / 60000 / decayMinutes);
  ctx.out.integer(Math.max(0, LFU_INITIAL_COUNTER - periods));
}

function objectHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'OBJECT', [
    'ENCODING <key>',
    "    How the key's value is held: int, embstr or raw for a string.",
    'FREQ <key>',
    "    The key's logarithmic access frequency counter (LFU maxmemory policies only).",
    'IDLETIME <key>',
    '    Seconds since the key was last read or written.',
    'REFCOUNT <key>',
    "    References to the key's value (small integers are shared).",
  ]);
}

const KEYSPACE = ['keyspace'];

function objectSubcommand(name: string, summary: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return {
    name: `object|${name}`,
    arity: 3,
    flags: ['readonly'],
    ...keysAt(2, 2, 1),
    keyFlags: ['RO'],
    aclCategories: KEYSPACE,
    group: 'generic',
    since: '2.2.3',
    summary,
    placement: 'keys',
    handler,
  };
}

/** The container itself never runs: the coordinator always picks a subcommand. */
function container(): void {}

export const objectCommands: CommandSpec[] = [
  {
    name: 'object',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: 'generic',
    since: '2.2.3',
    summary: "Subcommands about how a key's value is held",
    placement: 'client',
    handler: container,
    subcommands: [
      objectSubcommand('encoding', "Names how a key's value is held", objectEncoding),
      { ...objectSubcommand('freq', "Returns a key's access frequency counter", objectFreq), since: '4.0.0' },
      { ...objectSubcommand('idletime', 'Returns the seconds since a key was last accessed', objectIdletime) },
      objectSubcommand('refcount', "Counts the references to a key's value", objectRefcount),
      {
        name: 'object|help',
        arity: 2,
        flags: ['loading', 'stale'],
        ...NO_KEYS,
        aclCategories: KEYSPACE,
        group: 'generic',
        since: '6.2.0',
        summary: 'Lists the subcommands',
        placement: 'client',
        handler: objectHelp,
      },
    ],
  },
];
