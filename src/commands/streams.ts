// Stream family: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, XGROUP,
// XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO on one key; XREAD and XREADGROUP
// over streams on any shards, each read where it lives. The stream's form is
// store/types/stream.ts's business, never these handlers'.

import type { BlockingSpec, CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { ValueType } from '../store/entry.ts';
import type { Ref, ShardStore } from '../store/shard-store.ts';
import { replyHelp } from './help.ts';
import {
  compareIds, formatId, freeGroupPels, INVALID_ENTRIES_READ, MAX_ID, nextId, NO_CONSUMER, openStream, previousId,
  streamCreate, streamDistanceFromFirstEverEntry, streamGroupLag, streamLimits, streamRangeHasTombstones, U64_MAX, ZERO_ID, type Consumer, type Group, type Stream, type StreamEntry, type StreamId,
} from '../store/types/stream.ts';
import { pelDelete, pelEach, pelEdge, pelFree, pelGet, pelNext, pelPut, pelScan, type PendingEntry } from '../store/types/pel.ts';
import { shardOp, steppedCommand, type OpValue, type Steps } from './shard-ops.ts';

const StreamErrors = {
  invalidId: 'ERR Invalid stream ID specified as stream command argument',
  equalOrSmaller: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  zeroId: 'ERR The ID specified in XADD must be greater than 0-0',
  exhausted: 'ERR The stream has exhausted the last possible ID, unable to add more items',
  invalidStart: 'ERR invalid start ID for the interval',
  invalidEnd: 'ERR invalid end ID for the interval',
  maxlenMinid: 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
  maxlenNegative: 'ERR The MAXLEN argument must be >= 0.',
  limitNegative: 'ERR The LIMIT argument must be >= 0.',
  limitNoStrategy: 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy',
  xtrimNoStrategy: 'ERR syntax error, XTRIM must be called with a trimming strategy',
  limitNoApprox: 'ERR syntax error, LIMIT cannot be used without the special ~ option',
  busyGroup: 'BUSYGROUP Consumer Group name already exists',
  needsKey: 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
  entriesRead: 'ERR value for ENTRIESREAD must be positive or -1',
  entriesAdded: 'ERR entries_added must be positive',
  setidMaxDeleted: 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
  setidSmaller: 'ERR The ID specified in XSETID is smaller than the target stream top item',
  setidAdded: 'ERR The entries_added specified in XSETID is smaller than the target stream length',
  unbalanced: "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
  groupOnlyXreadgroup: 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
  noackOnlyXreadgroup: 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.',
  missingGroup: 'ERR Missing GROUP option for XREADGROUP',
  dollarInGroup:
    'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
  greaterOnlyGroup: 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
  noSuchKey: 'ERR no such key',
} as const;

function subcommandSyntax(ctx: CommandContext, container: string): string {
  return `ERR unknown subcommand or wrong number of arguments for '${ctx.argv[1].toString().slice(0, 128)}'. Try ${container} HELP.`;
}

const noGroup = (key: Buffer, group: Buffer): string => `NOGROUP No such key '${key.toString()}' or consumer group '${group.toString()}'`;
const noGroupForKey = (group: Buffer, key: Buffer): string => `NOGROUP No such consumer group '${group.toString()}' for key name '${key.toString()}'`;

// ---- Parsing ----

function parseU64(text: string): bigint | null {
  if (text.length === 0 || text.length > 20) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const value = BigInt(text);
  return value > U64_MAX ? null : value;
}

interface ParsedId {
  id: StreamId;
  seqGiven: boolean;
}

/** Redis's streamGenericParseIDOrReply: null when invalid. `seqStar`: ms-* is allowed (XADD). */
function parseIdArg(arg: Buffer, missingSeq: bigint, strict: boolean, seqStar = false): ParsedId | null {
  if (arg.length > 127) return null;
  const text = arg.toString('latin1');
  if (strict && (text === '-' || text === '+')) return null;
  if (text === '-') return { id: ZERO_ID, seqGiven: true };
  if (text === '+') return { id: MAX_ID, seqGiven: true };
  const dash = text.indexOf('-');
  const ms = parseU64(dash < 0 ? text : text.slice(0, dash));
  if (ms === null) return null;
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = text.slice(dash + 1);
  if (seqStar && rest === '*') return { id: { ms, seq: 0n }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) return null;
  return { id: { ms, seq }, seqGiven: true };
}

function strictId(arg: Buffer): StreamId {
  const parsed = parseIdArg(arg, 0n, true);
  if (parsed === null) throw new ReplyError(StreamErrors.invalidId);
  return parsed.id;
}

/** An interval bound ("(" excludes), as XRANGE and XPENDING read them. */
function intervalId(arg: Buffer, missingSeq: bigint, isStart: boolean): StreamId {
  const exclude = arg.length > 1 && arg[0] === 0x28;
  const parsed = exclude ? parseIdArg(arg.subarray(1), missingSeq, true) : parseIdArg(arg, missingSeq, false);
  if (parsed === null) throw new ReplyError(StreamErrors.invalidId);
  if (!exclude) return parsed.id;
  const moved = isStart ? nextId(parsed.id) : previousId(parsed.id);
  if (moved === null) throw new ReplyError(isStart ? StreamErrors.invalidStart : StreamErrors.invalidEnd);
  return moved;
}

function longLong(arg: Buffer, message: string = Errors.notInteger): bigint {
  const value = parseInteger(arg);
  if (value === null) throw new ReplyError(message.startsWith('ERR') ? message : `ERR ${message}`);
  return value;
}

// ---- Replies ----

function writeEntry(out: ReplyWriter, entry: StreamEntry): void {
  out.arrayHeader(2);
  out.bulkString(formatId(entry.id));
  out.arrayHeader(entry.items.length);
  for (const item of entry.items) out.bulk(item);
}

function writeEntries(out: ReplyWriter, entries: readonly StreamEntry[]): void {
  out.arrayHeader(entries.length);
  for (const entry of entries) writeEntry(out, entry);
}

function writeId(out: ReplyWriter, id: StreamId): void {
  out.bulkString(formatId(id));
}

// ---- Lookups ----

function lookupStream(ctx: CommandContext, key: Buffer, write: boolean): Ref {
  const ref = write ? ctx.store.lookupWrite(ctx.db, key, ctx.now) : ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref !== 0 && ctx.store.typeOf(ref) !== ValueType.Stream) throw new ReplyError(Errors.wrongType);
  return ref;
}

function findGroup(groups: Group[], name: Buffer): Group | undefined {
  return groups.find((group) => group.name.equals(name));
}

function findConsumer(group: Group, name: Buffer): Consumer | undefined {
  return group.consumers.find((consumer) => consumer.name.equals(name));
}

/** Redis's streamCreateConsumer / lookup with refresh: the consumer, created when missing; its seen time is now. */
function touchConsumer(group: Group, name: Buffer, now: number): Consumer {
  let consumer = findConsumer(group, name);
  if (consumer === undefined) {
    consumer = { id: group.nextConsumer++, name: Buffer.from(name), seenTime: now, pel: 0, pelCount: 0 };
    group.consumers.push(consumer);
    group.consumers.sort((a, b) => Buffer.compare(a.name, b.name));
  }
  consumer.seenTime = now;
  return consumer;
}

