// A quicklist in the shard's arena: a doubly linked list of nodes, each a
// packed form (listpack.ts) of consecutive elements, as Redis 7.0 holds every
// list. Pushes and pops at either end touch one node; an index is reached by
// walking node counts from the nearer end, as in Redis.
//
//   header (24 bytes): word 0 the head node, word 1 the tail node, word 2 the
//                      number of nodes, double 2 the number of elements
//   node:              word 0 the previous node, word 1 the next one, word 2
//                      the bytes it stores, word 3 its elements, word 4 its
//                      packed form's length when the node is compressed (0:
//                      it is not), word 5 its flags (PLAIN_NODE), then the
//                      form (whose first 4 bytes count its elements) or its
//                      LZF compression
//
// A node holds as many elements as `fill` lets it (list-max-listpack-size:
// -1..-5 for 4..64 KB of packed form, a positive number for that many
// elements under 8 KB); an element bigger than that has a node of its own.
// Edits that overfill a node (LINSERT, LSET) split it in two.
//
// An element of at least the packed threshold (1 GB unless DEBUG
// QUICKLIST-PACKED-THRESHOLD says otherwise) lives in a "plain" node, as
// Redis's QUICKLIST_NODE_CONTAINER_PLAIN: alone, whatever the fill, and no
// element is ever added to it (an element pushed or inserted next to it goes
// to the neighbouring packed node, or to a new one). Its form is a form of
// that one element, so that reads need no case of their own; it is
// compressed as any other node. Inserting a large element inside a packed
// node splits that node around it; replacing into or out of a plain node
// removes the element and inserts the new one in its place.
//
// With `depth` (list-compress-depth) above 0, as in Redis, the nodes further
// than `depth` from both ends are kept LZF-compressed (when that saves at
// least MIN_COMPRESS_GAIN bytes): reads decompress into a scratch buffer,
// edits decompress the node first, and each edit settles the nodes it moved
// inwards or touched.

import { ChunkKind, OFFSET_BITS, OFFSET_MASK, type Address, type Arena } from '../arena.ts';
import type { ByteSlice } from '../bytes.ts';
import { lzfCompress, lzfDecompress } from '../lzf.ts';
import { copyBytes } from '../../util/copy-bytes.ts';
import {
  entryDataStart, entryLength, entryNext, entrySize, lengthPrefixSize, listpackCount, listpackEntryAt, listpackFirst, listpackWriter,
  LISTPACK_HEADER_BYTES,
} from './listpack.ts';

const HEAD = 0;
const TAIL = 1;
const NODES = 2;
const COUNT = 2; // double
const HEADER_BYTES = 24;

const PREV = 0;
const NEXT = 1;
const FORM_LENGTH = 2;
const ELEMENTS = 3;
const RAW_LENGTH = 4;
const FLAGS = 5;
const NODE_HEADER = 24;

/** FLAGS: the node holds one element of at least the packed threshold, and takes no other. */
const PLAIN_NODE = 1;

/** Redis's default packed threshold (1 GB), and the most it may be set to (just under 4 GB). */
const DEFAULT_PACKED_THRESHOLD = 2 ** 30;
const MAX_PACKED_THRESHOLD = 2 ** 32 - 2 ** 20;

/**
 * The element length from which an element gets a plain node of its own.
 * One per thread (a module's state is): DEBUG QUICKLIST-PACKED-THRESHOLD
 * sets it on every shard, as Redis's is one per process.
 */
let packedThreshold = DEFAULT_PACKED_THRESHOLD;

/**
 * Sets the packed threshold (0: back to the default); false, and nothing
 * changed, above Redis's limit of 4 GB less 1 MB.
 */
export function setPackedThreshold(bytes: number): boolean {
  if (bytes > MAX_PACKED_THRESHOLD) return false;
  packedThreshold = bytes === 0 ? DEFAULT_PACKED_THRESHOLD : bytes;
  return true;
}

export function getPackedThreshold(): number {
  return packedThreshold;
}

function isLargeElement(length: number): boolean {
  return length >= packedThreshold;
}

/** Redis's thresholds: a form shorter than this is not compressed, nor one whose compression saves less than the gain. */
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_GAIN = 8;

/** Packed-form bytes a node may reach for fill -1..-5 (Redis's optimization levels). */
const FORM_BYTES_BY_LEVEL = [4096, 8192, 16384, 32768, 65536];
/** A node under a positive fill never passes this many bytes (Redis's SIZE_SAFETY_LIMIT). */
const SAFETY_LIMIT = 8192;

