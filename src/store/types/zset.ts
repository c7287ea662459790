// The sorted set type: its encoding-aware API (as Redis's t_zset.c zset*
// functions), which the commands in commands/sorted-sets.ts use without
// looking at the encoding, and its value-type hooks.
//
// Two forms, both in the shard's arena, as Redis 7.0 has them:
// - listpack: while the set has at most `zset-max-listpack-entries` members
//   and none longer than `zset-max-listpack-value` bytes, member and score
//   alternate in a listpack (listpack.ts) held as the key's value bytes, in
//   (score, member) order; a score is its double's 8 bytes;
// - skiplist (Redis's name; here a B+tree): past that, a header naming an
//   off-heap dict (dict.ts) of member -> 8-byte score, for O(1) lookups, and
//   a counted B+tree of the dict's entries (zset-tree.ts) for order and
//   ranks. A sorted set never goes back to a listpack, as in Redis.
//
//   header (16-byte Blob chunk: the key's record points at it)
//     word 0      the dict's header
//     words 1-3   the tree's root, height and node count
//
// Ranks are 0-based in (score, member) order. Every write reports through
// store.changed (or the store's put), so WATCH and the blocking commands hear
// of it.

import { ChunkKind, OFFSET_BITS, OFFSET_MASK, type Address, type Arena } from '../arena.ts';
import { ByteSlice, ownBytes } from '../bytes.ts';
import { addToDigest, DIGEST_LENGTH, mixIntoDigest } from '../digest.ts';
import { entryFieldLength, entryFieldStart, type Dict } from '../dict.ts';
import { ValueType } from '../entry.ts';
import { ValueEncoding, type ExpireTime } from '../record.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import type { ValueTypeOps } from '../value-type.ts';
import { RdbEmptyValue, RdbType } from '../rdb/rdb-types.ts';
import type { RdbInput } from '../rdb/rdb-input.ts';
import type { RdbOutput } from '../rdb/rdb-output.ts';
import { redisListpackBuilder, redisListpackReader } from '../rdb/redis-listpack.ts';
import { parseDoubleArg } from '../../protocol/strtod.ts';
import { formatDouble } from '../../protocol/number-format.ts';
import { entryDataStart, entryLength, entryNext, listpackCount, listpackFind, listpackFirst, listpackWriter } from './listpack.ts';
import { compareBytes, entryScore, writeEntryScore, ZsetTree } from './zset-tree.ts';

/** Visits one member and its score, read in place (valid during the call only). */
export type ScoredVisitor = (member: ByteSlice, score: number) => void;

/** ZADD's input flags (Redis's ZADD_IN_*). */
export const ZaddFlag = { Nx: 1, Xx: 2, Gt: 4, Lt: 8, Incr: 16 } as const;
/** zsetAdd's outcome bits (Redis's ZADD_OUT_*). */
export const ZaddOut = { Added: 1, Updated: 2, Nop: 4, Nan: 8 } as const;

const HEADER_BYTES = 16;
const HEADER_DICT = 0;
const HEADER_TREE = 1;

const visitedMember = new ByteSlice();
/** A score's 8 bytes being written (scoreBytesOf). */
const scoreBuffer = Buffer.alloc(8);
const scoreFloat = new Float64Array(scoreBuffer.buffer, scoreBuffer.byteOffset, 1);
/** A score's 8 bytes being read (listpackScore): apart, so a read never overwrites a score about to be written. */
const readBytes = new Uint8Array(8);
const readFloat = new Float64Array(readBytes.buffer);
const pair: Uint8Array[] = [scoreBuffer, scoreBuffer];

const trees = new WeakMap<Arena, ZsetTree>();
let lastArena: Arena | null = null;
let lastTree: ZsetTree | null = null;

function treeInstance(arena: Arena): ZsetTree {
  if (arena === lastArena && lastTree !== null) return lastTree;
  let tree = trees.get(arena);
  if (tree === undefined) {
    tree = new ZsetTree(arena);
    trees.set(arena, tree);
  }
  lastArena = arena;
  lastTree = tree;
  return tree;
}

/** Runs `use` (which may open other sorted sets' trees) and puts the shard's tree view back where it stood. */
export function keepingTreeView(arena: Arena, use: () => void): void {
  const tree = treeInstance(arena);
  const bookmark = tree.bookmark();
  try {
    use();
  } finally {
    tree.restore(bookmark);
  }
}

