// Property tests of the off-heap dict against a Map model: sets (values of
// varied sizes, so entries are rewritten in place or move), deletes, lookups,
// random picks and walks; growth through incremental migrations; several
// dicts in one arena through one instance; scans interleaved with changes;
// and its byte count against the arena's.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Arena, OFFSET_BITS, type Address } from '../src/store/arena.ts';
import {
  Dict, entryFieldLength, entryFieldStart, entryFieldView, entryValueLength, entryValueStart, entryValueView,
} from '../src/store/dict.ts';

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

function newArena(): Arena {
  return new Arena(Arena.allocateControl());
}

/** A field name of varied length (empty included); some are prefixes of others. */
function fieldBytes(id: number): Buffer {
  return id === 0 ? Buffer.alloc(0) : Buffer.from(`f${id}:${'y'.repeat(id % 7)}`, 'latin1');
}

/** A value of `length` bytes whose content depends on `salt`. */
function valueBytes(length: number, salt: number): Buffer {
  const value = Buffer.alloc(length);
  for (let i = 0; i < length; i++) value[i] = (salt + i * 31) & 0xff;
  return value;
}

function fieldOf(arena: Arena, entry: Address): string {
  return entryFieldView(arena, entry).toString('latin1');
}

/** The dict holds exactly the model, read through every reader. */
function checkAgainst(dict: Dict, arena: Arena, model: Map<string, Buffer>): void {
  expect(dict.size).toBe(model.size);
  for (const [field, value] of model) {
    const entry = dict.find(Buffer.from(field, 'latin1'));
    if (entry === 0) expect.fail(`lost ${field}`);
    if (!entryValueView(arena, entry).equals(value)) expect.fail(`wrong value for ${field}`);
  }
  const seen = new Set<string>();
  dict.forEach((entry) => {
    const bytes = arena.bytes[entry >>> OFFSET_BITS];
    const field = Buffer.from(bytes.subarray(entryFieldStart(arena, entry), entryFieldStart(arena, entry) + entryFieldLength(arena, entry))).toString('latin1');
    const value = Buffer.from(bytes.subarray(entryValueStart(arena, entry), entryValueStart(arena, entry) + entryValueLength(arena, entry)));
    if (seen.has(field)) expect.fail(`${field} walked twice`);
    seen.add(field);
    if (!model.get(field)?.equals(value)) expect.fail(`walked ${field} with a wrong value`);
  });
  expect(seen.size).toBe(model.size);
}

/** Bytes of the entries and the header: what `bytes` has besides the tables. */
function tableBytes(dict: Dict, arena: Arena, header: Address): number {
  let bytes = arena.chunkSize(header);
  dict.forEach((entry) => {
    bytes += arena.chunkSize(entry);
  });
  return dict.bytes - bytes;
}

function migrating(dict: Dict, arena: Arena, header: Address): boolean {
  const slots = tableBytes(dict, arena, header) / 8;
  return slots !== 0 && (slots & (slots - 1)) !== 0;
}

const operation = fc.record({
  kind: fc.integer({ min: 0, max: 9 }),
  id: fc.integer({ min: 0, max: 120 }),
  length: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 300 })),
  salt: fc.integer({ min: 0, max: 255 }),
});

