// A hash index: 32-bit hash and chunk address pairs, open addressing with
// linear probing. The keyspace's databases index their records with it, and
// every big dict (dict.ts) its entries: where an entry's chunk holds the key's
// length and bytes is the constructor's, and the state words live wherever
// the owner keeps them (`bind` re-points one instance at another index, so
// one instance serves all of a shard's dicts).
//
// A key's home slot is the HIGH bits of its hash, so the table is in hash
// order but for probing displacement: a range of hashes is a range of slots,
// in every table size. That lets `scan` walk the index by windows of hashes,
// and a cursor (a hash) stays valid while the table grows.
//
// Each index first mixes the hashes it is given with a bijection of its own
// (a random odd multiplier in its state words, chosen when it is made). Keys
// inserted in another index's order (SUNIONSTORE of a big set, a copy of a
// database walked with SCAN, a file saved in index order) would otherwise
// arrive in this one's slot order: a table sized for the keys so far, fed
// hashes from one end of the space, piles them into one probe run, and every
// insert walks it (300k members took 44 s to copy). Scan cursors are
// positions in the mixed space, valid for this index only, as in Redis.
//
// It grows without stopping the shard: when it passes 3/4 full, a table twice
// the size is made and every insert moves MIGRATE_STEP slots of the old table
// into it, while lookups try the new table, then the old one. A migrated or
// deleted slot of the old table becomes a tombstone, so the old table's probe
// chains stay intact until it is dropped. In the current table deletion
// shifts the rest of the chain back (no tombstones). Every word of state is in
// shared memory; the instance only caches views of it.
//
// Tables are Blob chunks of the arena (a segment of their own beyond the
// largest size class), so a small index does not take a segment. It never
// shrinks: an index that emptied keeps its table until cleared.

import { Arena, ChunkKind, MAX_SMALL_CHUNK, TOMBSTONE, OFFSET_BITS, OFFSET_MASK, type Address } from './arena.ts';

// State words.
const TABLE = 0;
const CAPACITY = 1;
const COUNT = 2;
const OLD_TABLE = 3;
const OLD_CAPACITY = 4;
const OLD_COUNT = 5;
const MIGRATED = 6;
/** The odd multiplier of this index's hash mixing; 0 until chosen, RAW_HASHES to place entries by the hashes given. */
const MIXER = 7;
export const INDEX_STATE_WORDS = 8;
const RAW_HASHES = 1;

const INITIAL_CAPACITY = 16;
/** Random slots tried for a fair random pick before walking to the next taken slot. */
const RANDOM_TRIES = 32;
/** Old-table slots moved per insert while the table grows. */
const MIGRATE_STEP = 16;
/** Tables up to this capacity are moved all at once: it is cheaper than dragging the old table along. */
const MIGRATE_AT_ONCE = 4096;
/** A scan call goes on past empty windows up to this many times `count` slots (Redis: COUNT*10 buckets). */
const SCAN_EMPTY_FACTOR = 10;
const HASH_SPACE = 2 ** 32;

export class HashIndex {
  private readonly arena: Arena;
  /** The word of an entry's chunk holding its key's length. */
  private readonly keyLengthWord: number;
  /** The byte of an entry's chunk where its key starts. */
  private readonly keyStart: number;
  private state: Uint32Array;
  private stateBase: number;
  // Cached from the state: each table's segment words, its first word there, its capacity and home shift.
  private table: Uint32Array = EMPTY_TABLE;
  private tableBase = 0;
  private capacity = 0;
  private shift = 0;
  private oldTable: Uint32Array = EMPTY_TABLE;
  private oldTableBase = 0;
  private oldCapacity = 0;
  private oldShift = 0;
  private mixer = RAW_HASHES;