function isListpack(store: ShardStore, ref: Ref): boolean {
  return store.encodingOf(ref) !== ValueEncoding.Structure;
}

function openTreeAt(store: ShardStore, header: Address): ZsetTree {
  return treeInstance(store.arena).open(store.arena.words[header >>> OFFSET_BITS], ((header & OFFSET_MASK) << 1) + HEADER_TREE);
}

function openTree(store: ShardStore, ref: Ref): ZsetTree {
  return openTreeAt(store, store.structureOf(ref));
}

function dictHeaderOf(store: ShardStore, header: Address): Address {
  return store.arena.words[header >>> OFFSET_BITS][((header & OFFSET_MASK) << 1) + HEADER_DICT];
}

function openDict(store: ShardStore, ref: Ref): Dict {
  return store.dict.open(dictHeaderOf(store, store.structureOf(ref)));
}

/** The score held in a listpack entry (8 bytes). */
function listpackScore(bytes: Uint8Array, at: number): number {
  const data = entryDataStart(bytes, at);
  for (let i = 0; i < 8; i++) readBytes[i] = bytes[data + i];
  return readFloat[0];
}

function scoreBytesOf(score: number): Buffer {
  scoreFloat[0] = score;
  return scoreBuffer;
}

/** Points `into` at a dict entry's member. */
function sliceOfEntry(arena: Arena, entry: Address, into: ByteSlice): void {
  into.set(arena.bytes[entry >>> OFFSET_BITS], entryFieldStart(arena, entry), entryFieldLength(arena, entry));
}

/** Whether the listpack pair at `at` sorts before (score, member). */
function pairBefore(bytes: Uint8Array, at: number, score: number, member: Uint8Array): boolean {
  const s = listpackScore(bytes, entryNext(bytes, at));
  if (s !== score) return s < score;
  return compareBytes(bytes, entryDataStart(bytes, at), entryLength(bytes, at), member, 0, member.length) < 0;
}

// ---- Reading ----

export function zsetLength(store: ShardStore, ref: Ref): number {
  if (isListpack(store, ref)) return listpackCount(store.valueBytes(ref), store.valueStart(ref)) / 2;
  return openDict(store, ref).size;
}

/** The member's score; NaN when it is not in the set (a score is never NaN). */
export function zsetScore(store: ShardStore, ref: Ref, member: Uint8Array): number {
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const at = listpackFind(bytes, store.valueStart(ref), store.valueLength(ref), member, 2);
    return at < 0 ? NaN : listpackScore(bytes, entryNext(bytes, at));
  }
  const entry = openDict(store, ref).find(member);
  return entry === 0 ? NaN : entryScore(store.arena, entry);
}

/** The member's rank (from the highest score when `reverse`); -1 when it is not in the set. */
export function zsetRank(store: ShardStore, ref: Ref, member: Uint8Array, reverse: boolean): number {
  const length = zsetLength(store, ref);
  let rank = -1;
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const start = store.valueStart(ref);
    const end = start + store.valueLength(ref);
    let index = 0;
    for (let at = listpackFirst(start); at < end; index++) {
      const scoreAt = entryNext(bytes, at);
      if (entryLength(bytes, at) === member.length && compareBytes(bytes, entryDataStart(bytes, at), member.length, member, 0, member.length) === 0) {
        rank = index;
        break;
      }
      at = entryNext(bytes, scoreAt);
    }
  } else {
    const entry = openDict(store, ref).find(member);
    if (entry !== 0) {
      const arena = store.arena;
      const tree = openTree(store, ref);
      tree.targetKey(entryScore(arena, entry), arena.bytes[entry >>> OFFSET_BITS], entryFieldStart(arena, entry), entryFieldLength(arena, entry));
      rank = tree.rankOfTarget();
    }
  }
  return rank < 0 || !reverse ? rank : length - 1 - rank;
}

