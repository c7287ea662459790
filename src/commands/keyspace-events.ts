// The keyspace events of every command that writes, as data: what Redis 7.0
// notifies when the command changes a key, and in which class. The invoker
// asks this table about each key the store saw the command change
// (server/keyspace-notifier.ts); no handler notifies anything itself.
//
// A row is 'event:class' (class as notify-keyspace-events's letter): the
// event of every key the command writes, and of a key it empties, followed by
// del. A function row decides per key and per argument (LMOVE's directions,
// SET's expiry, RENAME's two sides). A multi-shard command's part on another
// shard runs as its op, which has a row of its own.

import {
  NOTIFY_GENERIC, NOTIFY_HASH, NOTIFY_LIST, NOTIFY_SET, NOTIFY_STREAM, NOTIFY_STRING, NOTIFY_ZSET,
} from '../config/keyspace-events.ts';
import { isKeyword } from '../protocol/args.ts';

/** An event and its class bit. */
export interface KeyEvent {
  readonly name: string;
  readonly type: number;
}

/** The store's report of one key: written (changed or created) or removed. */
export type KeyChange = 'written' | 'removed';

/** The events of one key's change; `key` is the changed key, `argv` the command's arguments. */
export type EventRule = (change: KeyChange, key: Buffer, argv: readonly Buffer[], argc: number) => readonly KeyEvent[];

const CLASSES: Readonly<Record<string, number>> = {
  g: NOTIFY_GENERIC, $: NOTIFY_STRING, l: NOTIFY_LIST, s: NOTIFY_SET, h: NOTIFY_HASH, z: NOTIFY_ZSET, t: NOTIFY_STREAM,
};

const events = new Map<string, KeyEvent>();

function event(spec: string): KeyEvent {
  let found = events.get(spec);
  if (found === undefined) {
    const colon = spec.lastIndexOf(':');
    found = { name: spec.slice(0, colon), type: CLASSES[spec.slice(colon + 1)] };
    events.set(spec, found);
  }
  return found;
}

const DEL = [event('del:g')];
const NONE: readonly KeyEvent[] = [];

/** The usual row: the event on a write; on a key emptied, the event then del (just del for del itself). */
function plain(spec: string): EventRule {
  const own = [event(spec)];
  const emptied = own[0].name === 'del' ? DEL : [own[0], DEL[0]];
  return (change) => (change === 'written' ? own : emptied);
}

/** A row whose destination is written whole: its event, or del when the result was empty (SINTERSTORE, BITOP...). */
function store(spec: string): EventRule {
  const own = [event(spec)];
  return (change) => (change === 'written' ? own : DEL);
}

function hasWord(argv: readonly Buffer[], argc: number, from: number, ...words: string[]): boolean {
  for (let i = from; i < argc; i++) for (const word of words) if (isKeyword(argv[i], word)) return true;
  return false;
}

/** SET and kin: set, and expire when it sets a time to live. */
function setting(alwaysExpires: boolean): EventRule {
  const set = [event('set:$')];
  const setAndExpire = [event('set:$'), event('expire:g')];
  return (change, _key, argv, argc) => {
    if (change === 'removed') return DEL;
    return alwaysExpires || hasWord(argv, argc, 3, 'ex', 'px', 'exat', 'pxat') ? setAndExpire : set;
  };
}

/** A command on a source key (argv[1]) and a destination (argv[2]), with an event for each side. */
function twoSided(source: (argv: readonly Buffer[], argc: number) => readonly KeyEvent[], destination: (argv: readonly Buffer[], argc: number) => readonly KeyEvent[]): EventRule {
  return (change, key, argv, argc) => {
    const out: KeyEvent[] = [];
    if (key.equals(argv[1])) out.push(...source(argv, argc));
    if (argc > 2 && key.equals(argv[2]) && change === 'written') out.push(...destination(argv, argc));
    if (change === 'removed' && out.length !== 0 && out[out.length - 1] !== DEL[0]) out.push(DEL[0]);
    return out;
  };
}

