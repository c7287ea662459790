// The pieces of the RDB format against plain models: strings (integer,
// LZF and plain encodings) and lengths read back as written; Redis listpacks
// read back the entries they were built from, with integers where the
// string is one's canonical form; CRC-64 as Redis's check value; bad input
// is refused with a format error, never read past its end.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RdbOutput } from '../src/store/rdb/rdb-output.ts';
import { RdbInput } from '../src/store/rdb/rdb-input.ts';
import { RdbFormatError } from '../src/store/rdb/rdb-types.ts';
import { canonicalInt64, RedisListpackBuilder, RedisListpackReader } from '../src/store/rdb/redis-listpack.ts';
import { crc64 } from '../src/store/rdb/crc64.ts';

const text = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((n) => Buffer.from(String(n))),
  fc.constantFrom('', '0', '-0', '01', '-', '+1', ' 1', 'abc'.repeat(40), '9223372036854775807', '-9223372036854775808').map((s) => Buffer.from(s)),
);

describe('RDB format pieces (property)', () => {
  it('strings and lengths read back as written, compressed or not', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(text, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 20 }), fc.boolean(), (items, compress) => {
        const out = new RdbOutput(16);
        out.compress = compress;
        for (const item of items) {
          if (typeof item === 'bigint') out.len(item <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(item) : item);
          else out.string(item);
        }
        const input = new RdbInput(Buffer.from(out.view()));
        for (const item of items) {
          if (typeof item === 'bigint') expect(input.lenBig()).toBe(item);
          else expect(input.string()).toEqual(item);
        }
        expect(input.at).toBe(input.end);
      }),
    );
  });

  it('a listpack reads back its entries; canonical integers become integers', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 40 }), (entries) => {
        const builder = new RedisListpackBuilder();
        builder.begin();
        for (const entry of entries) builder.pushString(entry);
        const lp = Buffer.from(builder.finish());
        expect(lp.readUInt32LE(0)).toBe(lp.length);
        expect(lp.readUInt16LE(4)).toBe(entries.length);
        const reader = new RedisListpackReader();
        reader.open(lp);
        for (const entry of entries) {
          expect(reader.next()).toBe(true);
          expect(reader.isInteger).toBe(canonicalInt64(entry, 0, entry.length) !== null);
          expect(Buffer.from(reader.value())).toEqual(entry);
        }
        expect(reader.next()).toBe(false);
      }),
    );
  });

  it('truncated or corrupted input is refused with a format error', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 10 }), fc.nat(), fc.nat({ max: 255 }), (entries, cut, byte) => {
        const builder = new RedisListpackBuilder();
        builder.begin();
        for (const entry of entries) builder.pushString(entry);
        const lp = Buffer.from(builder.finish());
        const damaged = Buffer.from(lp);
        damaged[6 + (cut % (lp.length - 7))] = byte;
        const reader = new RedisListpackReader();
        try {
          reader.open(damaged);
          while (reader.next()) reader.value();
        } catch (error) {
          expect(error).toBeInstanceOf(RdbFormatError);
        }
        const out = new RdbOutput();
        for (const entry of entries) out.string(entry);
        const bytes = Buffer.from(out.view());
        const input = new RdbInput(bytes, 0, cut % bytes.length);
        expect(() => {
          for (let i = 0; i < entries.length; i++) input.string();
        }).toThrow(RdbFormatError);
      }),
    );
  });

  it('CRC-64 is Redis\'s (Jones polynomial, reflected)', () => {
    expect(crc64(Buffer.from('123456789')).toString(16)).toBe('e9c6d914c4b8d9ca');
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });
});
