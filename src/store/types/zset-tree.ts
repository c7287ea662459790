// The ordered half of a big sorted set: an off-heap B+tree whose inner nodes
// count the entries under each child, so a rank is found, or an entry found
// by rank, in O(log n). Its items are the addresses of the sorted set's dict
// entries (dict.ts: the member is the entry's field, the score its 8-byte
// value), kept in (score, member) order; the tree holds no copy of either,
// 4 bytes an entry in a leaf (Dragonfly's choice over Redis's skiplist, for
// the memory: a skiplist node is 24+ bytes an entry).
//
//   node (512-byte Blob chunk)
//     word 0      items (a leaf: entries; an inner node: children)
//     word 1      1 for a leaf, 0 for an inner node
//     word 2, 3   a leaf: the next and previous leaf (0 at the ends)
//     leaf        words 4..127: entry addresses
//     inner       words 4..44: children; 45..85: entries under each child;
//                 86..126: each child's first entry (what descents compare)
//
// One ZsetTree serves all of a shard's trees: `open` binds it to one tree's
// root fields (in the sorted set's header, see zset.ts). Descents compare
// against a target set in fields (no closure per call): a (score, member)
// key, a score bound or a member bound.

import { ChunkKind, OFFSET_BITS, OFFSET_MASK, type Address, type Arena } from '../arena.ts';
import { entryFieldLength, entryFieldStart, entryValueStart } from '../dict.ts';

const NODE_BYTES = 512;
const COUNT = 0;
const LEAF = 1;
const NEXT = 2;
const PREV = 3;
const ITEMS = 4;
const LEAF_CAPACITY = 124;
const INNER_CAPACITY = 41;
const CHILD = ITEMS;
const SIZE = ITEMS + INNER_CAPACITY;
const FIRST = ITEMS + 2 * INNER_CAPACITY;
/** A node this empty merges with a neighbour when both fit in 3/4 of one. */
const LEAF_LOW = LEAF_CAPACITY >>> 2;
const INNER_LOW = INNER_CAPACITY >>> 2;

/** What a descent compares entries with. */
export const Target = {
  /** (score, member): entries before the key. */
  Key: 0,
  /** Entries whose score is below the bound. */
  ScoreBelow: 1,
  /** Entries whose score is at most the bound. */
  ScoreAtMost: 2,
  /** Entries whose member is below the bound. */
  MemberBelow: 3,
  /** Entries whose member is at most the bound. */
  MemberAtMost: 4,
} as const;
export type Target = (typeof Target)[keyof typeof Target];

const scoreBytes = new Uint8Array(8);
const scoreView = new Float64Array(scoreBytes.buffer);

/** The score of a dict entry (its 8-byte value, unaligned). */
export function entryScore(arena: Arena, entry: Address): number {
  const bytes = arena.bytes[entry >>> OFFSET_BITS];
  const at = entryValueStart(arena, entry);
  for (let i = 0; i < 8; i++) scoreBytes[i] = bytes[at + i];
  return scoreView[0];
}

/** Writes a score into a dict entry's 8-byte value. */
export function writeEntryScore(arena: Arena, entry: Address, score: number): void {
  scoreView[0] = score;
  const bytes = arena.bytes[entry >>> OFFSET_BITS];
  const at = entryValueStart(arena, entry);
  for (let i = 0; i < 8; i++) bytes[at + i] = scoreBytes[i];
}

/** memcmp order of two byte ranges, shorter first on a common prefix (Redis's sdscmp). */
export function compareBytes(a: Uint8Array, aStart: number, aLength: number, b: Uint8Array, bStart: number, bLength: number): number {
  const n = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i] - b[bStart + i];
    if (d !== 0) return d;
  }
  return aLength - bLength;
}

export interface ZsetTreeBookmark {
  words: Uint32Array;
  at: number;
  leaf: Address;
  index: number;
}

export class ZsetTree {
  private readonly arena: Arena;
  /** The words holding the open tree's root, height and node count (the sorted set's header), and where. */
  private rootWords: Uint32Array = new Uint32Array(3);
  private rootAt = 0;
  // The target of the next descent.
  private mode: Target = Target.Key;
  private targetScore = 0;
  private targetBytes: Uint8Array = new Uint8Array(0);
  private targetStart = 0;
  private targetLength = 0;
  // The iteration cursor.
  private cursorLeaf: Address = 0;
  private cursorIndex = 0;

  constructor(arena: Arena) {
    this.arena = arena;
  }

