// The command table's format: one row per command, its metadata as plain data
// (as Redis's src/commands/*.json), every family's rows in table/. The
// registry binds each row to the handler its family names and derives what
// dispatch reads: the flags as a bit set, the key range routing and locking
// walk, the count argument of counted keys. COMMAND INFO, DOCS and GETKEYS,
// routing and the memory refusal all read the same row.

/** Where a key spec starts looking for keys: at an argument index, or after a keyword searched from `startFrom` (negative: backwards from the end). */
export type BeginSearch = readonly ['index', number] | readonly ['keyword', string, number] | readonly ['unknown'];
/** How the keys follow the start: a range (lastKey relative to the start or negative from the end, step, limit), or a count argument (its index, the first key after it, step; both relative to the start). */
export type FindKeys = readonly ['range', number, number, number] | readonly ['keynum', number, number, number] | readonly ['unknown'];

/** One of Redis 7.0's key specs: which arguments are keys, and what the command does with them. */
export interface KeySpec {
  /** Redis's note on the spec (why its keys cannot be found from the arguments' positions). */
  notes?: string;
  /** Access (RO, RW, OW, RM) and what happens to the value (access, update, insert, delete), plus not_key/incomplete/variable_flags. */
  flags: readonly string[];
  begin: BeginSearch;
  find: FindKeys;
}

/**
 * Where a command runs:
 * - 'client': on the connection's thread, with the client (no keys: PING, SELECT, CLIENT...);
 * - 'keys': on the shard that owns its keys; its multi-shard plan splits it when they span shards;
 * - 'all-shards': on every shard, the replies merged by its plan (DBSIZE, KEYS, FLUSHALL...).
 */
export type Placement = 'client' | 'keys' | 'all-shards';

/** Command flags, as bits (Redis's CMD_* flags, plus our internal one). */
export const Flag = {
  Write: 1 << 0,
  Readonly: 1 << 1,
  Denyoom: 1 << 2,
  Module: 1 << 3,
  Admin: 1 << 4,
  Pubsub: 1 << 5,
  Noscript: 1 << 6,
  Blocking: 1 << 7,
  Loading: 1 << 8,
  Stale: 1 << 9,
  SkipMonitor: 1 << 10,
  SkipSlowlog: 1 << 11,
  Asking: 1 << 12,
  Fast: 1 << 13,
  NoAuth: 1 << 14,
  MayReplicate: 1 << 15,
  Sentinel: 1 << 16,
  OnlySentinel: 1 << 17,
  NoMandatoryKeys: 1 << 18,
  Protected: 1 << 19,
  NoAsyncLoading: 1 << 20,
  NoMulti: 1 << 21,
  AllowBusy: 1 << 22,
  /** Sent between threads only: never found by a client, never listed. */
  Internal: 1 << 23,
} as const;

/** Each flag's name in the table (Redis's, as its command JSON spells them), in the order COMMAND INFO lists them. */
const FLAG_NAMES = {
  write: Flag.Write,
  readonly: Flag.Readonly,
  denyoom: Flag.Denyoom,
  module: Flag.Module,
  admin: Flag.Admin,
  pubsub: Flag.Pubsub,
  noscript: Flag.Noscript,
  blocking: Flag.Blocking,
  loading: Flag.Loading,
  stale: Flag.Stale,
  'skip-monitor': Flag.SkipMonitor,
  'skip-slowlog': Flag.SkipSlowlog,
  asking: Flag.Asking,
  fast: Flag.Fast,
  'no-auth': Flag.NoAuth,
  'may-replicate': Flag.MayReplicate,
  sentinel: Flag.Sentinel,
  'only-sentinel': Flag.OnlySentinel,
  'no-mandatory-keys': Flag.NoMandatoryKeys,
  protected: Flag.Protected,
  'no-async-loading': Flag.NoAsyncLoading,
  'no-multi': Flag.NoMulti,
  'allow-busy': Flag.AllowBusy,
  internal: Flag.Internal,
} as const;

export type FlagName = keyof typeof FLAG_NAMES;

export function flagBits(names: readonly FlagName[]): number {
  let bits = 0;
  for (const name of names) bits |= FLAG_NAMES[name];
  return bits;
}

/** The names of the flags set in `bits`, in the table's order. */
export function flagNames(bits: number): FlagName[] {
  return (Object.keys(FLAG_NAMES) as FlagName[]).filter((name) => (bits & FLAG_NAMES[name]) !== 0);
}

/** One command's metadata. */
export interface CommandRow {
  /** Lowercase; a subcommand is "container|sub". */
  name: string;
  /** Redis arity: exact argument count with the name, or -N for at least N. */
  arity: number;
  flags: readonly FlagName[];
  /** Redis's command group (string, generic, connection, server...). */
  group: string;
  /** ACL categories stated for the command; the ones its flags imply (read, write, fast, slow...) are added by COMMAND. */
  acl?: readonly string[];
  since: string;
  /** What it does, in our own words. */
  summary: string;
  complexity?: string;
  /** Redis's command tips (nondeterministic_output...), as COMMAND INFO lists them. */
  tips?: readonly string[];
  keySpecs?: readonly KeySpec[];
  /** Where it runs; 'keys' when it has key specs, else 'client'. */
  placement?: Placement;
  subcommands?: readonly CommandRow[];
}

/** The key positions routing and locking walk: Redis's legacy (first, last, step) range, and for counted keys the count's index. */
export interface KeyRange {
  firstKey: number;
  /** Negative: from the end (-1 the last argument). */
  lastKey: number;
  keyStep: number;
  numKeysAt?: number;
}

const NO_RANGE: KeyRange = { firstKey: 0, lastKey: 0, keyStep: 0 };

/**
 * The range of a command's keys from its key specs: for counted keys, the
 * count's index and the keys after it; otherwise from the first spec's start
 * to the last spec's end (negative when a spec runs to the end).
 */
export function keyRangeOf(specs: readonly KeySpec[]): KeyRange {
  if (specs.length === 0) return NO_RANGE;
  const first = specs[0];
  if (first.begin[0] !== 'index') return NO_RANGE;
  const start = first.begin[1];
  if (first.find[0] === 'keynum') {
    const [, countAt, firstKey, step] = first.find;
    return { firstKey: start + firstKey, lastKey: -1, keyStep: step, numKeysAt: start + countAt };
  }
  // A key before counted ones (ZUNIONSTORE destination numkeys key...): the legacy range is that key, and
  // routing walks it, then the counted keys (the count itself is no key).
  const counted = specs.length === 2 && specs[1].begin[0] === 'index' && specs[1].find[0] === 'keynum' ? specs[1] : null;
  if (counted !== null && first.find[0] === 'range' && first.find[1] === 0 && counted.find[1] === 0 && counted.begin[1] === start + 1) {
    return { firstKey: start, lastKey: start, keyStep: 1, numKeysAt: start + 1 };
  }
  let lastKey = 0;
  for (const spec of specs) {
    if (spec.begin[0] !== 'index' || spec.find[0] !== 'range') continue;
    const relative = spec.find[1];
    if (relative < 0) lastKey = relative;
    else if (lastKey >= 0) lastKey = Math.max(lastKey, spec.begin[1] + relative);
  }
  return { firstKey: start, lastKey, keyStep: first.find[0] === 'range' ? first.find[2] : 1, numKeysAt: undefined };
}
