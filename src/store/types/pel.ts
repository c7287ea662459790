// A consumer group's pending entries list (PEL): an ordered map from entry id
// to (delivery time, delivery count, consumer), in the shard's arena, in two
// levels like the stream's own nodes:
//
//   index (Blob chunk)
//     word 0  blocks
//     then per block, in id order: its chunk (u32), its entries (u32)
//   block (Blob chunk of up to BLOCK_ENTRIES records, 40 bytes each, in id order)
//     0 id ms (u64)  8 id seq (u64)  16 delivery time (f64)  24 delivery count (f64)  32 consumer (u32)
//
// A lookup bisects the index (reading each block's first id), then the
// block: O(log n). An insert or a removal moves at most one block's records;
// a full block splits in two, an emptied one goes, and one a quarter full
// merges with a neighbour they both fit in, so the index changes once per
// many operations (amortised O(n / BLOCK_ENTRIES²) each). Redis keeps a rax.
//
// The list is named by its index chunk and its entry count (the group holds
// both: PendingList); an empty list has no chunk at all (address 0).

import { ChunkKind, OFFSET_BITS, OFFSET_MASK, type Address, type Arena } from '../arena.ts';
import type { StreamId } from './stream.ts';

export interface PendingEntry {
  id: StreamId;
  deliveryTime: number;
  deliveryCount: number;
  consumer: number;
}

/** Where a PEL lives: its index chunk (0: empty) and how many entries it holds. */
export interface PendingList {
  pel: Address;
  pelCount: number;
}

/** Records in a full block (2,560 bytes). */
export const BLOCK_ENTRIES = 64;
const RECORD_WORDS = 10;
const RECORD_BYTES = RECORD_WORDS * 4;
const INDEX_HEADER_WORDS = 2;
const INDEX_RECORD_WORDS = 2;
/** A block this empty merges with a neighbour when both fit in one. */
const BLOCK_LOW = BLOCK_ENTRIES >>> 2;

// ---- Memory access ----

function wordsOf(arena: Arena, address: Address): Uint32Array {
  return arena.words[address >>> OFFSET_BITS];
}

/** The word index of a chunk's first word in its segment's words. */
function wordAt(address: Address): number {
  return (address & OFFSET_MASK) << 1;
}

// The id searched for, as four words (no bigint in the loops).
let targetMsHigh = 0;
let targetMsLow = 0;
let targetSeqHigh = 0;
let targetSeqLow = 0;

function setTarget(id: StreamId): void {
  targetMsHigh = Number(id.ms >> 32n);
  targetMsLow = Number(id.ms & 0xffffffffn);
  targetSeqHigh = Number(id.seq >> 32n);
  targetSeqLow = Number(id.seq & 0xffffffffn);
}

/** The record at words[at] against the target: <0 before it, 0 the same id, >0 after. */
function compareToTarget(words: Uint32Array, at: number): number {
  let a = words[at + 1];
  if (a !== targetMsHigh) return a < targetMsHigh ? -1 : 1;
  a = words[at];
  if (a !== targetMsLow) return a < targetMsLow ? -1 : 1;
  a = words[at + 3];
  if (a !== targetSeqHigh) return a < targetSeqHigh ? -1 : 1;
  a = words[at + 2];
  if (a !== targetSeqLow) return a < targetSeqLow ? -1 : 1;
  return 0;
}

function readU64(words: Uint32Array, at: number): bigint {
  const high = words[at + 1];
  return high === 0 ? BigInt(words[at]) : (BigInt(high) << 32n) | BigInt(words[at]);
}

function writeU64(words: Uint32Array, at: number, value: bigint): void {
  words[at] = Number(value & 0xffffffffn);
  words[at + 1] = Number(value >> 32n);
}

function readRecord(arena: Arena, block: Address, slot: number): PendingEntry {
  const words = wordsOf(arena, block);
  const at = wordAt(block) + slot * RECORD_WORDS;
  const doubles = arena.doubles[block >>> OFFSET_BITS];
  const d = at >>> 1;
  return { id: { ms: readU64(words, at), seq: readU64(words, at + 2) }, deliveryTime: doubles[d + 2], deliveryCount: doubles[d + 3], consumer: words[at + 8] };
}

