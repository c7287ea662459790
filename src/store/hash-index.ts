// A database's hash index: key hash and record address pairs, open
// addressing with linear probing, in an arena segment of its own.
//
// It grows without stopping the shard: when it passes 3/4 full, a table twice
// the size is made (zeroed pages come from the system lazily) and every insert
// moves MIGRATE_STEP slots of the old table into it, while lookups try the new
// table, then the old one. A migrated or deleted slot of the old table becomes
// a tombstone, so the old table's probe chains stay intact until it is
// dropped. In the current table deletion shifts the rest of the chain back
// (no tombstones). Every word of state is in `state`, shared memory.

import { Arena, TOMBSTONE, OFFSET_BITS, OFFSET_MASK, type Address } from './arena.ts';
import { HEADER_BYTES, KEY_LENGTH } from './record.ts';

// State words.
const TABLE = 0;
const CAPACITY = 1;
const COUNT = 2;
const OLD_TABLE = 3;
const OLD_CAPACITY = 4;
const OLD_COUNT = 5;
const MIGRATED = 6;
export const INDEX_STATE_WORDS = 8;

const INITIAL_CAPACITY = 16;
/** Old-table slots moved per insert while the table grows. */
const MIGRATE_STEP = 16;
/** Tables up to this capacity are moved all at once: it is cheaper than dragging the old table along. */
const MIGRATE_AT_ONCE = 4096;

export class HashIndex {
  private readonly arena: Arena;
  private readonly state: Uint32Array;
  private table: Uint32Array;
  private oldTable: Uint32Array;

  constructor(arena: Arena, state: Uint32Array) {
    this.arena = arena;
    this.state = state;
    this.table = this.tableAt(state[TABLE]);
    this.oldTable = this.tableAt(state[OLD_TABLE]);
  }

  get size(): number {
    return this.state[COUNT] + this.state[OLD_COUNT];
  }

  /** Bytes of the tables. */
  get bytes(): number {
    return (this.state[CAPACITY] + this.state[OLD_CAPACITY]) * 8;
  }

  /** The address of the record whose key is `key`, or 0. */
  find(key: Uint8Array, hash: number): Address {
    const found = this.findIn(this.table, this.state[CAPACITY], key, hash);
    if (found !== 0 || this.state[OLD_CAPACITY] === 0) return found;
    return this.findIn(this.oldTable, this.state[OLD_CAPACITY], key, hash);
  }

  /** Adds a record whose key is not in the index. */
  insert(hash: number, address: Address): void {
    const state = this.state;
    if (state[OLD_CAPACITY] !== 0) this.migrate(MIGRATE_STEP);
    else if ((state[COUNT] + 1) * 4 > state[CAPACITY] * 3) this.grow();
    placeIn(this.table, state[CAPACITY] - 1, hash, address);
    state[COUNT]++;
  }