  /** An index whose INDEX_STATE_WORDS state words are `state[stateBase...]`. */
  constructor(arena: Arena, keyLengthWord: number, keyStart: number, state: Uint32Array, stateBase = 0) {
    this.arena = arena;
    this.keyLengthWord = keyLengthWord;
    this.keyStart = keyStart;
    this.state = state;
    this.stateBase = stateBase;
    this.load();
  }

  /** Re-points this instance at the index whose state words are `state[stateBase...]`. */
  bind(state: Uint32Array, stateBase: number): void {
    this.state = state;
    this.stateBase = stateBase;
    this.load();
  }

  get size(): number {
    return this.state[this.stateBase + COUNT] + this.state[this.stateBase + OLD_COUNT];
  }

  /** Bytes of the tables. */
  get bytes(): number {
    return (this.capacity + this.oldCapacity) * 8;
  }

  /** The address of the entry whose key is `key` (its hash `keyHash`, unsigned), or 0. */
  find(key: Uint8Array, keyHash: number): Address {
    const hash = this.mix(keyHash);
    if (this.capacity !== 0) {
      const found = this.findIn(this.table, this.tableBase, this.capacity - 1, this.shift, key, hash);
      if (found !== 0) return found;
    }
    if (this.oldCapacity === 0) return 0;
    return this.findIn(this.oldTable, this.oldTableBase, this.oldCapacity - 1, this.oldShift, key, hash);
  }

  /** Adds an entry whose key is not in the index. */
  insert(keyHash: number, address: Address): void {
    const hash = this.mix(keyHash);
    const state = this.state;
    const base = this.stateBase;
    if (this.oldCapacity !== 0) this.migrate(MIGRATE_STEP);
    else if ((state[base + COUNT] + 1) * 4 > this.capacity * 3) this.grow();
    placeIn(this.table, this.tableBase, this.capacity - 1, this.shift, hash, address);
    state[base + COUNT]++;
  }

  /** Removes the entry at `address`, whose key hashes to `keyHash`. */
  remove(keyHash: number, address: Address): void {
    const hash = this.mix(keyHash);
    const state = this.state;
    if (this.capacity !== 0 && removeShifting(this.table, this.tableBase, this.capacity, this.shift, hash, address)) {
      state[this.stateBase + COUNT]--;
      return;
    }
    if (this.oldCapacity === 0) return;
    const word = addressWord(this.oldTable, this.oldTableBase, this.oldCapacity - 1, this.oldShift, hash, address);
    if (word < 0) return;
    this.oldTable[word] = TOMBSTONE;
    state[this.stateBase + OLD_COUNT]--;
  }

  /** Points the slot of the entry at `oldAddress` (key hash `keyHash`) at `newAddress`: the entry moved to another chunk. */
  replaceAddress(keyHash: number, oldAddress: Address, newAddress: Address): void {
    const hash = this.mix(keyHash);
    if (this.capacity !== 0) {
      const word = addressWord(this.table, this.tableBase, this.capacity - 1, this.shift, hash, oldAddress);
      if (word >= 0) {
        this.table[word] = newAddress;
        return;
      }
    }
    if (this.oldCapacity === 0) return;
    const word = addressWord(this.oldTable, this.oldTableBase, this.oldCapacity - 1, this.oldShift, hash, oldAddress);
    if (word >= 0) this.oldTable[word] = newAddress;
  }

  /** A random entry's address, or 0 when empty (RANDOMKEY, eviction samples). */
  randomAddress(): Address {
    const size = this.size;
    if (size === 0) return 0;
    const oldCount = this.state[this.stateBase + OLD_COUNT];
    const fromOld = oldCount > 0 && Math.random() * size < oldCount;
    const table = fromOld ? this.oldTable : this.table;
    const base = fromOld ? this.oldTableBase : this.tableBase;
    const capacity = fromOld ? this.oldCapacity : this.capacity;
    // Random slots until one is taken: every entry equally likely (the walk below favours an entry after a run
    // of empty slots, which skews HRANDFIELD and SRANDMEMBER). The table is at least 3/8 full unless entries were
    // deleted, so a few tries are enough; a sparse table falls back to the walk.
    for (let tries = 0; tries < RANDOM_TRIES; tries++) {
      const at = table[base + Math.floor(Math.random() * capacity) * 2 + 1];
      if (at > TOMBSTONE) return at;
    }
    let slot = Math.floor(Math.random() * capacity);
    for (let probed = 0; probed < capacity; probed++, slot = (slot + 1) & (capacity - 1)) {
      const at = table[base + slot * 2 + 1];
      if (at > TOMBSTONE) return at;
    }
    return 0;
  }