/** touchConsumer for a command on key `ctx.argv[1]`: a consumer it creates is a keyspace event (xgroup-createconsumer), as Redis's. */
function touchConsumerOf(ctx: CommandContext, group: Group, name: Buffer, now: number): Consumer {
  const before = group.consumers.length;
  const consumer = touchConsumer(group, name, now);
  if (group.consumers.length !== before && ctx.store.keyChanges.recording) ctx.store.keyChanges.recordEvent(ctx.db, ctx.argv[1], 'xgroup-createconsumer');
  return consumer;
}

function consumerById(group: Group, id: number): Consumer | undefined {
  return group.consumers.find((consumer) => consumer.id === id);
}

/** Pending entry `id` is `consumer`'s now (in its own PEL). */
function own(store: ShardStore, consumer: Consumer, id: StreamId): void {
  pelPut(store.arena, consumer, { id, deliveryTime: 0, deliveryCount: 0, consumer: consumer.id });
}

/** Pending entry `id` is no longer the consumer's of id `owner` (none: NO_CONSUMER). */
function disown(store: ShardStore, group: Group, owner: number, id: StreamId): void {
  const consumer = consumerById(group, owner);
  if (consumer !== undefined) pelDelete(store.arena, consumer, id);
}

/** Visits a consumer's pending entries from `from` on, as the group holds them, while `visit` returns true. */
function scanOwn(store: ShardStore, group: Group, consumer: Consumer, from: StreamId, visit: (pending: PendingEntry) => boolean): void {
  pelScan(store.arena, consumer, from, (mine) => {
    const pending = pelGet(store.arena, group, mine.id);
    return pending === null || visit(pending);
  });
}

// ---- XADD, XTRIM ----

interface TrimArgs {
  strategy: 'none' | 'maxlen' | 'minid';
  approx: boolean;
  maxLength: bigint;
  minId: StreamId;
  limit: bigint;
  noMkStream: boolean;
  id: ParsedId | null;
  /** Where the ID (XADD) is. */
  idAt: number;
}