/** Visits one element, read in place (valid during the call only); returns false to stop. */
export type ElementVisitor = (element: ByteSlice, index: number) => boolean;

/** One node as tests see it. */
export interface NodeShape {
  elements: number;
  plain: boolean;
  compressed: boolean;
}

function byteOffset(address: Address): number {
  return (address & OFFSET_MASK) << 3;
}

function wordIndex(address: Address): number {
  return (address & OFFSET_MASK) << 1;
}

/** Whether a node whose form would be `formBytes` long with `count` elements is within `fill`. */
function fits(fill: number, formBytes: number, count: number): boolean {
  if (fill < 0) {
    const level = -fill - 1;
    if (level < FORM_BYTES_BY_LEVEL.length) return formBytes <= FORM_BYTES_BY_LEVEL[level];
    return count <= 1;
  }
  return formBytes <= SAFETY_LIMIT && count <= fill;
}

/**
 * A view of one quicklist, reopened for each list as Dict.open is: it holds
 * no list state of its own beyond the header's address.
 */
export class Quicklist {
  private readonly arena: Arena;
  private header: Address = 0;
  /** list-max-listpack-size, set by the store from its encoding limits. */
  fill = -2;
  /** list-compress-depth: nodes this far from an end stay uncompressed (0: none is compressed). */
  depth = 0;
  /** Where a node's entries start, noted to walk them backwards (reused). */
  private readonly walkOffsets: number[] = [];
  /**
   * Where the tail node's entries start, kept from one RPOP to the next (a
   * form has no back-links: the walk is done once per node, not per pop).
   * Valid for cachedNode only; every other edit of the list forgets it.
   */
  private readonly offsets: number[] = [];
  private cachedNode: Address = 0;
  private cachedResets = 0;
  /** A compressed node's form, decompressed for a read. */
  private scratch: Uint8Array = new Uint8Array(1024);

  constructor(arena: Arena) {
    this.arena = arena;
  }

  /** A new, empty quicklist; returns its header (the view is opened on it). */
  create(): Address {
    const header = this.arena.allocate(HEADER_BYTES, ChunkKind.Blob);
    const words = this.words(header);
    const at = wordIndex(header);
    words[at + HEAD] = 0;
    words[at + TAIL] = 0;
    words[at + NODES] = 0;
    this.arena.doubles[header >>> OFFSET_BITS][(header & OFFSET_MASK) + COUNT] = 0;
    this.header = header;
    return header;
  }

  /** The header of the list this view is open on (0: none yet). */
  get openedHeader(): Address {
    return this.header;
  }

  open(header: Address): this {
    if (header !== this.header) this.cachedNode = 0;
    this.header = header;
    return this;
  }

  /** Number of elements. */
  get length(): number {
    const header = this.header;
    return this.arena.doubles[header >>> OFFSET_BITS][(header & OFFSET_MASK) + COUNT];
  }

  get nodeCount(): number {
    return this.headerWord(NODES);
  }

  /** Bytes of the header and every node's chunk (MEMORY USAGE). */
  get bytes(): number {
    let total = this.arena.chunkSize(this.header);
    for (let node = this.headerWord(HEAD); node !== 0; node = this.nodeWord(node, NEXT)) total += this.arena.chunkSize(node);
    return total;
  }

  /** Whether each node, head to tail, is held compressed (DEBUG and tests). */
  compressedNodes(): boolean[] {
    const compressed: boolean[] = [];
    for (let node = this.headerWord(HEAD); node !== 0; node = this.nodeWord(node, NEXT)) compressed.push(this.nodeWord(node, RAW_LENGTH) !== 0);
    return compressed;
  }

  /** Each node, head to tail: its elements, whether it is plain, whether it is held compressed (tests). */
  nodeShapes(): NodeShape[] {
    const shapes: NodeShape[] = [];
    for (let node = this.headerWord(HEAD); node !== 0; node = this.nodeWord(node, NEXT)) {
      shapes.push({ elements: this.nodeElements(node), plain: this.isPlain(node), compressed: this.nodeWord(node, RAW_LENGTH) !== 0 });
    }
    return shapes;
  }

  /** Frees every node and the header. */
  destroy(): void {
    this.cachedNode = 0;
    let node = this.headerWord(HEAD);
    while (node !== 0) {
      const next = this.nodeWord(node, NEXT);
      this.arena.free(node);
      node = next;
    }
    this.arena.free(this.header);
    this.header = 0;
  }

