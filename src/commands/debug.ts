// DEBUG: the introspection and test hooks Redis's own test suite relies on,
// allowed only when `enable-debug-command` says so (no | yes | local).
//
// DEBUG is one command in the table (as in Redis); its plan routes each
// subcommand: SET-ACTIVE-EXPIRE and QUICKLIST-PACKED-THRESHOLD to every shard, DIGEST and SCHEDULER to every shard (each
// returns its part of the digest, merged here), OBJECT and DIGEST-VALUE to
// the shards owning their keys, everything else (LOG, SLEEP, PROTOCOL, HELP)
// to the connection's own thread. SLEEP blocks that thread only; the other
// threads go on serving their keys.

import { internalSpec, type CommandContext, type CommandSpec, type MultiShardPlan, type Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword } from '../protocol/args.ts';
import { replyHelp } from './help.ts';
import { addToDigest, DIGEST_LENGTH, mixIntoDigest, uint32Bytes } from '../store/digest.ts';
import { keyDigest, mixValueDigest } from '../store/key-digest.ts';
import { sharedIntegersAllowed } from '../store/string-object.ts';
import { VALUE_TYPES } from '../store/value-types.ts';
import { idleSeconds } from '../store/access-clock.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { log } from '../util/log.ts';
import type { Client } from '../server/client.ts';
import type { Config } from '../config/config.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import { ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import { onEveryShard, stepwise } from './step-plans.ts';
import { mergeOkReplies } from '../tx/multi-shard.ts';
import { HOP_PART } from '../shard/hop-format.ts';
import type { SchedulerState } from '../tx/shard-scheduler.ts';
import { setPackedThreshold } from '../store/types/quicklist.ts';
import { debugLoadAofEverywhere, debugLoadAofHere, debugReloadEverywhere, debugReloadHere } from './persistence.ts';
import { setDenyScriptsDisabled } from './scripting.ts';

const DEBUG_DIGEST_PART = 'debug-digest-part';
const DEBUG_SCHEDULER_PART = 'debug-scheduler-part';

/** Redis's reply when a protected command (DEBUG, MODULE) is not enabled for this connection. */
const notAllowed =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, ' +
  'otherwise you need to set this option in the configuration file, and then restart the server.';

const badPackedThreshold = 'ERR argument must be a memory value bigger than 1 and smaller than 4gb';

function syntaxError(sub: Buffer): string {
  return `ERR unknown subcommand or wrong number of arguments for '${sub.toString().slice(0, 128)}'. Try DEBUG HELP.`;
}

/** Whether `client` may run DEBUG: `yes`, or `local` and connected over loopback. */
function debugAllowed(config: Config, client: Client): boolean {
  const setting = config.get('enable-debug-command');
  if (setting === 'yes') return true;
  if (setting !== 'local') return false;
  const host = client.addr.slice(0, client.addr.lastIndexOf(':'));
  return host === '127.0.0.1' || host === '[::1]';
}

// --- the subcommands, as they run on one shard ---


/** DEBUG OBJECT key: how the value is held, read without touching the key or expiring it. */
function debugObject(ctx: CommandContext): void {
  const store = ctx.store;
  const ref = store.peek(ctx.db, ctx.argv[2]);
  if (ref === 0) {
    ctx.out.error(Errors.noSuchKey);
    return;
  }
  const config = ctx.server.config;
  const type = VALUE_TYPES[store.typeOf(ref)];
  const clock = store.accessWord(ref);
  const refcount = type.refcount(store, ref, sharedIntegersAllowed(config.getNumber('maxmemory'), config.get('maxmemory-policy')));
  ctx.out.simple(
    `Value at:0x${(ref * 8).toString(16)} refcount:${refcount} encoding:${type.encoding(store, ref)} serializedlength:${type.serializedLength(store, ref)} ` +
      `lru:${clock} lru_seconds_idle:${idleSeconds(clock, ctx.now)}`,
  );
}

/** DEBUG DIGEST-VALUE key...: each value's digest (zeros for a missing key); expired keys not yet removed still count. */
function debugDigestValue(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  const store = ctx.store;
  out.arrayHeader(argc - 2);
  for (let i = 2; i < argc; i++) {
    const digest = Buffer.alloc(DIGEST_LENGTH);
    const ref = store.peek(ctx.db, argv[i]);
    if (ref !== 0) mixValueDigest(digest, store, ref);
    out.simple(digest.toString('hex'));
  }
}