/** How many members have a score below `bound` (`atMost`: at most `bound`): the rank where such a range starts or ends. */
export function zsetRankOfScore(store: ShardStore, ref: Ref, bound: number, atMost: boolean): number {
  if (!isListpack(store, ref)) {
    const tree = openTree(store, ref);
    tree.targetScoreBound(bound, atMost);
    return tree.rankOfTarget();
  }
  const bytes = store.valueBytes(ref);
  const start = store.valueStart(ref);
  const end = start + store.valueLength(ref);
  let rank = 0;
  for (let at = listpackFirst(start); at < end; rank++) {
    const scoreAt = entryNext(bytes, at);
    const score = listpackScore(bytes, scoreAt);
    if (atMost ? score > bound : score >= bound) break;
    at = entryNext(bytes, scoreAt);
  }
  return rank;
}

/** How many members sort below `bound` (`atMost`: at most it) by their bytes, for sets of one score (the BYLEX commands). */
export function zsetRankOfMember(store: ShardStore, ref: Ref, bound: Uint8Array, atMost: boolean): number {
  if (!isListpack(store, ref)) {
    const tree = openTree(store, ref);
    tree.targetMemberBound(bound, atMost);
    return tree.rankOfTarget();
  }
  const bytes = store.valueBytes(ref);
  const start = store.valueStart(ref);
  const end = start + store.valueLength(ref);
  let rank = 0;
  for (let at = listpackFirst(start); at < end; rank++) {
    const c = compareBytes(bytes, entryDataStart(bytes, at), entryLength(bytes, at), bound, 0, bound.length);
    if (atMost ? c > 0 : c >= 0) break;
    at = entryNext(bytes, entryNext(bytes, at));
  }
  return rank;
}

// ---- Walking in order: one walk at a time, and no write while it runs ----

let walkBig = false;
let walkReverse = false;
let walkBytes: Uint8Array = scoreBuffer;
let walkAt = 0;
let walkIndex = 0;
/** A listpack walked backwards: the offsets of its members, found first (a listpack only reads forwards). */
let walkOffsets = new Int32Array(256);
let walkArena: Arena | null = null;
let walkTree: ZsetTree | null = null;

/** Starts a walk at `rank` (0 <= rank < length), towards higher scores, or lower ones when `reverse`. */
export function zsetSeek(store: ShardStore, ref: Ref, rank: number, reverse: boolean): void {
  walkReverse = reverse;
  walkBig = !isListpack(store, ref);
  if (walkBig) {
    walkArena = store.arena;
    walkTree = openTree(store, ref);
    walkTree.seek(rank);
    return;
  }
  const bytes = store.valueBytes(ref);
  const start = store.valueStart(ref);
  walkBytes = bytes;
  if (!reverse) {
    let at = listpackFirst(start);
    for (let i = 0; i < rank; i++) at = entryNext(bytes, entryNext(bytes, at));
    walkAt = at;
    return;
  }
  const count = listpackCount(bytes, start) / 2;
  if (walkOffsets.length < count) walkOffsets = new Int32Array(count * 2);
  let at = listpackFirst(start);
  for (let i = 0; i <= rank; i++) {
    walkOffsets[i] = at;
    at = entryNext(bytes, entryNext(bytes, at));
  }
  walkIndex = rank;
}

/** The walk's next member (pointed at by `member`) and its score; call it only as many times as there are members left. */
export function zsetNext(member: ByteSlice): number {
  if (walkBig) {
    const arena = walkArena as Arena;
    const tree = walkTree as ZsetTree;
    const entry = walkReverse ? tree.previous() : tree.next();
    sliceOfEntry(arena, entry, member);
    return entryScore(arena, entry);
  }
  const bytes = walkBytes;
  const at = walkReverse ? walkOffsets[walkIndex--] : walkAt;
  member.set(bytes, entryDataStart(bytes, at), entryLength(bytes, at));
  const scoreAt = entryNext(bytes, at);
  if (!walkReverse) walkAt = entryNext(bytes, scoreAt);
  return listpackScore(bytes, scoreAt);
}

/** Calls `visit` with every member in order. */
export function zsetForEach(store: ShardStore, ref: Ref, visit: ScoredVisitor): void {
  const length = zsetLength(store, ref);
  if (length === 0) return;
  zsetSeek(store, ref, 0, false);
  for (let i = 0; i < length; i++) {
    const score = zsetNext(visitedMember);
    visit(visitedMember, score);
  }
}