  // ---- Reading ----

  /** Points `into` at the element at `index` (0 <= index < length). */
  elementAt(index: number, into: ByteSlice): void {
    const [node, inNode] = this.locate(index);
    const bytes = this.readable(node);
    const start = this.readStart;
    const at = listpackEntryAt(bytes, start, this.readLength, inNode);
    into.set(bytes, entryDataStart(bytes, at), entryLength(bytes, at));
  }

  /**
   * Visits elements from `index` towards the tail (forward) or the head,
   * until `visit` returns false or the list ends. `visit` must not change
   * the list.
   */
  forEachFrom(index: number, forward: boolean, into: ByteSlice, visit: ElementVisitor): void {
    if (index < 0 || index >= this.length) return;
    let [node, inNode] = this.locate(index);
    let position = index;
    const offsets = this.walkOffsets;
    while (node !== 0) {
      const bytes = this.readable(node);
      const start = this.readStart;
      const end = start + this.readLength;
      if (forward) {
        let at = listpackEntryAt(bytes, start, end - start, inNode);
        for (; at < end; at = entryNext(bytes, at)) {
          into.set(bytes, entryDataStart(bytes, at), entryLength(bytes, at));
          if (!visit(into, position++)) return;
        }
        node = this.nodeWord(node, NEXT);
        inNode = 0;
      } else {
        // Forms are walked forwards only: note where this node's elements start, then visit them backwards.
        offsets.length = 0;
        for (let at = listpackFirst(start), i = 0; at < end && i <= inNode; at = entryNext(bytes, at), i++) offsets.push(at);
        for (let i = offsets.length - 1; i >= 0; i--) {
          const at = offsets[i];
          into.set(bytes, entryDataStart(bytes, at), entryLength(bytes, at));
          if (!visit(into, position--)) return;
        }
        node = this.nodeWord(node, PREV);
        inNode = node === 0 ? 0 : this.nodeElements(node) - 1;
      }
    }
  }

  // ---- Writing ----

  /**
   * Takes up to `count` elements from the head or the tail, handing each to
   * `visit` in the order they leave (read in place: valid during the call),
   * each node walked once and cut in place (LPOP, RPOP).
   */
  popEnd(atHead: boolean, count: number, into: ByteSlice, visit: (element: ByteSlice) => void): void {
    let left = Math.min(count, this.length);
    this.addCount(-left);
    const offsets = this.offsets;
    while (left > 0) {
      const node = this.uncompressed(this.headerWord(atHead ? HEAD : TAIL));
      if (atHead) this.cachedNode = 0;
      const elements = this.nodeElements(node);
      const take = Math.min(left, elements);
      const bytes = this.arena.bytes[node >>> OFFSET_BITS];
      const start = this.formStart(node);
      const end = start + this.formLength(node);
      if (atHead) {
        let at = listpackFirst(start);
        for (let i = 0; i < take; i++, at = entryNext(bytes, at)) {
          into.set(bytes, entryDataStart(bytes, at), entryLength(bytes, at));
          visit(into);
        }
        if (take === elements) this.unlink(node);
        else {
          copyBytes(bytes, at, end, bytes, listpackFirst(start));
          this.setFormHeader(node, elements - take, end - at + LISTPACK_HEADER_BYTES);
        }
      } else {
        if (this.cachedNode !== node || offsets.length !== elements || this.cachedResets !== this.arena.resets) {
          offsets.length = 0;
          for (let at = listpackFirst(start); at < end; at = entryNext(bytes, at)) offsets.push(at);
        }
        for (let i = elements - 1; i >= elements - take; i--) {
          into.set(bytes, entryDataStart(bytes, offsets[i]), entryLength(bytes, offsets[i]));
          visit(into);
        }
        if (take === elements) {
          this.unlink(node);
        } else {
          this.setFormHeader(node, elements - take, offsets[elements - take] - start);
          offsets.length = elements - take;
          this.cachedNode = node;
          this.cachedResets = this.arena.resets;
        }
      }
      left -= take;
    }
    this.settle(0);
  }

  /** Adds `value` at the head or the tail. */
  push(value: Uint8Array, atHead: boolean): void {
    this.cachedNode = 0;
    const end = this.headerWord(atHead ? HEAD : TAIL);
    if (this.takes(end, value)) this.addToNode(end, value, atHead);
    else this.linkElementNode(value, atHead ? 0 : end, atHead ? end : 0);
    this.addCount(1);
    this.settle(0);
  }

