// HyperLogLog family: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. A
// HyperLogLog is a string holding Redis's own bytes (store/types/hyperloglog.ts):
// a dense one is edited in place in the arena, a sparse one through a
// scratch copy stored back when it changed. PFCOUNT of one key refreshes the
// cached cardinality in the key, as Redis does; PFCOUNT of several keys and
// PFMERGE read every source's registers on its own shard and merge them on
// the coordinating thread, PFMERGE then writing the destination, all in one
// transaction.

import type { Bindings, CommandContext, Glue } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { ValueType } from '../store/entry.ts';
import type { Ref } from '../store/shard-store.ts';
import {
  HLL_DENSE, HLL_HEADER_BYTES, HLL_REGISTERS, HLL_SPARSE, cacheValid, cachedCardinality, countOf, countOfRegisters, decodeSparse, denseGet, denseSet, elementCount,
  elementRegister, encodingOf, invalidateCache, isHll, mergeRegisters, selfTest, setCachedCardinality, work, workAdd, workLoad, workNew, workSparseSet, workToDense, workView,
} from '../store/types/hyperloglog.ts';
import { shardOp, splitKeys, steppedCommand, type OpCall, type OpValue, type StepRequest } from './shard-ops.ts';

/** The family's error replies (hyperloglog.c). */
const HllErrors = {
  corrupt: 'INVALIDOBJ Corrupted HLL object detected',
  notHll: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  noKey: 'ERR The specified key does not exist',
  notSparse: 'ERR HLL encoding is not sparse',
} as const;

/** The error for a key that holds no HyperLogLog (another type, or a string that is none), or null. */
function notHllError(ctx: CommandContext, ref: Ref): string | null {
  const store = ctx.store;
  if (store.typeOf(ref) !== ValueType.String) return Errors.wrongType;
  return isHll(store.valueBytes(ref), store.valueStart(ref), store.valueLength(ref)) ? null : HllErrors.notHll;
}

// --- PFADD ---

function pfadd(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  const key = argv[1];
  const maxBytes = store.limits.hllSparseMaxBytes;
  const ref = store.lookupWrite(ctx.db, key, ctx.now);
  if (ref === 0) {
    workNew();
    for (let j = 2; j < argc; j++) workAdd(argv[j], maxBytes);
    invalidateCache(work, 0);
    store.setString(ctx.db, key, workView(), 0, ctx.now);
    ctx.out.integer(1);
    return;
  }
  const error = notHllError(ctx, ref);
  if (error !== null) {
    ctx.out.error(error);
    return;
  }
  const bytes = store.valueBytes(ref);
  const at = store.valueStart(ref);
  let updated = 0;
  if (encodingOf(bytes, at) === HLL_DENSE) {
    // In place: registers are fixed-size.
    const registersAt = at + HLL_HEADER_BYTES;
    for (let j = 2; j < argc; j++) {
      const element = argv[j];
      const count = elementCount(element, 0, element.length);
      updated += denseSet(bytes, registersAt, elementRegister, count);
    }
    if (updated !== 0) {
      invalidateCache(bytes, at);
      store.changed(ref);
    }
    ctx.out.integer(updated !== 0 ? 1 : 0);
    return;
  }
  workLoad(bytes, at, store.valueLength(ref));
  for (let j = 2; j < argc; j++) {
    const result = workAdd(argv[j], maxBytes);
    if (result < 0) {
      // What changed before the corruption was met stays, as in Redis.
      if (updated !== 0) store.replaceString(ref, workView());
      ctx.out.error(HllErrors.corrupt);
      return;
    }
    updated += result;
  }
  if (updated !== 0) {
    invalidateCache(work, 0);
    store.replaceString(ref, workView());
  }
  ctx.out.integer(updated !== 0 ? 1 : 0);
}

// --- PFCOUNT ---

