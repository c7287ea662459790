// C's strtod as glibc reads a double, for the sorted-set arguments Redis
// parses with it (scores, weights, score ranges): optional leading spaces, a
// sign, "inf"/"infinity"/"nan" in any case, hexadecimal floats ("0x1.8p3"),
// and decimals; where it stopped, and whether the value overflowed or
// underflowed (errno ERANGE). Decimal text converts through Number(), which
// rounds correctly, as glibc does.

/** Where the last strtod call stopped, and whether it set ERANGE. */
export const strtodState = { end: 0, rangeError: false };

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

function matchesWord(bytes: Uint8Array, at: number, end: number, word: string): boolean {
  if (end - at < word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(bytes[at + i]) !== word.charCodeAt(i)) return false;
  return true;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = lower(c);
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** bytes[start..end) as text (short: a loop, no Buffer object). */
function asciiText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 32) return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** strtod over bytes[start..end): the value (0 when nothing was read: then strtodState.end is `start`). */
export function strtod(bytes: Uint8Array, start: number, end: number): number {
  const state = strtodState;
  state.rangeError = false;
  state.end = start;
  let at = start;
  while (at < end && isSpace(bytes[at])) at++;
  let negative = false;
  if (at < end && (bytes[at] === 0x2b || bytes[at] === 0x2d)) {
    negative = bytes[at] === 0x2d;
    at++;
  }
  const sign = negative ? -1 : 1;
  if (matchesWord(bytes, at, end, 'inf')) {
    state.end = matchesWord(bytes, at, end, 'infinity') ? at + 8 : at + 3;
    return sign * Infinity;
  }
  if (matchesWord(bytes, at, end, 'nan')) {
    let stop = at + 3;
    if (stop < end && bytes[stop] === 0x28) {
      let close = stop + 1;
      while (close < end && (isDigit(bytes[close]) || hexValue(bytes[close]) >= 0 || lower(bytes[close]) >= 0x61 && lower(bytes[close]) <= 0x7a || bytes[close] === 0x5f)) close++;
      if (close < end && bytes[close] === 0x29) stop = close + 1;
    }
    state.end = stop;
    return NaN;
  }
  if (at + 1 < end && bytes[at] === 0x30 && lower(bytes[at + 1]) === 0x78) {
    const value = hexFloat(bytes, at + 2, end, negative);
    if (state.end !== start) return value;
    // "0x" with no hex digit after it: strtod reads the "0" alone.
    state.end = at + 1;
    return negative ? -0 : 0;
  }
  // Decimal: digits [. digits] [e [sign] digits], at least one digit in the mantissa.
  const mantissaStart = at;
  let digits = 0;
  let nonZero = false;
  while (at < end && isDigit(bytes[at])) {
    if (bytes[at] !== 0x30) nonZero = true;
    at++;
    digits++;
  }
  if (at < end && bytes[at] === 0x2e) {
    at++;
    while (at < end && isDigit(bytes[at])) {
      if (bytes[at] !== 0x30) nonZero = true;
      at++;
      digits++;
    }
  }
  if (digits === 0) return 0;
  if (at < end && lower(bytes[at]) === 0x65) {
    let e = at + 1;
    if (e < end && (bytes[e] === 0x2b || bytes[e] === 0x2d)) e++;
    if (e < end && isDigit(bytes[e])) {
      while (e < end && isDigit(bytes[e])) e++;
      at = e;
    }
  }
  state.end = at;
  const magnitude = Number(asciiText(bytes, mantissaStart, at));
  if (magnitude === Infinity || (magnitude === 0 && nonZero)) state.rangeError = true;
  else if (magnitude !== 0 && magnitude < 2.2250738585072014e-308) state.rangeError = true;
  return sign * magnitude;
}

/** A hexadecimal float after its "0x"; leaves strtodState.end unchanged when no digit follows. */
function hexFloat(bytes: Uint8Array, at: number, end: number, negative: boolean): number {
  let mantissa = 0n;
  let exponent = 0;
  let digits = 0;
  while (at < end && hexValue(bytes[at]) >= 0) {
    mantissa = mantissa * 16n + BigInt(hexValue(bytes[at++]));
    digits++;
  }
  if (at < end && bytes[at] === 0x2e) {
    let frac = at + 1;
    let fracDigits = 0;
    while (frac < end && hexValue(bytes[frac]) >= 0) {
      mantissa = mantissa * 16n + BigInt(hexValue(bytes[frac++]));
      exponent -= 4;
      fracDigits++;
    }
    if (digits + fracDigits > 0) at = frac;
    digits += fracDigits;
  }
  if (digits === 0) return 0;
  if (at < end && lower(bytes[at]) === 0x70) {
    let e = at + 1;
    let expNegative = false;
    if (e < end && (bytes[e] === 0x2b || bytes[e] === 0x2d)) expNegative = bytes[e++] === 0x2d;
    if (e < end && isDigit(bytes[e])) {
      let value = 0;
      while (e < end && isDigit(bytes[e])) value = Math.min(value * 10 + bytes[e++] - 0x30, 1e6);
      exponent += expNegative ? -value : value;
      at = e;
    }
  }
  strtodState.end = at;
  let magnitude = 0;
  if (mantissa !== 0n) {
    // Keep 64 significant bits (the rest only decides rounding past a double's 53) and scale.
    const bits = mantissa.toString(2).length;
    if (bits > 64) {
      const drop = bits - 64;
      const sticky = (mantissa & ((1n << BigInt(drop)) - 1n)) !== 0n ? 1n : 0n;
      mantissa = (mantissa >> BigInt(drop)) | sticky;
      exponent += drop;
    }
    magnitude = Number(mantissa) * 2 ** Math.max(-1074, Math.min(exponent, 1024));
    if (exponent < -1074) magnitude = Number(mantissa) * 2 ** (exponent + 600) * 2 ** -600;
    if (magnitude === Infinity || magnitude === 0 || magnitude < 2.2250738585072014e-308) strtodState.rangeError = true;
  }
  return negative ? -magnitude : magnitude;
}

/**
 * Redis's getDoubleFromObject: the whole argument a double, no leading
 * space, no NaN, no overflow or underflow to zero; NaN when it is not one.
 */
export function parseDoubleArg(bytes: Uint8Array): number {
  const length = bytes.length;
  if (length === 0 || isSpace(bytes[0])) return NaN;
  const value = strtod(bytes, 0, length);
  const state = strtodState;
  if (state.end !== length) return NaN;
  if (state.rangeError && (value === Infinity || value === -Infinity || value === 0)) return NaN;
  return value;
}

/**
 * A bound of a score range as Redis's zslParseRange reads it: strtod over the
 * text up to its first NUL (leading spaces allowed, "" is 0, an overflow
 * an infinity), from `start`; NaN when something is left over or it is NaN.
 */
export function parseRangeDouble(bytes: Uint8Array, start: number): number {
  let end = bytes.indexOf(0, start);
  if (end === -1) end = bytes.length;
  const value = strtod(bytes, start, end);
  if (strtodState.end !== end) return NaN;
  return value;
}
