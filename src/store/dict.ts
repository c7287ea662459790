// An off-heap dictionary of byte-string fields, each with a byte-string value
// (empty for a set's members): the big form of hashes and sets. Everything is
// in the shard's arena, so a thread that takes over a shard finds it intact.
//
//   header (Blob chunk, never moves: a key's record points at it)
//     words 0-7   the hash index's state (hash-index.ts)
//     double 4    bytes of the header and the entries (the tables' bytes
//                 are the index's, added on read)
//   entry (Blob chunk, one per field)
//     word 0      field length
//     word 1      value length
//     byte 8      field bytes, then value bytes
//
// One Dict instance serves all of a shard's dicts: `open` re-points it (and
// its one HashIndex) at a dict's header. Code that may use another dict
// through the same instance leaves it pointing there, so re-open after
// calling such code.

import { ChunkKind, OFFSET_BITS, OFFSET_MASK, type Arena, type Address } from './arena.ts';
import { HashIndex, INDEX_STATE_WORDS } from './hash-index.ts';
import { hashKey } from './record.ts';
import { shuffleFirst } from './random-pick.ts';
import { copyBytes } from '../util/copy-bytes.ts';

const ENTRY_FIELD_LENGTH = 0; // word
const ENTRY_VALUE_LENGTH = 1; // word
const ENTRY_FIELD = 8; // byte
const HEADER_COUNTER = INDEX_STATE_WORDS / 2; // double
const HEADER_SIZE = (HEADER_COUNTER + 1) * 8;

/** Bytes an entry needs for a field and value of these lengths. */
export function entrySize(fieldLength: number, valueLength: number): number {
  return ENTRY_FIELD + fieldLength + valueLength;
}

export function entryFieldLength(arena: Arena, entry: Address): number {
  return arena.words[entry >>> OFFSET_BITS][((entry & OFFSET_MASK) << 1) + ENTRY_FIELD_LENGTH];
}

export function entryValueLength(arena: Arena, entry: Address): number {
  return arena.words[entry >>> OFFSET_BITS][((entry & OFFSET_MASK) << 1) + ENTRY_VALUE_LENGTH];
}

/** Where the field's bytes start in arena.bytes[entry >>> OFFSET_BITS]. */
export function entryFieldStart(_arena: Arena, entry: Address): number {
  return ((entry & OFFSET_MASK) << 3) + ENTRY_FIELD;
}

/** Where the value's bytes start in arena.bytes[entry >>> OFFSET_BITS]. */
export function entryValueStart(arena: Arena, entry: Address): number {
  return ((entry & OFFSET_MASK) << 3) + ENTRY_FIELD + entryFieldLength(arena, entry);
}

/** A view of the field's bytes, valid until the dict changes. */
export function entryFieldView(arena: Arena, entry: Address): Buffer {
  return Buffer.from(arena.bytes[entry >>> OFFSET_BITS].buffer, entryFieldStart(arena, entry), entryFieldLength(arena, entry));
}

/** A view of the value's bytes, valid until the dict changes. */
export function entryValueView(arena: Arena, entry: Address): Buffer {
  return Buffer.from(arena.bytes[entry >>> OFFSET_BITS].buffer, entryValueStart(arena, entry), entryValueLength(arena, entry));
}

export class Dict {
  private readonly arena: Arena;
  private readonly index: HashIndex;
  /** State words the index is bound to while no dict is open. */
  private readonly unbound = new Uint32Array(INDEX_STATE_WORDS);
  private readonly freeEntry: (entry: Address) => void;
  private header: Address = 0;
  private headerDoubles: Float64Array;
  private counter = 0;

  constructor(arena: Arena) {
    this.arena = arena;
    this.index = new HashIndex(arena, ENTRY_FIELD_LENGTH, ENTRY_FIELD, this.unbound, 0);
    this.headerDoubles = EMPTY_DOUBLES;
    this.freeEntry = (entry) => arena.free(entry);
  }

  /** A new empty dict, opened; returns its header's address. */
  create(): Address {
    const arena = this.arena;
    const header = arena.allocate(HEADER_SIZE, ChunkKind.Blob);
    const start = (header & OFFSET_MASK) << 1;
    arena.words[header >>> OFFSET_BITS].fill(0, start, start + INDEX_STATE_WORDS);
    this.open(header);
    this.headerDoubles[this.counter] = arena.chunkSize(header);
    return header;
  }

  /** The header of the dict this instance points at (0: none yet). */
  get openedHeader(): Address {
    return this.header;
  }

