// Glob-style matching as Redis's stringmatchlen: * ? [abc] [^a-z] and \x escapes.

export function globMatch(pattern: Uint8Array, text: Uint8Array, noCase = false): boolean {
  return matchFrom(pattern, 0, text, 0, noCase, 0);
}

function fold(byte: number, noCase: boolean): number {
  return noCase && byte >= 0x41 && byte <= 0x5a ? byte + 32 : byte;
}

function matchFrom(p: Uint8Array, pi: number, s: Uint8Array, si: number, noCase: boolean, depth: number): boolean {
  if (depth > 1000) return false; // the same guard against pathological patterns Redis has
  while (pi < p.length && si <= s.length) {
    const c = p[pi];
    if (c === 0x2a /* * */) {
      while (pi + 1 < p.length && p[pi + 1] === 0x2a) pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) {
        if (matchFrom(p, pi + 1, s, k, noCase, depth + 1)) return true;
      }
      return false;
    }
    if (si >= s.length) return false;
    if (c === 0x3f /* ? */) {
      pi++;
      si++;
      continue;
    }
    if (c === 0x5b /* [ */) {
      pi++;
      const negate = p[pi] === 0x5e; /* ^ */
      if (negate) pi++;
      let matched = false;
      const ch = fold(s[si], noCase);
      for (;;) {
        if (pi >= p.length) {
          pi--;
          break;
        }
        if (p[pi] === 0x5c /* \ */ && pi + 2 < p.length) {
          pi++;
          if (p[pi] === s[si]) matched = true;
        } else if (p[pi] === 0x5d /* ] */) {
          break;
        } else if (pi + 2 < p.length && p[pi + 1] === 0x2d /* - */) {
          let start = fold(p[pi], noCase);
          let end = fold(p[pi + 2], noCase);
          if (start > end) [start, end] = [end, start];
          pi += 2;
          if (ch >= start && ch <= end) matched = true;
        } else if (fold(p[pi], noCase) === ch) {
          matched = true;
        }
        pi++;
      }
      if (negate) matched = !matched;
      if (!matched) return false;
      pi++;
      si++;
      continue;
    }
    if (c === 0x5c /* \ */ && pi + 1 < p.length) pi++;
    if (fold(p[pi], noCase) !== fold(s[si], noCase)) return false;
    pi++;
    si++;
  }
  while (pi < p.length && p[pi] === 0x2a) pi++;
  return pi === p.length && si === s.length;
}