/** PFCOUNT of one key: the cached cardinality, or a fresh estimate cached in the key. */
function countOne(ctx: CommandContext): void {
  const store = ctx.store;
  const ref = store.lookupRead(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0) {
    ctx.out.integer(0);
    return;
  }
  const error = notHllError(ctx, ref);
  if (error !== null) {
    ctx.out.error(error);
    return;
  }
  const bytes = store.valueBytes(ref);
  const at = store.valueStart(ref);
  if (cacheValid(bytes, at)) {
    ctx.out.integer(cachedCardinality(bytes, at));
    return;
  }
  const card = countOf(bytes, at, store.valueLength(ref));
  if (card < 0) {
    ctx.out.error(HllErrors.corrupt);
    return;
  }
  setCachedCardinality(bytes, at, card);
  store.changed(ref);
  ctx.out.integer(card);
}

/**
 * The MAX-merge of this shard's keys' registers (one byte each), as
 * [registers, 1 when any of them is dense]; missing keys count as empty.
 * Refuses a key that is no HyperLogLog, or a corrupt one.
 */
const hllRegisters = shardOp('hll-registers', "Merge the registers of a shard's HyperLogLogs (PFCOUNT, PFMERGE)", (ctx) => {
  const { argv, argc, store } = ctx;
  const max = Buffer.alloc(HLL_REGISTERS);
  let anyDense = 0;
  for (let i = 1; i < argc; i++) {
    const ref = store.lookupRead(ctx.db, argv[i], ctx.now);
    if (ref === 0) continue;
    const error = notHllError(ctx, ref);
    if (error !== null) throw new ReplyError(error);
    const bytes = store.valueBytes(ref);
    const at = store.valueStart(ref);
    if (encodingOf(bytes, at) === HLL_DENSE) anyDense = 1;
    if (!mergeRegisters(max, bytes, at, store.valueLength(ref))) throw new ReplyError(HllErrors.corrupt);
  }
  return [max, anyDense];
});

/** Every shard's merged registers of `keys`, merged here: [registers, whether any source is dense]. */
function* unionOf(request: StepRequest, keys: readonly Buffer[], lastHere: (shard: number) => boolean): Generator<OpCall[], [Uint8Array, boolean], OpValue[]> {
  const parts = splitKeys(request.shardOfKey, keys, 0, 1);
  const values = yield parts.map((part) => ({ shard: part.shard, db: request.db, op: hllRegisters, args: part.args, last: lastHere(part.shard) }));
  if (values.length === 1) {
    const [registers, dense] = values[0] as [Buffer, number];
    return [registers, dense !== 0];
  }
  const max = new Uint8Array(HLL_REGISTERS);
  let anyDense = false;
  for (const value of values) {
    const [registers, dense] = value as [Buffer, number];
    if (dense !== 0) anyDense = true;
    for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i] > max[i]) max[i] = registers[i];
  }
  return [max, anyDense];
}

/** PFCOUNT of several keys: the estimate of their union; no key is written. */
function* countUnionSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  const [registers] = yield* unionOf(request, request.args.slice(1), () => true);
  request.out.integer(countOfRegisters(registers));
}

const countUnion = steppedCommand(countUnionSteps);

const pfcount: Glue = {
  handler: (ctx) => {
    if (ctx.argc === 2) countOne(ctx);
    else countUnion.handler(ctx);
  },
  multiShard: countUnion.multiShard,
};

// --- PFMERGE ---

/**
 * PFMERGE's write: raises the destination's registers (a new sparse HLL
 * when missing, made dense first when a source was dense) to the merged
 * ones, as Redis does register by register, so a sparse result has Redis's
 * bytes. Args: the key, the registers, "1" when dense.
 */