function writeRecord(arena: Arena, block: Address, slot: number, entry: PendingEntry): void {
  const words = wordsOf(arena, block);
  const at = wordAt(block) + slot * RECORD_WORDS;
  writeU64(words, at, entry.id.ms);
  writeU64(words, at + 2, entry.id.seq);
  const doubles = arena.doubles[block >>> OFFSET_BITS];
  doubles[(at >>> 1) + 2] = entry.deliveryTime;
  doubles[(at >>> 1) + 3] = entry.deliveryCount;
  words[at + 8] = entry.consumer;
  words[at + 9] = 0;
}

/** Copies `count` records from one block's slot to another's (the same block too: overlapping is fine). */
function moveRecords(arena: Arena, from: Address, fromSlot: number, to: Address, toSlot: number, count: number): void {
  if (count === 0) return;
  const source = wordsOf(arena, from);
  const start = wordAt(from) + fromSlot * RECORD_WORDS;
  const target = wordAt(to) + toSlot * RECORD_WORDS;
  if (from >>> OFFSET_BITS === to >>> OFFSET_BITS) source.copyWithin(target, start, start + count * RECORD_WORDS);
  else wordsOf(arena, to).set(source.subarray(start, start + count * RECORD_WORDS), target);
}

// ---- The index ----

function blockTotal(arena: Arena, index: Address): number {
  return wordsOf(arena, index)[wordAt(index)];
}

function indexWord(index: Address, b: number): number {
  return wordAt(index) + INDEX_HEADER_WORDS + b * INDEX_RECORD_WORDS;
}

function blockAddress(arena: Arena, index: Address, b: number): Address {
  return wordsOf(arena, index)[indexWord(index, b)];
}

function blockEntries(arena: Arena, index: Address, b: number): number {
  return wordsOf(arena, index)[indexWord(index, b) + 1];
}

function setBlock(arena: Arena, index: Address, b: number, block: Address, entries: number): void {
  const words = wordsOf(arena, index);
  words[indexWord(index, b)] = block;
  words[indexWord(index, b) + 1] = entries;
}

function setEntries(arena: Arena, index: Address, b: number, entries: number): void {
  wordsOf(arena, index)[indexWord(index, b) + 1] = entries;
}

/** Room for one more block record at `b` (the index may move: its new address). */
function openIndexSlot(arena: Arena, index: Address, b: number): Address {
  const blocks = blockTotal(arena, index);
  const capacity = Math.floor((arena.chunkSize(index) / 4 - INDEX_HEADER_WORDS) / INDEX_RECORD_WORDS);
  let target = index;
  if (blocks + 1 > capacity) {
    target = arena.allocate((INDEX_HEADER_WORDS + Math.max(4, capacity * 2) * INDEX_RECORD_WORDS) * 4, ChunkKind.Blob);
    wordsOf(arena, target).set(wordsOf(arena, index).subarray(wordAt(index), indexWord(index, blocks)), wordAt(target));
    arena.free(index);
  }
  const words = wordsOf(arena, target);
  words.copyWithin(indexWord(target, b + 1), indexWord(target, b), indexWord(target, blocks));
  words[wordAt(target)] = blocks + 1;
  return target;
}

function closeIndexSlot(arena: Arena, index: Address, b: number): void {
  const blocks = blockTotal(arena, index);
  const words = wordsOf(arena, index);
  words.copyWithin(indexWord(index, b), indexWord(index, b + 1), indexWord(index, blocks));
  words[wordAt(index)] = blocks - 1;
}