  /** Where this view stands (the tree it is bound to, its iteration cursor), to come back to with `restore`. */
  bookmark(): ZsetTreeBookmark {
    return { words: this.rootWords, at: this.rootAt, leaf: this.cursorLeaf, index: this.cursorIndex };
  }

  restore(bookmark: ZsetTreeBookmark): void {
    this.rootWords = bookmark.words;
    this.rootAt = bookmark.at;
    this.cursorLeaf = bookmark.leaf;
    this.cursorIndex = bookmark.index;
  }

  /** Binds to the tree whose root, height and node count are words at..at+2 of `words`. */
  open(words: Uint32Array, at: number): this {
    this.rootWords = words;
    this.rootAt = at;
    return this;
  }

  /** Starts an empty tree in the bound root words. */
  create(): void {
    this.rootWords[this.rootAt] = this.newNode(true);
    this.rootWords[this.rootAt + 1] = 0;
    this.rootWords[this.rootAt + 2] = 1;
  }

  get nodes(): number {
    return this.rootWords[this.rootAt + 2];
  }

  /** Bytes of the tree's nodes. */
  get bytes(): number {
    return this.nodes * NODE_BYTES;
  }

  get length(): number {
    return this.subtreeCount(this.root, this.height);
  }

  private get root(): Address {
    return this.rootWords[this.rootAt];
  }

  private get height(): number {
    return this.rootWords[this.rootAt + 1];
  }

  // ---- Targets ----

  /** Descents compare with (score, member of bytes[start..start+length)). */
  targetKey(score: number, bytes: Uint8Array, start: number, length: number): void {
    this.mode = Target.Key;
    this.targetScore = score;
    this.targetBytes = bytes;
    this.targetStart = start;
    this.targetLength = length;
  }

  /** Descents count entries with score < bound (`inclusive` false) or <= bound. */
  targetScoreBound(bound: number, atMost: boolean): void {
    this.mode = atMost ? Target.ScoreAtMost : Target.ScoreBelow;
    this.targetScore = bound;
  }

  /** Descents count entries with member < bound or <= bound. */
  targetMemberBound(bytes: Uint8Array, atMost: boolean): void {
    this.mode = atMost ? Target.MemberAtMost : Target.MemberBelow;
    this.targetBytes = bytes;
    this.targetStart = 0;
    this.targetLength = bytes.length;
  }

  /** Whether `entry` sorts before the target. */
  private before(entry: Address): boolean {
    const arena = this.arena;
    const mode = this.mode;
    if (mode === Target.ScoreBelow) return entryScore(arena, entry) < this.targetScore;
    if (mode === Target.ScoreAtMost) return entryScore(arena, entry) <= this.targetScore;
    if (mode === Target.Key) {
      const score = entryScore(arena, entry);
      if (score !== this.targetScore) return score < this.targetScore;
    }
    const c = compareBytes(arena.bytes[entry >>> OFFSET_BITS], entryFieldStart(arena, entry), entryFieldLength(arena, entry),
      this.targetBytes, this.targetStart, this.targetLength);
    return mode === Target.MemberAtMost ? c <= 0 : c < 0;
  }

  // ---- Reading ----

  /** How many entries sort before the target: the rank of the first one that does not. */
  rankOfTarget(): number {
    const words = this.arena.words;
    let node = this.root;
    let rank = 0;
    for (let h = this.height; h > 0; h--) {
      const w = words[node >>> OFFSET_BITS];
      const base = (node & OFFSET_MASK) << 1;
      const i = this.childFor(w, base);
      for (let k = 0; k < i; k++) rank += w[base + SIZE + k];
      node = w[base + CHILD + i];
    }
    const w = words[node >>> OFFSET_BITS];
    return rank + this.leafPosition(w, (node & OFFSET_MASK) << 1);
  }

  /** The entry at `rank` (0 <= rank < length). */
  entryAt(rank: number): Address {
    this.seek(rank);
    const w = this.arena.words[this.cursorLeaf >>> OFFSET_BITS];
    return w[((this.cursorLeaf & OFFSET_MASK) << 1) + ITEMS + this.cursorIndex];
  }

