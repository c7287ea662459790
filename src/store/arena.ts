// A shard's memory outside the V8 heap: SharedArrayBuffer segments carved by
// a size-class allocator, in the spirit of jemalloc's slabs.
//
// - An address is a 32-bit number: the segment index in the high bits, the
//   offset in 8-byte units in the low OFFSET_BITS. 0 is the null address
//   (segment 0 is never used), so a zeroed table slot means "empty".
// - A small segment (SEGMENT_BYTES) holds chunks of one size class and one
//   kind (records, which SCAN walks in address order, or value blobs). A chunk
//   bigger than the largest class gets a segment of its own.
// - Every word of allocator state (free lists, segment classes and tops,
//   counters) lives in the shared `control` buffer, and every segment is handed
//   to `onSegment` when it is made: a new thread given the control buffer and
//   the segments carries on exactly where a dead one stopped.

import { released } from '../util/memory-release.ts';

export type Address = number;

export const UNIT_SHIFT = 3;
export const OFFSET_BITS = 19;
export const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
/** A small segment: 4 MiB. */
export const SEGMENT_BYTES = 1 << (OFFSET_BITS + UNIT_SHIFT);
/** Segments per shard: with 4 MiB each, 32 GiB of small chunks. */
export const MAX_SEGMENTS = 1 << 13;
/** An address no chunk has: a deleted slot in a table being migrated. */
export const TOMBSTONE = 1;

export const ChunkKind = {
  Record: 1,
  Blob: 2,
  /** A segment made for one chunk bigger than the largest class (any kind). */
  Large: 3,
} as const;
export type ChunkKind = (typeof ChunkKind)[keyof typeof ChunkKind];

/** Size classes: 16-byte steps to 128, then four classes per power of two up to 1 MiB. */
export const CLASS_SIZES: readonly number[] = (() => {
  const sizes: number[] = [];
  for (let size = 16; size <= 128; size += 16) sizes.push(size);
  for (let base = 128; base < 1 << 20; base *= 2) for (let step = 1; step <= 4; step++) sizes.push(base + (base / 4) * step);
  return sizes;
})();
const CLASS_COUNT = CLASS_SIZES.length;
export const MAX_SMALL_CHUNK = CLASS_SIZES[CLASS_COUNT - 1];

/** The class of a chunk of `size` bytes (size <= MAX_SMALL_CHUNK). */
export function sizeClassOf(size: number): number {
  if (size <= 128) return size <= 16 ? 0 : ((size + 15) >> 4) - 1;
  const power = 31 - Math.clz32(size - 1); // 2^power < size <= 2^(power+1)
  const base = 1 << power;
  const step = Math.ceil((size - base) / (base / 4));
  return 8 + (power - 7) * 4 + step - 1;
}

// Control words (Uint32 indexes). Per segment: its kind and class, and how far it is carved.
const SEGMENT_INFO = 0;
const SEGMENT_TOP = SEGMENT_INFO + MAX_SEGMENTS;
// Per kind (record, blob) and class: the free list's head and the segment being carved.
const FREE_HEAD = SEGMENT_TOP + MAX_SEGMENTS;
const CURRENT_SEGMENT = FREE_HEAD + 2 * CLASS_COUNT;
const NEXT_SEGMENT_HINT = CURRENT_SEGMENT + 2 * CLASS_COUNT;
const CONTROL_WORDS = NEXT_SEGMENT_HINT + 2;
// Float64 counters after the words.
const COUNTER_BASE = Math.ceil(CONTROL_WORDS / 2);
const ALLOCATED_BYTES = COUNTER_BASE;
const SEGMENT_BYTES_TOTAL = COUNTER_BASE + 1;
export const ARENA_CONTROL_BYTES = (COUNTER_BASE + 2) * 8;

/** Segment info: kind in the high byte, size class (small) in the low bits. */
function segmentInfo(kind: ChunkKind, sizeClass: number): number {
  return (kind << 24) | sizeClass;
}

export type SegmentListener = (index: number, buffer: SharedArrayBuffer | null) => void;

