// Argument parsing shared by every command family, with Redis's rules
// (string2ll, string2ld) and its error words.

const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/** Redis's string2ll: an optional '-', digits, no leading zeros or spaces, in int64 range. Null otherwise. */
export function parseInteger(bytes: Uint8Array): bigint | null {
  const length = bytes.length;
  if (length === 0 || length > 20) return null;
  let i = 0;
  const negative = bytes[0] === 0x2d;
  if (negative) {
    i = 1;
    if (length === 1) return null;
  }
  if (bytes[i] === 0x30) return length === 1 ? 0n : null; // "0" alone, no leading zeros, no "-0"
  let small = 0;
  for (let j = i; j < length; j++) {
    const digit = bytes[j] - 48;
    if (digit < 0 || digit > 9) return null;
    small = small * 10 + digit;
  }
  if (small <= Number.MAX_SAFE_INTEGER) return BigInt(negative ? -small : small);
  const text = Buffer.from(bytes).toString('latin1');
  const value = BigInt(text);
  return value > MAX_INT64 || value < MIN_INT64 ? null : value;
}

/** Like parseInteger, as a JS number; null when not an integer or beyond ±2^53. */
export function parseSafeInteger(bytes: Uint8Array): number | null {
  const value = parseInteger(bytes);
  if (value === null) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Redis's string2ld/strtold rules for a float argument: no spaces, no empty
 * string, "inf"/"-inf" allowed, NaN refused. Null when invalid.
 */
export function parseFloatArg(bytes: Uint8Array): number | null {
  const length = bytes.length;
  if (length === 0 || length > 5000) return null;
  const text = Buffer.from(bytes).toString('latin1');
  if (isSpaceChar(text.charCodeAt(0)) || isSpaceChar(text.charCodeAt(length - 1))) return null;
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) && !/^[+-]?0x[0-9a-f]+$/i.test(text)) return null;
  const value = /x/i.test(text) ? parseHexFloat(text) : Number(text);
  return Number.isNaN(value) ? null : value;
}

function parseHexFloat(text: string): number {
  const negative = text.startsWith('-');
  const digits = text.replace(/^[+-]?0x/i, '');
  const value = parseInt(digits, 16);
  return negative ? -value : value;
}

function isSpaceChar(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Case-insensitive compare of an argument with an ASCII keyword (given in lowercase). */
export function isKeyword(arg: Uint8Array, lowercase: string): boolean {
  if (arg.length !== lowercase.length) return false;
  for (let i = 0; i < arg.length; i++) {
    if ((arg[i] | 0x20) !== lowercase.charCodeAt(i)) return false;
  }
  return true;
}

export function argText(arg: Uint8Array): string {
  return Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString();
}