  /** Removes the record at `address`, whose key hashes to `hash`. */
  remove(hash: number, address: Address): void {
    const state = this.state;
    if (removeShifting(this.table, state[CAPACITY], hash, address)) {
      state[COUNT]--;
      return;
    }
    const old = this.oldTable;
    const mask = state[OLD_CAPACITY] - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = old[slot * 2 + 1];
      if (at === 0) return;
      if (at === address) {
        old[slot * 2 + 1] = TOMBSTONE;
        state[OLD_COUNT]--;
        return;
      }
    }
  }

  /** A random record's address, or 0 when empty (RANDOMKEY, eviction samples). */
  randomAddress(): Address {
    const state = this.state;
    if (this.size === 0) return 0;
    const fromOld = state[OLD_COUNT] > 0 && Math.random() * this.size < state[OLD_COUNT];
    const table = fromOld ? this.oldTable : this.table;
    const capacity = fromOld ? state[OLD_CAPACITY] : state[CAPACITY];
    let slot = Math.floor(Math.random() * capacity);
    for (let probed = 0; probed < capacity; probed++, slot = (slot + 1) & (capacity - 1)) {
      const at = table[slot * 2 + 1];
      if (at > TOMBSTONE) return at;
    }
    return 0;
  }

  /** Calls `visit` with every record's address; `visit` must not change the index. */
  forEach(visit: (address: Address) => void): void {
    visitTable(this.table, this.state[CAPACITY], visit);
    visitTable(this.oldTable, this.state[OLD_CAPACITY], visit);
  }

  /** Empties the index (the records are the caller's to free). */
  clear(): void {
    const state = this.state;
    if (state[TABLE] !== 0) this.arena.free(state[TABLE]);
    if (state[OLD_TABLE] !== 0) this.arena.free(state[OLD_TABLE]);
    state.fill(0);
    this.table = EMPTY_TABLE;
    this.oldTable = EMPTY_TABLE;
  }

  /** Forgets the tables without freeing them (the arena was reset). */
  forget(): void {
    this.state.fill(0);
    this.table = EMPTY_TABLE;
    this.oldTable = EMPTY_TABLE;
  }

  private findIn(table: Uint32Array, capacity: number, key: Uint8Array, hash: number): Address {
    if (capacity === 0) return 0;
    const mask = capacity - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = table[slot * 2 + 1];
      if (at === 0) return 0;
      if (table[slot * 2] === hash && at !== TOMBSTONE && this.keyEquals(at, key)) return at;
    }
  }

  private keyEquals(address: Address, key: Uint8Array): boolean {
    const segment = address >>> OFFSET_BITS;
    const base = (address & OFFSET_MASK) << 3;
    const length = key.length;
    if (this.arena.words[segment][(base >>> 2) + KEY_LENGTH] !== length) return false;
    const bytes = this.arena.bytes[segment];
    const start = base + HEADER_BYTES;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== key[i]) return false;
    return true;
  }

  private grow(): void {
    const state = this.state;
    const capacity = state[CAPACITY] === 0 ? INITIAL_CAPACITY : state[CAPACITY] * 2;
    state[OLD_TABLE] = state[TABLE];
    state[OLD_CAPACITY] = state[CAPACITY];
    state[OLD_COUNT] = state[COUNT];
    state[MIGRATED] = 0;
    this.oldTable = this.table;
    state[TABLE] = this.arena.allocateLarge(capacity * 8);
    state[CAPACITY] = capacity;
    state[COUNT] = 0;
    this.table = this.tableAt(state[TABLE]);
    if (state[OLD_CAPACITY] <= MIGRATE_AT_ONCE) this.migrate(state[OLD_CAPACITY]);
  }

  /** Moves up to `slots` slots of the old table into the current one; drops the old table once all are moved. */
  private migrate(slots: number): void {
    const state = this.state;
    const old = this.oldTable;
    const oldCapacity = state[OLD_CAPACITY];
    const mask = state[CAPACITY] - 1;
    let slot = state[MIGRATED];
    const stop = Math.min(oldCapacity, slot + slots);
    for (; slot < stop; slot++) {
      const at = old[slot * 2 + 1];
      if (at > TOMBSTONE) {
        placeIn(this.table, mask, old[slot * 2], at);
        state[COUNT]++;
        state[OLD_COUNT]--;
      }
      if (at !== 0) old[slot * 2 + 1] = TOMBSTONE;
    }
    state[MIGRATED] = slot;
    if (slot === oldCapacity) {
      if (state[OLD_TABLE] !== 0) this.arena.free(state[OLD_TABLE]);
      state[OLD_TABLE] = 0;
      state[OLD_CAPACITY] = 0;
      state[OLD_COUNT] = 0;
      state[MIGRATED] = 0;
      this.oldTable = EMPTY_TABLE;
    }
  }

  private tableAt(address: Address): Uint32Array {
    return address === 0 ? EMPTY_TABLE : this.arena.words[address >>> OFFSET_BITS];
  }
}

const EMPTY_TABLE = new Uint32Array(0);

function placeIn(table: Uint32Array, mask: number, hash: number, address: Address): void {
  let slot = hash & mask;
  while (table[slot * 2 + 1] !== 0) slot = (slot + 1) & mask;
  table[slot * 2] = hash;
  table[slot * 2 + 1] = address;
}

/** Deletes `address` from a table without tombstones, shifting later slots of its chain back; false when absent. */
function removeShifting(table: Uint32Array, capacity: number, hash: number, address: Address): boolean {
  if (capacity === 0) return false;
  const mask = capacity - 1;
  let hole = hash & mask;
  for (;;) {
    const at = table[hole * 2 + 1];
    if (at === 0) return false;
    if (at === address) break;
    hole = (hole + 1) & mask;
  }
  for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
    const at = table[next * 2 + 1];
    if (at === 0) break;
    const home = table[next * 2] & mask;
    // The entry at `next` may fill the hole when its home is not in (hole, next], cyclically.
    const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
    if (stays) continue;
    table[hole * 2] = table[next * 2];
    table[hole * 2 + 1] = at;
    hole = next;
  }
  table[hole * 2] = 0;
  table[hole * 2 + 1] = 0;
  return true;
}

function visitTable(table: Uint32Array, capacity: number, visit: (address: Address) => void): void {
  for (let slot = 0; slot < capacity; slot++) {
    const at = table[slot * 2 + 1];
    if (at > TOMBSTONE) visit(at);
  }
}