describe('Dict', () => {
  it('behaves like a Map under sets, overwrites, deletes and lookups, and counts its bytes', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 500 }), (ops) => {
        const arena = newArena();
        const dict = new Dict(arena);
        const header = dict.create();
        const model = new Map<string, Buffer>();
        expect(dict.size).toBe(0);
        expect(dict.random()).toBe(0);
        for (const { kind, id, length, salt } of ops) {
          const field = fieldBytes(id);
          const name = field.toString('latin1');
          if (kind <= 4) {
            const value = valueBytes(length, salt);
            expect(dict.set(field, value)).toBe(!model.has(name));
            model.set(name, value);
          } else if (kind <= 6) {
            expect(dict.delete(field)).toBe(model.delete(name));
          } else if (kind === 7) {
            const entry = dict.find(field);
            const value = model.get(name);
            if (value === undefined) expect(entry).toBe(0);
            else expect(entryValueView(arena, entry).equals(value)).toBe(true);
          } else if (kind === 8) {
            const entry = dict.random();
            if (model.size === 0) expect(entry).toBe(0);
            else expect(model.get(fieldOf(arena, entry))?.equals(entryValueView(arena, entry))).toBe(true);
          } else {
            // A value taken from the dict itself (a view of its own entry) survives being set back, and moved.
            const entry = dict.find(field);
            if (entry === 0) continue;
            const own = entryValueView(arena, entry);
            const doubled = Buffer.concat([own, own]);
            dict.set(field, own.length > 150 ? own.subarray(0, 3) : doubled);
            model.set(name, own.length > 150 ? Buffer.from(doubled.subarray(0, 3)) : doubled);
          }
          expect(dict.size).toBe(model.size);
          expect(dict.bytes).toBe(arena.allocatedBytes);
        }
        checkAgainst(dict, arena, model);
        dict.open(header).destroy();
        expect(arena.allocatedBytes).toBe(0);
      }),
      { numRuns: 80 },
    );
  });

  it('grows through several incremental migrations, values moving meanwhile', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 9000, max: 16000 }), (seed, total) => {
        const next = random32(seed);
        const arena = newArena();
        const dict = new Dict(arena);
        const header = dict.create();
        const model = new Map<string, Buffer>();
        const live: string[] = [];
        let checksWhileMigrating = 0;
        for (let id = 1; id <= total; id++) {
          const field = fieldBytes(id);
          const value = valueBytes(next() % 40, id);
          dict.set(field, value);
          model.set(field.toString('latin1'), value);
          live.push(field.toString('latin1'));
          const roll = next() % 8;
          if (roll === 0) {
            // Delete one from anywhere: tombstones in the old table, shifts in the new.
            const at = next() % live.length;
            const victim = live[at];
            live[at] = live[live.length - 1];
            live.pop();
            expect(dict.delete(Buffer.from(victim, 'latin1'))).toBe(true);
            model.delete(victim);
          } else if (roll === 1) {
            // Overwrite one with a bigger value: it moves, its slot (maybe in the old table) follows.
            const name = live[next() % live.length];
            const bigger = valueBytes(60 + (next() % 250), id);
            expect(dict.set(Buffer.from(name, 'latin1'), bigger)).toBe(false);
            model.set(name, bigger);
          }
          if (id % 211 === 0 && migrating(dict, arena, header)) {
            checksWhileMigrating++;
            for (let i = 0; i < 100; i++) {
              const name = live[next() % live.length];
              const entry = dict.find(Buffer.from(name, 'latin1'));
              if (entry === 0 || !entryValueView(arena, entry).equals(model.get(name)!)) expect.fail(`lost ${name} while migrating`);
            }
          }
        }
        expect(checksWhileMigrating).toBeGreaterThan(0);
        checkAgainst(dict, arena, model);
        expect(dict.bytes).toBe(arena.allocatedBytes);
        dict.destroy();
        expect(arena.allocatedBytes).toBe(0);
      }),
      { numRuns: 3 },
    );
  });

  it('keeps several dicts in one arena apart through one instance', () => {
    const op = fc.record({ which: fc.integer({ min: 0, max: 3 }), kind: fc.integer({ min: 0, max: 5 }), id: fc.integer({ min: 0, max: 300 }), length: fc.integer({ min: 0, max: 200 }) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 2500 }), (ops) => {
        const arena = newArena();
        // Something else in the arena first: the dicts' bytes are a delta.
        const other = new Dict(arena);
        const otherHeader = other.create();
        other.set(Buffer.from('x'), valueBytes(77, 1));
        const before = arena.allocatedBytes;
        const dict = new Dict(arena);
        const headers = [dict.create(), dict.create(), dict.create(), dict.create()];
        const models = headers.map(() => new Map<string, Buffer>());
        for (const { which, kind, id, length } of ops) {
          dict.open(headers[which]);
          const field = fieldBytes(id);
          const name = field.toString('latin1');
          if (kind <= 3) {
            const value = valueBytes(length, which);
            expect(dict.set(field, value)).toBe(!models[which].has(name));
            models[which].set(name, value);
          } else {
            expect(dict.delete(field)).toBe(models[which].delete(name));
          }
        }
        let total = 0;
        for (let which = 0; which < headers.length; which++) {
          dict.open(headers[which]);
          checkAgainst(dict, arena, models[which]);
          total += dict.bytes;
        }
        expect(arena.allocatedBytes - before).toBe(total);
        for (let which = 0; which < headers.length; which++) dict.open(headers[which]).destroy();
        expect(arena.allocatedBytes).toBe(before);
        other.open(otherHeader);
        expect(entryValueView(arena, other.find(Buffer.from('x'))).equals(valueBytes(77, 1))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('scans return every field present throughout exactly once, nothing never present', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        // Small dicts, or ones about to pass 6144 fields: the table then doubles and migrates incrementally mid-scan.
        fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 5900, max: 6140 })),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 12 }),
        (seed, initial, count, churn) => {
          const next = random32(seed);
          const arena = newArena();
          const dict = new Dict(arena);
          dict.create();
          const live: string[] = [];
          const present = new Set<string>();
          let nextId = 1;
          const add = (): string => {
            const field = fieldBytes(nextId++);
            dict.set(field, valueBytes(next() % 20, nextId));
            const name = field.toString('latin1');
            live.push(name);
            present.add(name);
            return name;
          };
          for (let i = 0; i < initial; i++) add();
          const throughout = new Set(live);
          const everPresent = new Set(live);
          const returned = new Set<string>();
          let cursor = 0;
          let calls = 0;
          do {
            cursor = dict.scan(cursor, count, (entry) => {
              const name = fieldOf(arena, entry);
              if (!present.has(name)) expect.fail(`scan returned ${name}, not in the dict`);
              // Windows partition the hash space: a field comes back at most once, even deleted and re-added.
              if (returned.has(name)) expect.fail(`scan returned ${name} twice`);
              returned.add(name);
            });
            calls++;
            for (let i = next() % (churn + 1); i > 0; i--) everPresent.add(add());
            for (let i = next() % (churn + 1); i > 0 && live.length > 0; i--) {
              const at = next() % live.length;
              const name = live[at];
              const roll = next() % 3;
              if (roll === 0) {
                // Overwrite with a bigger value: the entry moves, and stays in the scan.
                dict.set(Buffer.from(name, 'latin1'), valueBytes(100 + (next() % 200), i));
                continue;
              }
              live[at] = live[live.length - 1];
              live.pop();
              dict.delete(Buffer.from(name, 'latin1'));
              present.delete(name);
              throughout.delete(name);
              if (roll === 1) {
                // Deleted and re-added: it may or may not come back, once at most.
                dict.set(Buffer.from(name, 'latin1'), valueBytes(5, i));
                live.push(name);
                present.add(name);
              }
            }
          } while (cursor !== 0 && calls < 1e6);
          expect(cursor).toBe(0);
          for (const name of throughout) if (!returned.has(name)) expect.fail(`scan missed ${name}`);
          for (const name of returned) if (!everPresent.has(name)) expect.fail(`scan returned ${name}, never present`);
          expect(dict.bytes).toBe(arena.allocatedBytes);
          dict.destroy();
          expect(arena.allocatedBytes).toBe(0);
        },
      ),
      { numRuns: 16 },
    );
  });

  it('scans an empty dict in one call, and a set-like dict of empty values', () => {
    const arena = newArena();
    const dict = new Dict(arena);
    dict.create();
    let visited = 0;
    expect(dict.scan(0, 10, () => visited++)).toBe(0);
    for (let id = 0; id < 1000; id++) expect(dict.set(fieldBytes(id), Buffer.alloc(0))).toBe(true);
    expect(dict.set(fieldBytes(3), Buffer.alloc(0))).toBe(false);
    const seen = new Set<string>();
    let cursor = 0;
    do cursor = dict.scan(cursor, 25, (entry) => {
      expect(entryValueLength(arena, entry)).toBe(0);
      seen.add(fieldOf(arena, entry));
    });
    while (cursor !== 0);
    expect(seen.size).toBe(1000);
    expect(dict.delete(fieldBytes(0))).toBe(true);
    expect(dict.delete(fieldBytes(0))).toBe(false);
    expect(dict.find(fieldBytes(0))).toBe(0);
    expect(dict.size).toBe(999);
    dict.destroy();
    expect(arena.allocatedBytes).toBe(0);
    expect(visited).toBe(0);
  });
});
