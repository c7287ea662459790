// The arguments of SCAN, HSCAN, SSCAN (and later ZSCAN): the cursor as Redis
// parses it, and the MATCH / COUNT / TYPE options; and the step every scan of
// one collection shares.

import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import type { CommandContext } from './command.ts';
import type { Ref } from '../store/shard-store.ts';

const UINT64_MAX = 18446744073709551615n;

/**
 * A SCAN cursor as Redis parses it (strtoul, base 10): optional sign, digits;
 * "" is 0, a negative value wraps modulo 2^64; null when invalid.
 */
export function parseScanCursor(arg: Uint8Array): bigint | null {
  let end = arg.indexOf(0);
  if (end === -1) end = arg.length;
  if (end === 0) return 0n;
  let i = 0;
  const negative = arg[0] === 0x2d;
  if (negative || arg[0] === 0x2b) i++;
  if (i === end) return null;
  let value = 0n;
  for (; i < end; i++) {
    const digit = arg[i] - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10n + BigInt(digit);
    if (value > UINT64_MAX) return null;
  }
  return negative && value !== 0n ? UINT64_MAX + 1n - value : value;
}

export interface ScanOptions {
  count: number;
  /** null: every key (no MATCH, or MATCH *). */
  pattern: Buffer | null;
  typeName: Buffer | null;
}

/**
 * [MATCH pattern] [COUNT count], and [TYPE type] for SCAN (`withType`), from
 * argv[first]: the options, or the error to reply.
 */
export function parseScanOptions(argv: readonly Buffer[], argc: number, first: number, withType: boolean): ScanOptions | string {
  const options: ScanOptions = { count: 10, pattern: null, typeName: null };
  for (let i = first; i < argc; i += 2) {
    if (i + 1 >= argc) return Errors.syntax;
    const option = argv[i];
    const value = argv[i + 1];
    if (isKeyword(option, 'count')) {
      const count = parseInteger(value);
      if (count === null) return Errors.notInteger;
      if (count < 1n) return Errors.syntax;
      options.count = Number(count);
    } else if (isKeyword(option, 'match')) {
      options.pattern = value.length === 1 && value[0] === 0x2a ? null : value;
    } else if (withType && isKeyword(option, 'type')) {
      options.typeName = value;
    } else {
      return Errors.syntax;
    }
  }
  return options;
}

/** One type's scan step: visits from `cursor`, pushes what matches `pattern` (null: all) to `found`, returns the next cursor. */
export type CollectionScanStep = (ref: Ref, cursor: number, count: number, pattern: Buffer | null, found: Buffer[]) => number;

/**
 * HSCAN / SSCAN key cursor [MATCH pattern] [COUNT count], as Redis orders its
 * checks: the cursor, then the key and its type (`lookup` replies WRONGTYPE
 * and returns -1), then the options, which a missing key never reaches (it
 * answers an empty page). A cursor past 2^32 is past the end.
 */
export function replyCollectionScan(ctx: CommandContext, lookup: (ctx: CommandContext, key: Buffer) => Ref, step: CollectionScanStep): void {
  const { argv, argc, out } = ctx;
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    out.error('ERR invalid cursor');
    return;
  }
  const ref = lookup(ctx, argv[1]);
  if (ref < 0) return;
  const found: Buffer[] = [];
  let next = 0;
  if (ref !== 0) {
    const options = parseScanOptions(argv, argc, 3, false);
    if (typeof options === 'string') {
      out.error(options);
      return;
    }
    if (cursor < 2n ** 32n) next = step(ref, Number(cursor), options.count, options.pattern, found);
  }
  out.arrayHeader(2);
  out.bulkString(String(next));
  out.bulkArray(found);
}