  /** Points the cursor at `rank` (0 <= rank <= length). */
  seek(rank: number): void {
    const words = this.arena.words;
    let node = this.root;
    for (let h = this.height; h > 0; h--) {
      const w = words[node >>> OFFSET_BITS];
      const base = (node & OFFSET_MASK) << 1;
      const n = w[base + COUNT];
      let i = 0;
      while (i < n - 1 && rank >= w[base + SIZE + i]) rank -= w[base + SIZE + i++];
      node = w[base + CHILD + i];
    }
    this.cursorLeaf = node;
    this.cursorIndex = rank;
  }

  /** The entry at the cursor, moving it one on; 0 past the last. */
  next(): Address {
    const words = this.arena.words;
    for (;;) {
      const leaf = this.cursorLeaf;
      if (leaf === 0) return 0;
      const w = words[leaf >>> OFFSET_BITS];
      const base = (leaf & OFFSET_MASK) << 1;
      if (this.cursorIndex < w[base + COUNT]) return w[base + ITEMS + this.cursorIndex++];
      this.cursorLeaf = w[base + NEXT];
      this.cursorIndex = 0;
    }
  }

  /** The entry at the cursor, moving it one back; 0 before the first. */
  previous(): Address {
    const words = this.arena.words;
    for (;;) {
      const leaf = this.cursorLeaf;
      if (leaf === 0) return 0;
      const w = words[leaf >>> OFFSET_BITS];
      const base = (leaf & OFFSET_MASK) << 1;
      if (this.cursorIndex >= 0 && this.cursorIndex < w[base + COUNT]) return w[base + ITEMS + this.cursorIndex--];
      this.cursorLeaf = w[base + PREV];
      if (this.cursorLeaf !== 0) this.cursorIndex = words[this.cursorLeaf >>> OFFSET_BITS][((this.cursorLeaf & OFFSET_MASK) << 1) + COUNT] - 1;
    }
  }

  /** The last child whose first entry sorts before the target (the first child when none does). */
  private childFor(w: Uint32Array, base: number): number {
    let lo = 1;
    let hi = w[base + COUNT];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(w[base + FIRST + mid])) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** How many of a leaf's entries sort before the target. */
  private leafPosition(w: Uint32Array, base: number): number {
    let lo = 0;
    let hi = w[base + COUNT];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(w[base + ITEMS + mid])) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---- Writing ----

  /** Inserts `entry` (not in the tree) at its place by (score, member). */
  insert(entry: Address): void {
    const arena = this.arena;
    this.targetKey(entryScore(arena, entry), arena.bytes[entry >>> OFFSET_BITS], entryFieldStart(arena, entry), entryFieldLength(arena, entry));
    const height = this.height;
    const root = this.root;
    const split = this.insertInto(root, height, entry);
    if (split === 0) return;
    const total = this.subtreeCount(root, height);
    const top = this.newNode(false);
    const w = arena.words[top >>> OFFSET_BITS];
    const base = (top & OFFSET_MASK) << 1;
    const rightCount = this.subtreeCount(split, height);
    w[base + COUNT] = 2;
    w[base + CHILD] = root;
    w[base + SIZE] = total;
    w[base + FIRST] = this.firstEntry(root, height);
    w[base + CHILD + 1] = split;
    w[base + SIZE + 1] = rightCount;
    w[base + FIRST + 1] = this.firstEntry(split, height);
    this.rootWords[this.rootAt] = top;
    this.rootWords[this.rootAt + 1] = height + 1;
  }

  /** Inserts under `node`; returns the node split off to its right, or 0. */
  private insertInto(node: Address, height: number, entry: Address): Address {
    const words = this.arena.words;
    const w = words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    if (height === 0) {
      const position = this.leafPosition(w, base);
      const n = w[base + COUNT];
      if (n < LEAF_CAPACITY) {
        for (let k = n; k > position; k--) w[base + ITEMS + k] = w[base + ITEMS + k - 1];
        w[base + ITEMS + position] = entry;
        w[base + COUNT] = n + 1;
        return 0;
      }
      // Full: appending to the last leaf starts a new one (sequential inserts fill leaves), else halves.
      const keep = position === n && w[base + NEXT] === 0 ? n : n >>> 1;
      const right = this.newNode(true);
      const rw = words[right >>> OFFSET_BITS];
      const rbase = (right & OFFSET_MASK) << 1;
      for (let k = keep; k < n; k++) rw[rbase + ITEMS + k - keep] = w[base + ITEMS + k];
      rw[rbase + COUNT] = n - keep;
      w[base + COUNT] = keep;
      const after = w[base + NEXT];
      rw[rbase + NEXT] = after;
      rw[rbase + PREV] = node;
      w[base + NEXT] = right;
      if (after !== 0) words[after >>> OFFSET_BITS][((after & OFFSET_MASK) << 1) + PREV] = right;
      if (position < keep) this.insertInto(node, 0, entry);
      else this.insertInto(right, 0, entry);
      return right;
    }
    const i = this.childFor(w, base);
    const child = w[base + CHILD + i];
    const split = this.insertInto(child, height - 1, entry);
    w[base + SIZE + i]++;
    w[base + FIRST + i] = this.firstEntry(child, height - 1);
    if (split === 0) return 0;
    const splitCount = this.subtreeCount(split, height - 1);
    w[base + SIZE + i] -= splitCount;
    return this.addChild(node, i + 1, split, splitCount, this.firstEntry(split, height - 1));
  }

