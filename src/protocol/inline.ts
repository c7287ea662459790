// Splits an inline command line into arguments with Redis's quoting rules
// (sdssplitargs): "double quotes" with \n \r \t \b \a \xHH escapes,
// 'single quotes' with \' only. Returns null on unbalanced quotes.
//
// A token without quotes is returned as a view into `line` (no copy): that is
// every argument of `PING`, `SET k v` and the like.

/** Blanks skipped between arguments: C's isspace. */
function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** Bytes that end an unquoted token: only these, not \v or \f (sdssplitargs). */
function endsToken(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x00;
}

function isQuote(byte: number): boolean {
  return byte === 0x22 /* " */ || byte === 0x27 /* ' */;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

export function splitInlineArgs(line: Buffer, start: number, stop: number): Buffer[] | null {
  const args: Buffer[] = [];
  let i = start;
  while (true) {
    while (i < stop && isSpace(line[i])) i++;
    if (i >= stop) return args;
    const tokenStart = i;
    while (i < stop && !endsToken(line[i]) && !isQuote(line[i])) i++;
    if (i === stop || !isQuote(line[i])) {
      args.push(line.subarray(tokenStart, i));
      if (i < stop) i++;
      continue;
    }
    const end = quotedToken(line, tokenStart, i, stop, args);
    if (end < 0) return null;
    i = end;
  }
}

/**
 * Reads a token that has quotes in it, from `tokenStart` (the bytes before
 * `quoteAt` are plain); pushes it to `args`. Returns where to go on, or -1 on
 * unbalanced quotes.
 */
function quotedToken(line: Buffer, tokenStart: number, quoteAt: number, stop: number, args: Buffer[]): number {
  const bytes: number[] = [];
  for (let k = tokenStart; k < quoteAt; k++) bytes.push(line[k]);
  let i = quoteAt;
  let inDouble = false;
  let inSingle = false;
  let done = false;
  while (!done) {
    if (inDouble) {
      if (i >= stop) return -1;
      const c = line[i];
      if (c === 0x5c /* \ */ && i + 3 < stop && line[i + 1] === 0x78 /* x */ && hexValue(line[i + 2]) >= 0 && hexValue(line[i + 3]) >= 0) {
        bytes.push(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
        i += 3;
      } else if (c === 0x5c && i + 1 < stop) {
        i++;
        const escaped = line[i];
        bytes.push(ESCAPES[escaped] ?? escaped);
      } else if (c === 0x22 /* " */) {
        if (i + 1 < stop && !isSpace(line[i + 1])) return -1;
        done = true;
      } else {
        bytes.push(c);
      }
    } else if (inSingle) {
      if (i >= stop) return -1;
      const c = line[i];
      if (c === 0x5c && i + 1 < stop && line[i + 1] === 0x27 /* ' */) {
        i++;
        bytes.push(0x27);
      } else if (c === 0x27) {
        if (i + 1 < stop && !isSpace(line[i + 1])) return -1;
        done = true;
      } else {
        bytes.push(c);
      }
    } else {
      if (i >= stop) break;
      const c = line[i];
      if (endsToken(c)) done = true;
      else if (c === 0x22) inDouble = true;
      else if (c === 0x27) inSingle = true;
      else bytes.push(c);
    }
    if (i < stop) i++;
  }
  args.push(Buffer.from(bytes));
  return i;
}
