// Bitmap family: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
// BITFIELD_RO, over string values read and written in place in the arena.
// This file parses arguments and replies; the bit algorithms are
// store/types/bitmap.ts.

import type { Bindings, CommandContext } from './command.ts';
import type { Ref } from '../store/shard-store.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { ValueType } from '../store/entry.ts';
import { ByteSlice } from '../store/bytes.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { shardOp, splitKeys, steppedCommand, type OpValue, type StepRequest, type OpCall } from './shard-ops.ts';
import { BitOp, combineBits, countBits, fieldResult, findBit, getBit, Overflow, readSigned, readUnsigned, writeBits } from '../store/types/bitmap.ts';

/** The bitmap family's own error replies (bitops.c). */
const BitErrors = {
  offset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  bitArgument: 'ERR The bit argument must be 1 or 0.',
  notSingleSource: 'ERR BITOP NOT must be called with a single source key.',
  fieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  overflowType: 'ERR Invalid OVERFLOW type specified',
  readonlyGet: 'ERR BITFIELD_RO only supports the GET subcommand',
  tooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
} as const;

/**
 * The longest string the store holds (its length is a 32-bit word): past it,
 * with proto-max-bulk-len raised above 4 GB, a bit write is refused where
 * Redis would grow the string.
 */
const MAX_STRING_BYTES = 2 ** 32 - 1;

const EMPTY = Buffer.alloc(0);
const TWO_53 = 2 ** 53;

// --- arguments ---

/**
 * An integer argument by string2ll's rules, as a number (NaN when it is not
 * one); beyond 2^53 in magnitude it is rounded, which only the callers that
 * compare two such values need to know (they recheck exactly).
 */
function integerArg(arg: Uint8Array): number {
  const length = arg.length;
  if (length > 0 && length <= 15) {
    let i = arg[0] === 0x2d ? 1 : 0;
    if (i === length || (arg[i] === 0x30 && length !== 1)) return NaN;
    let value = 0;
    for (; i < length; i++) {
      const digit = arg[i] - 48;
      if (digit < 0 || digit > 9) return NaN;
      value = value * 10 + digit;
    }
    return arg[0] === 0x2d ? -value : value;
  }
  const value = parseInteger(arg);
  return value === null ? NaN : Number(value);
}

/**
 * Redis's getBitOffsetFromArgument: a bit offset, or -1 (after replying).
 * With `bits` > 0 a "#n" offset means n fields of that width; the offset's
 * byte must lie below proto-max-bulk-len.
 */
function bitOffsetArg(ctx: CommandContext, arg: Buffer, bits: number): number {
  const byHash = bits > 0 && arg.length > 0 && arg[0] === 0x23;
  let offset: number;
  if (!byHash) offset = integerArg(arg);
  else {
    const count = parseInteger(arg.subarray(1));
    // C multiplies in int64, wrapping.
    offset = count === null ? NaN : Number(BigInt.asIntN(64, count * BigInt(bits)));
  }
  if (Number.isNaN(offset) || offset < 0 || Math.floor(offset / 8) >= ctx.server.parserLimits.maxBulkLength) {
    ctx.out.error(BitErrors.offset);
    return -1;
  }
  return offset;
}

/** Reads a string key: its record, 0 when missing, or -1 after replying WRONGTYPE. */
function lookupString(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref === 0 || ctx.store.typeOf(ref) === ValueType.String) return ref;
  ctx.out.error(Errors.wrongType);
  return -1;
}

/** Whether the string stringForBits returned last was made or grown. */
let grew = false;

/**
 * Redis's lookupStringForBitCommand: the string at `key` for writing, made or
 * zero-padded to `length` bytes; -1 after replying WRONGTYPE (or that the
 * string would pass what the store holds).
 */
