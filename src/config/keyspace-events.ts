// notify-keyspace-events: which classes of keyspace notifications are sent,
// as the letters Redis uses, kept as bits. Its canonical form is Redis's:
// CONFIG GET answers the classes in a fixed order, A for all of them.

export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m
export const NOTIFY_MODULE = 1 << 12; // d
export const NOTIFY_NEW = 1 << 13; // n
/** A: every class but key misses and new keys. */
export const NOTIFY_ALL = NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;

const LETTERS: Readonly<Record<string, number>> = {
  A: NOTIFY_ALL, g: NOTIFY_GENERIC, $: NOTIFY_STRING, l: NOTIFY_LIST, s: NOTIFY_SET, h: NOTIFY_HASH, z: NOTIFY_ZSET,
  x: NOTIFY_EXPIRED, e: NOTIFY_EVICTED, K: NOTIFY_KEYSPACE, E: NOTIFY_KEYEVENT, t: NOTIFY_STREAM, m: NOTIFY_KEY_MISS, d: NOTIFY_MODULE, n: NOTIFY_NEW,
};

/** The classes' letters in CONFIG GET's order, after A (or them); K, E and m follow. */
const CLASS_ORDER: readonly [string, number][] = [
  ['g', NOTIFY_GENERIC], ['$', NOTIFY_STRING], ['l', NOTIFY_LIST], ['s', NOTIFY_SET], ['h', NOTIFY_HASH], ['z', NOTIFY_ZSET],
  ['x', NOTIFY_EXPIRED], ['e', NOTIFY_EVICTED], ['t', NOTIFY_STREAM], ['d', NOTIFY_MODULE], ['n', NOTIFY_NEW],
];

/** The bits of a value, or null when a letter is not a class. */
export function parseKeyspaceEvents(text: string): number | null {
  let flags = 0;
  for (const letter of text) {
    const bits = LETTERS[letter];
    if (bits === undefined) return null;
    flags |= bits;
  }
  return flags;
}

export function formatKeyspaceEvents(flags: number): string {
  let text = '';
  // As Redis: with A, the n of new keys is not shown (it is still on).
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) {
    text = 'A';
  } else {
    for (const [letter, bits] of CLASS_ORDER) if (flags & bits) text += letter;
  }
  if (flags & NOTIFY_KEYSPACE) text += 'K';
  if (flags & NOTIFY_KEYEVENT) text += 'E';
  if (flags & NOTIFY_KEY_MISS) text += 'm';
  return text;
}