export class Arena {
  /** The bytes of each segment, by segment index. */
  readonly bytes: Uint8Array[] = [];
  /** The same memory as 32-bit words. */
  readonly words: Uint32Array[] = [];
  /** The same memory as doubles (expiry times). */
  readonly doubles: Float64Array[] = [];
  private readonly control: Uint32Array;
  private readonly counters: Float64Array;
  private readonly buffers: (SharedArrayBuffer | null)[] = [];
  /** Told of every segment made (with its buffer) and dropped (with null). */
  onSegment: SegmentListener = () => {};
  /** Counts resets: an address kept from before one may now name anything. */
  resets = 0;

  /** A new arena, or the one a previous thread left in `control` and `segments`. */
  constructor(control: SharedArrayBuffer, segments: ReadonlyMap<number, SharedArrayBuffer> = new Map()) {
    this.control = new Uint32Array(control, 0, CONTROL_WORDS);
    this.counters = new Float64Array(control);
    for (const [index, buffer] of segments) this.attach(index, buffer);
  }

  static allocateControl(): SharedArrayBuffer {
    return new SharedArrayBuffer(ARENA_CONTROL_BYTES);
  }

  /** Bytes in chunks handed out (their class size, not the bytes asked for). */
  get allocatedBytes(): number {
    return this.counters[ALLOCATED_BYTES];
  }

  /** Bytes of all segments made: what the arena holds from the system. */
  get segmentBytes(): number {
    return this.counters[SEGMENT_BYTES_TOTAL];
  }

  /** The usable size of the chunk at `address`. */
  chunkSize(address: Address): number {
    const segment = address >>> OFFSET_BITS;
    const info = this.control[SEGMENT_INFO + segment];
    if (info >>> 24 === ChunkKind.Large) return this.bytes[segment].length;
    return CLASS_SIZES[info & 0xffff];
  }

  /** A chunk of at least `size` bytes (8-byte aligned, contents undefined). */
  allocate(size: number, kind: typeof ChunkKind.Record | typeof ChunkKind.Blob): Address {
    if (size > MAX_SMALL_CHUNK) return this.allocateLarge(size);
    const sizeClass = sizeClassOf(size);
    const chunkBytes = CLASS_SIZES[sizeClass];
    const control = this.control;
    const list = (kind - 1) * CLASS_COUNT + sizeClass;
    this.counters[ALLOCATED_BYTES] += chunkBytes;
    const head = control[FREE_HEAD + list];
    if (head !== 0) {
      control[FREE_HEAD + list] = this.words[head >>> OFFSET_BITS][((head & OFFSET_MASK) << 1) + 1];
      return head;
    }
    let segment = control[CURRENT_SEGMENT + list];
    const units = chunkBytes >>> UNIT_SHIFT;
    if (segment === 0 || control[SEGMENT_TOP + segment] + units > SEGMENT_BYTES >>> UNIT_SHIFT) {
      segment = this.newSegment(SEGMENT_BYTES, segmentInfo(kind, sizeClass));
      control[CURRENT_SEGMENT + list] = segment;
    }
    const offset = control[SEGMENT_TOP + segment];
    control[SEGMENT_TOP + segment] = offset + units;
    return segment * (1 << OFFSET_BITS) + offset;
  }

  /** Returns a chunk. Its first word is cleared (a record's flags read "free"). */
  free(address: Address): void {
    const segment = address >>> OFFSET_BITS;
    const control = this.control;
    const info = control[SEGMENT_INFO + segment];
    if (info >>> 24 === ChunkKind.Large) {
      this.counters[ALLOCATED_BYTES] -= this.bytes[segment].length;
      this.dropSegment(segment);
      return;
    }
    const sizeClass = info & 0xffff;
    const list = ((info >>> 24) - 1) * CLASS_COUNT + sizeClass;
    const word = (address & OFFSET_MASK) << 1;
    const words = this.words[segment];
    words[word] = 0;
    words[word + 1] = control[FREE_HEAD + list];
    control[FREE_HEAD + list] = address;
    this.counters[ALLOCATED_BYTES] -= CLASS_SIZES[sizeClass];
  }