  /** Whether `value` may join the node (0: there is none): a packed node with room for it, and the value not large. */
  private takes(node: Address, value: Uint8Array): boolean {
    return (
      node !== 0 &&
      !isLargeElement(value.length) &&
      !this.isPlain(node) &&
      fits(this.fill, this.rawLength(node) + entrySize(value.length), this.nodeElements(node) + 1)
    );
  }

  /** Adds `value` at the head or the tail of the (packed) node's form; returns the node (it may move). */
  private addToNode(end: Address, value: Uint8Array, atHead: boolean): Address {
    const size = entrySize(value.length);
    const node = this.ensureRoom(this.uncompressed(end), size);
    const bytes = this.arena.bytes[node >>> OFFSET_BITS];
    const start = this.formStart(node);
    const length = this.formLength(node);
    let at = start + length;
    if (atHead) {
      at = listpackFirst(start);
      copyBytes(bytes, at, start + length, bytes, at + size);
    }
    writeEntry(bytes, at, value);
    this.setFormHeader(node, listpackCount(bytes, start) + 1, length + size);
    return node;
  }

  /** A new node of `value` alone, between `prev` and `next`: plain when the value is large. */
  private linkElementNode(value: Uint8Array, prev: Address, next: Address): Address {
    listpackWriter.begin();
    listpackWriter.push(value);
    return this.linkNewNode(listpackWriter.view(), prev, next, isLargeElement(value.length));
  }

  /** Inserts `value` before the element at `index` (index === length: at the tail). */
  insertAt(index: number, value: Uint8Array): void {
    if (index <= 0 || index >= this.length) {
      this.push(value, index <= 0);
      return;
    }
    this.cachedNode = 0;
    const [located, inNode] = this.locate(index);
    if (isLargeElement(value.length)) {
      this.addCount(1);
      this.settle(this.insertPlain(located, inNode, value));
      return;
    }
    if (this.isPlain(located)) {
      // Before a plain node (its one element is the inNode 0th): at the tail of the packed node before, or in a node of its own.
      const prev = this.nodeWord(located, PREV);
      const touched = this.takes(prev, value) ? this.addToNode(prev, value, false) : this.linkElementNode(value, prev, located);
      this.addCount(1);
      this.settle(touched);
      return;
    }
    const node = this.uncompressed(located);
    const bytes = this.arena.bytes[node >>> OFFSET_BITS];
    const start = this.formStart(node);
    const length = this.formLength(node);
    const at = listpackEntryAt(bytes, start, length, inNode);
    this.addCount(1);
    this.settle(this.replaceForm(node, listpackWriter.inserted(bytes, start, length, at, [value])));
  }

  /**
   * Links a plain node of `value` before the `inNode`th element of the node:
   * before the node when that is its first, else between the node's elements
   * before it and a new node of the rest (Redis's split around a large
   * element). Returns the plain node.
   */
  private insertPlain(located: Address, inNode: number, value: Uint8Array): Address {
    if (inNode === 0) return this.linkElementNode(value, this.nodeWord(located, PREV), located);
    const node = this.uncompressed(located);
    const bytes = this.arena.bytes[node >>> OFFSET_BITS];
    const start = this.formStart(node);
    const length = this.formLength(node);
    const elements = this.nodeElements(node);
    const at = listpackEntryAt(bytes, start, length, inNode);
    const after = this.nodeWord(node, NEXT);
    // The writer's buffer is reused by each edit: the rest is copied out first.
    const rest = Buffer.from(listpackWriter.removed(bytes, start, length, listpackFirst(start), inNode));
    this.replaceForm(node, listpackWriter.removed(bytes, start, length, at, elements - inNode));
    // Each part is within the fill unless the fill shrank since; then replaceForm splits it, and the parts stay in order.
    const last = after === 0 ? this.headerWord(TAIL) : this.nodeWord(after, PREV);
    const restHead = this.replaceForm(this.linkNewNode(null, last, after), rest);
    return this.linkElementNode(value, this.nodeWord(restHead, PREV), restHead);
  }