/** DEBUG PROTOCOL type: one reply of each RESP type, as Redis sends them. */
function debugProtocol(ctx: CommandContext): void {
  const out = ctx.out;
  const name = ctx.argv[2];
  if (isKeyword(name, 'string')) out.bulkString('Hello World');
  else if (isKeyword(name, 'integer')) out.integer(12345);
  else if (isKeyword(name, 'double')) out.double(3.141);
  else if (isKeyword(name, 'bignum')) out.bigNumber('1234567999999999999999999999999999999');
  else if (isKeyword(name, 'null')) out.nullBulk();
  else if (isKeyword(name, 'array') || isKeyword(name, 'set')) {
    if (isKeyword(name, 'array')) out.arrayHeader(3);
    else out.setHeader(3);
    for (let i = 0; i < 3; i++) out.integer(i);
  } else if (isKeyword(name, 'map')) {
    out.mapHeader(3);
    for (let i = 0; i < 3; i++) {
      out.integer(i);
      out.boolean(i === 1);
    }
  } else if (isKeyword(name, 'attrib')) {
    // RESP2 has no attributes: only the reply that follows them is sent.
    if (out.proto === 3) {
      out.attributeHeader(1);
      out.bulkString('key-popularity');
      out.arrayHeader(2);
      out.bulkString('key:123');
      out.integer(90);
    }
    out.bulkString('Some real reply following the attribute');
  } else if (isKeyword(name, 'push')) {
    if (out.proto !== 3) {
      out.error('ERR RESP2 is not supported by this command');
      return;
    }
    out.pushHeader(2);
    out.bulkString('server-cpu-usage');
    out.integer(42);
    out.bulkString('Some real reply following the push reply');
  } else if (isKeyword(name, 'true')) out.boolean(true);
  else if (isKeyword(name, 'false')) out.boolean(false);
  else if (isKeyword(name, 'verbatim')) out.verbatim('This is a verbatim\nstring');
  else out.error('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
}

/** DEBUG SLEEP seconds: blocks this thread (a number as C's strtod reads it: a bad one is 0). */
function debugSleep(ctx: CommandContext): void {
  const seconds = Number.parseFloat(ctx.argv[2].toString());
  const ms = Math.trunc((Number.isFinite(seconds) ? seconds : 0) * 1e6) / 1000;
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  ctx.out.ok();
}

/**
 * DEBUG PANIC: the thread running it dies on the spot, as Redis's whole
 * process does. With worker threads the supervisor starts a new one over the
 * shard's memory; with one shard on the main thread the server stops.
 */
function debugPanic(): void {
  log('warning', `DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`);
  process.exit(1);
}

/** DEBUG SET-ACTIVE-EXPIRE 0|1 on this shard (a number as C's atoi reads it: anything but 0 enables). */
/** DEBUG PAUSE-CRON 0|1: the thread's periodic work (active expiry, eviction, client timeouts, the tracking table's limit) stops or goes on. */
function debugPauseCron(ctx: CommandContext): void {
  ctx.server.cronPaused = (Number.parseInt(ctx.argv[2].toString(), 10) || 0) !== 0;
  ctx.out.ok();
}

function debugSetActiveExpire(ctx: CommandContext): void {
  ctx.store.activeExpireEnabled = (Number.parseInt(ctx.argv[2].toString(), 10) || 0) !== 0;
  ctx.out.ok();
}

/** DEBUG SET-DISABLE-DENY-SCRIPTS 0|1 on this thread: whether scripts may call the commands flagged noscript (a test tool). */
function debugSetDisableDenyScripts(ctx: CommandContext): void {
  setDenyScriptsDisabled((Number.parseInt(ctx.argv[2].toString(), 10) || 0) !== 0);
  ctx.out.ok();
}

const MEMORY_UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n };
const UINT64_LIMIT = 2n ** 64n;

/**
 * A memory value as Redis's memtoull reads it: digits (none reads 0), then
 * nothing, b, k, kb, m, mb, g or gb in any case; an overflow saturates the
 * digits and wraps the product, as its unsigned arithmetic does. Null when
 * invalid.
 */
function memoryValue(text: string): bigint | null {
  if (text.startsWith('-')) return null;
  const digits = /^[0-9]*/.exec(text)?.[0] ?? '';
  const unit = MEMORY_UNITS[text.slice(digits.length).toLowerCase()];
  if (unit === undefined || digits.length >= 128) return null;
  let value = digits === '' ? 0n : BigInt(digits);
  if (value >= UINT64_LIMIT) value = UINT64_LIMIT - 1n;
  return (value * unit) % UINT64_LIMIT;
}

/** The threshold DEBUG QUICKLIST-PACKED-THRESHOLD asks for (0: the default), or null when Redis refuses it. */
function packedThresholdArgument(arg: Buffer): number | null {
  const value = memoryValue(arg.toString('latin1'));
  if (value === null || value > 2n ** 32n - 2n ** 20n) return null;
  return Number(value);
}

/** DEBUG QUICKLIST-PACKED-THRESHOLD size on this shard: elements of at least `size` get a plain node of their own. */
function debugPackedThreshold(ctx: CommandContext): void {
  const bytes = packedThresholdArgument(ctx.argv[2]);
  if (bytes === null || !setPackedThreshold(bytes)) ctx.out.error(badPackedThreshold);
  else ctx.out.ok();
}

function debugHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'DEBUG', [
    'DIGEST',
    '    Digest of the whole dataset, 40 hex digits (all zeros when empty).',
    'DIGEST-VALUE <key> [<key> ...]',
    "    Digest of each key's value (all zeros for a missing key).",
    'LOG <message>',
    '    Writes <message> to the server log.',
    'OBJECT <key>',
    "    How the key's value is held: encoding, references, serialized length, access clock.",
    'PAUSE-CRON <0|1>',
    "    Stops (1) or resumes (0) every thread's periodic work: active expiry, eviction, client timeouts.",
    'PANIC',
    "    Kills the connection's thread at once (a worker is restarted over its shard's memory).",
    'PROTOCOL <type>',
    '    Replies a value of <type>: string, integer, double, bignum, null, array, set,',
    '    map, attrib, push, verbatim, true or false.',
    'RELOAD [MERGE] [NOFLUSH] [NOSAVE]',
    '    Saves the dataset to the RDB file (unless NOSAVE), empties it (unless NOFLUSH) and loads the file back.',
    'SCHEDULER',
    "    What every shard's lock table holds now, summed: transactions scheduled, lock holders,",
    '    locked keys, fast-path commands waiting (all 0 when nothing is in flight).',
    'SET-ACTIVE-EXPIRE <0|1>',
    '    Turns the background removal of expired keys off (0) or on (1).',
    'SET-DISABLE-DENY-SCRIPTS <0|1>',
    '    Lets scripts call the commands they may not call (1), or not (0).',
    'QUICKLIST-PACKED-THRESHOLD <size>',
    '    Elements of at least <size> bytes (a memory value, under 4gb; 0: the default of',
    '    1gb) are held in list nodes of their own, not packed with others.',
    'SLEEP <seconds>',
    '    Blocks the connection\'s thread for <seconds> (a decimal number).',
  ]);
}

/** DEBUG as it runs on one shard: the subcommand by name and argument count. */
function debugOnShard(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  const sub = argv[1];
  if (argc === 2 && isKeyword(sub, 'help')) debugHelp(ctx);
  else if (argc === 3 && isKeyword(sub, 'log')) {
    log('warning', `DEBUG LOG: ${argv[2].toString()}`);
    out.ok();
  } else if (isKeyword(sub, 'reload')) debugReloadHere(ctx);
  else if (argc === 2 && isKeyword(sub, 'loadaof')) debugLoadAofHere(ctx); else if (argc === 3 && isKeyword(sub, 'object')) debugObject(ctx);
  else if (isKeyword(sub, 'digest-value')) debugDigestValue(ctx);
  else if (argc === 3 && isKeyword(sub, 'protocol')) debugProtocol(ctx);
  else if (argc === 3 && isKeyword(sub, 'sleep')) debugSleep(ctx);
  else if (argc === 2 && isKeyword(sub, 'panic')) debugPanic();
  else if (argc === 3 && isKeyword(sub, 'set-active-expire')) debugSetActiveExpire(ctx);
  else if (argc === 3 && isKeyword(sub, 'pause-cron')) debugPauseCron(ctx);
  else if (argc === 3 && isKeyword(sub, 'set-disable-deny-scripts')) debugSetDisableDenyScripts(ctx);
  else if (argc === 3 && isKeyword(sub, 'quicklist-packed-threshold')) debugPackedThreshold(ctx);
  else out.error(syntaxError(sub));
}

/**
 * This shard's part of DEBUG DIGEST: per database, the XOR of its keys'
 * digests, or null when it holds no key here.
 */
function digestPart(ctx: CommandContext): void {
  const out = ctx.out;
  out.arrayHeader(DATABASE_COUNT);
  const store = ctx.store;
  for (let db = 0; db < DATABASE_COUNT; db++) {
    if (store.dbs[db].size === 0) {
      out.nullBulk();
      continue;
    }
    const digest = Buffer.alloc(DIGEST_LENGTH);
    store.forEachKey(db, (ref) => addToDigest(digest, keyDigest(store, ref)));
    out.bulk(digest);
  }
}

/** DEBUG DIGEST from every shard's part: each non-empty database's number is mixed in, then its keys' digests. */
function mergeDigest(replies: ReplyValue[], out: ReplyWriter): void {
  const digest = Buffer.alloc(DIGEST_LENGTH);
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const parts = replies.map((reply) => (reply as (Buffer | null)[])[db]).filter((part) => part !== null);
    if (parts.length === 0) continue;
    mixIntoDigest(digest, uint32Bytes(db));
    for (const part of parts) for (let i = 0; i < DIGEST_LENGTH; i++) digest[i] ^= part[i];
  }
  out.simple(digest.toString('hex'));
}

