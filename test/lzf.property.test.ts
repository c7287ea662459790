// LZF against its definition: whatever is compressed decompresses to the same
// bytes (data that repeats, and data that does not), an output too small is
// refused rather than overrun, malformed streams are refused, and a stream
// stock redis-server 7.0.15 wrote (an RDB string) decompresses as Redis wrote it.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lzfCompress, lzfDecompress } from '../src/store/lzf.ts';

// Repetitive runs mixed with random bytes, so both literals and references come up.
const data = fc
  .array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom('abc', 'hello hello ', 'x'.repeat(300)).map((text) => Buffer.from(text))), { maxLength: 60 })
  .map((parts) => Buffer.concat(parts));

describe('LZF (property)', () => {
  it('decompresses what it compressed, at any offsets', () => {
    fc.assert(
      fc.property(data, fc.nat({ max: 50 }), fc.nat({ max: 50 }), (input, inOffset, outOffset) => {
        const source = Buffer.concat([Buffer.alloc(inOffset, 0xee), input]);
        const compressed = Buffer.alloc(outOffset + input.length * 2 + 16);
        const length = lzfCompress(source, inOffset, input.length, compressed, outOffset, input.length * 2 + 16);
        if (input.length === 0) {
          expect(length).toBe(0);
          return;
        }
        expect(length).toBeGreaterThan(0);
        const restored = Buffer.alloc(input.length + 8, 0xaa);
        expect(lzfDecompress(compressed, outOffset, length, restored, 4, input.length)).toBe(input.length);
        expect(restored.subarray(4, 4 + input.length)).toEqual(input);
        // A wrong expected length is refused.
        expect(lzfDecompress(compressed, outOffset, length, Buffer.alloc(input.length + 1), 0, input.length + 1)).toBe(-1);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses an output too small instead of writing past it', () => {
    fc.assert(
      fc.property(data.filter((input) => input.length > 4), fc.nat(), (input, cut) => {
        const full = Buffer.alloc(input.length * 2 + 16);
        const length = lzfCompress(input, 0, input.length, full, 0, full.length);
        const limit = cut % length;
        const output = Buffer.alloc(limit + 8, 0x55);
        expect(lzfCompress(input, 0, input.length, output, 0, limit)).toBe(0);
        expect(output.subarray(limit)).toEqual(Buffer.alloc(8, 0x55));
      }),
    );
  });

  it('compresses repetitive data well and refuses malformed streams', () => {
    const input = Buffer.from('redis '.repeat(1000));
    const output = Buffer.alloc(input.length);
    const length = lzfCompress(input, 0, input.length, output, 0, output.length);
    expect(length).toBeLessThan(input.length / 20);
    const target = Buffer.alloc(input.length);
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 0, 2, target, 0, 10)).toBe(-1); // a reference before the start
    expect(lzfDecompress(Buffer.from([0x05, 0x61]), 0, 2, target, 0, 6)).toBe(-1); // a literal run cut short
  });

  it('reads a stream stock Redis wrote in an RDB file', () => {
    const written = Buffer.from('0668656c6c6f2068e00205077468726561646973e004148020e06c1a096162636465666768696ae00a09006a', 'hex');
    const expected = Buffer.from('hello hello hello threadis '.repeat(6) + 'abcdefghij'.repeat(3));
    const output = Buffer.alloc(expected.length);
    expect(lzfDecompress(written, 0, written.length, output, 0, expected.length)).toBe(expected.length);
    expect(output).toEqual(expected);
  });
});