function stringForBits(ctx: CommandContext, key: Buffer, length: number): Ref {
  const store = ctx.store;
  let ref = store.lookupWrite(ctx.db, key, ctx.now);
  if (length > MAX_STRING_BYTES && (ref === 0 || store.typeOf(ref) === ValueType.String)) {
    ctx.out.error(BitErrors.tooLong);
    return -1;
  }
  if (ref === 0) {
    ref = store.setString(ctx.db, key, EMPTY, 0, ctx.now);
    store.growString(ref, length);
    grew = true;
    return ref;
  }
  if (store.typeOf(ref) !== ValueType.String) {
    ctx.out.error(Errors.wrongType);
    return -1;
  }
  grew = store.growString(ref, length);
  return ref;
}

// --- SETBIT, GETBIT ---

function setbit(ctx: CommandContext): void {
  const offset = bitOffsetArg(ctx, ctx.argv[2], 0);
  if (offset < 0) return;
  const on = integerArg(ctx.argv[3]);
  if (on !== 0 && on !== 1) {
    ctx.out.error(BitErrors.bitValue);
    return;
  }
  const byte = Math.floor(offset / 8);
  const ref = stringForBits(ctx, ctx.argv[1], byte + 1);
  if (ref < 0) return;
  const store = ctx.store;
  const bytes = store.valueBytes(ref);
  const at = store.valueStart(ref) + byte;
  const mask = 1 << (7 - (offset % 8));
  const old = (bytes[at] & mask) !== 0 ? 1 : 0;
  if (old !== on) {
    bytes[at] = on === 1 ? bytes[at] | mask : bytes[at] & ~mask;
    if (!grew) store.changed(ref);
  }
  ctx.out.integer(old);
}

function getbit(ctx: CommandContext): void {
  const offset = bitOffsetArg(ctx, ctx.argv[2], 0);
  if (offset < 0) return;
  const ref = lookupString(ctx, ctx.argv[1]);
  if (ref === 0) ctx.out.integer(0);
  if (ref <= 0) return;
  const store = ctx.store;
  ctx.out.integer(getBit(store.valueBytes(ref), store.valueStart(ref), store.valueLength(ref), offset));
}

// --- BITCOUNT, BITPOS ---

/** A range's unit keyword: 1 for BIT, 0 for BYTE, -1 for anything else. */
function rangeUnit(arg: Buffer): number {
  if (isKeyword(arg, 'bit')) return 1;
  if (isKeyword(arg, 'byte')) return 0;
  return -1;
}

/** Whether two integer arguments are both negative, the first above the second, exactly (past 2^53 too). */
function negativeAndReversed(startArg: Buffer, endArg: Buffer, start: number, end: number): boolean {
  if (Math.abs(start) < TWO_53 && Math.abs(end) < TWO_53) return start < 0 && end < 0 && start > end;
  const exactStart = parseInteger(startArg) as bigint;
  const exactEnd = parseInteger(endArg) as bigint;
  return exactStart < 0n && exactEnd < 0n && exactStart > exactEnd;
}

/** BITCOUNT key [start end [BYTE | BIT]] */
function bitcount(ctx: CommandContext): void {
  const { argv, argc } = ctx;
  const ref = lookupString(ctx, argv[1]);
  if (ref === 0) ctx.out.integer(0);
  if (ref <= 0) return;
  const store = ctx.store;
  const length = store.valueLength(ref);
  let from: number;
  let to: number;
  if (argc === 4 || argc === 5) {
    let start = integerArg(argv[2]);
    let end = Number.isNaN(start) ? NaN : integerArg(argv[3]);
    if (Number.isNaN(end)) {
      ctx.out.error(Errors.notInteger);
      return;
    }
    if (negativeAndReversed(argv[2], argv[3], start, end)) {
      ctx.out.integer(0);
      return;
    }
    const unit = argc === 5 ? rangeUnit(argv[4]) : 0;
    if (unit < 0) {
      ctx.out.error(Errors.syntax);
      return;
    }
    const total = unit === 1 ? length * 8 : length;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) {
      ctx.out.integer(0);
      return;
    }
    from = unit === 1 ? start : start * 8;
    to = unit === 1 ? end : end * 8 + 7;
  } else if (argc === 2) {
    if (length === 0) {
      ctx.out.integer(0);
      return;
    }
    from = 0;
    to = length * 8 - 1;
  } else {
    ctx.out.error(Errors.syntax);
    return;
  }
  ctx.out.integer(countBits(store.valueBytes(ref), store.valueStart(ref), from, to));
}

