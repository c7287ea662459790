// Argument parsing shared by every command family: integers by Redis's
// string2ll rules, case-insensitive keywords, arguments as text.

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

/** Redis's getIntFromObject: an int32, or null. */
export function parseInt32(arg: Uint8Array): number | null {
  const value = parseInteger(arg);
  return value === null || value < -2147483648n || value > 2147483647n ? null : Number(value);
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

/** Arguments argv[from..to) copied out of a buffer that is reused (a socket read, a ring), for work that runs later. */
export function copyArgs(argv: Buffer[], from: number, to: number): Buffer[] {
  const copy: Buffer[] = [];
  for (let i = from; i < to; i++) copy.push(Buffer.from(argv[i]));
  return copy;
}