/** Every member and score, copied out (for the multi-key commands). */
export function zsetEntries(store: ShardStore, ref: Ref, members: Buffer[], scores: number[]): void {
  const length = zsetLength(store, ref);
  if (length === 0) return;
  zsetSeek(store, ref, 0, false);
  for (let i = 0; i < length; i++) {
    scores.push(zsetNext(visitedMember));
    members.push(visitedMember.copy());
  }
}

/**
 * ZSCAN's step: a listpack is returned whole in one call, as Redis does; a
 * big set walks its dict by windows of hash values (see Dict.scan).
 */
export function zsetScan(store: ShardStore, ref: Ref, cursor: number, count: number, visit: ScoredVisitor): number {
  if (isListpack(store, ref)) {
    zsetForEach(store, ref, visit);
    return 0;
  }
  const arena = store.arena;
  return openDict(store, ref).scan(cursor, count * 2, (entry) => {
    sliceOfEntry(arena, entry, visitedMember);
    visit(visitedMember, entryScore(arena, entry));
  });
}

// ---- Writing ----

/**
 * A new, empty sorted set under `key`, a listpack unless `big` (the caller
 * adds members at once: Redis never keeps an empty sorted set).
 */
export function zsetCreate(store: ShardStore, db: number, key: Uint8Array, now: number, big: boolean): Ref {
  if (big) return store.putStructure(db, key, ValueType.ZSet, newBigHeader(store), 0, now);
  listpackWriter.begin();
  return store.put(db, key, ValueType.ZSet, listpackWriter.view(), 0, now);
}

/** Whether a sorted set created for a first member of this length starts big (Redis's ZADD check). */
export function zsetStartsBig(store: ShardStore, memberLength: number): boolean {
  const limits = store.limits;
  return limits.zsetMaxListpackEntries === 0 || memberLength > limits.zsetMaxListpackValue;
}

function newBigHeader(store: ShardStore): Address {
  const arena = store.arena;
  const header = arena.allocate(HEADER_BYTES, ChunkKind.Blob);
  const dictHeader = store.dict.create();
  arena.words[header >>> OFFSET_BITS][((header & OFFSET_MASK) << 1) + HEADER_DICT] = dictHeader;
  openTreeAt(store, header).create();
  return header;
}

/** The score zsetAdd left: the member's score after it (for ZINCRBY and INCR). */
export const zsetAddResult = { score: 0 };

/**
 * Redis's zsetAdd: adds `member` or updates its score under ZADD's flags
 * (ZaddFlag); returns ZaddOut bits. With Incr, a sum that is NaN changes
 * nothing and returns Nan. zsetAddResult.score is the score it set.
 */
export function zsetAdd(store: ShardStore, ref: Ref, score: number, member: Uint8Array, flags: number): number {
  const incr = (flags & ZaddFlag.Incr) !== 0;
  const nx = (flags & ZaddFlag.Nx) !== 0;
  const xx = (flags & ZaddFlag.Xx) !== 0;
  const gt = (flags & ZaddFlag.Gt) !== 0;
  const lt = (flags & ZaddFlag.Lt) !== 0;
  const current = zsetScore(store, ref, member);
  if (!Number.isNaN(current)) {
    if (nx) return ZaddOut.Nop;
    if (incr) {
      score += current;
      if (Number.isNaN(score)) return ZaddOut.Nan;
    }
    if ((lt && score >= current) || (gt && score <= current)) return ZaddOut.Nop;
    zsetAddResult.score = score;
    if (score === current) return 0; // 0 and -0 too, as C compares them
    reposition(store, ref, member, current, score);
    return ZaddOut.Updated;
  }
  if (xx) return ZaddOut.Nop;
  zsetAddResult.score = score;
  insertNew(store, ref, score, member);
  return ZaddOut.Added;
}

/** Adds a member known not to be there, converting the listpack first when it would outgrow its limits. */
function insertNew(store: ShardStore, ref: Ref, score: number, member: Uint8Array): void {
  if (isListpack(store, ref)) {
    const limits = store.limits;
    if (zsetLength(store, ref) + 1 > limits.zsetMaxListpackEntries || member.length > limits.zsetMaxListpackValue) {
      convertToBig(store, ref);
    } else {
      const bytes = store.valueBytes(ref);
      const start = store.valueStart(ref);
      const length = store.valueLength(ref);
      store.replaceString(ref, listpackWriter.inserted(bytes, start, length, listpackPositionOf(bytes, start, length, score, member), pairOf(member, score)));
      return;
    }
  }
  const dict = openDict(store, ref);
  dict.set(member, scoreBytesOf(score));
  openTree(store, ref).insert(dict.find(member));
  store.changed(ref);
}

