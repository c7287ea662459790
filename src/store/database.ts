// One logical database (SELECT n) of one shard.
//
// Keys are looked up through a Map keyed by the key's bytes as a latin1
// string (one char per byte: binary safe). Every entry also sits at a stable
// position in `slots`, which never moves while the key lives: SCAN's cursor
// is a position there, so a key present for a whole scan is always returned.
// Keys with a TTL are also kept in `volatile`, which the active expire cycle
// walks.

import { Entry } from './entry.ts';

export class Database {
  private readonly map = new Map<string, Entry>();
  private readonly slots: (Entry | null)[] = [];
  private readonly freeSlots: number[] = [];
  readonly volatile: Entry[] = [];
  /** Where the active expire cycle goes on in `volatile`. */
  private expireCursor = 0;

  get size(): number {
    return this.map.size;
  }

  get volatileCount(): number {
    return this.volatile.length;
  }

  /** The entry, expired or not: callers go through ShardStore, which applies lazy expiry. */
  peek(key: Buffer): Entry | undefined {
    return this.map.get(key.toString('latin1'));
  }

  add(entry: Entry): void {
    const name = entry.key.toString('latin1');
    const previous = this.map.get(name);
    if (previous !== undefined) this.remove(previous);
    this.map.set(name, entry);
    const slot = this.freeSlots.length > 0 ? (this.freeSlots.pop() as number) : this.slots.length;
    this.slots[slot] = entry;
    entry.slot = slot;
    if (entry.expireAt !== 0) this.trackVolatile(entry);
  }

  remove(entry: Entry): void {
    this.map.delete(entry.key.toString('latin1'));
    this.slots[entry.slot] = null;
    this.freeSlots.push(entry.slot);
    entry.slot = -1;
    if (entry.volatileIndex !== -1) this.untrackVolatile(entry);
  }

  setExpire(entry: Entry, expireAt: number): void {
    entry.expireAt = expireAt;
    if (expireAt !== 0 && entry.volatileIndex === -1) this.trackVolatile(entry);
    else if (expireAt === 0 && entry.volatileIndex !== -1) this.untrackVolatile(entry);
  }

  clear(): void {
    this.map.clear();
    this.slots.length = 0;
    this.freeSlots.length = 0;
    this.volatile.length = 0;
  }

  /** Every live-or-expired entry; callers filter expired ones. */
  entries(): IterableIterator<Entry> {
    return this.map.values();
  }

  randomEntry(): Entry | undefined {
    if (this.map.size === 0) return undefined;
    const slotCount = this.slots.length;
    // Dense enough: probing random slots finds one fast.
    if (this.map.size * 4 >= slotCount) {
      for (;;) {
        const entry = this.slots[Math.floor(Math.random() * slotCount)];
        if (entry) return entry;
      }
    }
    let skip = Math.floor(Math.random() * this.map.size);
    for (const entry of this.map.values()) if (skip-- === 0) return entry;
    return undefined;
  }

  /**
   * The active expire cycle's next key with a TTL: it walks `volatile` round
   * and round (as Redis walks its expires table with a cursor), so every key
   * with a TTL is checked within volatileCount / 20 samples. Call
   * `passVolatile` after a key that stays; a removed one's place is taken by
   * the last key, which comes next.
   */
  nextVolatile(): Entry {
    if (this.expireCursor >= this.volatile.length) this.expireCursor = 0;
    return this.volatile[this.expireCursor];
  }

  passVolatile(): void {
    this.expireCursor++;
  }

  /**
   * SCAN's step: visits up to `budget` entries from slot `cursor`, stepping
   * over at most ten times `budget` slots in all (as Redis caps a SCAN call at
   * COUNT*10 buckets, so a sparse table never makes one call long); returns
   * the next cursor, 0 at the end. `visit` may remove the entry it is given.
   */
  scan(cursor: number, budget: number, visit: (entry: Entry) => void): number {
    const slots = this.slots;
    const stop = Math.min(slots.length, cursor + budget * 10);
    let position = cursor;
    for (let visited = 0; position < stop && visited < budget; position++) {
      const entry = slots[position];
      if (entry) {
        visit(entry);
        visited++;
      }
    }
    return position >= slots.length ? 0 : position;
  }

  private trackVolatile(entry: Entry): void {
    entry.volatileIndex = this.volatile.length;
    this.volatile.push(entry);
  }

  private untrackVolatile(entry: Entry): void {
    const last = this.volatile.pop() as Entry;
    if (last !== entry) {
      this.volatile[entry.volatileIndex] = last;
      last.volatileIndex = entry.volatileIndex;
    }
    entry.volatileIndex = -1;
  }
}
