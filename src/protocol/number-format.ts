// Number formatting byte-for-byte as Redis 7.0 prints it.

/** C's printf("%.17g"): what Redis 7.0 uses for doubles in replies (ZSCORE, RESP3 doubles). */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return formatG(value, 17);
}

/** printf("%.<precision>g"). */
export function formatG(value: number, precision: number): string {
  const exponential = value.toExponential(precision - 1);
  const ePos = exponential.indexOf('e');
  const exponent = Number(exponential.slice(ePos + 1));
  if (exponent < -4 || exponent >= precision) {
    let mantissa = exponential.slice(0, ePos);
    if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  let fixed = value.toFixed(Math.max(0, precision - 1 - exponent));
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}

/**
 * What INCRBYFLOAT and HINCRBYFLOAT store and reply: Redis prints the long
 * double with "%.17Lf" and trims trailing zeros. We hold a double, so the
 * shortest decimal that round-trips is the closest match to those digits;
 * it is written out without an exponent, as %Lf does.
 */
export function formatLongDouble(value: number): string {
  if (value === 0) return '0';
  const shortest = String(value);
  if (!shortest.includes('e')) return shortest;
  const negative = value < 0;
  const [mantissa, exponentText] = (negative ? shortest.slice(1) : shortest).split('e');
  const exponent = Number(exponentText);
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  let text: string;
  if (exponent >= 0) {
    const pointAt = whole.length + exponent;
    text = digits.length <= pointAt ? digits + '0'.repeat(pointAt - digits.length) : `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  } else {
    const zeros = -exponent - whole.length;
    text = `0.${'0'.repeat(zeros)}${digits}`;
    // %.17Lf keeps 17 decimals: smaller magnitudes round towards zero digits.
    const [, decimals] = text.split('.');
    if (decimals.length > 17) {
      text = value.toFixed(17).replace(/^-/, '').replace(/0+$/, '').replace(/\.$/, '');
      if (text === '0') return '0';
    }
  }
  return negative ? `-${text}` : text;
}