  /** Puts a child into an inner node at `at`; returns the node split off to its right, or 0. */
  private addChild(node: Address, at: number, child: Address, size: number, first: Address): Address {
    const words = this.arena.words;
    const w = words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    const n = w[base + COUNT];
    if (n < INNER_CAPACITY) {
      for (let k = n; k > at; k--) {
        w[base + CHILD + k] = w[base + CHILD + k - 1];
        w[base + SIZE + k] = w[base + SIZE + k - 1];
        w[base + FIRST + k] = w[base + FIRST + k - 1];
      }
      w[base + CHILD + at] = child;
      w[base + SIZE + at] = size;
      w[base + FIRST + at] = first;
      w[base + COUNT] = n + 1;
      return 0;
    }
    const keep = n >>> 1;
    const right = this.newNode(false);
    const rw = words[right >>> OFFSET_BITS];
    const rbase = (right & OFFSET_MASK) << 1;
    for (let k = keep; k < n; k++) {
      rw[rbase + CHILD + k - keep] = w[base + CHILD + k];
      rw[rbase + SIZE + k - keep] = w[base + SIZE + k];
      rw[rbase + FIRST + k - keep] = w[base + FIRST + k];
    }
    rw[rbase + COUNT] = n - keep;
    w[base + COUNT] = keep;
    if (at <= keep) this.addChild(node, at, child, size, first);
    else this.addChild(right, at - keep, child, size, first);
    return right;
  }

  /** Removes the entry at `rank` (0 <= rank < length) and returns it. */
  removeAt(rank: number): Address {
    const height = this.height;
    const root = this.root;
    const entry = this.removeFrom(root, height, rank);
    if (height > 0) {
      const w = this.arena.words[root >>> OFFSET_BITS];
      const base = (root & OFFSET_MASK) << 1;
      const children = w[base + COUNT];
      if (children <= 1) {
        // A root with one child gives way to it; one with none (the tree emptied) to an empty leaf.
        this.rootWords[this.rootAt] = children === 1 ? w[base + CHILD] : this.newNode(true);
        this.rootWords[this.rootAt + 1] = children === 1 ? height - 1 : 0;
        this.freeNode(root);
      }
    }
    return entry;
  }

  private removeFrom(node: Address, height: number, rank: number): Address {
    const words = this.arena.words;
    const w = words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    if (height === 0) {
      const n = w[base + COUNT];
      const entry = w[base + ITEMS + rank];
      for (let k = rank; k < n - 1; k++) w[base + ITEMS + k] = w[base + ITEMS + k + 1];
      w[base + COUNT] = n - 1;
      return entry;
    }
    const n = w[base + COUNT];
    let i = 0;
    while (i < n - 1 && rank >= w[base + SIZE + i]) rank -= w[base + SIZE + i++];
    const child = w[base + CHILD + i];
    const entry = this.removeFrom(child, height - 1, rank);
    w[base + SIZE + i]--;
    const childItems = this.itemCount(child);
    if (childItems === 0) {
      this.dropChild(node, i, height - 1);
      return entry;
    }
    w[base + FIRST + i] = this.firstEntry(child, height - 1);
    if (childItems < (height === 1 ? LEAF_LOW : INNER_LOW)) {
      const limit = ((height === 1 ? LEAF_CAPACITY : INNER_CAPACITY) * 3) >>> 2;
      if (i + 1 < w[base + COUNT] && childItems + this.itemCount(w[base + CHILD + i + 1]) <= limit) this.mergeChildren(node, i, height - 1);
      else if (i > 0 && childItems + this.itemCount(w[base + CHILD + i - 1]) <= limit) this.mergeChildren(node, i - 1, height - 1);
    }
    return entry;
  }

