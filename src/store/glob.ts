// Glob-style matching, a port of Redis's stringmatchlen (util.c): * ? [abc]
// [^a-z] and \x escapes, with its edge cases kept: a range's ends compare as
// signed chars ([\x01-\xff] is the range -1..1), an unterminated [ matches as
// a class to the end of the pattern, a '*' never matches an empty string's
// end ("**" does not match ""), and once the rest of a pattern after a '*'
// matched nowhere, earlier stars give up (Redis's guard against patterns like
// "*a*a*a*a*b" on long strings).

export function globMatch(pattern: Uint8Array, text: Uint8Array, noCase = false): boolean {
  const state: MatchState = { skipLongerMatches: false };
  return matchFrom(pattern, 0, text, 0, noCase, state, 0);
}

interface MatchState {
  skipLongerMatches: boolean;
}

/** C's tolower for the "C" locale. */
function lower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 32 : byte;
}

/** A byte as C's (signed) char. */
function signed(byte: number): number {
  return byte > 0x7f ? byte - 0x100 : byte;
}

function matchFrom(p: Uint8Array, pi: number, s: Uint8Array, si: number, noCase: boolean, state: MatchState, nesting: number): boolean {
  if (nesting > 1000) return false;
  while (pi < p.length && si < s.length) {
    switch (p[pi]) {
      case 0x2a /* * */: {
        while (pi + 1 < p.length && p[pi + 1] === 0x2a) pi++;
        if (pi + 1 === p.length) return true;
        for (; si < s.length; si++) {
          if (matchFrom(p, pi + 1, s, si, noCase, state, nesting + 1)) return true;
          if (state.skipLongerMatches) return false;
        }
        state.skipLongerMatches = true;
        return false;
      }
      case 0x3f /* ? */:
        si++;
        break;
      case 0x5b /* [ */: {
        pi = matchClass(p, pi + 1, s[si], noCase);
        if (pi < 0) return false;
        si++;
        break;
      }
      default: {
        if (p[pi] === 0x5c /* \ */ && pi + 1 < p.length) pi++;
        const matched = noCase ? lower(p[pi]) === lower(s[si]) : p[pi] === s[si];
        if (!matched) return false;
        si++;
      }
    }
    pi++;
    if (si === s.length) {
      while (pi < p.length && p[pi] === 0x2a) pi++;
      break;
    }
  }
  return pi === p.length && si === s.length;
}

/**
 * Matches `ch` against the class whose body starts at p[pi] (after the '[');
 * returns the index of its closing ']' (or of the pattern's last byte when
 * unterminated), or -1 when `ch` does not match.
 */
function matchClass(p: Uint8Array, pi: number, ch: number, noCase: boolean): number {
  const negate = p[pi] === 0x5e; /* ^ */
  if (negate) pi++;
  let matched = false;
  for (;;) {
    if (p[pi] === 0x5c /* \ */ && pi + 1 < p.length) {
      pi++;
      if (p[pi] === ch) matched = true;
    } else if (p[pi] === 0x5d /* ] */) {
      break;
    } else if (pi >= p.length) {
      pi--;
      break;
    } else if (pi + 2 < p.length && p[pi + 1] === 0x2d /* - */) {
      let start = signed(p[pi]);
      let end = signed(p[pi + 2]);
      let c = signed(ch);
      if (start > end) [start, end] = [end, start];
      if (noCase) {
        start = lower(start);
        end = lower(end);
        c = lower(c);
      }
      pi += 2;
      if (c >= start && c <= end) matched = true;
    } else if (noCase ? lower(p[pi]) === lower(ch) : p[pi] === ch) {
      matched = true;
    }
    pi++;
  }
  return matched !== negate ? pi : -1;
}