  /** Points this instance at the dict whose header is at `header`. */
  open(header: Address): this {
    const segment = header >>> OFFSET_BITS;
    this.header = header;
    this.headerDoubles = this.arena.doubles[segment];
    this.counter = (header & OFFSET_MASK) + HEADER_COUNTER;
    this.index.bind(this.arena.words[segment], (header & OFFSET_MASK) << 1);
    return this;
  }

  get size(): number {
    return this.index.size;
  }

  /** Bytes of all its chunks: header, tables and entries. */
  get bytes(): number {
    return this.headerDoubles[this.counter] + this.index.bytes;
  }

  /** The entry of `field`, or 0. */
  find(field: Uint8Array): Address {
    return this.index.find(field, hashKey(field));
  }

  /**
   * Sets `field` to `value`; true when the field is new. An entry is
   * rewritten in place when the value fits its chunk without leaving more
   * than half of it unused, else it moves to a chunk of the right size.
   */
  set(field: Uint8Array, value: Uint8Array): boolean {
    const arena = this.arena;
    const hash = hashKey(field);
    const found = this.index.find(field, hash);
    const size = entrySize(field.length, value.length);
    if (found !== 0) {
      const chunk = arena.chunkSize(found);
      if (size <= chunk && size * 2 >= chunk) {
        this.writeValue(found, field.length, value);
        return false;
      }
      const moved = this.newEntry(field, value, size);
      this.index.replaceAddress(hash, found, moved);
      this.headerDoubles[this.counter] -= chunk;
      arena.free(found);
      return false;
    }
    const entry = this.newEntry(field, value, size);
    this.index.insert(hash, entry);
    return true;
  }

  /** Removes `field`; false when it was not there. */
  delete(field: Uint8Array): boolean {
    const hash = hashKey(field);
    const found = this.index.find(field, hash);
    if (found === 0) return false;
    this.index.remove(hash, found);
    this.headerDoubles[this.counter] -= this.arena.chunkSize(found);
    this.arena.free(found);
    return true;
  }

  /** A random entry, or 0 when empty. */
  random(): Address {
    return this.index.randomAddress();
  }

  /** `count` distinct entries picked at random (count < size), in any order. */
  randomDistinct(count: number): Address[] {
    if (count * 3 > this.size) {
      // Most of the dict is wanted: shuffle all of it rather than retrying random picks.
      const entries: Address[] = [];
      this.forEach((entry) => entries.push(entry));
      shuffleFirst(entries, count);
      entries.length = count;
      return entries;
    }
    const seen = new Set<Address>();
    while (seen.size < count) seen.add(this.random());
    return [...seen];
  }

  /** Calls `visit` with every entry; `visit` must not change the dict. */
  forEach(visit: (entry: Address) => void): void {
    this.index.forEach(visit);
  }

  /** One step of a scan (HashIndex.scan): start with cursor 0; returns the next cursor, 0 at the end. */
  scan(cursor: number, count: number, visit: (entry: Address) => void): number {
    return this.index.scan(cursor, count, visit);
  }

  /** Frees every chunk of the dict, header included; the instance is left pointing at no dict. */
  destroy(): void {
    if (this.header === 0) return;
    this.index.forEach(this.freeEntry);
    this.index.clear();
    this.arena.free(this.header);
    this.header = 0;
    this.headerDoubles = EMPTY_DOUBLES;
    this.counter = 0;
    this.index.bind(this.unbound, 0);
  }

  private newEntry(field: Uint8Array, value: Uint8Array, size: number): Address {
    const arena = this.arena;
    const entry = arena.allocate(size, ChunkKind.Blob);
    const segment = entry >>> OFFSET_BITS;
    arena.words[segment][((entry & OFFSET_MASK) << 1) + ENTRY_FIELD_LENGTH] = field.length;
    copyBytes(field, 0, field.length, arena.bytes[segment], ((entry & OFFSET_MASK) << 3) + ENTRY_FIELD);
    this.writeValue(entry, field.length, value);
    this.headerDoubles[this.counter] += arena.chunkSize(entry);
    return entry;
  }

  private writeValue(entry: Address, fieldLength: number, value: Uint8Array): void {
    const segment = entry >>> OFFSET_BITS;
    this.arena.words[segment][((entry & OFFSET_MASK) << 1) + ENTRY_VALUE_LENGTH] = value.length;
    copyBytes(value, 0, value.length, this.arena.bytes[segment], ((entry & OFFSET_MASK) << 3) + ENTRY_FIELD + fieldLength);
  }
}

const EMPTY_DOUBLES = new Float64Array(0);