const LPOP = [event('lpop:l')];
const RPOP = [event('rpop:l')];
const LPUSH = [event('lpush:l')];
const RPUSH = [event('rpush:l')];
const ZPOPMIN = [event('zpopmin:z')];
const ZPOPMAX = [event('zpopmax:z')];

/** LMOVE src dst LEFT|RIGHT LEFT|RIGHT (BLMOVE's timeout after them). */
const moveBetweenLists = twoSided(
  (argv) => (isKeyword(argv[3], 'left') ? LPOP : RPOP),
  (argv) => (isKeyword(argv[4], 'left') ? LPUSH : RPUSH),
);

/** LMPOP / BLMPOP: the end named after the keys. */
const listMpop: EventRule = (change, _key, argv, argc) => {
  const pop = hasWord(argv, argc, 2, 'left') ? LPOP : RPOP;
  return change === 'written' ? pop : [pop[0], DEL[0]];
};

const zsetMpop: EventRule = (change, _key, argv, argc) => {
  const pop = hasWord(argv, argc, 2, 'min') ? ZPOPMIN : ZPOPMAX;
  return change === 'written' ? pop : [pop[0], DEL[0]];
};

/** RENAME / MOVE: the source goes (its own event, no del), the destination comes. */
function relocation(from: string, to: string): EventRule {
  const fromEvents = [event(from)];
  const toEvents = [event(to)];
  return (change) => (change === 'removed' ? fromEvents : toEvents);
}

/** An op's events by the end its argument names (list-pop LEFT, zset-pop MIN...). */
function byEnd(word: string, first: readonly KeyEvent[], second: readonly KeyEvent[]): EventRule {
  return (change, _key, argv) => {
    const own = isKeyword(argv[2], word) ? first : second;
    return change === 'written' ? own : [own[0], DEL[0]];
  };
}