/** A member and its score for a listpack: -0 held as 0, as Redis's listpack holds an integral score as an integer. */
function pairOf(member: Uint8Array, score: number): Uint8Array[] {
  pair[0] = member;
  pair[1] = scoreBytesOf(score === 0 ? 0 : score);
  return pair;
}

/** The offset of the first pair that sorts after (score, member): where it goes. */
function listpackPositionOf(bytes: Uint8Array, start: number, length: number, score: number, member: Uint8Array): number {
  const end = start + length;
  let at = listpackFirst(start);
  while (at < end && pairBefore(bytes, at, score, member)) at = entryNext(bytes, entryNext(bytes, at));
  return at;
}

/** Moves a member from score `from` to score `to`. */
function reposition(store: ShardStore, ref: Ref, member: Uint8Array, from: number, to: number): void {
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const start = store.valueStart(ref);
    const length = store.valueLength(ref);
    const at = listpackFind(bytes, start, length, member, 2);
    const removed = listpackWriter.removed(bytes, start, length, at, 2);
    store.replaceString(ref, listpackWriter.inserted(removed, 0, removed.length, listpackPositionOf(removed, 0, removed.length, to, member), pairOf(member, to)));
    return;
  }
  const arena = store.arena;
  const entry = openDict(store, ref).find(member);
  const tree = openTree(store, ref);
  tree.targetKey(from, arena.bytes[entry >>> OFFSET_BITS], entryFieldStart(arena, entry), entryFieldLength(arena, entry));
  tree.removeAt(tree.rankOfTarget());
  writeEntryScore(arena, entry, to);
  tree.insert(entry);
  store.changed(ref);
}

/** Removes `member`; true when it was there. The caller deletes the key once the set is empty. */
export function zsetRemove(store: ShardStore, ref: Ref, member: Uint8Array): boolean {
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const start = store.valueStart(ref);
    const length = store.valueLength(ref);
    const at = listpackFind(bytes, start, length, member, 2);
    if (at < 0) return false;
    store.replaceString(ref, listpackWriter.removed(bytes, start, length, at, 2));
    return true;
  }
  const arena = store.arena;
  const dict = openDict(store, ref);
  const entry = dict.find(member);
  if (entry === 0) return false;
  const tree = openTree(store, ref);
  tree.targetKey(entryScore(arena, entry), arena.bytes[entry >>> OFFSET_BITS], entryFieldStart(arena, entry), entryFieldLength(arena, entry));
  tree.removeAt(tree.rankOfTarget());
  openDict(store, ref).delete(member);
  store.changed(ref);
  return true;
}

/** Removes the members of ranks [start, end); deletes the key when none is left. Returns how many went. */
export function zsetRemoveRange(store: ShardStore, ref: Ref, start: number, end: number): number {
  const length = zsetLength(store, ref);
  if (end > length) end = length;
  if (start < 0) start = 0;
  const count = end - start;
  if (count <= 0) return 0;
  if (count === length) {
    store.remove(ref);
    return count;
  }
  if (isListpack(store, ref)) {
    const bytes = store.valueBytes(ref);
    const first = store.valueStart(ref);
    let at = listpackFirst(first);
    for (let i = 0; i < start; i++) at = entryNext(bytes, entryNext(bytes, at));
    store.replaceString(ref, listpackWriter.removed(bytes, first, store.valueLength(ref), at, count * 2));
    return count;
  }
  const arena = store.arena;
  const members: Buffer[] = [];
  const tree = openTree(store, ref);
  for (let i = 0; i < count; i++) {
    const entry = tree.removeAt(start);
    members.push(Buffer.from(arena.bytes[entry >>> OFFSET_BITS].subarray(entryFieldStart(arena, entry), entryFieldStart(arena, entry) + entryFieldLength(arena, entry))));
    openDict(store, ref).delete(members[i]);
  }
  store.changed(ref);
  return count;
}

/**
 * Pops up to `count` members from the lowest scores (`min`) or the highest,
 * handing each to `visit` in the order they leave, then removes them (the key
 * too when the set empties). How many it popped.
 */
