// DUMP and RESTORE: a key's value as Redis's serialized form (its RDB
// encoding, the RDB version and a CRC-64), so a value moves between this
// server and stock Redis either way. Both run on the key's shard.

import type { Bindings, CommandContext } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { expireTime, type ExpireTime } from '../store/record.ts';
import { dumpPayload, restorePayload, verifyPayload } from '../store/rdb/rdb-value.ts';
import { RdbEmptyValue, RdbFormatError } from '../store/rdb/rdb-types.ts';
import { lfuWord, lruClockIdle } from '../store/access-clock.ts';

const DumpErrors = {
  busyKey: 'BUSYKEY Target key name already exists.',
  badPayload: 'ERR DUMP payload version or checksum are wrong',
  badData: 'ERR Bad data format',
  badTtl: 'ERR Invalid TTL value, must be >= 0',
  badIdle: 'ERR Invalid IDLETIME value, must be >= 0',
  badFreq: 'ERR Invalid FREQ value, must be >= 0 and <= 255',
} as const;

function dump(ctx: CommandContext): void {
  const ref = ctx.store.lookupRead(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0) {
    ctx.out.nullBulk();
    return;
  }
  ctx.out.bulk(dumpPayload(ctx.store, ref, ctx.server.config.get('rdbcompression') === 'yes'));
}

interface RestoreOptions {
  replace: boolean;
  absttl: boolean;
  idle: number;
  freq: number;
}

/** RESTORE's options after the payload, as Redis parses them: the options, or the error to reply. */
function parseRestoreOptions(argv: readonly Buffer[], argc: number): RestoreOptions | string {
  const options: RestoreOptions = { replace: false, absttl: false, idle: -1, freq: -1 };
  for (let j = 4; j < argc; j++) {
    const more = j + 1 < argc;
    if (isKeyword(argv[j], 'replace')) {
      options.replace = true;
    } else if (isKeyword(argv[j], 'absttl')) {
      options.absttl = true;
    } else if (isKeyword(argv[j], 'idletime') && more && options.freq === -1) {
      const idle = parseInteger(argv[++j]);
      if (idle === null) return Errors.notInteger;
      if (idle < 0n) return DumpErrors.badIdle;
      options.idle = Number(idle);
    } else if (isKeyword(argv[j], 'freq') && more && options.idle === -1) {
      const freq = parseInteger(argv[++j]);
      if (freq === null) return Errors.notInteger;
      if (freq < 0n || freq > 255n) return DumpErrors.badFreq;
      options.freq = Number(freq);
    } else {
      return Errors.syntax;
    }
  }
  return options;
}

function restore(ctx: CommandContext): void {
  const { store, db, now, argv, out } = ctx;
  const options = parseRestoreOptions(argv, ctx.argc);
  if (typeof options === 'string') {
    out.error(options);
    return;
  }
  const key = argv[1];
  if (!options.replace && store.lookupWrite(db, key, now) !== 0) {
    out.error(DumpErrors.busyKey);
    return;
  }
  const ttl = parseInteger(argv[2]);
  if (ttl === null) {
    out.error(Errors.notInteger);
    return;
  }
  if (ttl < 0n) {
    out.error(DumpErrors.badTtl);
    return;
  }
  const payload = argv[3];
  if (!verifyPayload(payload)) {
    out.error(DumpErrors.badPayload);
    return;
  }
  const expireAt: ExpireTime = ttl === 0n ? 0 : expireTime(options.absttl ? ttl : ttl + BigInt(now));
  let ref;
  try {
    ref = restorePayload(payload, store, db, key, expireAt, now);
  } catch (error) {
    if (!(error instanceof RdbFormatError || error instanceof RdbEmptyValue)) throw error;
    out.error(DumpErrors.badData);
    return;
  }
  // A TTL already in the past: the value was good, the key goes at once (an old value with it, under REPLACE).
  if (expireAt !== 0 && expireAt <= now) {
    store.remove(ref);
    out.ok();
    return;
  }
  if (store.access.lfu) {
    if (options.freq >= 0) store.setAccessWord(ref, lfuWord(now, options.freq));
  } else if (options.idle >= 0) {
    store.setAccessWord(ref, lruClockIdle(now, options.idle));
  }
  out.ok();
}

// --- the bindings (the rows are table/dump.ts) ---

export const dumpBindings: Bindings = {
  dump,
  restore,
};