  /** The element at `index` (0 <= index < length) becomes `value`. */
  replaceAt(index: number, value: Uint8Array): void {
    const [located, inNode] = this.locate(index);
    if (this.isPlain(located) || isLargeElement(value.length)) {
      // Into or out of a plain node: the element leaves, and the value is inserted where it was.
      this.removeRange(index, 1);
      this.insertAt(index, value);
      return;
    }
    const node = this.uncompressed(located);
    const bytes = this.arena.bytes[node >>> OFFSET_BITS];
    const start = this.formStart(node);
    const length = this.formLength(node);
    const at = listpackEntryAt(bytes, start, length, inNode);
    this.settle(this.replaceForm(node, listpackWriter.replaced(bytes, start, length, at, value)));
  }

  /** Removes `count` elements from `index` on (fewer where the list ends first). */
  removeRange(index: number, count: number): void {
    if (index < 0 || count <= 0 || index >= this.length) return;
    let [node, inNode] = this.locate(index);
    let left = Math.min(count, this.length - index);
    this.addCount(-left);
    let touched: Address = 0;
    while (left > 0 && node !== 0) {
      const next = this.nodeWord(node, NEXT);
      const elements = this.nodeElements(node);
      const take = Math.min(left, elements - inNode);
      if (take === elements) {
        this.unlink(node);
      } else {
        touched = this.removeFromNode(this.uncompressed(node), inNode, take, elements);
      }
      left -= take;
      node = next;
      inNode = 0;
    }
    this.settle(touched);
  }

  /**
   * Removes `take` elements of the (uncompressed) node from its `first`th, in
   * place: the tail of a form is cut (RPOP), its head shifted over (LPOP);
   * a range inside is rebuilt. Returns the node.
   */
  private removeFromNode(node: Address, first: number, take: number, elements: number): Address {
    this.cachedNode = 0;
    const bytes = this.arena.bytes[node >>> OFFSET_BITS];
    const start = this.formStart(node);
    const length = this.formLength(node);
    const from = listpackEntryAt(bytes, start, length, first);
    if (first + take === elements) {
      this.setFormHeader(node, first, from - start);
      return node;
    }
    if (first === 0) {
      let after = from;
      for (let i = 0; i < take; i++) after = entryNext(bytes, after);
      copyBytes(bytes, after, start + length, bytes, from);
      this.setFormHeader(node, elements - take, length - (after - from));
      return node;
    }
    return this.replaceForm(node, listpackWriter.removed(bytes, start, length, from, take));
  }

  /**
   * Removes the elements `remove` picks among those equal to `value`, from
   * the head (fromTail false) or the tail, at most `limit` (0: all); returns
   * how many went (LREM).
   */
  removeEqual(value: Uint8Array, limit: number, fromTail: boolean): number {
    let removed = 0;
    let node = this.headerWord(fromTail ? TAIL : HEAD);
    const matches: number[] = [];
    while (node !== 0 && (limit === 0 || removed < limit)) {
      const following = this.nodeWord(node, fromTail ? PREV : NEXT);
      let bytes = this.readable(node);
      let start = this.readStart;
      let end = start + this.readLength;
      matches.length = 0;
      for (let at = listpackFirst(start); at < end; at = entryNext(bytes, at)) {
        if (equalsEntry(bytes, at, value)) matches.push(at - start);
      }
      if (matches.length > 0) {
        const room = limit === 0 ? matches.length : Math.min(matches.length, limit - removed);
        // From the tail, the matches nearest the tail go first.
        const chosen = fromTail ? matches.slice(matches.length - room) : matches.slice(0, room);
        removed += room;
        this.addCount(-room);
        if (room === this.nodeElements(node)) {
          this.unlink(node);
        } else {
          const raw = this.uncompressed(node);
          bytes = this.arena.bytes[raw >>> OFFSET_BITS];
          start = this.formStart(raw);
          end = start + this.formLength(raw);
          for (let i = 0; i < chosen.length; i++) chosen[i] += start;
          this.replaceForm(raw, formWithout(bytes, start, end, chosen));
        }
      }
      node = following;
    }
    if (removed > 0) this.settleAll();
    return removed;
  }

  // ---- Nodes ----

  /** The node holding element `index`, and the element's index in it; walked from the nearer end. */
  private locate(index: number): [Address, number] {
    const length = this.length;
    if (index < length / 2) {
      let node = this.headerWord(HEAD);
      let skipped = 0;
      for (;;) {
        const elements = this.nodeElements(node);
        if (index < skipped + elements) return [node, index - skipped];
        skipped += elements;
        node = this.nodeWord(node, NEXT);
      }
    }
    let node = this.headerWord(TAIL);
    let first = length;
    for (;;) {
      first -= this.nodeElements(node);
      if (index >= first) return [node, index - first];
      node = this.nodeWord(node, PREV);
    }
  }