export function zsetPop(store: ShardStore, ref: Ref, min: boolean, count: number, visit: ScoredVisitor): number {
  const length = zsetLength(store, ref);
  if (count > length) count = length;
  if (count <= 0) return 0;
  zsetSeek(store, ref, min ? 0 : length - 1, !min);
  for (let i = 0; i < count; i++) {
    const score = zsetNext(visitedMember);
    visit(visitedMember, score);
  }
  if (min) zsetRemoveRange(store, ref, 0, count);
  else zsetRemoveRange(store, ref, length - count, length);
  return count;
}

/**
 * Stores members (distinct) with their scores as the sorted set at `key`,
 * replacing whatever was there; none deletes the key. A listpack when it
 * fits the limits, as Redis leaves the results of ZUNIONSTORE & co.
 */
export function zsetStore(store: ShardStore, db: number, key: Uint8Array, members: readonly Uint8Array[], scores: readonly number[], now: number): void {
  if (members.length === 0) {
    store.delete(db, key, now);
    return;
  }
  const limits = store.limits;
  let longest = 0;
  for (const m of members) if (m.length > longest) longest = m.length;
  const big = members.length > limits.zsetMaxListpackEntries || longest > limits.zsetMaxListpackValue;
  const ref = zsetCreate(store, db, key, now, big);
  if (big) {
    const dict = openDict(store, ref);
    for (let i = 0; i < members.length; i++) {
      dict.set(members[i], scoreBytesOf(scores[i]));
      openTree(store, ref).insert(dict.find(members[i]));
    }
    return;
  }
  const order = members.map((_, i) => i).sort((a, b) => (scores[a] !== scores[b] ? scores[a] - scores[b] : Buffer.compare(members[a], members[b])));
  listpackWriter.begin();
  for (const i of order) {
    listpackWriter.push(members[i]);
    listpackWriter.push(scoreBytesOf(scores[i] === 0 ? 0 : scores[i]));
  }
  store.replaceString(ref, listpackWriter.view());
}

/** The listpack at `ref` becomes a big set of the same members. */
function convertToBig(store: ShardStore, ref: Ref): void {
  const header = newBigHeader(store);
  const dict = store.dict.open(dictHeaderOf(store, header));
  const bytes = store.valueBytes(ref);
  const start = store.valueStart(ref);
  const end = start + store.valueLength(ref);
  const tree = openTreeAt(store, header);
  for (let at = listpackFirst(start); at < end; ) {
    const scoreAt = entryNext(bytes, at);
    const member = bytes.subarray(entryDataStart(bytes, at), entryDataStart(bytes, at) + entryLength(bytes, at));
    dict.set(member, bytes.subarray(entryDataStart(bytes, scoreAt), entryDataStart(bytes, scoreAt) + 8));
    tree.insert(dict.find(member));
    at = entryNext(bytes, scoreAt);
  }
  store.convertToStructure(ref, header);
}

// ---- The value-type hooks ----

/** The sorted set as a listpack of member, score pairs in order: how it travels between shards and is copied. */
function encodeZset(store: ShardStore, ref: Ref): Buffer {
  if (isListpack(store, ref)) return ownBytes(store.valueBytes(ref).subarray(store.valueStart(ref), store.valueStart(ref) + store.valueLength(ref)));
  listpackWriter.begin();
  zsetForEach(store, ref, (member, score) => {
    listpackWriter.pushRange(member.bytes, member.start, member.length);
    listpackWriter.push(scoreBytesOf(score));
  });
  return ownBytes(listpackWriter.view());
}

function decodeZset(store: ShardStore, db: number, key: Uint8Array, bytes: Uint8Array, expireAt: ExpireTime, now: number, structure: boolean): Ref {
  const members: Uint8Array[] = [];
  const scores: number[] = [];
  for (let at = listpackFirst(0), n = listpackCount(bytes, 0) / 2; n > 0; n--) {
    const scoreAt = entryNext(bytes, at);
    members.push(bytes.subarray(entryDataStart(bytes, at), entryDataStart(bytes, at) + entryLength(bytes, at)));
    scores.push(listpackScore(bytes, scoreAt));
    at = entryNext(bytes, scoreAt);
  }
  zsetStore(store, db, key, members, scores, now);
  const ref = store.peek(db, key);
  if (structure && isListpack(store, ref)) convertToBig(store, ref);
  if (expireAt !== 0) store.setExpire(ref, expireAt);
  return ref;
}

