// One logical database (SELECT n) of one shard.
//
// Keys are looked up through a Map keyed by the key's bytes as a latin1
// string (one char per byte: binary safe). Every entry also sits at a stable
// position in `slots`, which never moves while the key lives: SCAN's cursor
// is a position there, so a key present for a whole scan is always returned.
// Keys with a TTL are also kept in `volatile`, for O(1) random sampling by
// the active expire cycle.

import { Entry } from './entry.ts';

export class Database {
  private readonly map = new Map<string, Entry>();
  private readonly slots: (Entry | null)[] = [];
  private readonly freeSlots: number[] = [];
  readonly volatile: Entry[] = [];

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

  randomVolatile(): Entry {
    return this.volatile[Math.floor(Math.random() * this.volatile.length)];
  }

  /**
   * Visits up to `budget` slots from `cursor`; returns the next cursor, 0 at the end.
   */
  scan(cursor: number, budget: number, visit: (entry: Entry) => void): number {
    const slots = this.slots;
    let position = cursor;
    for (let visited = 0; position < slots.length && visited < budget; position++) {
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