  /** A segment of its own for `size` bytes: index tables, volatile lists, big values. */
  allocateLarge(size: number): Address {
    const bytes = Math.ceil(size / 8) * 8;
    this.counters[ALLOCATED_BYTES] += bytes;
    return this.newSegment(bytes, segmentInfo(ChunkKind.Large, 0)) * (1 << OFFSET_BITS);
  }

  /** Drops every segment: the arena is empty again (FLUSHALL). */
  reset(): void {
    this.resets++;
    for (let index = 1; index < this.buffers.length; index++) this.dropSegment(index);
    this.control.fill(0);
    this.counters[ALLOCATED_BYTES] = 0;
    this.counters[SEGMENT_BYTES_TOTAL] = 0;
  }

  /**
   * Walks the record chunks in address order from `cursor`, live or free,
   * handing each to `visit` until it returns true (it found enough) or
   * `steps` chunks were handed; returns the address to go on from, 0 after
   * the last chunk. Any cursor is safe, even one from before a FLUSHALL.
   */
  walkRecords(cursor: Address, steps: number, visit: (address: Address) => boolean): Address {
    const control = this.control;
    let segment = Math.max(1, cursor >>> OFFSET_BITS);
    let offset = segment === cursor >>> OFFSET_BITS ? cursor & OFFSET_MASK : 0;
    for (; segment < this.buffers.length; segment++, offset = 0) {
      const info = control[SEGMENT_INFO + segment];
      if (info >>> 24 !== ChunkKind.Record) continue;
      const units = CLASS_SIZES[info & 0xffff] >>> UNIT_SHIFT;
      const top = control[SEGMENT_TOP + segment];
      // A cursor from before the segment was reused may sit between chunks.
      if (offset % units !== 0) offset += units - (offset % units);
      for (; offset < top; offset += units) {
        const address = segment * (1 << OFFSET_BITS) + offset;
        if (visit(address) || --steps <= 0) return address + units;
      }
    }
    return 0;
  }

  private newSegment(bytes: number, info: number): number {
    const control = this.control;
    let index = Math.max(1, control[NEXT_SEGMENT_HINT]);
    while (index < MAX_SEGMENTS && control[SEGMENT_INFO + index] !== 0) index++;
    if (index >= MAX_SEGMENTS) throw new RangeError('out of arena segments');
    const buffer = new SharedArrayBuffer(bytes);
    control[SEGMENT_INFO + index] = info;
    control[SEGMENT_TOP + index] = 0;
    control[NEXT_SEGMENT_HINT] = index + 1;
    this.counters[SEGMENT_BYTES_TOTAL] += bytes;
    this.attach(index, buffer);
    this.onSegment(index, buffer);
    return index;
  }

  private dropSegment(index: number): void {
    const buffer = this.buffers[index];
    if (buffer === null || buffer === undefined) return;
    this.counters[SEGMENT_BYTES_TOTAL] -= buffer.byteLength;
    released(buffer.byteLength);
    this.control[SEGMENT_INFO + index] = 0;
    this.control[SEGMENT_TOP + index] = 0;
    if (index < this.control[NEXT_SEGMENT_HINT]) this.control[NEXT_SEGMENT_HINT] = index;
    // Every view goes too, so nothing keeps the memory from being given back.
    this.buffers[index] = null;
    this.bytes[index] = EMPTY_BYTES;
    this.words[index] = EMPTY_WORDS;
    this.doubles[index] = EMPTY_DOUBLES;
    this.onSegment(index, null);
  }

  private attach(index: number, buffer: SharedArrayBuffer): void {
    while (this.buffers.length <= index) {
      this.buffers.push(null);
      this.bytes.push(EMPTY_BYTES);
      this.words.push(EMPTY_WORDS);
      this.doubles.push(EMPTY_DOUBLES);
    }
    this.buffers[index] = buffer;
    this.bytes[index] = new Uint8Array(buffer);
    this.words[index] = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    this.doubles[index] = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
  }
}

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_WORDS = new Uint32Array(0);
const EMPTY_DOUBLES = new Float64Array(0);