  /**
   * Stores `form` as the node's packed form: in place when it fits the chunk,
   * else in a bigger chunk; an overfull node is split. Returns the node's
   * address (it moves with a bigger chunk), 0 when the form was empty.
   */
  private replaceForm(node: Address, form: Buffer): Address {
    this.cachedNode = 0;
    const count = listpackCount(form, 0);
    if (count === 0) {
      this.unlink(node);
      return 0;
    }
    if (!fits(this.fill, form.length, count) && count > 1) return this.split(node, form);
    const target = this.ensureRoom(node, form.length - this.formLength(node));
    copyBytes(form, 0, form.length, this.arena.bytes[target >>> OFFSET_BITS], this.formStart(target));
    const words = this.words(target);
    words[wordIndex(target) + FORM_LENGTH] = form.length;
    words[wordIndex(target) + ELEMENTS] = count;
    return target;
  }

  /** Splits an overfull form over the node and a new node after it, halves by element count; returns the first. */
  private split(node: Address, form: Buffer): Address {
    const count = listpackCount(form, 0);
    const half = count >>> 1;
    const middle = listpackEntryAt(form, 0, form.length, half);
    // Each edit reuses the writer's buffers, and the halves may split again: both are copied out first.
    const second = Buffer.from(listpackWriter.removed(form, 0, form.length, listpackFirst(0), half));
    const first = Buffer.from(listpackWriter.removed(form, 0, form.length, middle, count - half));
    this.replaceForm(this.linkNewNode(null, node, this.nodeWord(node, NEXT)), second);
    return this.replaceForm(node, first);
  }

  /**
   * The node, with room in its chunk for `extra` more bytes of form: itself,
   * or a copy in a bigger chunk that takes its place in the list.
   */
  private ensureRoom(node: Address, extra: number): Address {
    const needed = NODE_HEADER + this.formLength(node) + extra;
    if (needed <= this.arena.chunkSize(node)) return node;
    const moved = this.arena.allocate(needed, ChunkKind.Blob);
    const from = byteOffset(node);
    copyBytes(this.arena.bytes[node >>> OFFSET_BITS], from, from + NODE_HEADER + this.formLength(node), this.arena.bytes[moved >>> OFFSET_BITS], byteOffset(moved));
    this.replaceNode(node, moved);
    return moved;
  }

  /** `moved` (a copy of the node's header words) takes the node's place in the list; the node is freed. */
  private replaceNode(node: Address, moved: Address): void {
    this.cachedNode = 0;
    const prev = this.nodeWord(node, PREV);
    const next = this.nodeWord(node, NEXT);
    if (prev === 0) this.setHeaderWord(HEAD, moved);
    else this.setNodeWord(prev, NEXT, moved);
    if (next === 0) this.setHeaderWord(TAIL, moved);
    else this.setNodeWord(next, PREV, moved);
    this.arena.free(node);
  }

  // ---- Compression ----

  /** The node's form, readable: in place, or decompressed into the scratch buffer; readStart and readLength say where. */
  private readable(node: Address): Uint8Array {
    const rawLength = this.nodeWord(node, RAW_LENGTH);
    if (rawLength === 0) {
      this.readStart = this.formStart(node);
      this.readLength = this.formLength(node);
      return this.arena.bytes[node >>> OFFSET_BITS];
    }
    if (this.scratch.length < rawLength) this.scratch = new Uint8Array(Math.max(rawLength, this.scratch.length * 2));
    lzfDecompress(this.arena.bytes[node >>> OFFSET_BITS], this.formStart(node), this.formLength(node), this.scratch, 0, rawLength);
    this.readStart = 0;
    this.readLength = rawLength;
    return this.scratch;
  }

  private readStart = 0;
  private readLength = 0;

  /** The node's packed form's length, compressed or not. */
  private rawLength(node: Address): number {
    return this.nodeWord(node, RAW_LENGTH) || this.formLength(node);
  }