function parseTrimArgs(ctx: CommandContext, xadd: boolean): TrimArgs {
  const { argv, argc } = ctx;
  const args: TrimArgs = { strategy: 'none', approx: false, maxLength: 0n, minId: ZERO_ID, limit: 0n, noMkStream: false, id: null, idAt: argc };
  let limitGiven = false;
  let i = 2;
  for (; i < argc; i++) {
    const more = argc - 1 - i;
    const opt = argv[i];
    if (xadd && opt.length === 1 && opt[0] === 0x2a) break;
    if ((isKeyword(opt, 'maxlen') || isKeyword(opt, 'minid')) && more > 0) {
      if (args.strategy !== 'none') throw new ReplyError(StreamErrors.maxlenMinid);
      args.approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next.length === 1 && next[0] === 0x7e) {
        args.approx = true;
        i++;
      } else if (more >= 2 && next.length === 1 && next[0] === 0x3d) {
        i++;
      }
      if (isKeyword(opt, 'maxlen')) {
        args.maxLength = longLong(argv[i + 1]);
        if (args.maxLength < 0n) throw new ReplyError(StreamErrors.maxlenNegative);
        args.strategy = 'maxlen';
      } else {
        args.minId = strictId(argv[i + 1]);
        args.strategy = 'minid';
      }
      i++;
    } else if (isKeyword(opt, 'limit') && more > 0) {
      args.limit = longLong(argv[i + 1]);
      if (args.limit < 0n) throw new ReplyError(StreamErrors.limitNegative);
      limitGiven = true;
      i++;
    } else if (xadd && isKeyword(opt, 'nomkstream')) {
      args.noMkStream = true;
    } else if (xadd) {
      const parsed = parseIdArg(opt, 0n, true, true);
      if (parsed === null) throw new ReplyError(StreamErrors.invalidId);
      args.id = parsed;
      break;
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  args.idAt = i;
  if (args.limit !== 0n && args.strategy === 'none') throw new ReplyError(StreamErrors.limitNoStrategy);
  if (!xadd && args.strategy === 'none') throw new ReplyError(StreamErrors.xtrimNoStrategy);
  if (limitGiven) {
    if (!args.approx) throw new ReplyError(StreamErrors.limitNoApprox);
  } else if (args.approx) {
    let limit = 100n * BigInt(ctx.store.limits.streamNodeMaxEntries);
    if (limit <= 0n) limit = 10000n;
    if (limit > 1000000n) limit = 1000000n;
    args.limit = limit;
  } else {
    args.limit = 0n;
  }
  return args;
}

function applyTrim(stream: Stream, args: TrimArgs): number {
  if (args.strategy === 'none') return 0;
  const maxLength = args.maxLength > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(args.maxLength);
  const limit = args.limit > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(args.limit);
  return stream.trim(maxLength, args.strategy === 'minid' ? args.minId : null, args.approx, limit);
}

function xadd(ctx: CommandContext): void {
  const { argv, argc, store, out } = ctx;
  const args = parseTrimArgs(ctx, true);
  const fieldsAt = args.idAt + 1;
  if (argc - fieldsAt < 2 || (argc - fieldsAt) % 2 === 1) throw new ReplyError(Errors.wrongArgs('xadd'));
  if (args.id !== null && args.id.seqGiven && args.id.id.ms === 0n && args.id.id.seq === 0n) throw new ReplyError(StreamErrors.zeroId);
  let ref = lookupStream(ctx, argv[1], true);
  if (ref === 0) {
    if (args.noMkStream) {
      out.nullBulk();
      return;
    }
    ref = streamCreate(store, ctx.db, argv[1], ctx.now);
  }
  const stream = openStream(store, ref);
  const last = stream.lastId;
  if (last.ms === U64_MAX && last.seq === U64_MAX) throw new ReplyError(StreamErrors.exhausted);
  let id: StreamId;
  if (args.id !== null) {
    if (args.id.seqGiven) {
      id = args.id.id;
    } else if (last.ms === args.id.id.ms) {
      if (last.seq === U64_MAX) throw new ReplyError(StreamErrors.equalOrSmaller);
      id = { ms: last.ms, seq: last.seq + 1n };
    } else {
      id = args.id.id;
    }
  } else {
    const now = BigInt(Date.now());
    id = now > last.ms ? { ms: now, seq: 0n } : (nextId(last) as StreamId);
  }
  if (compareIds(id, last) <= 0) throw new ReplyError(StreamErrors.equalOrSmaller);
  stream.append(id, argv.slice(fieldsAt, argc), streamLimits(store));
  applyTrim(stream, args);
  store.changed(ref);
  writeId(out, id);
}

function xtrim(ctx: CommandContext): void {
  const args = parseTrimArgs(ctx, false);
  const ref = lookupStream(ctx, ctx.argv[1], true);
  if (ref === 0) {
    ctx.out.integer(0);
    return;
  }
  const deleted = applyTrim(openStream(ctx.store, ref), args);
  if (deleted > 0) ctx.store.changed(ref);
  ctx.out.integer(deleted);
}

// ---- Reads ----

function xlen(ctx: CommandContext): void {
  const ref = lookupStream(ctx, ctx.argv[1], false);
  ctx.out.integer(ref === 0 ? 0 : openStream(ctx.store, ref).length);
}

function xrangeGeneric(ctx: CommandContext, reverse: boolean): void {
  const { argv, argc, out } = ctx;
  const start = intervalId(reverse ? argv[3] : argv[2], 0n, true);
  const end = intervalId(reverse ? argv[2] : argv[3], U64_MAX, false);
  let count = -1n;
  for (let j = 4; j < argc; j++) {
    if (isKeyword(argv[j], 'count') && argc - j - 1 >= 1) {
      count = longLong(argv[j + 1]);
      if (count < 0n) count = 0n;
      j++;
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  const ref = lookupStream(ctx, argv[1], false);
  if (ref === 0) {
    out.arrayHeader(0);
    return;
  }
  if (count === 0n) {
    out.nullArray();
    return;
  }
  const limit = count === -1n ? 0 : count > 1000000000n ? 1000000000 : Number(count);
  writeEntries(out, openStream(ctx.store, ref).range(start, end, reverse, limit));
}

function xdel(ctx: CommandContext): void {
  const { argv, argc } = ctx;
  const ref = lookupStream(ctx, argv[1], true);
  if (ref === 0) {
    ctx.out.integer(0);
    return;
  }
  const ids: StreamId[] = [];
  for (let j = 2; j < argc; j++) ids.push(strictId(argv[j]));
  const stream = openStream(ctx.store, ref);
  let deleted = 0;
  for (const id of ids) {
    if (stream.delete(id)) {
      if (compareIds(id, stream.maxDeletedId) > 0) stream.maxDeletedId = id;
      deleted++;
    }
  }
  if (deleted > 0) ctx.store.changed(ref);
  ctx.out.integer(deleted);
}

function xsetid(ctx: CommandContext): void {
  const { argv, argc } = ctx;
  const id = strictId(argv[2]);
  let entriesAdded = -1n;
  let maxDeleted = ZERO_ID;
  for (let i = 3; i < argc; i++) {
    const more = argc - 1 - i;
    if (isKeyword(argv[i], 'entriesadded') && more > 0) {
      entriesAdded = longLong(argv[i + 1]);
      if (entriesAdded < 0n) throw new ReplyError(StreamErrors.entriesAdded);
      i++;
    } else if (isKeyword(argv[i], 'maxdeletedid') && more > 0) {
      maxDeleted = strictId(argv[i + 1]);
      if (compareIds(id, maxDeleted) < 0) throw new ReplyError(StreamErrors.setidMaxDeleted);
      i++;
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  const ref = lookupStream(ctx, argv[1], true);
  if (ref === 0) throw new ReplyError(StreamErrors.noSuchKey);
  const stream = openStream(ctx.store, ref);
  if (stream.length > 0) {
    if (compareIds(id, stream.edgeId(true)) < 0) throw new ReplyError(StreamErrors.setidSmaller);
    if (entriesAdded !== -1n && BigInt(stream.length) > entriesAdded) throw new ReplyError(StreamErrors.setidAdded);
  }
  stream.lastId = id;
  if (entriesAdded !== -1n) stream.entriesAdded = entriesAdded;
  if (compareIds(maxDeleted, ZERO_ID) !== 0) stream.maxDeletedId = maxDeleted;
  ctx.store.changed(ref);
  ctx.out.ok();
}

// ---- XREAD and XREADGROUP ----

interface ReadArgs {
  count: number;
  blockMs: number;
  group: Buffer | null;
  consumer: Buffer | null;
  noack: boolean;
  keys: Buffer[];
  ids: Buffer[];
}

/** XREAD's and XREADGROUP's arguments, checked as Redis does before it looks at a key. */
export function parseRead(args: readonly Buffer[], xreadgroup: boolean): ReadArgs {
  const parsed: ReadArgs = { count: 0, blockMs: -1, group: null, consumer: null, noack: false, keys: [], ids: [] };
  let streamsAt = 0;
  for (let i = 1; i < args.length; i++) {
    const more = args.length - i - 1;
    const opt = args[i];
    if (isKeyword(opt, 'block') && more > 0) {
      i++;
      const timeout = parseInteger(args[i]);
      if (timeout === null) throw new ReplyError('ERR timeout is not an integer or out of range');
      if (timeout < 0n) throw new ReplyError('ERR timeout is negative');
      parsed.blockMs = Number(timeout);
    } else if (isKeyword(opt, 'count') && more > 0) {
      i++;
      const count = parseInteger(args[i]);
      if (count === null) throw new ReplyError(Errors.notInteger);
      parsed.count = count < 0n ? 0 : count > 1000000000n ? 1000000000 : Number(count);
    } else if (isKeyword(opt, 'streams') && more > 0) {
      streamsAt = i + 1;
      const n = args.length - streamsAt;
      if (n % 2 !== 0) throw new ReplyError(StreamErrors.unbalanced);
      parsed.keys = args.slice(streamsAt, streamsAt + n / 2);
      parsed.ids = args.slice(streamsAt + n / 2);
      break;
    } else if (isKeyword(opt, 'group') && more >= 2) {
      if (!xreadgroup) throw new ReplyError(StreamErrors.groupOnlyXreadgroup);
      parsed.group = args[i + 1];
      parsed.consumer = args[i + 2];
      i += 2;
    } else if (isKeyword(opt, 'noack')) {
      if (!xreadgroup) throw new ReplyError(StreamErrors.noackOnlyXreadgroup);
      parsed.noack = true;
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  if (streamsAt === 0) throw new ReplyError(Errors.syntax);
  if (xreadgroup && parsed.group === null) throw new ReplyError(StreamErrors.missingGroup);
  return parsed;
}

function entryValue(entry: StreamEntry): OpValue {
  return [Buffer.from(formatId(entry.id)), entry.items];
}

function writeEntryValues(out: ReplyWriter, values: OpValue[]): void {
  out.arrayHeader(values.length);
  for (const value of values) {
    const [id, items] = value as [Buffer, Buffer[] | null];
    out.arrayHeader(2);
    out.bulk(id);
    if (items === null) out.nullArray();
    else out.bulkArray(items);
  }
}

/** stream-check key id: refuses a key that holds another type; the stream's last id for "$" (0-0 when missing). */
const checkForRead = shardOp('stream-check', 'Check a key for XREAD and resolve $', (ctx): OpValue => {
  const ref = lookupStream(ctx, ctx.argv[1], false);
  if (ref === 0) return Buffer.from('0-0');
  return Buffer.from(formatId(openStream(ctx.store, ref).lastId));
});

/** stream-read key id count: the entries after `id` (an explicit id), or null when there are none. */
export const readAfter = shardOp('stream-read', 'Read the entries of a stream after an id', (ctx): OpValue => {
  const ref = lookupStream(ctx, ctx.argv[1], false);
  if (ref === 0) return null;
  const stream = openStream(ctx.store, ref);
  if (stream.length === 0) return null;
  const after = strictId(ctx.argv[2]);
  if (compareIds(stream.edgeId(true), after) <= 0) return null;
  const start = nextId(after);
  if (start === null) return null;
  return stream.range(start, MAX_ID, false, Number(ctx.argv[3].toString())).map(entryValue);
});

const xreadSteps: Steps = function* (request) {
  const { args, db, out } = request;
  const parsed = parseRead(args, false);
  for (const id of parsed.ids) {
    if (id.length === 1 && id[0] === 0x3e) throw new ReplyError(StreamErrors.greaterOnlyGroup);
  }
  const resolved = (yield parsed.keys.map((key) => ({ shard: request.shardOfKey(key), db, op: checkForRead, args: [key] }))) as Buffer[];
  const ids = parsed.ids.map((id, i) => (id.length === 1 && id[0] === 0x24 ? resolved[i] : (strictId(id), id)));
  const count = Buffer.from(String(parsed.count));
  const results = (yield parsed.keys.map((key, i) => ({ shard: request.shardOfKey(key), db, op: readAfter, args: [key, ids[i], count], last: true }))) as (OpValue[] | null)[];
  writeReadReply(out, parsed.keys, results);
};

export function writeReadReply(out: ReplyWriter, keys: readonly Buffer[], results: readonly (OpValue[] | null)[]): void {
  const served = results.filter((result) => result !== null).length;
  if (served === 0) {
    out.nullArray();
    return;
  }
  if (out.proto === 3) out.mapHeader(served);
  else out.arrayHeader(served);
  results.forEach((result, i) => {
    if (result === null) return;
    if (out.proto !== 3) out.arrayHeader(2);
    out.bulk(keys[i]);
    writeEntryValues(out, result);
  });
}

/** stream-group-check key group: refuses another type or a missing group (XREADGROUP's NOGROUP). */
const checkGroup = shardOp('stream-group-check', 'Check that a stream has a consumer group', (ctx): OpValue => {
  const ref = lookupStream(ctx, ctx.argv[1], false);
  if (ref === 0 || findGroup(openStream(ctx.store, ref).groups(), ctx.argv[2]) === undefined) throw new ReplyError(noGroupToRead(ctx.argv[1], ctx.argv[2]));
  return 0;
});

const noGroupToRead = (key: Buffer, group: Buffer): string => `NOGROUP No such key '${key.toString()}' or consumer group '${group.toString()}' in XREADGROUP with GROUP option`;

/** The id of an XREADGROUP stream, checked as Redis does once it found the group. */
function checkGroupReadId(id: Buffer): void {
  if (id.length === 1 && id[0] === 0x24) throw new ReplyError(StreamErrors.dollarInGroup);
  if (!(id.length === 1 && id[0] === 0x3e)) strictId(id);
}

const CHECK = Buffer.from('check');

/**
 * stream-readgroup key group consumer id count noack [check]: XREADGROUP on
 * one stream; null when nothing is served. With `check` (XREADGROUP of one
 * stream: no stream-group-check before it) a missing group or a bad id is the
 * error reply; without, a group gone meanwhile serves nothing.
 */
export const readGroup = shardOp('stream-readgroup', 'Read a stream for a consumer of a group', (ctx): OpValue => {
  const { argv, argc, store } = ctx;
  const checking = argc > 7;
  const ref = lookupStream(ctx, argv[1], true);
  if (ref === 0 && checking) throw new ReplyError(noGroupToRead(argv[1], argv[2]));
  if (ref === 0) return null;
  const stream = openStream(store, ref);
  const groups = stream.groups();
  const group = findGroup(groups, argv[2]);
  if (group === undefined && checking) throw new ReplyError(noGroupToRead(argv[1], argv[2]));
  if (group === undefined) return null;
  if (checking) checkGroupReadId(argv[4]);
  const newOnly = argv[4].length === 1 && argv[4][0] === 0x3e;
  const count = Number(argv[5].toString());
  const noack = argv[6][0] === 0x31;
  const now = Date.now();
  if (newOnly) {
    if (stream.length === 0 || compareIds(stream.edgeId(true), group.lastId) <= 0) return null;
  }
  const consumer = touchConsumerOf(ctx, group, argv[3], now);
  const served: OpValue[] = [];
  if (!newOnly) {
    const after = strictId(argv[4]);
    const start = nextId(after);
    if (start !== null) {
      scanOwn(store, group, consumer, start, (pending) => {
        const entry = stream.entry(pending.id);
        if (entry === null) {
          served.push([Buffer.from(formatId(pending.id)), null]);
        } else {
          pending.deliveryTime = now;
          pending.deliveryCount++;
          pelPut(store.arena, group, pending);
          served.push(entryValue(entry));
        }
        return count === 0 || served.length < count;
      });
    }
  } else {
    const start = nextId(group.lastId);
    const entries = start === null ? [] : stream.range(start, MAX_ID, false, count);
    for (const entry of entries) {
      if (compareIds(entry.id, group.lastId) > 0) {
        if (group.entriesRead !== INVALID_ENTRIES_READ && !streamRangeHasTombstones(stream, entry.id)) group.entriesRead++;
        else if (stream.entriesAdded !== 0n) group.entriesRead = streamDistanceFromFirstEverEntry(stream, entry.id);
        group.lastId = entry.id;
      }
      if (!noack) {
        // An id already pending (the group's last id was set back) is this consumer's now.
        const earlier = group.pelCount === 0 ? null : pelGet(store.arena, group, entry.id);
        if (earlier !== null) disown(store, group, earlier.consumer, entry.id);
        own(store, consumer, entry.id);
        pelPut(store.arena, group, { id: entry.id, deliveryTime: now, deliveryCount: 1, consumer: consumer.id });
      }
      served.push(entryValue(entry));
    }
  }
  stream.saveGroups(groups);
  store.changed(ref);
  return served;
});

const xreadgroupSteps: Steps = function* (request) {
  const { args, db, out } = request;
  const parsed = parseRead(args, true);
  const group = parsed.group as Buffer;
  const count = Buffer.from(String(parsed.count));
  const noack = Buffer.from(parsed.noack ? '1' : '0');
  if (parsed.keys.length === 1) {
    // One stream: the read checks its group and id itself, one hop.
    const key = parsed.keys[0];
    const result = (yield [{ shard: request.shardOfKey(key), db, op: readGroup, args: [key, group, parsed.consumer as Buffer, parsed.ids[0], count, noack, CHECK], last: true }]) as (OpValue[] | null)[];
    writeReadReply(out, parsed.keys, result);
    return;
  }
  yield parsed.keys.map((key) => ({ shard: request.shardOfKey(key), db, op: checkGroup, args: [key, group] }));
  for (const id of parsed.ids) checkGroupReadId(id);
  const results = (yield parsed.keys.map((key, i) => ({
    shard: request.shardOfKey(key), db, op: readGroup, args: [key, group, parsed.consumer as Buffer, parsed.ids[i], count, noack], last: true,
  }))) as (OpValue[] | null)[];
  writeReadReply(out, parsed.keys, results);
};

// ---- XGROUP ----

/** XGROUP's shared checks: the stream (0 when missing with MKSTREAM), its groups, the named group, the ENTRIESREAD value. */
function xgroupPrologue(ctx: CommandContext, sub: string, needsGroup: boolean): { ref: Ref; groups: Group[]; group: Group | undefined; mkstream: boolean; entriesRead: bigint } {
  const { argv, argc } = ctx;
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  for (let i = 5; i < argc; ) {
    if (sub === 'create' && isKeyword(argv[i], 'mkstream')) {
      mkstream = true;
      i++;
    } else if ((sub === 'create' || sub === 'setid') && isKeyword(argv[i], 'entriesread') && i + 1 < argc) {
      entriesRead = longLong(argv[i + 1]);
      if (entriesRead < 0n && entriesRead !== INVALID_ENTRIES_READ) throw new ReplyError(StreamErrors.entriesRead);
      i += 2;
    } else {
      throw new ReplyError(subcommandSyntax(ctx, 'XGROUP'));
    }
  }
  const ref = lookupStream(ctx, argv[2], true);
  const groups = ref === 0 ? [] : openStream(ctx.store, ref).groups();
  const group = findGroup(groups, argv[3]);
  if (!mkstream) {
    if (ref === 0) throw new ReplyError(StreamErrors.needsKey);
    if (group === undefined && needsGroup) throw new ReplyError(noGroupForKey(argv[3], argv[2]));
  }
  return { ref, groups, group, mkstream, entriesRead };
}

function xgroupCreate(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  const { ref: found, groups, group, entriesRead } = xgroupPrologue(ctx, 'create', false);
  if (argc > 8) throw new ReplyError(subcommandSyntax(ctx, 'XGROUP'));
  let id: StreamId;
  if (argv[4].length === 1 && argv[4][0] === 0x24) id = found === 0 ? ZERO_ID : openStream(store, found).lastId;
  else id = strictId(argv[4]);
  const ref = found === 0 ? streamCreate(store, ctx.db, argv[2], ctx.now) : found;
  if (group !== undefined) {
    if (found === 0) store.changed(ref);
    throw new ReplyError(StreamErrors.busyGroup);
  }
  groups.push({ name: Buffer.from(argv[3]), lastId: id, entriesRead, pel: 0, pelCount: 0, nextConsumer: 1, consumers: [] });
  groups.sort((a, b) => Buffer.compare(a.name, b.name));
  openStream(store, ref).saveGroups(groups);
  store.changed(ref);
  ctx.out.ok();
}

function xgroupSetid(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  const { ref, groups, group, entriesRead } = xgroupPrologue(ctx, 'setid', true);
  if (argc !== 5 && argc !== 7) throw new ReplyError(subcommandSyntax(ctx, 'XGROUP'));
  const g = group as Group;
  if (argv[4].length === 1 && argv[4][0] === 0x24) g.lastId = openStream(store, ref).lastId;
  else {
    const parsed = parseIdArg(argv[4], 0n, false);
    if (parsed === null) throw new ReplyError(StreamErrors.invalidId);
    g.lastId = parsed.id;
  }
  g.entriesRead = entriesRead;
  openStream(store, ref).saveGroups(groups);
  store.changed(ref);
  ctx.out.ok();
}

function xgroupDestroy(ctx: CommandContext): void {
  const { ref, groups, group } = xgroupPrologue(ctx, 'destroy', false);
  if (group === undefined) {
    ctx.out.integer(0);
    return;
  }
  freeGroupPels(ctx.store.arena, group);
  openStream(ctx.store, ref).saveGroups(groups.filter((g) => g !== group));
  ctx.store.changed(ref);
  ctx.out.integer(1);
}

function xgroupCreateConsumer(ctx: CommandContext): void {
  const { ref, groups, group } = xgroupPrologue(ctx, 'createconsumer', true);
  const g = group as Group;
  if (findConsumer(g, ctx.argv[4]) !== undefined) {
    ctx.out.integer(0);
    return;
  }
  touchConsumer(g, ctx.argv[4], Date.now());
  openStream(ctx.store, ref).saveGroups(groups);
  ctx.store.changed(ref);
  ctx.out.integer(1);
}

function xgroupDelConsumer(ctx: CommandContext): void {
  const { store } = ctx;
  const { ref, groups, group } = xgroupPrologue(ctx, 'delconsumer', true);
  const g = group as Group;
  const consumer = findConsumer(g, ctx.argv[4]);
  if (consumer === undefined) {
    ctx.out.integer(0);
    return;
  }
  const pending = consumer.pelCount;
  pelEach(store.arena, consumer, (mine) => pelDelete(store.arena, g, mine.id));
  pelFree(store.arena, consumer);
  g.consumers = g.consumers.filter((c) => c !== consumer);
  openStream(store, ref).saveGroups(groups);
  store.changed(ref);
  ctx.out.integer(pending);
}

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

// ---- XACK, XPENDING, XCLAIM, XAUTOCLAIM ----

function xack(ctx: CommandContext): void {
  const { argv, argc, store } = ctx;
  const ref = lookupStream(ctx, argv[1], true);
  const groups = ref === 0 ? [] : openStream(store, ref).groups();
  const group = findGroup(groups, argv[2]);
  if (group === undefined) {
    ctx.out.integer(0);
    return;
  }
  const ids: StreamId[] = [];
  for (let j = 3; j < argc; j++) ids.push(strictId(argv[j]));
  let acked = 0;
  for (const id of ids) {
    const removed = pelDelete(store.arena, group, id);
    if (removed === null) continue;
    disown(store, group, removed.consumer, id);
    acked++;
  }
  if (acked > 0) {
    openStream(store, ref).saveGroups(groups);
    store.changed(ref);
  }
  ctx.out.integer(acked);
}

function xpending(ctx: CommandContext): void {
  const { argv, argc, store, out } = ctx;
  const summary = argc === 3;
  if (argc !== 3 && (argc < 6 || argc > 9)) throw new ReplyError(Errors.syntax);
  let minIdle = 0n;
  let start = ZERO_ID;
  let end = MAX_ID;
  let count = 0n;
  let consumerName: Buffer | null = null;
  if (argc >= 6) {
    let at = 3;
    if (isKeyword(argv[3], 'idle')) {
      minIdle = longLong(argv[4]);
      if (argc < 8) throw new ReplyError(Errors.syntax);
      at += 2;
    }
    count = longLong(argv[at + 2]);
    if (count < 0n) count = 0n;
    start = intervalId(argv[at], 0n, true);
    end = intervalId(argv[at + 1], U64_MAX, false);
    if (at + 3 < argc) consumerName = argv[at + 3];
  }
  const ref = lookupStream(ctx, argv[1], false);
  const groups = ref === 0 ? [] : openStream(store, ref).groups();
  const group = findGroup(groups, argv[2]);
  if (group === undefined) throw new ReplyError(noGroup(argv[1], argv[2]));
  if (summary) {
    out.arrayHeader(4);
    out.integer(group.pelCount);
    if (group.pelCount === 0) {
      out.nullBulk();
      out.nullBulk();
      out.nullArray();
      return;
    }
    writeId(out, (pelEdge(store.arena, group, false) as PendingEntry).id);
    writeId(out, (pelEdge(store.arena, group, true) as PendingEntry).id);
    const withPending = group.consumers.filter((c) => c.pelCount > 0);
    out.arrayHeader(withPending.length);
    for (const consumer of withPending) {
      out.arrayHeader(2);
      out.bulk(consumer.name);
      out.bulkString(String(consumer.pelCount));
    }
    return;
  }
  const consumer = consumerName === null ? null : findConsumer(group, consumerName);
  if (consumer === undefined) {
    out.arrayHeader(0);
    return;
  }
  const now = Date.now();
  const rows: [StreamId, Buffer, number, number][] = [];
  const visit = (pending: PendingEntry): boolean => {
    if (count <= 0n || compareIds(pending.id, end) > 0) return false;
    if (minIdle !== 0n && BigInt(now - pending.deliveryTime) < minIdle) return true;
    count--;
    const elapsed = Math.max(0, now - pending.deliveryTime);
    rows.push([pending.id, consumerById(group, pending.consumer)?.name ?? Buffer.alloc(0), elapsed, pending.deliveryCount]);
    return true;
  };
  // One consumer's: its own PEL, not the group's.
  if (consumer === null) pelScan(store.arena, group, start, visit);
  else scanOwn(store, group, consumer, start, visit);
  out.arrayHeader(rows.length);
  for (const [id, name, idle, deliveries] of rows) {
    out.arrayHeader(4);
    writeId(out, id);
    out.bulk(name);
    out.integer(idle);
    out.integer(deliveries);
  }
}

/** The pending entry after `id`, or null. */
function pendingAfter(store: ShardStore, group: Group, id: StreamId): PendingEntry | null {
  const from = nextId(id);
  return from === null ? null : pelNext(store.arena, group, from);
}

/** Moves a pending entry to `consumer`, with its new delivery time and count. */
function claimPending(ctx: CommandContext, group: Group, pending: PendingEntry, consumer: Consumer, deliveryTime: number, deliveryCount: number): void {
  if (pending.consumer !== consumer.id) {
    disown(ctx.store, group, pending.consumer, pending.id);
    own(ctx.store, consumer, pending.id);
  }
  pelPut(ctx.store.arena, group, { id: pending.id, deliveryTime, deliveryCount, consumer: consumer.id });
}

function xclaim(ctx: CommandContext): void {
  const { argv, argc, store, out } = ctx;
  const ref = lookupStream(ctx, argv[1], true);
  const stream = ref === 0 ? null : openStream(store, ref);
  const groups = stream === null ? [] : stream.groups();
  const group = findGroup(groups, argv[2]);
  if (stream === null || group === undefined) throw new ReplyError(noGroup(argv[1], argv[2]));
  let minIdle = longLong(argv[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argc; j++) {
    const parsed = parseIdArg(argv[j], 0n, true);
    if (parsed === null) break;
    ids.push(parsed.id);
  }
  const now = Date.now();
  let force = false;
  let justId = false;
  let deliveryTime = -1n;
  let retryCount = -1n;
  let lastId = ZERO_ID;
  for (; j < argc; j++) {
    const more = argc - 1 - j;
    const opt = argv[j];
    if (isKeyword(opt, 'force')) force = true;
    else if (isKeyword(opt, 'justid')) justId = true;
    else if (isKeyword(opt, 'idle') && more > 0) deliveryTime = BigInt(now) - longLong(argv[++j], 'ERR Invalid IDLE option argument for XCLAIM');
    else if (isKeyword(opt, 'time') && more > 0) deliveryTime = longLong(argv[++j], 'ERR Invalid TIME option argument for XCLAIM');
    else if (isKeyword(opt, 'retrycount') && more > 0) retryCount = longLong(argv[++j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    else if (isKeyword(opt, 'lastid') && more > 0) lastId = strictId(argv[++j]);
    else throw new ReplyError(`ERR Unrecognized XCLAIM option '${opt.toString()}'`);
  }
  if (compareIds(lastId, group.lastId) > 0) group.lastId = lastId;
  if (deliveryTime === -1n || deliveryTime < 0n || deliveryTime > BigInt(now)) deliveryTime = BigInt(now);
  let consumer: Consumer | null = null;
  const claimed: (StreamId | StreamEntry)[] = [];
  for (const id of ids) {
    let pending = pelGet(store.arena, group, id);
    const entry = stream.entry(id);
    if (entry === null) {
      // Deleted from the stream: it goes from the PEL too.
      if (pending !== null) {
        disown(store, group, pending.consumer, id);
        pelDelete(store.arena, group, id);
      }
      continue;
    }
    let fresh = false;
    if (force && pending === null) {
      pending = { id, deliveryTime: now, deliveryCount: 0, consumer: NO_CONSUMER };
      pelPut(store.arena, group, pending);
      fresh = true;
    }
    if (pending === null) continue;
    if (!fresh && minIdle !== 0n && BigInt(now - pending.deliveryTime) < minIdle) continue;
    if (consumer === null) consumer = touchConsumerOf(ctx, group, argv[3], now);
    const deliveries = retryCount >= 0n ? Number(retryCount) : justId ? pending.deliveryCount : pending.deliveryCount + 1;
    claimPending(ctx, group, pending, consumer, Number(deliveryTime), deliveries);
    claimed.push(justId ? id : entry);
  }
  stream.saveGroups(groups);
  store.changed(ref);
  out.arrayHeader(claimed.length);
  for (const item of claimed) {
    if ('items' in item) writeEntry(out, item);
    else writeId(out, item);
  }
}

function xautoclaim(ctx: CommandContext): void {
  const { argv, argc, store, out } = ctx;
  let minIdle = longLong(argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const start = intervalId(argv[5], 0n, true);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argc; j++) {
    const more = argc - 1 - j;
    if (isKeyword(argv[j], 'count') && more > 0) {
      const value = parseInteger(argv[j + 1]);
      if (value === null || value < 1n || value > 922337203685477580n) throw new ReplyError('ERR COUNT must be > 0');
      count = Number(value);
      j++;
    } else if (isKeyword(argv[j], 'justid')) {
      justId = true;
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  const ref = lookupStream(ctx, argv[1], true);
  const stream = ref === 0 ? null : openStream(store, ref);
  const groups = stream === null ? [] : stream.groups();
  const group = findGroup(groups, argv[2]);
  if (stream === null || group === undefined) throw new ReplyError(noGroup(argv[1], argv[2]));
  const now = Date.now();
  let attempts = count * 10;
  let consumer: Consumer | null = null;
  const claimed: (StreamId | StreamEntry)[] = [];
  const deleted: StreamId[] = [];
  let pending = pelNext(store.arena, group, start);
  while (attempts-- > 0 && count > 0 && pending !== null) {
    const entry = stream.entry(pending.id);
    if (entry === null) {
      disown(store, group, pending.consumer, pending.id);
      pelDelete(store.arena, group, pending.id);
      deleted.push(pending.id);
      count--;
    } else if (minIdle === 0n || BigInt(now - pending.deliveryTime) >= minIdle) {
      if (consumer === null) consumer = touchConsumerOf(ctx, group, argv[3], now);
      claimPending(ctx, group, pending, consumer, now, justId ? pending.deliveryCount : pending.deliveryCount + 1);
      claimed.push(justId ? pending.id : entry);
      count--;
    }
    pending = pendingAfter(store, group, pending.id);
  }
  const next = pending === null ? ZERO_ID : pending.id;
  stream.saveGroups(groups);
  store.changed(ref);
  out.arrayHeader(3);
  writeId(out, next);
  out.arrayHeader(claimed.length);
  for (const item of claimed) {
    if ('items' in item) writeEntry(out, item);
    else writeId(out, item);
  }
  out.arrayHeader(deleted.length);
  for (const id of deleted) writeId(out, id);
}

// ---- XINFO ----

function infoStream(ctx: CommandContext): void {
  const { argv, argc, store, out } = ctx;
  let full = false;
  let count = 10n;
  const optc = argc - 3;
  if (optc !== 0) {
    if ((optc !== 1 && optc !== 3) || !isKeyword(argv[3], 'full')) throw new ReplyError(subcommandSyntax(ctx, 'XINFO'));
    full = true;
    if (optc === 3) {
      if (!isKeyword(argv[4], 'count')) throw new ReplyError(subcommandSyntax(ctx, 'XINFO'));
      count = longLong(argv[5]);
      if (count < 0n) count = 10n;
    }
  }
  const ref = lookupStream(ctx, argv[2], false);
  if (ref === 0) throw new ReplyError(StreamErrors.noSuchKey);
  const stream = openStream(store, ref);
  const groups = stream.groups();
  out.mapHeader(full ? 9 : 10);
  out.bulkString('length');
  out.integer(stream.length);
  out.bulkString('radix-tree-keys');
  out.integer(stream.nodeCount);
  out.bulkString('radix-tree-nodes');
  out.integer(stream.nodeCount + 1);
  out.bulkString('last-generated-id');
  writeId(out, stream.lastId);
  out.bulkString('max-deleted-entry-id');
  writeId(out, stream.maxDeletedId);
  out.bulkString('entries-added');
  out.integer(stream.entriesAdded);
  out.bulkString('recorded-first-entry-id');
  writeId(out, stream.edgeId(false));
  if (!full) {
    out.bulkString('groups');
    out.integer(groups.length);
    const first = stream.range(ZERO_ID, MAX_ID, false, 1);
    out.bulkString('first-entry');
    if (first.length === 0) out.nullBulk();
    else writeEntry(out, first[0]);
    const last = stream.range(ZERO_ID, MAX_ID, true, 1);
    out.bulkString('last-entry');
    if (last.length === 0) out.nullBulk();
    else writeEntry(out, last[0]);
    return;
  }
  const limit = count > 1000000000n ? 1000000000 : Number(count);
  out.bulkString('entries');
  writeEntries(out, stream.range(ZERO_ID, MAX_ID, false, limit));
  out.bulkString('groups');
  out.arrayHeader(groups.length);
  for (const group of groups) {
    out.mapHeader(7);
    out.bulkString('name');
    out.bulk(group.name);
    out.bulkString('last-delivered-id');
    writeId(out, group.lastId);
    out.bulkString('entries-read');
    if (group.entriesRead !== INVALID_ENTRIES_READ) out.integer(group.entriesRead);
    else out.nullBulk();
    out.bulkString('lag');
    const lag = streamGroupLag(stream, group);
    if (lag === null) out.nullBulk();
    else out.integer(lag);
    out.bulkString('pel-count');
    out.integer(group.pelCount);
    out.bulkString('pending');
    const shown: PendingEntry[] = [];
    pelScan(store.arena, group, ZERO_ID, (pending) => shown.push(pending) !== limit);
    out.arrayHeader(shown.length);
    for (const pending of shown) {
      out.arrayHeader(4);
      writeId(out, pending.id);
      out.bulk(consumerById(group, pending.consumer)?.name ?? Buffer.alloc(0));
      out.integer(pending.deliveryTime);
      out.integer(pending.deliveryCount);
    }
    out.bulkString('consumers');
    out.arrayHeader(group.consumers.length);
    for (const consumer of group.consumers) {
      out.mapHeader(4);
      out.bulkString('name');
      out.bulk(consumer.name);
      out.bulkString('seen-time');
      out.integer(consumer.seenTime);
      out.bulkString('pel-count');
      out.integer(consumer.pelCount);
      out.bulkString('pending');
      const mine: PendingEntry[] = [];
      scanOwn(store, group, consumer, ZERO_ID, (pending) => mine.push(pending) !== limit);
      out.arrayHeader(mine.length);
      for (const pending of mine) {
        out.arrayHeader(3);
        writeId(out, pending.id);
        out.integer(pending.deliveryTime);
        out.integer(pending.deliveryCount);
      }
    }
  }
}

function infoGroups(ctx: CommandContext): void {
  const { argv, store, out } = ctx;
  const ref = lookupStream(ctx, argv[2], false);
  if (ref === 0) throw new ReplyError(StreamErrors.noSuchKey);
  const stream = openStream(store, ref);
  const groups = stream.groups();
  out.arrayHeader(groups.length);
  for (const group of groups) {
    out.mapHeader(6);
    out.bulkString('name');
    out.bulk(group.name);
    out.bulkString('consumers');
    out.integer(group.consumers.length);
    out.bulkString('pending');
    out.integer(group.pelCount);
    out.bulkString('last-delivered-id');
    writeId(out, group.lastId);
    out.bulkString('entries-read');
    if (group.entriesRead !== INVALID_ENTRIES_READ) out.integer(group.entriesRead);
    else out.nullBulk();
    out.bulkString('lag');
    const lag = streamGroupLag(stream, group);
    if (lag === null) out.nullBulk();
    else out.integer(lag);
  }
}

function infoConsumers(ctx: CommandContext): void {
  const { argv, store, out } = ctx;
  const ref = lookupStream(ctx, argv[2], false);
  if (ref === 0) throw new ReplyError(StreamErrors.noSuchKey);
  const group = findGroup(openStream(store, ref).groups(), argv[3]);
  if (group === undefined) throw new ReplyError(noGroupForKey(argv[3], argv[2]));
  const now = Date.now();
  out.arrayHeader(group.consumers.length);
  for (const consumer of group.consumers) {
    out.mapHeader(3);
    out.bulkString('name');
    out.bulk(consumer.name);
    out.bulkString('pending');
    out.integer(consumer.pelCount);
    out.bulkString('idle');
    out.integer(Math.max(0, now - consumer.seenTime));
  }
}

/** Runs a handler, replying the ReplyError it refuses with. */
function guarded(handler: (ctx: CommandContext) => void): (ctx: CommandContext) => void {
  return (ctx) => {
    try {
      handler(ctx);
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      ctx.out.error(error.message);
    }
  };
}

// ---- XREAD BLOCK and XREADGROUP BLOCK ----
//
// How they wait is the blocking machinery's (commands/blocking.ts). A
// stream serves a blocked reader once it holds an entry past the id the
// reader waits after: for XREAD the id it gave (`$` resolved to the stream's
// last id when it blocked), for XREADGROUP `>` the group's last delivered id.
// Every reader a new entry serves is served, not only the first.

const DOLLAR = 0x24;
const GREATER = 0x3e;

function isSingle(arg: Buffer, char: number): boolean {
  return arg.length === 1 && arg[0] === char;
}

/** The BLOCK milliseconds of a well-formed XREAD/XREADGROUP, -1 without BLOCK (or when malformed: the handler answers). */
function blockMsOf(argv: readonly Buffer[], argc: number, xreadgroup: boolean): number {
  try {
    return parseRead(argv.slice(0, argc), xreadgroup).blockMs;
  } catch (error) {
    if (error instanceof ReplyError) return -1;
    throw error;
  }
}

/** XREAD's and XREADGROUP's checks before any key (parseRead, and the ids as each takes them): the timeout, or the error. */
function parseBlockingRead(argv: readonly Buffer[], argc: number, xreadgroup: boolean): number | string {
  try {
    const parsed = parseRead(argv.slice(0, argc), xreadgroup);
    for (const id of parsed.ids) {
      if (!xreadgroup && isSingle(id, GREATER)) throw new ReplyError(StreamErrors.greaterOnlyGroup);
      if (xreadgroup && isSingle(id, DOLLAR)) throw new ReplyError(StreamErrors.dollarInGroup);
      if (!isSingle(id, DOLLAR) && !isSingle(id, GREATER)) strictId(id);
    }
    return parsed.blockMs;
  } catch (error) {
    if (error instanceof ReplyError) return error.message;
    throw error;
  }
}

/** The id a blocked read of `key` waits after, as the command gives it. */
function waitedId(parsed: ReadArgs, key: Buffer): Buffer {
  return parsed.ids[parsed.keys.findIndex((candidate) => candidate.equals(key))];
}

/** The stream at `key` holds an entry past `after`. */
function hasEntryAfter(store: ShardStore, db: number, key: Buffer, after: StreamId, now: number): boolean {
  const ref = store.lookupRead(db, key, now);
  if (ref === 0) return false;
  const stream = openStream(store, ref);
  return stream.length > 0 && compareIds(stream.edgeId(true), after) > 0;
}

/** The read of one key once it can serve: the command's options, that key and its id. */
function servingRead(argv: readonly Buffer[], key: Buffer, xreadgroup: boolean): Buffer[] {
  const parsed = parseRead(argv, xreadgroup);
  const args = [argv[0]];
  if (xreadgroup) args.push(Buffer.from('GROUP'), parsed.group as Buffer, parsed.consumer as Buffer);
  if (parsed.count > 0) args.push(Buffer.from('COUNT'), Buffer.from(String(parsed.count)));
  if (parsed.noack) args.push(Buffer.from('NOACK'));
  args.push(Buffer.from('STREAMS'), key, waitedId(parsed, key));
  return args;
}

const xreadBlocking: BlockingSpec = {
  blocks: (argv, argc) => blockMsOf(argv, argc, false) >= 0,
  parse: (argv, argc) => parseBlockingRead(argv, argc, false),
  keys: (argv, argc) => parseRead(argv.slice(0, argc), false).keys,
  valueType: ValueType.Stream,
  ready: (store, db, key, argv, now) => {
    const id = waitedId(parseRead(argv, false), key);
    return !isSingle(id, DOLLAR) && hasEntryAfter(store, db, key, strictId(id), now);
  },
  // `$` is the stream's last id when the client blocked, on the shard that holds it.
  registerArgs: (store, db, keys, argv, now) => {
    const parsed = parseRead(argv, false);
    const firstId = argv.length - parsed.ids.length;
    const registered = argv.map((arg) => Buffer.from(arg));
    parsed.keys.forEach((key, i) => {
      if (!isSingle(parsed.ids[i], DOLLAR) || !keys.some((own) => own.equals(key))) return;
      const ref = store.lookupRead(db, key, now);
      const last = ref === 0 || store.typeOf(ref) !== ValueType.Stream ? ZERO_ID : openStream(store, ref).lastId;
      registered[firstId + i] = Buffer.from(formatId(last));
    });
    return registered;
  },
  serveArgs: (argv, key) => servingRead(argv, key, false),
  timeoutReply: 'null-array',
};

const xreadgroupBlocking: BlockingSpec = {
  blocks: (argv, argc) => blockMsOf(argv, argc, true) >= 0,
  parse: (argv, argc) => parseBlockingRead(argv, argc, true),
  keys: (argv, argc) => parseRead(argv.slice(0, argc), true).keys,
  valueType: ValueType.Stream,
  // History (an explicit id) is served at once; `>` waits for an entry past the group's last delivered one.
  // A missing group is served at once too: the reply is the error.
  ready: (store, db, key, argv, now) => {
    const parsed = parseRead(argv, true);
    if (!isSingle(waitedId(parsed, key), GREATER)) return true;
    const ref = store.lookupRead(db, key, now);
    if (ref === 0) return false;
    const group = findGroup(openStream(store, ref).groups(), parsed.group as Buffer);
    return group === undefined || hasEntryAfter(store, db, key, group.lastId, now);
  },
  serveArgs: (argv, key) => servingRead(argv, key, true),
  timeoutReply: 'null-array',
  // No key, no group: NOGROUP at once (a DEL that came just before it), never a wait.
  missingServes: true,
  // Its group went with the key: Redis ends the wait at once rather than at the next XADD.
  goneReply: 'UNBLOCKED the stream key no longer exists',
};

// ---- The bindings (the rows are table/streams.ts) ----

export const streamBindings: Bindings = {
  xadd: guarded(xadd),
  xlen: guarded(xlen),
  xrange: guarded((ctx) => xrangeGeneric(ctx, false)),
  xrevrange: guarded((ctx) => xrangeGeneric(ctx, true)),
  xdel: guarded(xdel),
  xtrim: guarded(xtrim),
  xsetid: guarded(xsetid),
  xread: { ...steppedCommand(xreadSteps), blocking: xreadBlocking },
  xreadgroup: { ...steppedCommand(xreadgroupSteps), blocking: xreadgroupBlocking },
  'xgroup|create': guarded(xgroupCreate),
  'xgroup|setid': guarded(xgroupSetid),
  'xgroup|destroy': guarded(xgroupDestroy),
  'xgroup|createconsumer': guarded(xgroupCreateConsumer),
  'xgroup|delconsumer': guarded(xgroupDelConsumer),
  'xgroup|help': (ctx) => replyHelp(ctx, 'XGROUP', XGROUP_HELP),
  xack: guarded(xack),
  xpending: guarded(xpending),
  xclaim: guarded(xclaim),
  xautoclaim: guarded(xautoclaim),
  'xinfo|stream': guarded(infoStream),
  'xinfo|groups': guarded(infoGroups),
  'xinfo|consumers': guarded(infoConsumers),
  'xinfo|help': (ctx) => replyHelp(ctx, 'XINFO', XINFO_HELP),
};