  /** Calls `visit` with every entry's address; `visit` must not change the index. */
  forEach(visit: (address: Address) => void): void {
    visitTable(this.table, this.tableBase, this.capacity, visit);
    visitTable(this.oldTable, this.oldTableBase, this.oldCapacity, visit);
  }

  /**
   * Calls `visit` with every entry whose mixed hash is in a window [cursor, end)
   * of about `count` slots of the current table, in both tables; returns
   * `end`, or 0 when the window reached the end of the hash space. Start with
   * cursor 0. Empty windows are passed over, up to SCAN_EMPTY_FACTOR times
   * `count` slots in one call. The windows of one scan partition the hash
   * space, so an entry present for the whole scan is visited exactly once,
   * whatever changes between calls; `visit` must not change the index.
   */
  scan(cursor: number, count: number, visit: (address: Address) => void): number {
    if (this.capacity === 0) return 0;
    const windowSlots = Math.max(1, Math.floor(count));
    const width = 2 ** this.shift;
    let budget = windowSlots * SCAN_EMPTY_FACTOR;
    let low = cursor >>> 0;
    let found = 0;
    for (;;) {
      const slots = Math.min(windowSlots, budget);
      const high = Math.min(HASH_SPACE, (Math.floor(low / width) + slots) * width);
      found += scanTable(this.table, this.tableBase, this.capacity, this.shift, low, high, visit);
      if (this.oldCapacity !== 0) found += scanTable(this.oldTable, this.oldTableBase, this.oldCapacity, this.oldShift, low, high, visit);
      if (high === HASH_SPACE) return 0;
      low = high;
      budget -= slots;
      if (found !== 0 || budget <= 0) return low;
    }
  }

  /** Empties the index (the entries are the caller's to free). */
  clear(): void {
    const state = this.state;
    const base = this.stateBase;
    if (state[base + TABLE] !== 0) this.arena.free(state[base + TABLE]);
    if (state[base + OLD_TABLE] !== 0) this.arena.free(state[base + OLD_TABLE]);
    state.fill(0, base, base + INDEX_STATE_WORDS);
    this.load();
  }

  /** Forgets the tables without freeing them (the arena was reset). */
  forget(): void {
    this.state.fill(0, this.stateBase, this.stateBase + INDEX_STATE_WORDS);
    this.load();
  }

  /** The longest run of taken slots in the current table (how far a probe may walk): tests, diagnostics. */
  longestRun(): number {
    let longest = 0;
    let run = 0;
    for (let slot = 0; slot < this.capacity; slot++) {
      run = this.table[this.tableBase + slot * 2 + 1] === 0 ? 0 : run + 1;
      if (run > longest) longest = run;
    }
    return longest;
  }

  /**
   * Tests: this index (empty) places entries by the hashes it is given, so
   * a test can pile them where it wants (chains wrapping past the end...).
   */
  placeByGivenHashes(): void {
    this.state[this.stateBase + MIXER] = RAW_HASHES;
    this.mixer = RAW_HASHES;
  }

  /** This index's bijection of 32-bit hashes: multiply (odd), xor-shift, multiply, xor-shift. */
  private mix(hash: number): number {
    if (this.mixer === RAW_HASHES) return hash;
    let x = Math.imul(hash, this.mixer);
    x ^= x >>> 16;
    x = Math.imul(x, 0x45d9f3b);
    return (x ^ (x >>> 16)) >>> 0;
  }

