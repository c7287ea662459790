// LZF, the compression Redis uses for quicklist nodes (list-compress-depth)
// and RDB strings, written into and read from caller-given buffers, so the
// arena's bytes are compressed in place with no allocation per call.
//
// The stream is a sequence of items, each starting with a control byte c:
// - c < 32: a literal run, the next c + 1 bytes copied as they are;
// - otherwise a back reference: length code c >> 5 (7: add the next byte),
//   offset high bits c & 31, then the offset's low byte; it copies
//   length code + 2 bytes from offset + 1 bytes behind the output's end
//   (the copy may overlap what it writes, which repeats a pattern).

const HASH_BITS = 14;
const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13;
const MAX_REFERENCE = (1 << 8) + (1 << 3);

/**
 * Where a 3-byte sequence was last seen, by hash; one table per thread. Each
 * call stamps positions from a base above every earlier call's stamps, so a
 * stamp below the call's base is stale: no reset of the whole table per call
 * (64 KB, which dominated compressing short strings).
 */
const lastSeen = new Int32Array(1 << HASH_BITS).fill(-1);
/** The base of the next call's stamps. */
let nextBase = 0;
const STAMP_LIMIT = 0x3fffffff;

function hashOf(bytes: Uint8Array, at: number): number {
  const v = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS)) & ((1 << HASH_BITS) - 1);
}

/**
 * Compresses input[inStart, inStart + inLength) into output at outStart, at
 * most outLimit bytes; returns the compressed length, or 0 when it does not
 * fit in outLimit (the data does not compress well enough).
 */
export function lzfCompress(input: Uint8Array, inStart: number, inLength: number, output: Uint8Array, outStart: number, outLimit: number): number {
  if (inLength === 0) return 0;
  if (nextBase + inStart + inLength >= STAMP_LIMIT) {
    lastSeen.fill(-1);
    nextBase = 0;
  }
  const base = nextBase;
  nextBase += inStart + inLength + 1;
  const inEnd = inStart + inLength;
  const outEnd = outStart + outLimit;
  let ip = inStart;
  let op = outStart;
  // The open literal run: where its control byte is, and how many bytes it holds.
  let runAt = -1;
  let run = 0;
  while (ip < inEnd) {
    if (ip + 2 < inEnd) {
      const hash = hashOf(input, ip);
      const stamp = lastSeen[hash];
      lastSeen[hash] = base + ip;
      const ref = stamp >= base ? stamp - base : -1;
      const offset = ip - ref - 1;
      if (ref >= 0 && offset < MAX_OFFSET && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
        const longest = Math.min(MAX_REFERENCE, inEnd - ip);
        let length = 3;
        while (length < longest && input[ref + length] === input[ip + length]) length++;
        if (op + 3 > outEnd) return 0;
        if (runAt >= 0) {
          output[runAt] = run - 1;
          runAt = -1;
          run = 0;
        }
        const code = length - 2;
        if (code < 7) {
          output[op++] = (code << 5) | (offset >>> 8);
        } else {
          output[op++] = (7 << 5) | (offset >>> 8);
          output[op++] = code - 7;
        }
        output[op++] = offset & 0xff;
        ip += length;
        continue;
      }
    }
    if (runAt < 0) {
      if (op + 2 > outEnd) return 0;
      runAt = op++;
    } else if (op + 1 > outEnd) {
      return 0;
    }
    output[op++] = input[ip++];
    if (++run === MAX_LITERAL) {
      output[runAt] = run - 1;
      runAt = -1;
      run = 0;
    }
  }
  if (runAt >= 0) output[runAt] = run - 1;
  return op - outStart;
}

/**
 * Decompresses input[inStart, inStart + inLength) into output at outStart,
 * expecting exactly outLength bytes; returns outLength, or -1 when the
 * stream is malformed or does not make that many bytes.
 */
export function lzfDecompress(input: Uint8Array, inStart: number, inLength: number, output: Uint8Array, outStart: number, outLength: number): number {
  const inEnd = inStart + inLength;
  const outEnd = outStart + outLength;
  let ip = inStart;
  let op = outStart;
  while (ip < inEnd) {
    const control = input[ip++];
    if (control < MAX_LITERAL) {
      const length = control + 1;
      if (ip + length > inEnd || op + length > outEnd) return -1;
      for (let i = 0; i < length; i++) output[op++] = input[ip++];
      continue;
    }
    let length = control >>> 5;
    if (length === 7) {
      if (ip >= inEnd) return -1;
      length += input[ip++];
    }
    if (ip >= inEnd) return -1;
    const from = op - ((control & 0x1f) << 8) - input[ip++] - 1;
    length += 2;
    if (from < outStart || op + length > outEnd) return -1;
    // Byte by byte: the reference may overlap the bytes being written.
    for (let i = 0; i < length; i++) output[op++] = output[from + i];
  }
  return op === outEnd ? outLength : -1;
}
