// Number formatting byte-for-byte as Redis 7.0 prints it.

/** C's printf("%.17g"): what Redis 7.0 uses for doubles in replies (ZSCORE, RESP3 doubles). */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // An integer below 1e17 prints as its digits (sorted set scores often are).
  if (Number.isInteger(value) && value < 1e17 && value > -1e17) return String(value);
  return formatG(value, 17);
}

/** printf("%.<precision>g") for a finite non-zero value. */
export function formatG(value: number, precision: number): string {
  const { digits, exponent } = significantDigits(value, precision);
  const sign = value < 0 ? '-' : '';
  if (exponent < -4 || exponent >= precision) {
    const fraction = digits.slice(1).replace(/0+$/, '');
    const mantissa = fraction.length > 0 ? `${digits[0]}.${fraction}` : digits[0];
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits.replace(/0+$/, '')}`;
  const fraction = digits.slice(exponent + 1).replace(/0+$/, '');
  return `${sign}${digits.slice(0, exponent + 1)}${fraction.length > 0 ? '.' : ''}${fraction}`;
}

const bitsView = new DataView(new ArrayBuffer(8));

/**
 * |value| rounded to `precision` significant digits as glibc does (to
 * nearest, ties to even: JS's toExponential breaks ties upwards instead),
 * with the decimal exponent of the first digit.
 */
function significantDigits(value: number, precision: number): { digits: string; exponent: number } {
  const magnitude = Math.abs(value);
  const rounded = magnitude.toExponential(precision - 1);
  const ePos = rounded.indexOf('e');
  const digits = rounded.slice(0, ePos).replace('.', '');
  const exponent = Number(rounded.slice(ePos + 1));
  // A tie needs an exact decimal expansion of precision+1 digits ending in 5:
  // a value m * 2^e (m odd, e < 0) has exactly -e digits after the point.
  const longer = magnitude.toExponential(precision);
  const longEPos = longer.indexOf('e');
  if (longer.charCodeAt(longEPos - 1) !== 0x35 /* 5 */) return { digits, exponent };
  const longExponent = Number(longer.slice(longEPos + 1));
  if (longExponent + 1 - binaryExponent(magnitude) !== precision + 1) return { digits, exponent };
  const longDigits = longer.slice(0, longEPos).replace('.', '');
  const kept = longDigits.slice(0, precision);
  if ((kept.charCodeAt(precision - 1) & 1) === 1) return { digits, exponent }; // odd: rounding up was right
  return { digits: kept, exponent: longExponent };
}

/** The e of `value = m * 2^e` with m odd (value finite and positive). */
function binaryExponent(value: number): number {
  bitsView.setFloat64(0, value);
  const high = bitsView.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let significand = (high & 0xfffff) * 2 ** 32 + bitsView.getUint32(4);
  let exponent = biased === 0 ? -1074 : biased - 1075;
  if (biased !== 0) significand += 2 ** 52;
  while (significand % 2 === 0) {
    significand /= 2;
    exponent++;
  }
  return exponent;
}

// --- Exact x87 80-bit long double arithmetic, for INCRBYFLOAT and HINCRBYFLOAT ---
//
// Redis keeps those counters as strings and, per call, parses them with
// strtold, adds in 80-bit long double (64-bit significand) and prints the
// result with "%.17Lf". A double cannot reproduce that (0.1 + 0.2 gives "0.3"
// in Redis), so the value is held exactly as sign * significand * 2^exponent
// with BigInt, rounded as the x87 FPU rounds (to nearest, ties to even).

/** A finite long double, `significand * 2^exponent` (significand < 2^64), or an infinity. */
export interface LongDouble {
  negative: boolean;
  significand: bigint;
  exponent: number;
  infinite: boolean;
}

const SIGNIFICAND_BITS = 64;
/** Exponent of the smallest subnormal's unit: 2^-16445. */
const MIN_UNIT_EXPONENT = -16445;
/** Values from 2^16384 on overflow to infinity. */
const OVERFLOW_BITS = 16384;
/** Redis's MAX_LONG_DOUBLE_CHARS: longer arguments are refused. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)inf(inity)?$/i;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Rounds `(integer + fraction) * 2^exponent` to a long double, where `inexact`
 * says the dropped fraction is above zero (and below one).
 */
function roundToLongDouble(negative: boolean, integer: bigint, exponent: number, inexact: boolean): LongDouble {
  const bits = bitLength(integer);
  const shift = Math.max(bits - SIGNIFICAND_BITS, MIN_UNIT_EXPONENT - exponent);
  if (shift > bits) return { negative, significand: 0n, exponent: 0, infinite: false }; // below half the smallest unit
  let significand = integer;
  let unit = exponent;
  if (shift > 0) {
    const shiftBig = BigInt(shift);
    significand = integer >> shiftBig;
    const remainder = integer - (significand << shiftBig);
    const half = 1n << (shiftBig - 1n);
    if (remainder > half || (remainder === half && (inexact || (significand & 1n) === 1n))) significand++;
    unit += shift;
    if (significand >> 64n === 1n) {
      significand >>= 1n;
      unit++;
    }
  }
  const infinite = significand !== 0n && unit + bitLength(significand) > OVERFLOW_BITS;
  return { negative, significand: infinite ? 0n : significand, exponent: infinite ? 0 : unit, infinite };
}

/**
 * Redis's string2ld: the whole argument must be what glibc's strtold reads
 * (decimal, hexadecimal with a 'p' exponent, inf/infinity), with no space in
 * front; NaN, overflow and underflow to zero are refused. Null when invalid.
 */
export function parseLongDouble(bytes: Uint8Array): LongDouble | null {
  if (bytes.length === 0 || bytes.length >= MAX_LONG_DOUBLE_CHARS) return null;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const infinity = INFINITY.exec(text);
  if (infinity !== null) return { negative: infinity[1] === '-', significand: 0n, exponent: 0, infinite: true };
  const hex = HEXADECIMAL.exec(text);
  if (hex !== null) return parseHexLongDouble(hex[1] === '-', hex[2], hex[3] ?? '', hex[4]);
  const decimal = DECIMAL.exec(text);
  if (decimal === null) return null;
  return parseDecimalLongDouble(decimal[1] === '-', decimal[2], decimal[3] ?? '', decimal[4]);
}

function parseHexLongDouble(negative: boolean, whole: string, fraction: string, exponentText: string | undefined): LongDouble | null {
  if (whole.length + fraction.length === 0) return null;
  const digits = BigInt(`0x${whole}${fraction}`);
  const exponent = Number(exponentText ?? '0') - 4 * fraction.length;
  return checkRange(digits, roundToLongDouble(negative, digits, exponent, false));
}

function parseDecimalLongDouble(negative: boolean, whole: string, fraction: string, exponentText: string | undefined): LongDouble | null {
  if (whole.length + fraction.length === 0) return null;
  const digits = BigInt(whole + fraction);
  if (digits === 0n) return { negative, significand: 0n, exponent: 0, infinite: false };
  const power = Number(exponentText ?? '0') - fraction.length;
  const magnitude = power + String(digits).length; // 10^(magnitude-1) <= value < 10^magnitude
  if (magnitude > 4934) return null; // beyond LDBL_MAX: strtold's ERANGE overflow
  if (magnitude < -4952) return null; // below half the smallest subnormal: ERANGE underflow to zero
  if (power >= 0) return checkRange(digits, roundToLongDouble(negative, digits * 10n ** BigInt(power), 0, false));
  const divisor = 10n ** BigInt(-power);
  const extra = Math.max(0, bitLength(divisor) - bitLength(digits) + SIGNIFICAND_BITS + 2);
  const scaled = digits << BigInt(extra);
  const quotient = scaled / divisor;
  return checkRange(digits, roundToLongDouble(negative, quotient, -extra, quotient * divisor !== scaled));
}

/** strtold's ERANGE cases that string2ld refuses: overflow to infinity, or a non-zero input that became zero. */
function checkRange(digits: bigint, value: LongDouble): LongDouble | null {
  if (value.infinite || (digits !== 0n && value.significand === 0n)) return null;
  return value;
}

/** a + b in long double arithmetic; null for NaN (inf - inf). */
export function addLongDoubles(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.infinite && b.infinite && a.negative !== b.negative) return null;
  if (a.infinite) return a;
  if (b.infinite) return b;
  const exponent = Math.min(a.exponent, b.exponent);
  const termA = (a.negative ? -a.significand : a.significand) << BigInt(a.exponent - exponent);
  const termB = (b.negative ? -b.significand : b.significand) << BigInt(b.exponent - exponent);
  const sum = termA + termB;
  // An exact zero sum is +0 in round-to-nearest, unless both terms were -0.
  const negative = sum < 0n || (sum === 0n && a.negative && b.negative);
  return roundToLongDouble(negative, sum < 0n ? -sum : sum, exponent, false);
}

const FRACTION_DIGITS = 17;
const FRACTION_SCALE = 10n ** BigInt(FRACTION_DIGITS);

/**
 * Redis's ld2string(..., LD_STR_HUMAN): printf("%.17Lf") (rounded to nearest,
 * ties to even, as glibc does), trailing zeros and a trailing point removed,
 * "-0" written as "0".
 */
export function formatLongDoubleHuman(value: LongDouble): string {
  if (value.infinite) return value.negative ? '-inf' : 'inf';
  let scaled: bigint;
  if (value.exponent >= 0) {
    scaled = (value.significand << BigInt(value.exponent)) * FRACTION_SCALE;
  } else {
    const shift = BigInt(-value.exponent);
    const exact = value.significand * FRACTION_SCALE;
    scaled = exact >> shift;
    const remainder = exact - (scaled << shift);
    const half = 1n << (shift - 1n);
    if (remainder > half || (remainder === half && (scaled & 1n) === 1n)) scaled++;
  }
  const whole = scaled / FRACTION_SCALE;
  const fraction = (scaled % FRACTION_SCALE).toString().padStart(FRACTION_DIGITS, '0').replace(/0+$/, '');
  const text = fraction.length > 0 ? `${whole}.${fraction}` : String(whole);
  return value.negative && text !== '0' ? `-${text}` : text;
}
