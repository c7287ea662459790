// Property tests of the hash index on the keyspace's record layout (key
// length at word 1, key bytes at byte 32), with fake records in an arena: it
// behaves like a Map through growth and incremental migration, several
// indexes share one instance through `bind`, and scans interleaved with
// changes return every key present throughout, once. Hashes are passed in,
// so the tests force collisions and chains that wrap past the table's end.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Arena, ChunkKind, OFFSET_BITS, OFFSET_MASK, type Address } from '../src/store/arena.ts';
import { HashIndex, INDEX_STATE_WORDS } from '../src/store/hash-index.ts';
import { HEADER_BYTES, KEY_LENGTH, LIVE, hashKey } from '../src/store/record.ts';

/** A small seeded generator, so long sequences come from one fast-check integer. */
function random32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * How keys hash: spread, piled near the end of the hash space (chains wrap
 * to slot 0), near 0, colliding, on scan window boundaries, or spread with
 * one key in 32 of each of the others (big tables keep some wrapping chains
 * without one huge cluster).
 */
const HashMode = { Spread: 0, NearEnd: 1, NearStart: 2, Colliding: 3, Mixed: 4, Aligned: 5 } as const;
type HashMode = (typeof HashMode)[keyof typeof HashMode];

function hashFor(key: Uint8Array, id: number, mode: HashMode): number {
  const real = hashKey(key);
  const use = mode === HashMode.Mixed ? MIXED[(real >>> 8) & 31] : mode;
  switch (use) {
    case HashMode.NearEnd: return (0xffffffff - (real & 0xfff)) >>> 0;
    case HashMode.NearStart: return real & 0xfff;
    case HashMode.Colliding: return (0x9e3779b9 + (id % 7) * 0x01000000) >>> 0;
    case HashMode.Aligned: return (real & 0xff000000) >>> 0;
    default: return real;
  }
}

const MIXED: HashMode[] = Array.from({ length: 32 }, (_, i) => ([HashMode.NearEnd, HashMode.NearStart, HashMode.Colliding, HashMode.Aligned][i] ?? HashMode.Spread));

class FakeRecords {
  readonly arena = new Arena(Arena.allocateControl());
  /** Every record address ever made, live or freed. */
  readonly made = new Set<Address>();

  make(key: Uint8Array): Address {
    const address = this.arena.allocate(HEADER_BYTES + key.length, ChunkKind.Record);
    const segment = address >>> OFFSET_BITS;
    const word = (address & OFFSET_MASK) << 1;
    this.arena.words[segment][word] = LIVE;
    this.arena.words[segment][word + KEY_LENGTH] = key.length;
    this.arena.bytes[segment].set(key, ((address & OFFSET_MASK) << 3) + HEADER_BYTES);
    this.made.add(address);
    return address;
  }

  keyOf(address: Address): string {
    const segment = address >>> OFFSET_BITS;
    const length = this.arena.words[segment][((address & OFFSET_MASK) << 1) + KEY_LENGTH];
    const start = ((address & OFFSET_MASK) << 3) + HEADER_BYTES;
    return Buffer.from(this.arena.bytes[segment].subarray(start, start + length)).toString('latin1');
  }
}

interface Entry {
  address: Address;
  hash: number;
}

function keyBytes(id: number): Buffer {
  // Varied lengths, some keys prefixes of others.
  return Buffer.from(`k${id}${'x'.repeat(id % 5)}`, 'latin1');
}

function checkAgainst(index: HashIndex, records: FakeRecords, model: Map<string, Entry>): void {
  expect(index.size).toBe(model.size);
  for (const [key, entry] of model) expect(index.find(Buffer.from(key, 'latin1'), entry.hash)).toBe(entry.address);
  const seen = new Map<string, Address>();
  index.forEach((address) => {
    const key = records.keyOf(address);
    expect(seen.has(key)).toBe(false);
    seen.set(key, address);
  });
  expect(seen.size).toBe(model.size);
  for (const [key, address] of seen) expect(model.get(key)?.address).toBe(address);
}

/** An index that places entries by the hashes the test gives (no mixing), so the modes above pile them where they say. */
function placedAsGiven(records: FakeRecords): HashIndex {
  const index = new HashIndex(records.arena, KEY_LENGTH, HEADER_BYTES, new Uint32Array(INDEX_STATE_WORDS));
  index.placeByGivenHashes();
  return index;
}

/** True while an old table is being migrated: the tables' capacities then sum to three powers of two's worth. */
function migrating(index: HashIndex): boolean {
  const slots = index.bytes / 8;
  return slots !== 0 && (slots & (slots - 1)) !== 0;
}