  private findIn(table: Uint32Array, base: number, mask: number, shift: number, key: Uint8Array, hash: number): Address {
    for (let slot = hash >>> shift; ; slot = (slot + 1) & mask) {
      const at = table[base + slot * 2 + 1];
      if (at === 0) return 0;
      if (table[base + slot * 2] === hash && at !== TOMBSTONE && this.keyEquals(at, key)) return at;
    }
  }

  private keyEquals(address: Address, key: Uint8Array): boolean {
    const segment = address >>> OFFSET_BITS;
    const chunk = (address & OFFSET_MASK) << 3;
    const length = key.length;
    if (this.arena.words[segment][(chunk >>> 2) + this.keyLengthWord] !== length) return false;
    const bytes = this.arena.bytes[segment];
    const start = chunk + this.keyStart;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== key[i]) return false;
    return true;
  }

  /** Re-reads the cached views from the state words. */
  private load(): void {
    const state = this.state;
    const base = this.stateBase;
    // An empty index's words are all 0 (made, cleared or forgotten): it takes a multiplier of its own.
    if (state[base + MIXER] === 0) state[base + MIXER] = randomMixer();
    this.mixer = state[base + MIXER];
    const table = state[base + TABLE];
    this.table = table === 0 ? EMPTY_TABLE : this.arena.words[table >>> OFFSET_BITS];
    this.tableBase = (table & OFFSET_MASK) << 1;
    this.capacity = state[base + CAPACITY];
    this.shift = Math.clz32(this.capacity) + 1;
    const oldTable = state[base + OLD_TABLE];
    this.oldTable = oldTable === 0 ? EMPTY_TABLE : this.arena.words[oldTable >>> OFFSET_BITS];
    this.oldTableBase = (oldTable & OFFSET_MASK) << 1;
    this.oldCapacity = state[base + OLD_CAPACITY];
    this.oldShift = Math.clz32(this.oldCapacity) + 1;
  }

  private grow(): void {
    const state = this.state;
    const base = this.stateBase;
    const capacity = this.capacity === 0 ? INITIAL_CAPACITY : this.capacity * 2;
    state[base + OLD_TABLE] = state[base + TABLE];
    state[base + OLD_CAPACITY] = state[base + CAPACITY];
    state[base + OLD_COUNT] = state[base + COUNT];
    state[base + MIGRATED] = 0;
    state[base + TABLE] = this.allocateTable(capacity);
    state[base + CAPACITY] = capacity;
    state[base + COUNT] = 0;
    this.load();
    if (this.oldCapacity <= MIGRATE_AT_ONCE) this.migrate(this.oldCapacity);
  }

  private allocateTable(capacity: number): Address {
    const bytes = capacity * 8;
    const address = this.arena.allocate(bytes, ChunkKind.Blob);
    // A size-class chunk may be a reused one; a segment of its own comes zeroed (lazily, from the system).
    if (bytes <= MAX_SMALL_CHUNK) {
      const start = (address & OFFSET_MASK) << 1;
      this.arena.words[address >>> OFFSET_BITS].fill(0, start, start + capacity * 2);
    }
    return address;
  }

  /** Moves up to `slots` slots of the old table into the current one; drops the old table once all are moved. */
  private migrate(slots: number): void {
    const state = this.state;
    const base = this.stateBase;
    const old = this.oldTable;
    const oldBase = this.oldTableBase;
    const oldCapacity = this.oldCapacity;
    const mask = this.capacity - 1;
    let slot = state[base + MIGRATED];
    const stop = Math.min(oldCapacity, slot + slots);
    for (; slot < stop; slot++) {
      const at = old[oldBase + slot * 2 + 1];
      if (at > TOMBSTONE) {
        placeIn(this.table, this.tableBase, mask, this.shift, old[oldBase + slot * 2], at);
        state[base + COUNT]++;
        state[base + OLD_COUNT]--;
      }
      if (at !== 0) old[oldBase + slot * 2 + 1] = TOMBSTONE;
    }
    state[base + MIGRATED] = slot;
    if (slot === oldCapacity) {
      if (state[base + OLD_TABLE] !== 0) this.arena.free(state[base + OLD_TABLE]);
      state[base + OLD_TABLE] = 0;
      state[base + OLD_CAPACITY] = 0;
      state[base + OLD_COUNT] = 0;
      state[base + MIGRATED] = 0;
      this.load();
    }
  }
}