const hllStoreUnion = shardOp('hll-store-union', 'Write the union of PFMERGE to its destination', (ctx) => {
  const { argv, store } = ctx;
  const key = argv[1];
  const registers = argv[2];
  const maxBytes = store.limits.hllSparseMaxBytes;
  const ref = store.lookupWrite(ctx.db, key, ctx.now);
  if (ref === 0) workNew();
  else workLoad(store.valueBytes(ref), store.valueStart(ref), store.valueLength(ref));
  if (argv[3][0] === 0x31 && !workToDense()) throw new ReplyError(HllErrors.corrupt);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const value = registers[j];
    if (value === 0) continue;
    if (work[4] === HLL_DENSE) denseSet(work, HLL_HEADER_BYTES, j, value);
    else if (work[4] === HLL_SPARSE) workSparseSet(j, value, maxBytes);
  }
  invalidateCache(work, 0);
  if (ref === 0) store.setString(ctx.db, key, workView(), 0, ctx.now);
  else store.replaceString(ref, workView());
  return null;
});

const ONE = Buffer.from('1');
const ZERO = Buffer.from('0');

function* mergeSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  const destination = request.args[1];
  const destinationShard = request.shardOfKey(destination);
  const [registers, anyDense] = yield* unionOf(request, request.args.slice(1), (shard) => shard !== destinationShard);
  const bytes = Buffer.from(registers.buffer, registers.byteOffset, registers.byteLength);
  yield [{ shard: destinationShard, db: request.db, op: hllStoreUnion, args: [destination, bytes, anyDense ? ONE : ZERO], last: true }];
  request.out.ok();
}

const pfmerge = steppedCommand(mergeSteps);

// --- PFDEBUG, PFSELFTEST ---

/** Turns the sparse HLL at `ref` dense in the key; false when its code is corrupt. */
function makeDense(ctx: CommandContext, ref: Ref): boolean {
  const store = ctx.store;
  workLoad(store.valueBytes(ref), store.valueStart(ref), store.valueLength(ref));
  if (!workToDense()) return false;
  store.replaceString(ref, workView());
  return true;
}

function pfdebug(ctx: CommandContext): void {
  const { argv, store, out } = ctx;
  const ref = store.lookupWrite(ctx.db, argv[2], ctx.now);
  if (ref === 0) {
    out.error(HllErrors.noKey);
    return;
  }
  const error = notHllError(ctx, ref);
  if (error !== null) {
    out.error(error);
    return;
  }
  const sparse = encodingOf(store.valueBytes(ref), store.valueStart(ref)) === HLL_SPARSE;
  const subcommand = argv[1].toString('latin1').toLowerCase();
  if (subcommand === 'getreg') {
    if (sparse && !makeDense(ctx, ref)) {
      out.error(HllErrors.corrupt);
      return;
    }
    const bytes = store.valueBytes(ref);
    const registersAt = store.valueStart(ref) + HLL_HEADER_BYTES;
    out.arrayHeader(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) out.integer(denseGet(bytes, registersAt, j));
  } else if (subcommand === 'decode') {
    if (!sparse) out.error(HllErrors.notSparse);
    else out.bulkString(decodeSparse(store.valueBytes(ref), store.valueStart(ref), store.valueLength(ref)));
  } else if (subcommand === 'encoding') {
    out.simple(sparse ? 'sparse' : 'dense');
  } else if (subcommand === 'todense') {
    if (sparse && !makeDense(ctx, ref)) out.error(HllErrors.corrupt);
    else out.integer(sparse ? 1 : 0);
  } else {
    out.error(`ERR Unknown PFDEBUG subcommand '${argv[1].toString('latin1')}'`, 'latin1');
  }
}

/** C's rand(): 31 random bits. */
function rand(): number {
  return Math.floor(Math.random() * 0x80000000);
}

function pfselftest(ctx: CommandContext): void {
  const failure = selfTest(ctx.store.limits.hllSparseMaxBytes, rand);
  if (failure === null) ctx.out.ok();
  else ctx.out.error(failure);
}

// --- the bindings (the rows are table/hyperloglog.ts) ---

export const hyperLogLogBindings: Bindings = {
  pfadd,
  pfcount,
  pfmerge,
  pfdebug,
  pfselftest,
};