describe('HashIndex on the keyspace record layout', () => {
  it('behaves like a Map under inserts, removes, replaces and lookups', () => {
    const op = fc.record({ kind: fc.integer({ min: 0, max: 9 }), id: fc.integer({ min: 0, max: 150 }) });
    fc.assert(
      fc.property(fc.constantFrom<HashMode>(0, 1, 2, 3, 4, 5), fc.array(op, { maxLength: 600 }), (mode, ops) => {
        const records = new FakeRecords();
        const index = placedAsGiven(records);
        const model = new Map<string, Entry>();
        for (const { kind, id } of ops) {
          const key = keyBytes(id);
          const name = key.toString('latin1');
          const hash = hashFor(key, id, mode);
          const entry = model.get(name);
          if (kind <= 4) {
            if (entry !== undefined) continue;
            const address = records.make(key);
            index.insert(hash, address);
            model.set(name, { address, hash });
          } else if (kind <= 6) {
            if (entry === undefined) continue;
            index.remove(hash, entry.address);
            records.arena.free(entry.address);
            model.delete(name);
          } else if (kind === 7) {
            if (entry === undefined) continue;
            const moved = records.make(key);
            index.replaceAddress(hash, entry.address, moved);
            records.arena.free(entry.address);
            entry.address = moved;
          } else if (kind === 8) {
            expect(index.find(key, hash)).toBe(entry === undefined ? 0 : entry.address);
          } else {
            const address = index.randomAddress();
            if (model.size === 0) expect(address).toBe(0);
            else expect(model.get(records.keyOf(address))?.address).toBe(address);
          }
          expect(index.size).toBe(model.size);
        }
        checkAgainst(index, records, model);
      }),
      { numRuns: 60 },
    );
  });

  it('stays a Map through several incremental migrations, and clear frees the tables', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom<HashMode>(0, 4), fc.integer({ min: 10000, max: 14000 }), (seed, mode, total) => {
        const next = random32(seed);
        const records = new FakeRecords();
        const index = placedAsGiven(records);
        const model = new Map<string, Entry>();
        const live: string[] = [];
        let checksWhileMigrating = 0;
        for (let id = 0; id < total; id++) {
          const key = keyBytes(id);
          const name = key.toString('latin1');
          const hash = hashFor(key, id, mode);
          const address = records.make(key);
          index.insert(hash, address);
          model.set(name, { address, hash });
          live.push(name);
          // Remove one key in four, from anywhere, so old-table tombstones and shifts in the new table mix.
          if (next() % 4 === 0) {
            const at = next() % live.length;
            const victim = live[at];
            live[at] = live[live.length - 1];
            live.pop();
            const entry = model.get(victim)!;
            index.remove(entry.hash, entry.address);
            records.arena.free(entry.address);
            model.delete(victim);
          }
          if (id % 61 === 0 && migrating(index)) {
            checksWhileMigrating++;
            for (let i = 0; i < 200; i++) {
              const other = live[next() % live.length];
              const entry = model.get(other)!;
              if (index.find(Buffer.from(other, 'latin1'), entry.hash) !== entry.address) expect.fail(`lost ${other} while migrating`);
            }
          }
        }
        expect(checksWhileMigrating).toBeGreaterThan(0);
        checkAgainst(index, records, model);
        // Tables are Blob chunks: walking the Record chunks finds only records.
        let cursor = 0;
        let strangers = 0;
        do cursor = records.arena.walkRecords(cursor, 1 << 20, (address) => {
          if (!records.made.has(address)) strangers++;
          return false;
        });
        while (cursor !== 0);
        expect(strangers).toBe(0);
        let recordBytes = 0;
        for (const entry of model.values()) recordBytes += records.arena.chunkSize(entry.address);
        expect(records.arena.allocatedBytes).toBe(recordBytes + index.bytes);
        index.clear();
        expect(index.size).toBe(0);
        expect(records.arena.allocatedBytes).toBe(recordBytes);
      }),
      { numRuns: 3 },
    );
  });

  it('serves several indexes through one instance with bind', () => {
    const op = fc.record({ which: fc.integer({ min: 0, max: 2 }), remove: fc.boolean(), id: fc.integer({ min: 0, max: 400 }) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 1500 }), (ops) => {
        const records = new FakeRecords();
        // Three indexes' state words at odd places in one array.
        const state = new Uint32Array(3 + 3 * INDEX_STATE_WORDS + 5);
        const bases = [3, 3 + INDEX_STATE_WORDS, 3 + 2 * INDEX_STATE_WORDS];
        const index = new HashIndex(records.arena, KEY_LENGTH, HEADER_BYTES, state, bases[0]);
        const models = bases.map(() => new Map<string, Entry>());
        for (const { which, remove, id } of ops) {
          index.bind(state, bases[which]);
          const key = keyBytes(id);
          const name = key.toString('latin1');
          const hash = hashKey(key);
          const entry = models[which].get(name);
          if (!remove && entry === undefined) {
            const address = records.make(key);
            index.insert(hash, address);
            models[which].set(name, { address, hash });
          } else if (remove && entry !== undefined) {
            index.remove(hash, entry.address);
            records.arena.free(entry.address);
            models[which].delete(name);
          }
        }
        for (let which = 0; which < bases.length; which++) {
          index.bind(state, bases[which]);
          checkAgainst(index, records, models[which]);
        }
        expect(state[0] + state[1] + state[2]).toBe(0);
        expect(state.subarray(3 + 3 * INDEX_STATE_WORDS).every((word) => word === 0)).toBe(true);
        // A second instance over the same state sees the same index (a thread taking over).
        const again = new HashIndex(records.arena, KEY_LENGTH, HEADER_BYTES, state, bases[1]);
        checkAgainst(again, records, models[1]);
      }),
      { numRuns: 30 },
    );
  });

  it('scans return every key present throughout exactly once, whatever changes between calls', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom<HashMode>(0, 1, 2, 3, 4, 5),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 80 }),
        (seed, mode, initial, count, churn) => {
          const next = random32(seed);
          const records = new FakeRecords();
          const index = placedAsGiven(records);
          const model = new Map<string, Entry>();
          const live: string[] = [];
          let nextId = 0;
          const add = (): void => {
            const id = nextId++;
            const key = keyBytes(id);
            const hash = hashFor(key, id, mode);
            const address = records.make(key);
            index.insert(hash, address);
            model.set(key.toString('latin1'), { address, hash });
            live.push(key.toString('latin1'));
          };
          const removeAny = (): string | null => {
            if (live.length === 0) return null;
            const at = next() % live.length;
            const name = live[at];
            live[at] = live[live.length - 1];
            live.pop();
            const entry = model.get(name)!;
            index.remove(entry.hash, entry.address);
            records.arena.free(entry.address);
            model.delete(name);
            return name;
          };
          // Piled-up hashes make one long cluster: fewer keys keep the run short.
          const keys = mode === HashMode.Spread || mode === HashMode.Mixed ? initial : initial >> 3;
          for (let i = 0; i < keys; i++) add();
          const throughout = new Set(model.keys());
          const everPresent = new Set(model.keys());
          const returned = new Set<string>();
          let cursor = 0;
          let calls = 0;
          do {
            cursor = index.scan(cursor, count, (address) => {
              const name = records.keyOf(address);
              if (model.get(name)?.address !== address) expect.fail(`scan returned a stale address for ${name}`);
              // Windows partition the hash space, so even a re-added key comes back at most once.
              if (returned.has(name)) expect.fail(`scan returned ${name} twice`);
              returned.add(name);
            });
            calls++;
            // Between calls: bursts of inserts (growth, migration) and removes.
            const inserts = next() % (churn + 1);
            for (let i = 0; i < inserts; i++) {
              add();
              everPresent.add(keyBytes(nextId - 1).toString('latin1'));
            }
            const removes = next() % (churn + 1);
            for (let i = 0; i < removes; i++) {
              const gone = removeAny();
              if (gone !== null) throughout.delete(gone);
            }
          } while (cursor !== 0 && calls < 1e6);
          expect(cursor).toBe(0);
          for (const name of throughout) if (!returned.has(name)) expect.fail(`scan missed ${name}`);
          for (const name of returned) expect(everPresent.has(name)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('scans see the old table while it migrates', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom<HashMode>(0, 4, 5), fc.integer({ min: 5900, max: 6140 }), fc.integer({ min: 4, max: 32 }), (seed, mode, initial, count) => {
        const next = random32(seed);
        const records = new FakeRecords();
        const index = placedAsGiven(records);
        const live: Entry[] = [];
        let nextId = 0;
        const add = (): void => {
          const id = nextId++;
          const key = keyBytes(id);
          const hash = hashFor(key, id, mode);
          const address = records.make(key);
          index.insert(hash, address);
          live.push({ address, hash });
        };
        for (let i = 0; i < initial; i++) add();
        const throughout = new Set(live.map((entry) => entry.address));
        const returned = new Set<Address>();
        let cursor = 0;
        let callsWhileMigrating = 0;
        do {
          if (migrating(index)) callsWhileMigrating++;
          cursor = index.scan(cursor, count, (address) => {
            if (returned.has(address)) expect.fail('returned twice');
            returned.add(address);
          });
          // Net growth, so the table doubles (and migrates incrementally) mid-scan.
          for (let i = next() % 13; i > 0; i--) add();
          for (let i = next() % 5; i > 0; i--) {
            const at = next() % live.length;
            const entry = live[at];
            live[at] = live[live.length - 1];
            live.pop();
            index.remove(entry.hash, entry.address);
            throughout.delete(entry.address);
          }
        } while (cursor !== 0);
        expect(callsWhileMigrating).toBeGreaterThan(0);
        for (const address of throughout) if (!returned.has(address)) expect.fail(`scan missed ${records.keyOf(address)}`);
      }),
      { numRuns: 8 },
    );
  });

  it('passes over empty windows of a big, nearly empty table in a bounded number of calls', () => {
    const records = new FakeRecords();
    const index = placedAsGiven(records);
    const addresses: Entry[] = [];
    for (let id = 0; id < 50000; id++) {
      const key = keyBytes(id);
      const address = records.make(key);
      const hash = hashKey(key);
      index.insert(hash, address);
      addresses.push({ address, hash });
    }
    // Finish any migration so the capacity reads off `bytes`.
    for (let id = 50000; migrating(index); id++) {
      const key = keyBytes(id);
      const address = records.make(key);
      const hash = hashKey(key);
      index.insert(hash, address);
      addresses.push({ address, hash });
    }
    const capacity = index.bytes / 8;
    for (const { address, hash } of addresses.slice(5)) index.remove(hash, address);
    expect(index.size).toBe(5);
    const count = 10;
    let cursor = 0;
    let calls = 0;
    let found = 0;
    do {
      cursor = index.scan(cursor, count, () => found++);
      calls++;
    } while (cursor !== 0);
    expect(found).toBe(5);
    expect(calls).toBeLessThanOrEqual(Math.ceil(capacity / (count * 10)) + 5);
  });

  it('scans with a count bigger than the table, and from an unaligned cursor', () => {
    const records = new FakeRecords();
    const index = placedAsGiven(records);
    const hashes = new Map<Address, number>();
    for (let id = 0; id < 11; id++) {
      const key = keyBytes(id);
      const hash = hashFor(key, id, HashMode.NearEnd);
      const address = records.make(key);
      index.insert(hash, address);
      hashes.set(address, hash);
    }
    const all: Address[] = [];
    expect(index.scan(0, 1000, (address) => all.push(address))).toBe(0);
    expect(all.sort()).toEqual([...hashes.keys()].sort());
    const from = 0xfffff800;
    const later: Address[] = [];
    let cursor = from;
    do cursor = index.scan(cursor, 1, (address) => later.push(address));
    while (cursor !== 0);
    expect(later.sort()).toEqual([...hashes].filter(([, hash]) => hash >= from).map(([address]) => address).sort());
  });

  it("keeps probe runs short when fed in another index's scan order (a copy of a big set, a database copied with SCAN)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 20000, max: 40000 }), (total) => {
        const records = new FakeRecords();
        const source = new HashIndex(records.arena, KEY_LENGTH, HEADER_BYTES, new Uint32Array(INDEX_STATE_WORDS));
        const hashes = new Map<string, number>();
        for (let id = 0; id < total; id++) {
          const key = keyBytes(id);
          const hash = hashKey(key);
          source.insert(hash, records.make(key));
          hashes.set(key.toString('latin1'), hash);
        }
        const copy = new HashIndex(records.arena, KEY_LENGTH, HEADER_BYTES, new Uint32Array(INDEX_STATE_WORDS));
        let longest = 0;
        let cursor = 0;
        do cursor = source.scan(cursor, 100, (address) => {
          const name = records.keyOf(address);
          copy.insert(hashes.get(name)!, records.make(Buffer.from(name, 'latin1')));
          // Mid-way: a linear-probing table's final layout is the same whatever the order, the runs on the way are not.
          if (copy.size % 997 === 0) longest = Math.max(longest, copy.longestRun());
        });
        while (cursor !== 0);
        expect(copy.size).toBe(total);
        // Random placement at 3/4 load keeps runs in the low hundreds; in the source's own order they grow with the keys.
        expect(longest).toBeLessThan(total / 40);
      }),
      { numRuns: 3 },
    );
  });
});