  /** Removes child `i` (empty) from an inner node and frees it. */
  private dropChild(node: Address, i: number, childHeight: number): void {
    const words = this.arena.words;
    const w = words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    const child = w[base + CHILD + i];
    if (childHeight === 0) this.unlinkLeaf(child);
    const n = w[base + COUNT];
    for (let k = i; k < n - 1; k++) {
      w[base + CHILD + k] = w[base + CHILD + k + 1];
      w[base + SIZE + k] = w[base + SIZE + k + 1];
      w[base + FIRST + k] = w[base + FIRST + k + 1];
    }
    w[base + COUNT] = n - 1;
    this.freeNode(child);
  }

  /** Moves child i+1's items into child i, then drops child i+1. */
  private mergeChildren(node: Address, i: number, childHeight: number): void {
    const words = this.arena.words;
    const w = words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    const left = w[base + CHILD + i];
    const right = w[base + CHILD + i + 1];
    const lw = words[left >>> OFFSET_BITS];
    const lbase = (left & OFFSET_MASK) << 1;
    const rw = words[right >>> OFFSET_BITS];
    const rbase = (right & OFFSET_MASK) << 1;
    const ln = lw[lbase + COUNT];
    const rn = rw[rbase + COUNT];
    if (childHeight === 0) {
      for (let k = 0; k < rn; k++) lw[lbase + ITEMS + ln + k] = rw[rbase + ITEMS + k];
    } else {
      for (let k = 0; k < rn; k++) {
        lw[lbase + CHILD + ln + k] = rw[rbase + CHILD + k];
        lw[lbase + SIZE + ln + k] = rw[rbase + SIZE + k];
        lw[lbase + FIRST + ln + k] = rw[rbase + FIRST + k];
      }
    }
    lw[lbase + COUNT] = ln + rn;
    rw[rbase + COUNT] = 0;
    w[base + SIZE + i] += w[base + SIZE + i + 1];
    this.dropChild(node, i + 1, childHeight);
  }

  private unlinkLeaf(leaf: Address): void {
    const words = this.arena.words;
    const w = words[leaf >>> OFFSET_BITS];
    const base = (leaf & OFFSET_MASK) << 1;
    const next = w[base + NEXT];
    const previous = w[base + PREV];
    if (next !== 0) words[next >>> OFFSET_BITS][((next & OFFSET_MASK) << 1) + PREV] = previous;
    if (previous !== 0) words[previous >>> OFFSET_BITS][((previous & OFFSET_MASK) << 1) + NEXT] = next;
  }

  /** Frees every node (the entries are the dict's to free). */
  destroy(): void {
    this.freeSubtree(this.root, this.height);
    this.rootWords[this.rootAt] = 0;
    this.rootWords[this.rootAt + 2] = 0;
  }

  private freeSubtree(node: Address, height: number): void {
    if (node === 0) return;
    if (height > 0) {
      const w = this.arena.words[node >>> OFFSET_BITS];
      const base = (node & OFFSET_MASK) << 1;
      for (let k = 0; k < w[base + COUNT]; k++) this.freeSubtree(w[base + CHILD + k], height - 1);
    }
    this.arena.free(node);
  }

  // ---- Nodes ----

  private itemCount(node: Address): number {
    return this.arena.words[node >>> OFFSET_BITS][((node & OFFSET_MASK) << 1) + COUNT];
  }

  private subtreeCount(node: Address, height: number): number {
    const w = this.arena.words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    if (height === 0) return w[base + COUNT];
    let total = 0;
    for (let k = 0; k < w[base + COUNT]; k++) total += w[base + SIZE + k];
    return total;
  }

  private firstEntry(node: Address, height: number): Address {
    const w = this.arena.words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    return height === 0 ? w[base + ITEMS] : w[base + FIRST];
  }

  private newNode(leaf: boolean): Address {
    const node = this.arena.allocate(NODE_BYTES, ChunkKind.Blob);
    const w = this.arena.words[node >>> OFFSET_BITS];
    const base = (node & OFFSET_MASK) << 1;
    w[base + COUNT] = 0;
    w[base + LEAF] = leaf ? 1 : 0;
    w[base + NEXT] = 0;
    w[base + PREV] = 0;
    this.rootWords[this.rootAt + 2]++;
    return node;
  }

  private freeNode(node: Address): void {
    this.arena.free(node);
    this.rootWords[this.rootAt + 2]--;
  }
}