/** Redis's digest of a sorted set: each member and its %.17g score mixed into a digest of their own, XORed into the whole. */
function digestZset(store: ShardStore, ref: Ref, digest: Buffer): void {
  const one = Buffer.alloc(DIGEST_LENGTH);
  zsetForEach(store, ref, (member, score) => {
    one.fill(0);
    mixIntoDigest(one, member.bytes.subarray(member.start, member.start + member.length));
    mixIntoDigest(one, Buffer.from(formatDouble(score), 'latin1'));
    addToDigest(digest, one);
  });
}

function bigBytes(store: ShardStore, ref: Ref): number {
  return HEADER_BYTES + openDict(store, ref).bytes + openTree(store, ref).bytes;
}

function freeZset(store: ShardStore, header: Address): void {
  openTreeAt(store, header).destroy();
  store.dict.open(dictHeaderOf(store, header)).destroy();
  store.arena.free(header);
}

// ---- RDB: a listpack as RDB_TYPE_ZSET_LISTPACK, a skiplist as RDB_TYPE_ZSET_2 (tail first, as Redis) ----

function saveZset(store: ShardStore, ref: Ref, out: RdbOutput): void {
  const members: Buffer[] = [];
  const scores: number[] = [];
  zsetEntries(store, ref, members, scores);
  if (isListpack(store, ref)) {
    const builder = redisListpackBuilder;
    builder.begin();
    for (let i = 0; i < members.length; i++) {
      builder.pushString(members[i]);
      builder.pushString(Buffer.from(formatDouble(scores[i]), 'latin1'));
    }
    out.blob(builder.finish());
    return;
  }
  out.len(members.length);
  for (let i = members.length - 1; i >= 0; i--) {
    out.string(members[i]);
    out.binaryDouble(scores[i]);
  }
}

function loadZset(rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  const members: Uint8Array[] = [];
  const scores: number[] = [];
  if (rdbType === RdbType.ZsetListpack) {
    const reader = redisListpackReader;
    reader.open(input.string());
    while (reader.next()) {
      const member = reader.value();
      if (!reader.next()) input.fail('sorted set listpack with an odd number of entries');
      members.push(member);
      scores.push(reader.isInteger ? Number(reader.integer) : parseDoubleArg(reader.value()));
    }
  } else if (rdbType === RdbType.Zset2 || rdbType === RdbType.Zset) {
    for (let n = input.count(); n > 0; n--) {
      members.push(input.string());
      scores.push(rdbType === RdbType.Zset2 ? input.binaryDouble() : input.textDouble());
    }
  } else {
    input.fail('unsupported sorted set encoding');
  }
  if (members.length === 0) throw new RdbEmptyValue();
  for (const score of scores) if (Number.isNaN(score)) input.fail('sorted set score is not a number');
  if (new Set(members.map((m) => Buffer.from(m.buffer, m.byteOffset, m.length).toString('latin1'))).size !== members.length) input.fail('duplicate sorted set member');
  zsetStore(store, db, key, members, scores, now);
  const ref = store.peek(db, key);
  if (expireAt !== 0) store.setExpire(ref, expireAt);
  return ref;
}

export const ZSET_TYPE: ValueTypeOps = {
  name: 'zset',
  encoding: (store, ref) => (isListpack(store, ref) ? 'listpack' : 'skiplist'),
  externalBytes: (store, ref) => (isListpack(store, ref) ? store.blobBytes(ref) : bigBytes(store, ref)),
  freeStructure: freeZset,
  encode: encodeZset,
  decode: decodeZset,
  digest: digestZset,
  refcount: () => 1,
  // Redis writes a listpack set as one blob, a skiplist one as length-prefixed members and 8-byte scores.
  serializedLength: (store, ref) => (isListpack(store, ref) ? store.valueLength(ref) : bigBytes(store, ref)),
  rdbType: (store, ref) => (isListpack(store, ref) ? RdbType.ZsetListpack : RdbType.Zset2),
  rdbSave: saveZset,
  rdbLoad: loadZset,
};