  /** The node with its form uncompressed in place (itself when it was not compressed; else a new chunk in its place). */
  private uncompressed(node: Address): Address {
    const rawLength = this.nodeWord(node, RAW_LENGTH);
    if (rawLength === 0) return node;
    const arena = this.arena;
    const raw = arena.allocate(NODE_HEADER + rawLength, ChunkKind.Blob);
    const rawBytes = arena.bytes[raw >>> OFFSET_BITS];
    lzfDecompress(arena.bytes[node >>> OFFSET_BITS], this.formStart(node), this.formLength(node), rawBytes, this.formStart(raw), rawLength);
    const words = this.words(raw);
    const at = wordIndex(raw);
    words[at + PREV] = this.nodeWord(node, PREV);
    words[at + NEXT] = this.nodeWord(node, NEXT);
    words[at + FORM_LENGTH] = rawLength;
    words[at + ELEMENTS] = this.nodeElements(node);
    words[at + RAW_LENGTH] = 0;
    words[at + FLAGS] = this.nodeWord(node, FLAGS);
    this.replaceNode(node, raw);
    return raw;
  }

  /** Compresses the node's form when that gains enough, into a chunk of its compressed size. */
  private compress(node: Address): void {
    const length = this.formLength(node);
    if (this.nodeWord(node, RAW_LENGTH) !== 0 || length < MIN_COMPRESS_BYTES) return;
    if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    const compressed = lzfCompress(this.arena.bytes[node >>> OFFSET_BITS], this.formStart(node), length, this.scratch, 0, length - MIN_COMPRESS_GAIN);
    if (compressed === 0) return;
    const packed = this.arena.allocate(NODE_HEADER + compressed, ChunkKind.Blob);
    copyBytes(this.scratch, 0, compressed, this.arena.bytes[packed >>> OFFSET_BITS], this.formStart(packed));
    const words = this.words(packed);
    const at = wordIndex(packed);
    words[at + PREV] = this.nodeWord(node, PREV);
    words[at + NEXT] = this.nodeWord(node, NEXT);
    words[at + FORM_LENGTH] = compressed;
    words[at + ELEMENTS] = this.nodeElements(node);
    words[at + RAW_LENGTH] = length;
    words[at + FLAGS] = this.nodeWord(node, FLAGS);
    this.replaceNode(node, packed);
  }

  /**
   * After an edit: the nodes within `depth` of an end uncompressed, and the
   * ones an edit may have moved inwards (the first past `depth` from each
   * end) or touched (`touched` and its neighbours) compressed when inside.
   */
  private settle(touched: Address): void {
    const depth = this.depth;
    if (depth <= 0) return;
    let node = this.headerWord(HEAD);
    for (let i = 0; i < depth && node !== 0; i++) node = this.nodeWord(this.uncompressed(node), NEXT);
    node = this.headerWord(TAIL);
    for (let i = 0; i < depth && node !== 0; i++) node = this.nodeWord(this.uncompressed(node), PREV);
    // Addresses are stable from here: only compress() moves a node, and only itself.
    const nearEnds = new Set<Address>();
    let inwardFromHead = this.headerWord(HEAD);
    for (let i = 0; i < depth && inwardFromHead !== 0; i++, inwardFromHead = this.nodeWord(inwardFromHead, NEXT)) nearEnds.add(inwardFromHead);
    let inwardFromTail = this.headerWord(TAIL);
    for (let i = 0; i < depth && inwardFromTail !== 0; i++, inwardFromTail = this.nodeWord(inwardFromTail, PREV)) nearEnds.add(inwardFromTail);
    const inside = new Set<Address>([inwardFromHead, inwardFromTail]);
    if (touched !== 0) inside.add(touched).add(this.nodeWord(touched, PREV)).add(this.nodeWord(touched, NEXT));
    for (const candidate of inside) if (candidate !== 0 && !nearEnds.has(candidate)) this.compress(candidate);
  }

  /** Every node as `depth` wants it: uncompressed near the ends, compressed inside (after an edit all over the list). */
  private settleAll(): void {
    const depth = this.depth;
    if (depth <= 0) return;
    const nodes = this.headerWord(NODES);
    let node = this.headerWord(HEAD);
    for (let position = 0; node !== 0; position++) {
      const next = this.nodeWord(node, NEXT);
      if (position < depth || position >= nodes - depth) this.uncompressed(node);
      else this.compress(node);
      node = next;
    }
  }