/** BITPOS key bit [start [end [BYTE | BIT]]] */
function bitpos(ctx: CommandContext): void {
  const { argv, argc } = ctx;
  const bit = integerArg(argv[2]);
  if (Number.isNaN(bit)) {
    ctx.out.error(Errors.notInteger);
    return;
  }
  if (bit !== 0 && bit !== 1) {
    ctx.out.error(BitErrors.bitArgument);
    return;
  }
  const ref = lookupString(ctx, argv[1]);
  // A missing key is an endless run of zeros.
  if (ref === 0) ctx.out.integer(bit === 1 ? -1 : 0);
  if (ref <= 0) return;
  const store = ctx.store;
  const length = store.valueLength(ref);
  let from: number;
  let to: number;
  let endGiven = false;
  if (argc >= 4 && argc <= 6) {
    let start = integerArg(argv[3]);
    if (Number.isNaN(start)) {
      ctx.out.error(Errors.notInteger);
      return;
    }
    const unit = argc === 6 ? rangeUnit(argv[5]) : 0;
    if (unit < 0) {
      ctx.out.error(Errors.syntax);
      return;
    }
    let end: number;
    if (argc >= 5) {
      end = integerArg(argv[4]);
      if (Number.isNaN(end)) {
        ctx.out.error(Errors.notInteger);
        return;
      }
      endGiven = true;
    } else {
      end = unit === 1 ? length * 8 + 7 : length - 1;
    }
    const total = unit === 1 ? length * 8 : length;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) {
      ctx.out.integer(-1);
      return;
    }
    from = unit === 1 ? start : start * 8;
    to = unit === 1 ? end : end * 8 + 7;
  } else if (argc === 3) {
    if (length === 0) {
      ctx.out.integer(-1);
      return;
    }
    from = 0;
    to = length * 8 - 1;
  } else {
    ctx.out.error(Errors.syntax);
    return;
  }
  const found = findBit(store.valueBytes(ref), store.valueStart(ref), from, to, bit);
  // Without an end, the string counts as followed by zeros: a clear bit is found just past it.
  ctx.out.integer(found < 0 && bit === 0 && !endGiven ? length * 8 : found);
}

// --- BITOP ---

/** BITOP's sources on one shard, read in place: each a slice, or null when missing (reused slices: see stringValues in strings.ts). */
const sourceSlices: ByteSlice[] = [];
const sourceValues: (ByteSlice | null)[] = [];

const bitopSources = shardOp('bitop-sources', "Read a shard's source keys of BITOP", (ctx) => {
  const { argv, argc, store } = ctx;
  sourceValues.length = 0;
  for (let i = 1; i < argc; i++) {
    const ref = store.lookupRead(ctx.db, argv[i], ctx.now);
    if (ref === 0) {
      sourceValues.push(null);
      continue;
    }
    if (store.typeOf(ref) !== ValueType.String) throw new ReplyError(Errors.wrongType);
    let slice = sourceSlices[i];
    if (slice === undefined) sourceSlices[i] = slice = new ByteSlice();
    store.readString(ref, slice);
    sourceValues.push(slice);
  }
  return sourceValues;
});

/** bitop-store key [value]: stores the value (no TTL), or deletes the key without one. */
const bitopStore = shardOp('bitop-store', 'Store the result of BITOP', (ctx) => {
  if (ctx.argc > 2) ctx.store.setString(ctx.db, ctx.argv[1], ctx.argv[2], 0, ctx.now);
  else ctx.store.delete(ctx.db, ctx.argv[1], ctx.now);
  return null;
});

function bitopName(arg: Buffer): BitOp | -1 {
  if (isKeyword(arg, 'and')) return BitOp.And;
  if (isKeyword(arg, 'or')) return BitOp.Or;
  if (isKeyword(arg, 'xor')) return BitOp.Xor;
  if (isKeyword(arg, 'not')) return BitOp.Not;
  return -1;
}