/** The last block whose first id is at or before the target (0 when the target is before them all). */
function locateBlock(arena: Arena, index: Address): number {
  let low = 1;
  let high = blockTotal(arena, index) - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const block = blockAddress(arena, index, mid);
    if (compareToTarget(wordsOf(arena, block), wordAt(block)) <= 0) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** The first slot of the block whose id is at or after the target (`entries` when none is). */
function lowerBound(arena: Arena, block: Address, entries: number): number {
  const words = wordsOf(arena, block);
  const base = wordAt(block);
  let low = 0;
  let high = entries;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareToTarget(words, base + mid * RECORD_WORDS) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function isTargetAt(arena: Arena, block: Address, slot: number): boolean {
  return compareToTarget(wordsOf(arena, block), wordAt(block) + slot * RECORD_WORDS) === 0;
}

// ---- The API ----

/** The pending entry of `id`, or null. */
export function pelGet(arena: Arena, list: PendingList, id: StreamId): PendingEntry | null {
  if (list.pel === 0) return null;
  setTarget(id);
  const b = locateBlock(arena, list.pel);
  const block = blockAddress(arena, list.pel, b);
  const entries = blockEntries(arena, list.pel, b);
  const slot = lowerBound(arena, block, entries);
  return slot < entries && isTargetAt(arena, block, slot) ? readRecord(arena, block, slot) : null;
}

/** The first pending entry whose id is at or after `from`, or null. */
export function pelNext(arena: Arena, list: PendingList, from: StreamId): PendingEntry | null {
  const index = list.pel;
  if (index === 0) return null;
  setTarget(from);
  let b = locateBlock(arena, index);
  let block = blockAddress(arena, index, b);
  let slot = lowerBound(arena, block, blockEntries(arena, index, b));
  if (slot === blockEntries(arena, index, b)) {
    if (++b === blockTotal(arena, index)) return null;
    block = blockAddress(arena, index, b);
    slot = 0;
  }
  return readRecord(arena, block, slot);
}

/** The first (or last) pending entry, or null when there is none. */
export function pelEdge(arena: Arena, list: PendingList, last: boolean): PendingEntry | null {
  const index = list.pel;
  if (index === 0) return null;
  const b = last ? blockTotal(arena, index) - 1 : 0;
  return readRecord(arena, blockAddress(arena, index, b), last ? blockEntries(arena, index, b) - 1 : 0);
}

/** Stores `entry` under its id: a new pending entry, or the one of that id rewritten. Whether it is new. */
export function pelPut(arena: Arena, list: PendingList, entry: PendingEntry): boolean {
  if (list.pel === 0) {
    const index = arena.allocate((INDEX_HEADER_WORDS + 4 * INDEX_RECORD_WORDS) * 4, ChunkKind.Blob);
    const block = arena.allocate(4 * RECORD_BYTES, ChunkKind.Blob);
    wordsOf(arena, index)[wordAt(index)] = 1;
    setBlock(arena, index, 0, block, 1);
    writeRecord(arena, block, 0, entry);
    list.pel = index;
    list.pelCount = 1;
    return true;
  }
  setTarget(entry.id);
  let index = list.pel;
  let b = locateBlock(arena, index);
  let block = blockAddress(arena, index, b);
  let entries = blockEntries(arena, index, b);
  let slot = lowerBound(arena, block, entries);
  if (slot < entries && isTargetAt(arena, block, slot)) {
    writeRecord(arena, block, slot, entry);
    return false;
  }
  const capacity = Math.floor(arena.chunkSize(block) / RECORD_BYTES);
  if (entries === capacity && capacity < BLOCK_ENTRIES) {
    // A small block (a short list's only one) doubles.
    const grown = arena.allocate(Math.min(BLOCK_ENTRIES, capacity * 2) * RECORD_BYTES, ChunkKind.Blob);
    moveRecords(arena, block, 0, grown, 0, entries);
    arena.free(block);
    block = grown;
    setBlock(arena, index, b, block, entries);
  } else if (entries === capacity) {
    // A full block splits: its second half goes to a new block after it.
    const half = entries >>> 1;
    const second = arena.allocate(BLOCK_ENTRIES * RECORD_BYTES, ChunkKind.Blob);
    moveRecords(arena, block, half, second, 0, entries - half);
    index = openIndexSlot(arena, index, b + 1);
    list.pel = index;
    setEntries(arena, index, b, half);
    setBlock(arena, index, b + 1, second, entries - half);
    if (slot > half) {
      b++;
      block = second;
      slot -= half;
      entries -= half;
    } else {
      entries = half;
    }
  }
  moveRecords(arena, block, slot, block, slot + 1, entries - slot);
  writeRecord(arena, block, slot, entry);
  setEntries(arena, index, b, entries + 1);
  list.pelCount++;
  return true;
}

/** Removes the pending entry of `id`: the entry removed, or null when there was none. */
export function pelDelete(arena: Arena, list: PendingList, id: StreamId): PendingEntry | null {
  const index = list.pel;
  if (index === 0) return null;
  setTarget(id);
  const b = locateBlock(arena, index);
  const block = blockAddress(arena, index, b);
  const entries = blockEntries(arena, index, b);
  const slot = lowerBound(arena, block, entries);
  if (slot === entries || !isTargetAt(arena, block, slot)) return null;
  const removed = readRecord(arena, block, slot);
  moveRecords(arena, block, slot + 1, block, slot, entries - slot - 1);
  setEntries(arena, index, b, entries - 1);
  list.pelCount--;
  if (list.pelCount === 0) {
    pelFree(arena, list);
    return removed;
  }
  if (entries - 1 === 0) {
    arena.free(block);
    closeIndexSlot(arena, index, b);
  } else if (entries - 1 <= BLOCK_LOW) {
    mergeWithNeighbour(arena, index, b);
  }
  return removed;
}

/** Block `b`, a quarter full, merges with the block before or after it when both fit in one full block. */
function mergeWithNeighbour(arena: Arena, index: Address, b: number): void {
  const blocks = blockTotal(arena, index);
  for (const left of [b - 1, b]) {
    const right = left + 1;
    if (left < 0 || right >= blocks) continue;
    const leftBlock = blockAddress(arena, index, left);
    const leftEntries = blockEntries(arena, index, left);
    const rightEntries = blockEntries(arena, index, right);
    if (leftEntries + rightEntries > Math.floor(arena.chunkSize(leftBlock) / RECORD_BYTES)) continue;
    const rightBlock = blockAddress(arena, index, right);
    moveRecords(arena, rightBlock, 0, leftBlock, leftEntries, rightEntries);
    arena.free(rightBlock);
    setEntries(arena, index, left, leftEntries + rightEntries);
    closeIndexSlot(arena, index, right);
    return;
  }
}

/** Visits every pending entry in id order (the list must not change meanwhile). */
export function pelEach(arena: Arena, list: PendingList, visit: (entry: PendingEntry) => void): void {
  pelScan(arena, list, { ms: 0n, seq: 0n }, (entry) => {
    visit(entry);
    return true;
  });
}

/** Bytes of the list's chunks. */
export function pelBytes(arena: Arena, list: PendingList): number {
  const index = list.pel;
  if (index === 0) return 0;
  let total = arena.chunkSize(index);
  const blocks = blockTotal(arena, index);
  for (let b = 0; b < blocks; b++) total += arena.chunkSize(blockAddress(arena, index, b));
  return total;
}

/** Frees the whole list: it is empty after. */
export function pelFree(arena: Arena, list: PendingList): void {
  const index = list.pel;
  if (index !== 0) {
    const blocks = blockTotal(arena, index);
    for (let b = 0; b < blocks; b++) arena.free(blockAddress(arena, index, b));
    arena.free(index);
  }
  list.pel = 0;
  list.pelCount = 0;
}


/**
 * Visits the pending entries from `from` on, in id order, while `visit`
 * returns true. `visit` may rewrite the entry it is given (pelPut of its id),
 * nothing else.
 */
export function pelScan(arena: Arena, list: PendingList, from: StreamId, visit: (entry: PendingEntry) => boolean): void {
  const index = list.pel;
  if (index === 0) return;
  setTarget(from);
  let b = locateBlock(arena, index);
  let slot = lowerBound(arena, blockAddress(arena, index, b), blockEntries(arena, index, b));
  const blocks = blockTotal(arena, index);
  for (; b < blocks; b++, slot = 0) {
    const block = blockAddress(arena, index, b);
    const entries = blockEntries(arena, index, b);
    for (; slot < entries; slot++) if (!visit(readRecord(arena, block, slot))) return;
  }
}