const ROWS: Readonly<Record<string, string | EventRule>> = {
  // strings
  set: setting(false), setex: setting(true), psetex: setting(true), setnx: 'set:$', getset: 'set:$', mset: 'set:$', msetnx: 'set:$',
  append: 'append:$', setrange: 'setrange:$', incr: 'incrby:$', decr: 'incrby:$', incrby: 'incrby:$', decrby: 'incrby:$',
  incrbyfloat: 'incrbyfloat:$', getdel: 'del:g',
  getex: (change, _key, argv, argc) => {
    if (change === 'removed') return DEL;
    if (hasWord(argv, argc, 2, 'persist')) return [event('persist:g')];
    return hasWord(argv, argc, 2, 'ex', 'px', 'exat', 'pxat') ? [event('expire:g')] : NONE;
  },
  setbit: 'setbit:$', bitfield: 'setbit:$', bitop: store('set:$'), pfadd: 'pfadd:$', pfmerge: 'pfadd:$',
  // keys
  del: 'del:g', unlink: 'del:g', expire: store('expire:g'), pexpire: store('expire:g'), expireat: store('expire:g'), pexpireat: store('expire:g'),
  persist: 'persist:g', rename: relocation('rename_from:g', 'rename_to:g'), renamenx: relocation('rename_from:g', 'rename_to:g'),
  move: relocation('move_from:g', 'move_to:g'), copy: (change, key, argv) => (change === 'written' && key.equals(argv[2]) ? [event('copy_to:g')] : NONE),
  restore: 'restore:g', sort: store('sortstore:l'),
  // lists
  lpush: 'lpush:l', lpushx: 'lpush:l', rpush: 'rpush:l', rpushx: 'rpush:l', lpop: 'lpop:l', rpop: 'rpop:l', blpop: 'lpop:l', brpop: 'rpop:l',
  linsert: 'linsert:l', lset: 'lset:l', lrem: 'lrem:l', ltrim: 'ltrim:l',
  lmove: moveBetweenLists, blmove: moveBetweenLists,
  rpoplpush: twoSided(() => RPOP, () => LPUSH), brpoplpush: twoSided(() => RPOP, () => LPUSH),
  lmpop: listMpop, blmpop: listMpop,
  // sets
  sadd: 'sadd:s', srem: 'srem:s', spop: 'spop:s', smove: twoSided(() => [event('srem:s')], () => [event('sadd:s')]),
  sinterstore: store('sinterstore:s'), sunionstore: store('sunionstore:s'), sdiffstore: store('sdiffstore:s'),
  // hashes
  hset: 'hset:h', hmset: 'hset:h', hsetnx: 'hset:h', hdel: 'hdel:h', hincrby: 'hincrby:h', hincrbyfloat: 'hincrbyfloat:h',
  // sorted sets
  zadd: (change, _key, argv, argc) => {
    const own = [event(hasWord(argv, argc, 2, 'incr') ? 'zincr:z' : 'zadd:z')];
    return change === 'written' ? own : [own[0], DEL[0]];
  },
  zincrby: 'zincr:z', zrem: 'zrem:z', zremrangebyscore: 'zremrangebyscore:z', zremrangebyrank: 'zremrangebyrank:z', zremrangebylex: 'zremrangebylex:z',
  zpopmin: 'zpopmin:z', zpopmax: 'zpopmax:z', bzpopmin: 'zpopmin:z', bzpopmax: 'zpopmax:z', zmpop: zsetMpop, bzmpop: zsetMpop,
  zunionstore: store('zunionstore:z'), zinterstore: store('zinterstore:z'), zdiffstore: store('zdiffstore:z'), zrangestore: store('zrangestore:z'),
  geoadd: 'zadd:z', georadius: store('georadiusstore:z'), georadiusbymember: store('georadiusstore:z'), geosearchstore: store('geosearchstore:z'),
  // streams
  xadd: (change, _key, argv, argc) => {
    if (change === 'removed') return DEL;
    return hasWord(argv, argc, 2, 'maxlen', 'minid') ? [event('xadd:t'), event('xtrim:t')] : [event('xadd:t')];
  },
  xdel: 'xdel:t', xtrim: 'xtrim:t', xsetid: 'xsetid:t',
  'xgroup|create': 'xgroup-create:t', 'xgroup|createconsumer': 'xgroup-createconsumer:t', 'xgroup|delconsumer': 'xgroup-delconsumer:t',
  'xgroup|destroy': 'xgroup-destroy:t', 'xgroup|setid': 'xgroup-setid:t',
  // the ops of commands split over shards
  'delete-keys': 'del:g', 'store-pairs': 'set:$', 'set-add': 'sadd:s', 'set-remove': 'srem:s', 'sort-store': store('sortstore:l'),
  'bitop-store': store('set:$'), 'hll-store-union': 'pfadd:$',
  'list-pop': byEnd('left', LPOP, RPOP), 'list-push': byEnd('left', LPUSH, RPUSH), 'zset-pop': byEnd('min', ZPOPMIN, ZPOPMAX),
};

/**
 * Commands whose events Redis sends in an order of keys the store's order of
 * changes does not give: the argument whose key is notified first (LMOVE and
 * kin push to the destination, then pop; RENAME and MOVE notify the source
 * first).
 */
const KEY_NOTIFIED_FIRST: Readonly<Record<string, number>> = { lmove: 2, blmove: 2, rpoplpush: 2, brpoplpush: 2, rename: 1, renamenx: 1, move: 1 };

/** The argument index of the key notified first, or 0 for the store's order. */
export function keyNotifiedFirst(name: string): number {
  return KEY_NOTIFIED_FIRST[name] ?? 0;
}

const RULES = new Map<string, EventRule>();
for (const [name, row] of Object.entries(ROWS)) RULES.set(name, typeof row === 'string' ? plain(row) : row);

/** The events of command `name` for one changed key; none for a command that notifies nothing. */
export function keyEventRule(name: string): EventRule | undefined {
  return RULES.get(name);
}
