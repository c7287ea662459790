// Longest common subsequence of two byte strings, as Redis 7.0's LCS command
// computes it (t_string.c lcsCommand): the classic dynamic-programming table,
// then one walk back from its corner that yields the subsequence and the
// matching ranges, with the same tie-breaking, so results equal Redis's.

/** One run of consecutive matching bytes: inclusive ranges in each string. */
export interface LcsMatch {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
  length: number;
}

export interface LcsResult {
  /** Length of the longest common subsequence. */
  length: number;
  /** The subsequence itself (only when asked for). */
  sequence: Buffer | null;
  /** The matching ranges, last ones first (only when asked for), those shorter than minMatchLength left out. */
  matches: LcsMatch[];
}

/** Bytes Redis accounts for the table: (alen+1)*(blen+1) 32-bit cells. */
export function lcsTableBytes(aLength: number, bLength: number): number {
  return (aLength + 1) * (bLength + 1) * 4;
}

/**
 * Builds the table, where cell [i][j] is the LCS length of a[0..i) and b[0..j).
 * Lengths never exceed the shorter string, so 16-bit cells do when it is short.
 */
function buildTable(a: Uint8Array, b: Uint8Array): Uint16Array | Uint32Array {
  const rowLength = b.length + 1;
  const cells = (a.length + 1) * rowLength;
  const table = Math.min(a.length, b.length) < 0x10000 ? new Uint16Array(cells) : new Uint32Array(cells);
  for (let i = 1; i <= a.length; i++) {
    const row = i * rowLength;
    const above = row - rowLength;
    const byte = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      if (byte === b[j - 1]) {
        table[row + j] = table[above + j - 1] + 1;
      } else {
        const up = table[above + j];
        const left = table[row + j - 1];
        table[row + j] = up > left ? up : left;
      }
    }
  }
  return table;
}

/**
 * The LCS of `a` and `b`. `withSequence` asks for the subsequence bytes,
 * `withMatches` for the ranges (at least `minMatchLength` long, 0 for all).
 * May throw a RangeError when the table cannot be allocated.
 */
export function longestCommonSubsequence(a: Uint8Array, b: Uint8Array, withSequence: boolean, withMatches: boolean, minMatchLength: number): LcsResult {
  const table = buildTable(a, b);
  const rowLength = b.length + 1;
  const length = table[a.length * rowLength + b.length];
  const result: LcsResult = { length, sequence: null, matches: [] };
  if (!withSequence && !withMatches) return result;
  const sequence = Buffer.allocUnsafe(length);
  const unset = a.length; // aStart === a.length: no range open
  let aStart = unset;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let index = length;
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      sequence[index - 1] = a[i - 1];
      if (aStart === unset) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      index--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * rowLength + j] > table[i * rowLength + j - 1]) i--;
      else j--;
      if (aStart !== unset) emit = true;
    }
    if (emit) {
      const matchLength = aEnd - aStart + 1;
      if (withMatches && (minMatchLength === 0 || matchLength >= minMatchLength)) {
        result.matches.push({ aStart, aEnd, bStart, bEnd, length: matchLength });
      }
      aStart = unset;
    }
  }
  if (withSequence) result.sequence = sequence;
  return result;
}