  /** A new node holding `form` (null: an empty one), linked between `prev` and `next` (0: the list's end); `plain`: a plain node. */
  private linkNewNode(form: Uint8Array | null, prev: Address, next: Address, plain = false): Address {
    const arena = this.arena;
    const formBytes = form === null ? LISTPACK_HEADER_BYTES : form.length;
    const node = arena.allocate(NODE_HEADER + formBytes, ChunkKind.Blob);
    const words = this.words(node);
    const at = wordIndex(node);
    words[at + PREV] = prev;
    words[at + NEXT] = next;
    words[at + FORM_LENGTH] = formBytes;
    words[at + ELEMENTS] = form === null ? 0 : listpackCount(form, 0);
    words[at + RAW_LENGTH] = 0;
    words[at + FLAGS] = plain ? PLAIN_NODE : 0;
    const bytes = arena.bytes[node >>> OFFSET_BITS];
    if (form === null) bytes.fill(0, this.formStart(node), this.formStart(node) + LISTPACK_HEADER_BYTES);
    else copyBytes(form, 0, form.length, bytes, this.formStart(node));
    if (prev === 0) this.setHeaderWord(HEAD, node);
    else this.setNodeWord(prev, NEXT, node);
    if (next === 0) this.setHeaderWord(TAIL, node);
    else this.setNodeWord(next, PREV, node);
    this.setHeaderWord(NODES, this.headerWord(NODES) + 1);
    return node;
  }

  /** Takes the node out of the list and frees it. */
  private unlink(node: Address): void {
    this.cachedNode = 0;
    const prev = this.nodeWord(node, PREV);
    const next = this.nodeWord(node, NEXT);
    if (prev === 0) this.setHeaderWord(HEAD, next);
    else this.setNodeWord(prev, NEXT, next);
    if (next === 0) this.setHeaderWord(TAIL, prev);
    else this.setNodeWord(next, PREV, prev);
    this.setHeaderWord(NODES, this.headerWord(NODES) - 1);
    this.arena.free(node);
  }

  private isPlain(node: Address): boolean {
    return (this.nodeWord(node, FLAGS) & PLAIN_NODE) !== 0;
  }

  private nodeElements(node: Address): number {
    return this.nodeWord(node, ELEMENTS);
  }

  private formStart(node: Address): number {
    return byteOffset(node) + NODE_HEADER;
  }

  private formLength(node: Address): number {
    return this.words(node)[wordIndex(node) + FORM_LENGTH];
  }

  private setFormHeader(node: Address, count: number, length: number): void {
    const bytes = this.arena.bytes[node >>> OFFSET_BITS];
    const start = this.formStart(node);
    bytes[start] = count & 0xff;
    bytes[start + 1] = (count >>> 8) & 0xff;
    bytes[start + 2] = (count >>> 16) & 0xff;
    bytes[start + 3] = count >>> 24;
    this.words(node)[wordIndex(node) + FORM_LENGTH] = length;
    this.words(node)[wordIndex(node) + ELEMENTS] = count;
  }

  private addCount(change: number): void {
    const header = this.header;
    this.arena.doubles[header >>> OFFSET_BITS][(header & OFFSET_MASK) + COUNT] += change;
  }

  private words(address: Address): Uint32Array {
    return this.arena.words[address >>> OFFSET_BITS];
  }

  private headerWord(word: number): number {
    return this.words(this.header)[wordIndex(this.header) + word];
  }

  private setHeaderWord(word: number, value: number): void {
    this.words(this.header)[wordIndex(this.header) + word] = value;
  }

  private nodeWord(node: Address, word: number): number {
    return this.words(node)[wordIndex(node) + word];
  }

  private setNodeWord(node: Address, word: number, value: number): void {
    this.words(node)[wordIndex(node) + word] = value;
  }
}

/** Writes an entry holding `value` at `at` (room made by the caller). */
function writeEntry(bytes: Uint8Array, at: number, value: Uint8Array): void {
  let rest = value.length;
  while (rest >= 0x80) {
    bytes[at++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  bytes[at++] = rest;
  copyBytes(value, 0, value.length, bytes, at);
}

function equalsEntry(bytes: Uint8Array, at: number, value: Uint8Array): boolean {
  const length = entryLength(bytes, at);
  if (length !== value.length) return false;
  const data = at + lengthPrefixSize(length);
  for (let i = 0; i < length; i++) if (bytes[data + i] !== value[i]) return false;
  return true;
}

/** The form of bytes[start..end) without the entries at the offsets in `drop` (ascending). */
function formWithout(bytes: Uint8Array, start: number, end: number, drop: readonly number[]): Buffer {
  listpackWriter.begin(bytes);
  let next = 0;
  for (let at = listpackFirst(start); at < end; at = entryNext(bytes, at)) {
    if (next < drop.length && drop[next] === at) {
      next++;
      continue;
    }
    listpackWriter.pushRange(bytes, entryDataStart(bytes, at), entryLength(bytes, at));
  }
  return listpackWriter.view();
}
