// One logical database (SELECT n) of one shard: its hash index, and the list
// of its keys with a TTL, which the active expire cycle walks and the
// volatile-* eviction policies sample. The records themselves are the
// ShardStore's; a record knows its place in the list (VOLATILE_INDEX), so
// leaving the list is a swap with the last one.
//
// The list is chunked (VOLATILE_CHUNK addresses per arena chunk, the chunks'
// addresses in `state`), so it grows without ever copying.

import { ChunkKind, OFFSET_BITS, OFFSET_MASK, type Arena, type Address } from './arena.ts';
import { HashIndex, INDEX_STATE_WORDS } from './hash-index.ts';
import { HEADER_BYTES, KEY_LENGTH, VOLATILE_INDEX, recordWord } from './record.ts';

const VOLATILE_COUNT = INDEX_STATE_WORDS;
const EXPIRE_CURSOR = VOLATILE_COUNT + 1;
const VOLATILE_CHUNKS = EXPIRE_CURSOR + 1;
const VOLATILE_CHUNK_SHIFT = 14;
const VOLATILE_CHUNK = 1 << VOLATILE_CHUNK_SHIFT;
/** Up to 4096 chunks of 16384: 64 million keys with a TTL per database and shard. */
const MAX_VOLATILE_CHUNKS = 4096;
export const DATABASE_STATE_WORDS = VOLATILE_CHUNKS + MAX_VOLATILE_CHUNKS;

export class Database {
  /** Which database's records these are (the record's DATABASE byte): it travels with the database on SWAPDB. */
  readonly id: number;
  readonly index: HashIndex;
  private readonly arena: Arena;
  private readonly state: Uint32Array;

  constructor(arena: Arena, id: number, state: Uint32Array) {
    this.arena = arena;
    this.id = id;
    this.state = state;
    this.index = new HashIndex(arena, KEY_LENGTH, HEADER_BYTES, state, 0);
  }

  get size(): number {
    return this.index.size;
  }

  get volatileCount(): number {
    return this.state[VOLATILE_COUNT];
  }

  /** Adds the record at `address` to the keys with a TTL. */
  trackVolatile(address: Address): void {
    const position = this.state[VOLATILE_COUNT];
    const chunk = position >>> VOLATILE_CHUNK_SHIFT;
    if ((position & (VOLATILE_CHUNK - 1)) === 0 && this.state[VOLATILE_CHUNKS + chunk] === 0) {
      if (chunk >= MAX_VOLATILE_CHUNKS) throw new RangeError('too many keys with a TTL in one database');
      this.state[VOLATILE_CHUNKS + chunk] = this.arena.allocate(VOLATILE_CHUNK * 4, ChunkKind.Blob);
    }
    this.setVolatileAt(position, address);
    this.state[VOLATILE_COUNT] = position + 1;
  }

  /** Removes the record at `address` from the keys with a TTL: the last one takes its place. */
  untrackVolatile(address: Address): void {
    const position = this.recordWords(address)[recordWord(address, VOLATILE_INDEX)];
    const last = this.state[VOLATILE_COUNT] - 1;
    if (position !== last) this.setVolatileAt(position, this.volatileAt(last));
    this.state[VOLATILE_COUNT] = last;
  }

  /** The record of the `position`th key with a TTL. */
  volatileAt(position: number): Address {
    const chunk = this.state[VOLATILE_CHUNKS + (position >>> VOLATILE_CHUNK_SHIFT)];
    return this.arena.words[chunk >>> OFFSET_BITS][((chunk & OFFSET_MASK) << 1) + (position & (VOLATILE_CHUNK - 1))];
  }

  /** A random key with a TTL, or 0. */
  randomVolatile(): Address {
    const count = this.state[VOLATILE_COUNT];
    return count === 0 ? 0 : this.volatileAt(Math.floor(Math.random() * count));
  }

  /**
   * The active expire cycle's next key with a TTL: it walks the list round
   * and round (as Redis walks its expires table with a cursor), so every key
   * with a TTL is checked within volatileCount / 20 samples. Call
   * `passVolatile` after a key that stays; a removed one's place is taken by
   * the last key, which comes next.
   */
  nextVolatile(): Address {
    if (this.state[EXPIRE_CURSOR] >= this.state[VOLATILE_COUNT]) this.state[EXPIRE_CURSOR] = 0;
    return this.volatileAt(this.state[EXPIRE_CURSOR]);
  }

  passVolatile(): void {
    this.state[EXPIRE_CURSOR]++;
  }

  /** Empties the index and the TTL list; the records are the caller's to free. */
  clear(): void {
    this.index.clear();
    for (let chunk = 0; chunk < MAX_VOLATILE_CHUNKS; chunk++) {
      const address = this.state[VOLATILE_CHUNKS + chunk];
      if (address === 0) break;
      this.arena.free(address);
    }
    this.state.fill(0, INDEX_STATE_WORDS);
  }

  /** Forgets everything without freeing (the arena was reset). */
  forget(): void {
    this.index.forget();
    // The index's own words are its to reset (it has chosen its hash mixing anew).
    this.state.fill(0, INDEX_STATE_WORDS);
  }

  private setVolatileAt(position: number, address: Address): void {
    const chunk = this.state[VOLATILE_CHUNKS + (position >>> VOLATILE_CHUNK_SHIFT)];
    this.arena.words[chunk >>> OFFSET_BITS][((chunk & OFFSET_MASK) << 1) + (position & (VOLATILE_CHUNK - 1))] = address;
    this.recordWords(address)[recordWord(address, VOLATILE_INDEX)] = position;
  }

  private recordWords(address: Address): Uint32Array {
    return this.arena.words[address >>> OFFSET_BITS];
  }
}