/** This shard's part of DEBUG SCHEDULER: its lock table's counts, in SCHEDULER_FIELDS order. */
function schedulerPart(ctx: CommandContext): void {
  const state = ctx.server.schedulerState();
  ctx.out.arrayHeader(SCHEDULER_FIELDS.length);
  for (const [, field] of SCHEDULER_FIELDS) ctx.out.integer(state[field]);
}

const SCHEDULER_FIELDS: readonly (readonly [string, keyof SchedulerState])[] = [
  ['transactions', 'transactions'],
  ['lock-holders', 'holders'],
  ['locked-keys', 'lockedKeys'],
  ['fast-path-waiting', 'fastPathWaiting'],
];

/** DEBUG SCHEDULER: every shard's counts, summed, as a map. */
function mergeScheduler(replies: ReplyValue[], out: ReplyWriter): void {
  out.mapHeader(SCHEDULER_FIELDS.length);
  SCHEDULER_FIELDS.forEach(([name], i) => {
    out.bulk(Buffer.from(name));
    out.integer(replies.reduce<number>((sum, reply) => sum + Number((reply as number[])[i]), 0));
  });
}

// --- routing ---

const onEveryShardOk = onEveryShard(mergeOkReplies);
const digestOnEveryShard = onEveryShard(mergeDigest, DEBUG_DIGEST_PART);
const schedulerOnEveryShard = onEveryShard(mergeScheduler, DEBUG_SCHEDULER_PART);

/** DEBUG DIGEST-VALUE with keys on several shards: each key's digest from its shard, in order. */
const digestValuesAcrossShards = stepwise(async (coordinator, _client, args, out, db) => {
  const digests = await Promise.all(
    args.slice(2).map(async (key) => {
      const reply = await coordinator.call(coordinator.shardOfKey(key), db, HOP_PART, [args[0], args[1], key]);
      if (reply instanceof ReplyError) throw reply;
      return (reply as string[])[0];
    }),
  );
  out.arrayHeader(digests.length);
  for (const digest of digests) out.simple(digest);
});

const debugPlan: MultiShardPlan = {
  run(coordinator, client, argv, argc, slot, db, proto) {
    const refuse = (message: string): void => {
      const out = new ReplyWriter(256);
      out.errors = coordinator.server.commandStats.errors;
      out.error(message);
      slot.onReply(out.buffer.subarray(0, out.length));
    };
    if (!debugAllowed(coordinator.server.config, client)) {
      refuse(notAllowed);
      return;
    }
    const sub = argv[1];
    if (argc === 3 && (isKeyword(sub, 'set-active-expire') || isKeyword(sub, 'pause-cron') || isKeyword(sub, 'set-disable-deny-scripts'))) onEveryShardOk.run(coordinator, client, argv, argc, slot, db, proto);
    else if (argc === 3 && isKeyword(sub, 'quicklist-packed-threshold')) {
      // Checked once here, so that every shard takes the new threshold or none does.
      if (packedThresholdArgument(argv[2]) === null) refuse(badPackedThreshold);
      else onEveryShardOk.run(coordinator, client, argv, argc, slot, db, proto);
    }
    else if (isKeyword(sub, 'reload')) debugReloadEverywhere.run(coordinator, client, argv, argc, slot, db, proto);
    else if (argc === 2 && isKeyword(sub, 'loadaof')) debugLoadAofEverywhere.run(coordinator, client, argv, argc, slot, db, proto);
    else if (argc === 2 && isKeyword(sub, 'digest')) digestOnEveryShard.run(coordinator, client, argv, argc, slot, db, proto);
    else if (argc === 2 && isKeyword(sub, 'scheduler')) schedulerOnEveryShard.run(coordinator, client, argv, argc, slot, db, proto);
    else if (argc === 3 && isKeyword(sub, 'object')) coordinator.send(coordinator.shardOfKey(argv[2]), db, proto, HOP_PART, argv, argc, slot);
    else if (argc > 2 && isKeyword(sub, 'digest-value')) digestValuesAcrossShards.run(coordinator, client, argv, argc, slot, db, proto);
    else coordinator.send(coordinator.localShard, db, proto, HOP_PART, argv, argc, slot);
  },
};

// --- the bindings (the rows are table/debug.ts) ---

export const debugBindings: Bindings = {
  debug: { handler: debugOnShard, multiShard: debugPlan },
};

/** Sent between threads only: one shard's part of DEBUG DIGEST. */
export const debugInternalCommands: CommandSpec[] = [
  internalSpec(DEBUG_DIGEST_PART, 1, "One shard's part of DEBUG DIGEST", digestPart),
  internalSpec(DEBUG_SCHEDULER_PART, 2, "One shard's part of DEBUG SCHEDULER", schedulerPart),
];