const combineSources: Uint8Array[] = [];
const combineStarts: number[] = [];
const combineLengths: number[] = [];

/** BITOP op destination source...: the sources from wherever they live, combined, stored in one transaction. */
function* bitopSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  const { args, db } = request;
  const op = bitopName(args[1]);
  if (op === -1) throw new ReplyError(Errors.syntax);
  if (op === BitOp.Not && args.length !== 4) throw new ReplyError(BitErrors.notSingleSource);
  const parts = splitKeys(request.shardOfKey, args, 3, 1);
  const destinationShard = request.shardOfKey(args[2]);
  const values = yield parts.map((part) => ({ shard: part.shard, db, op: bitopSources, args: part.args, last: part.shard !== destinationShard }));
  const count = args.length - 3;
  combineSources.length = combineStarts.length = combineLengths.length = count;
  let longest = 0;
  values.forEach((value, part) => {
    const positions = parts[part].positions;
    const list = value as (ByteSlice | Buffer | null)[];
    for (let i = 0; i < positions.length; i++) {
      const source = list[i];
      const position = positions[i];
      if (source === null) {
        combineSources[position] = EMPTY;
        combineStarts[position] = 0;
        combineLengths[position] = 0;
      } else if (source instanceof ByteSlice) {
        combineSources[position] = source.bytes;
        combineStarts[position] = source.start;
        combineLengths[position] = source.length;
      } else {
        combineSources[position] = source;
        combineStarts[position] = 0;
        combineLengths[position] = source.length;
      }
      if (combineLengths[position] > longest) longest = combineLengths[position];
    }
  });
  let result: Buffer | null = null;
  if (longest > 0) {
    result = Buffer.allocUnsafe(longest);
    combineBits(op, combineSources, combineStarts, combineLengths, count, result, longest);
  }
  combineSources.fill(EMPTY);
  yield [{ shard: destinationShard, db, op: bitopStore, args: result === null ? [args[2]] : [args[2], result], last: true }];
  request.out.integer(longest);
}

const bitop = steppedCommand(bitopSteps);

// --- BITFIELD, BITFIELD_RO ---

const FieldOp = { Get: 0, Set: 1, Incrby: 2 } as const;

/** One parsed subcommand of BITFIELD. */
interface FieldOperation {
  op: number;
  offset: number;
  bits: number;
  signed: boolean;
  overflow: Overflow;
  value: bigint;
}

/** The subcommands parsed last, reused. */
const fieldOperations: FieldOperation[] = [];

/** A field type (i1..i64, u1..u63): its width, negative for signed; 0 after replying. */
function fieldTypeArg(ctx: CommandContext, arg: Buffer): number {
  const sign = arg.length > 0 ? arg[0] : 0;
  const bits = sign === 0x69 || sign === 0x75 ? integerArg(arg.subarray(1)) : NaN;
  if (Number.isNaN(bits) || bits < 1 || (sign === 0x69 && bits > 64) || (sign === 0x75 && bits > 63)) {
    ctx.out.error(BitErrors.fieldType);
    return 0;
  }
  return sign === 0x69 ? -bits : bits;
}

/** Parses BITFIELD's subcommands into fieldOperations: how many, or -1 after replying; sets fieldReadOnly and fieldHighestBit. */
let fieldReadOnly = true;
let fieldHighestBit = 0;