const EMPTY_TABLE = new Uint32Array(0);

/** An odd multiplier other than RAW_HASHES, its high bits random. */
function randomMixer(): number {
  return ((Math.random() * 0x100000000) | 3) >>> 0;
}

function placeIn(table: Uint32Array, base: number, mask: number, shift: number, hash: number, address: Address): void {
  let slot = hash >>> shift;
  while (table[base + slot * 2 + 1] !== 0) slot = (slot + 1) & mask;
  table[base + slot * 2] = hash;
  table[base + slot * 2 + 1] = address;
}

/** The index, in `table`, of the word holding `address` (key hash `hash`); -1 when absent. */
function addressWord(table: Uint32Array, base: number, mask: number, shift: number, hash: number, address: Address): number {
  for (let slot = hash >>> shift; ; slot = (slot + 1) & mask) {
    const at = table[base + slot * 2 + 1];
    if (at === address) return base + slot * 2 + 1;
    if (at === 0) return -1;
  }
}

/** Deletes `address` from a table without tombstones, shifting later slots of its chain back; false when absent. */
function removeShifting(table: Uint32Array, base: number, capacity: number, shift: number, hash: number, address: Address): boolean {
  const mask = capacity - 1;
  let hole = hash >>> shift;
  for (;;) {
    const at = table[base + hole * 2 + 1];
    if (at === 0) return false;
    if (at === address) break;
    hole = (hole + 1) & mask;
  }
  for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
    const at = table[base + next * 2 + 1];
    if (at === 0) break;
    const home = table[base + next * 2] >>> shift;
    // The entry at `next` may fill the hole unless its home is in (hole, next], cyclically:
    // then its probe from home would stop at the hole before reaching it.
    const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
    if (stays) continue;
    table[base + hole * 2] = table[base + next * 2];
    table[base + hole * 2 + 1] = at;
    hole = next;
  }
  table[base + hole * 2] = 0;
  table[base + hole * 2 + 1] = 0;
  return true;
}

function visitTable(table: Uint32Array, base: number, capacity: number, visit: (address: Address) => void): void {
  for (let slot = 0; slot < capacity; slot++) {
    const at = table[base + slot * 2 + 1];
    if (at > TOMBSTONE) visit(at);
  }
}

/**
 * Visits the entries of one table whose hash is in [low, high); returns how
 * many. They sit from the home slot of `low` on, up to the first empty slot
 * from the window's last home slot on (cyclically): no chain crosses an
 * empty slot. At most one lap, so a window as big as the table sees each
 * slot once; entries displaced there from earlier homes are filtered out by
 * their hash.
 */
function scanTable(
  table: Uint32Array, base: number, capacity: number, shift: number, low: number, high: number, visit: (address: Address) => void,
): number {
  const mask = capacity - 1;
  const first = low >>> shift;
  const lastHome = ((high - 1) >>> shift) - first;
  let found = 0;
  let slot = first;
  for (let probed = 0; probed < capacity; probed++, slot = (slot + 1) & mask) {
    const at = table[base + slot * 2 + 1];
    if (at === 0) {
      if (probed >= lastHome) break;
      continue;
    }
    if (at === TOMBSTONE) continue;
    const hash = table[base + slot * 2];
    if (hash >= low && hash < high) {
      visit(at);
      found++;
    }
  }
  return found;
}
