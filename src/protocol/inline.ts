// Splits an inline command line into arguments with Redis's quoting rules
// (sdssplitargs): "double quotes" with \n \r \t \b \a \xHH escapes,
// 'single quotes' with \' only. Returns null on unbalanced quotes.

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
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
    const bytes: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      if (inDouble) {
        if (i >= stop) return null;
        const c = line[i];
        if (c === 0x5c /* \ */ && i + 3 < stop && line[i + 1] === 0x78 /* x */ && hexValue(line[i + 2]) >= 0 && hexValue(line[i + 3]) >= 0) {
          bytes.push(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
          i += 3;
        } else if (c === 0x5c && i + 1 < stop) {
          i++;
          const escaped = line[i];
          bytes.push(ESCAPES[escaped] ?? escaped);
        } else if (c === 0x22 /* " */) {
          if (i + 1 < stop && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else if (inSingle) {
        if (i >= stop) return null;
        const c = line[i];
        if (c === 0x5c && i + 1 < stop && line[i + 1] === 0x27 /* ' */) {
          i++;
          bytes.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < stop && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else {
        if (i >= stop) break;
        const c = line[i];
        if (isSpace(c)) {
          done = true;
        } else if (c === 0x22) {
          inDouble = true;
        } else if (c === 0x27) {
          inSingle = true;
        } else {
          bytes.push(c);
        }
      }
      if (i < stop) i++;
    }
    args.push(Buffer.from(bytes));
  }
}