function parseFieldOperations(ctx: CommandContext): number {
  const { argv, argc } = ctx;
  let count = 0;
  let overflow: Overflow = Overflow.Wrap;
  fieldReadOnly = true;
  fieldHighestBit = 0;
  for (let j = 2; j < argc; j++) {
    const remaining = argc - j - 1;
    const name = argv[j];
    let op: number;
    if (isKeyword(name, 'get') && remaining >= 2) op = FieldOp.Get;
    else if (isKeyword(name, 'set') && remaining >= 3) op = FieldOp.Set;
    else if (isKeyword(name, 'incrby') && remaining >= 3) op = FieldOp.Incrby;
    else if (isKeyword(name, 'overflow') && remaining >= 1) {
      const kind = argv[++j];
      if (isKeyword(kind, 'wrap')) overflow = Overflow.Wrap;
      else if (isKeyword(kind, 'sat')) overflow = Overflow.Sat;
      else if (isKeyword(kind, 'fail')) overflow = Overflow.Fail;
      else {
        ctx.out.error(BitErrors.overflowType);
        return -1;
      }
      continue;
    } else {
      ctx.out.error(Errors.syntax);
      return -1;
    }
    const width = fieldTypeArg(ctx, argv[j + 1]);
    if (width === 0) return -1;
    const bits = Math.abs(width);
    const offset = bitOffsetArg(ctx, argv[j + 2], bits);
    if (offset < 0) return -1;
    let value = 0n;
    if (op !== FieldOp.Get) {
      fieldReadOnly = false;
      if (offset + bits - 1 > fieldHighestBit) fieldHighestBit = offset + bits - 1;
      const parsed = parseInteger(argv[j + 3]);
      if (parsed === null) {
        ctx.out.error(Errors.notInteger);
        return -1;
      }
      value = parsed;
    }
    let operation = fieldOperations[count];
    if (operation === undefined) fieldOperations[count] = operation = { op, offset, bits, signed: width < 0, overflow, value };
    else {
      operation.op = op;
      operation.offset = offset;
      operation.bits = bits;
      operation.signed = width < 0;
      operation.overflow = overflow;
      operation.value = value;
    }
    count++;
    j += op === FieldOp.Get ? 2 : 3;
  }
  return count;
}

function bitfieldGeneric(ctx: CommandContext, readOnlyCommand: boolean): void {
  const count = parseFieldOperations(ctx);
  if (count < 0) return;
  const store = ctx.store;
  const out = ctx.out;
  let ref: Ref;
  if (fieldReadOnly) {
    ref = lookupString(ctx, ctx.argv[1]);
    if (ref < 0) return;
  } else {
    if (readOnlyCommand) {
      out.error(BitErrors.readonlyGet);
      return;
    }
    ref = stringForBits(ctx, ctx.argv[1], Math.floor(fieldHighestBit / 8) + 1);
    if (ref < 0) return;
  }
  const dirty = !fieldReadOnly && grew;
  let changes = 0;
  out.arrayHeader(count);
  for (let j = 0; j < count; j++) {
    const { op, offset, bits, signed, overflow, value } = fieldOperations[j];
    const bytes = ref === 0 ? EMPTY : store.valueBytes(ref);
    const start = ref === 0 ? 0 : store.valueStart(ref);
    const length = ref === 0 ? 0 : store.valueLength(ref);
    const old = signed ? readSigned(bytes, start, length, offset, bits) : readUnsigned(bytes, start, length, offset, bits);
    if (op === FieldOp.Get) {
      out.integer(old);
      continue;
    }
    const result = op === FieldOp.Incrby ? fieldResult(old, value, signed, bits, overflow) : fieldResult(value, 0n, signed, bits, overflow);
    if (result === null) {
      out.nullBulk();
      continue;
    }
    out.integer(op === FieldOp.Incrby ? result : old);
    writeBits(bytes, start, offset, bits, result);
    if (dirty || old !== result) changes++;
  }
  if (changes > 0 && !grew) store.changed(ref);
  for (let j = 0; j < count; j++) fieldOperations[j].value = 0n;
}

function bitfield(ctx: CommandContext): void {
  bitfieldGeneric(ctx, false);
}

function bitfieldRo(ctx: CommandContext): void {
  bitfieldGeneric(ctx, true);
}

// --- the bindings (the rows are table/bitmaps.ts) ---

export const bitmapBindings: Bindings = {
  setbit,
  getbit,
  bitcount,
  bitpos,
  bitop,
  bitfield,
  bitfield_ro: bitfieldRo,
};
