// Whether this server's reply to a command agrees with stock Redis's, by the
// command's check (commands.ts). Byte for byte unless the reply is
// nondeterministic in Redis itself; those are compared as narrowly as it
// allows, with queries after the fact on a control connection where the
// reply must agree with the data (a random pick is a member of the set).

import { withoutClientId } from '../helpers/recorded-sessions.ts';
import type { Command } from './commands.ts';
import { isAggregate, isError, isNull, listsDiffer, multisetsDiffer, showReply, type Reply } from './replies.ts';

export type Side = 'ours' | 'stock';

/** Commands on a control connection of either server, in database `db`. */
export interface Control {
  query(side: Side, db: number, args: string[]): Promise<Reply>;
}

export interface CompareContext {
  control: Control;
  /** The database the command ran in. */
  db: number;
  /**
   * The commands that ran after this one before the queries can (the rest of
   * its transaction and pipeline): with any, the data may have changed since,
   * and random picks and partial scans are checked by their shape only.
   */
  later: readonly Command[];
  /** For EXEC: the commands queued, in order. */
  queued: readonly Command[];
  /** For a command EXEC ran: those queued before it. */
  before: readonly Command[];
}

/** Null when the replies agree, else why not. */
export async function compareReplies(command: Command, ours: Reply, stock: Reply, context: CompareContext): Promise<string | null> {
  const check = command.check;
  if (isError(ours) || isError(stock) || stock.raw === '+QUEUED\r\n') return same(ours, stock);
  switch (check.kind) {
    case 'exact':
      return same(ours, stock);
    case 'hello':
      return withoutClientId(ours.raw) === withoutClientId(stock.raw) ? null : 'replies differ (client id aside)';
    case 'unordered':
      return multisetsDiffer(ours, stock, ours.type === '%');
    case 'hash-order':
      return hashOrder(ours, stock, check.key, check.pairs || ours.type === '%', context);
    case 'object':
      return stringObject(ours, stock, check.key, context);
    case 'ttl': {
      const [a, b] = [Number(ours.line), Number(stock.line)];
      if (ours.type !== ':' || stock.type !== ':' || a < 0 || b < 0) return same(ours, stock);
      if (Math.abs(a - b) <= check.tolerance) return null;
      return beyondDoubles(a, check) && beyondDoubles(b, check) ? null : `${a} and ${b} are more than ${check.tolerance} apart`;
    }
    case 'scan':
      return scan(command, check.cursorAt, check.hash, ours, stock, context);
    case 'random-key':
      return randomKey(ours, stock, context);
    case 'random-members':
      return randomMembers(check.key, check.count, check.pop, ours, stock, context);
    case 'random-fields':
      return randomFields(check.key, check.count, check.withValues, ours, stock, context);
    case 'exec': {
      const queued = context.queued;
      if (!isAggregate(ours) || !isAggregate(stock) || stock.items.length !== queued.length) return same(ours, stock);
      if (ours.items.length !== stock.items.length) return same(ours, stock);
      let db = context.db;
      for (let i = 0; i < queued.length; i++) {
        const inside = { ...context, db, later: [...queued.slice(i + 1), ...context.later], queued: [], before: queued.slice(0, i) };
        const why = await compareReplies(queued[i], ours.items[i], stock.items[i], inside);
        if (why !== null) return `reply ${i + 1} of EXEC (${queued[i].args.join(' ').slice(0, 100)}): ${why}: ours ${showReply(ours.items[i].raw, 200)}, stock ${showReply(stock.items[i].raw, 200)}`;
        // The commands after a queued SELECT ran in the database it selected.
        if (queued[i].args[0].toLowerCase() === 'select' && stock.items[i].raw === '+OK\r\n') db = Number(queued[i].args[1]);
      }
      return null;
    }
  }
}

/**
 * Known divergence: this server keeps an expiry time as a double, so one
 * past 2^53 ms (year 287,000) is rounded, or kept at 2^53 - 1 (SET ... PXAT
 * 9007199254740999: PEXPIRETIME 9007199254740991, Redis ...999). A TTL
 * reply (relative to now, or absolute; in s or ms) at or past that passes.
 */
function beyondDoubles(value: number, check: { relative: boolean; unitMs: number }): boolean {
  const at = value * check.unitMs + (check.relative ? Date.now() : 0);
  return at >= 2 ** 53 - 10_000;
}

function same(ours: Reply, stock: Reply): string | null {
  return ours.raw === stock.raw ? null : 'replies differ';
}

/**
 * A hash's fields in its own order: a listpack keeps them in insertion
 * order, which both servers must show; a hashtable's order is its own, and
 * only the multiset must agree.
 */
async function hashOrder(ours: Reply, stock: Reply, key: string, pairs: boolean, context: CompareContext): Promise<string | null> {
  if (ours.raw === stock.raw) return null;
  const why = multisetsDiffer(ours, stock, pairs);
  if (why !== null || mayHaveChanged(key, context)) return why;
  const encoding = await context.control.query('stock', context.db, ['OBJECT', 'ENCODING', key]);
  return encoding.text === 'listpack' ? 'the same fields, in another order than the listpack stock keeps' : null;
}

/** Whether a command that ran later may have changed `key` (or which key that name is): its encoding now may not be its encoding then. */
function mayHaveChanged(key: string, context: CompareContext): boolean {
  return context.later.some((command) => command.args.includes(key) || ['swapdb', 'flushdb', 'flushall', 'select', 'move'].includes(command.args[0].toLowerCase()));
}

/**
 * OBJECT ENCODING and OBJECT REFCOUNT. A known divergence passes, and only
 * it: this server derives them from a string's bytes (int for a canonical
 * 64-bit integer of up to 20 characters, embstr up to 44 bytes, else raw;
 * integers 0 to 9999 shared), where Redis keeps what the last write made of
 * the string: "raw" for one APPEND or SETRANGE changed (SET a x, APPEND a y:
 * raw, here embstr), "embstr" for an integer INCRBYFLOAT wrote (INCRBYFLOAT
 * a 3: embstr, here int), an object of its own (refcount 1, here shared) for
 * a small integer those or COPY wrote. Unless later commands ran since, the
 * value on stock must then be one whose bytes give this server's answer.
 * And inside EXEC, Redis counts the references the transaction's queued
 * arguments still hold to a string an earlier command of it wrote (MULTI,
 * SET k v, OBJECT REFCOUNT k, EXEC: 2, here 1; a small integer is then not
 * shared either).
 */
async function stringObject(ours: Reply, stock: Reply, key: string, context: CompareContext): Promise<string | null> {
  if (ours.raw === stock.raw) return null;
  const refcount = ours.type === ':' && stock.type === ':';
  if (refcount && Number(stock.line) > 1 && stock.line !== '2147483647' && context.before.some((command) => command.args.includes(key))) return null;
  const byHistory = refcount
    ? ours.line === '2147483647' && stock.line === '1'
    : ours.type === '$' && stock.type === '$' && ((stock.text === 'raw' && (ours.text === 'embstr' || ours.text === 'int')) || (stock.text === 'embstr' && ours.text === 'int'));
  if (!byHistory) return same(ours, stock);
  if (context.later.length > 0) return null;
  const value = await context.control.query('stock', context.db, ['GET', key]);
  const text = value.type === '$' ? value.text : '';
  const integer = text.length <= 20 && /^(0|-?[1-9][0-9]*)$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n;
  const fromBytes = refcount ? (integer && BigInt(text) >= 0n && BigInt(text) < 10000n ? '2147483647' : '1') : integer ? 'int' : text.length <= 44 ? 'embstr' : 'raw';
  return (refcount ? ours.line : ours.text) === fromBytes ? null : `replies differ (stock holds ${showReply(value.raw, 80)})`;
}

/** Two-item [cursor, items] replies. */
function isScanReply(reply: Reply): boolean {
  return reply.type === '*' && reply.items.length === 2 && reply.items[1].type === '*';
}

/**
 * SCAN from cursor 0: when both servers finished in one call, the same
 * items (an HSCAN of a listpack in the same order); else each iteration is
 * run to its end on the control connections and the sets compared (an
 * iteration may return an item twice).
 */
async function scan(command: Command, cursorAt: number, hash: string | null, ours: Reply, stock: Reply, context: CompareContext): Promise<string | null> {
  if (!isScanReply(ours) || !isScanReply(stock)) return same(ours, stock);
  const pairs = hash !== null;
  if (ours.items[0].text === '0' && stock.items[0].text === '0') {
    return hash !== null ? hashOrder(ours.items[1], stock.items[1], hash, true, context) : multisetsDiffer(ours.items[1], stock.items[1], false);
  }
  // Later commands of the pipeline or transaction changed what the rest of the iteration would see.
  if (context.later.length > 0) return null;
  const scanned = async (side: Side, first: Reply): Promise<string[] | string> => {
    const found = new Set<string>();
    const add = (items: Reply[]): void => {
      for (let i = 0; i < items.length; i += pairs ? 2 : 1) found.add(pairs ? items[i].raw + items[i + 1].raw : items[i].raw);
    };
    add(first.items[1].items);
    let cursor = first.items[0].text;
    for (let calls = 0; cursor !== '0'; calls++) {
      if (calls > 10_000) return `${side}'s iteration did not end`;
      const args = [...command.args];
      args[cursorAt] = cursor;
      const page = await context.control.query(side, context.db, args);
      if (!isScanReply(page)) return `${side} answered ${page.raw.slice(0, 100)} to a later call`;
      add(page.items[1].items);
      cursor = page.items[0].text;
    }
    return [...found].sort();
  };
  const [oursAll, stockAll] = [await scanned('ours', ours), await scanned('stock', stock)];
  if (typeof oursAll === 'string') return oursAll;
  if (typeof stockAll === 'string') return stockAll;
  const why = listsDiffer(oursAll, stockAll);
  return why === null ? null : `the whole iterations differ: ${why}`;
}

/** Both null (an empty database), or each a key the other server has. */
async function randomKey(ours: Reply, stock: Reply, context: CompareContext): Promise<string | null> {
  if (isNull(ours) || isNull(stock) || ours.type !== '$' || stock.type !== '$') return ours.type === stock.type && isNull(ours) === isNull(stock) ? null : 'reply types differ';
  if (context.later.length > 0) return null;
  return (await missing(context, 'stock', 'EXISTS', [ours.text])) ?? (await missing(context, 'ours', 'EXISTS', [stock.text]));
}

/**
 * Null when `side` has every one of `items` (EXISTS of keys, SMISMEMBER of
 * members, HMGET of fields), else which it lacks.
 */
async function missing(context: CompareContext, side: Side, name: string, items: string[], key?: string): Promise<string | null> {
  if (items.length === 0) return null;
  const args = key === undefined ? [name, ...items] : [name, key, ...items];
  const reply = await context.control.query(side, context.db, args);
  const found = reply.type === ':' ? [reply.line === String(items.length)] : reply.items.map((item) => item.line === '1' || (item.type === '$' && !isNull(item)));
  const lacking = items.filter((_, i) => !found[i]);
  return lacking.length === 0 ? null : `${side} has no ${lacking.map((item) => JSON.stringify(item)).join(', ')}`;
}

/** The picked items of a random-pick reply: one bulk (no count), or an aggregate's bulks. */
function picked(reply: Reply, count: number | null): string[] {
  return count === null ? [reply.text] : reply.items.map((item) => item.text);
}

/** Why a reply with a count is not of stock's shape: the type, the length, repeats where the count asks for distinct ones. */
function shapeDiffers(ours: Reply, stock: Reply, items: string[], distinct: boolean): string | null {
  if (ours.type !== stock.type || ours.line !== stock.line) return 'reply types or lengths differ';
  if (distinct && new Set(items).size !== items.length) return 'an item picked twice';
  return null;
}

/**
 * SRANDMEMBER and SPOP: as many members as stock's, distinct where they must
 * be, and members of the set. A pop is replayed so that both sets agree
 * again: stock's members put back, ours removed on stock (every one must be
 * there to remove).
 */
async function randomMembers(key: string, count: number | null, pop: boolean, ours: Reply, stock: Reply, context: CompareContext): Promise<string | null> {
  if (isNull(ours) || isNull(stock) || (count === null) !== (ours.type === '$')) return same(ours, stock);
  const mine = picked(ours, count);
  const theirs = picked(stock, count);
  const shape = count === null ? (stock.type === '$' ? null : 'reply types differ') : shapeDiffers(ours, stock, mine, count > 0 || pop);
  if (shape !== null || context.later.length > 0) return shape;
  if (!pop) return (await missing(context, 'stock', 'SMISMEMBER', mine, key)) ?? (await missing(context, 'ours', 'SMISMEMBER', theirs, key));
  if (listsDiffer([...mine].sort(), [...theirs].sort()) === null) return null;
  await context.control.query('stock', context.db, ['SADD', key, ...theirs]);
  const removed = await context.control.query('stock', context.db, ['SREM', key, ...mine]);
  if (removed.line !== String(mine.length)) return `ours popped ${mine.length} members, of which stock's set had ${removed.line}`;
  return count === null ? null : popEncoding(key, mine.length, context);
}

/**
 * A counted SPOP of at least five times what it leaves stores the rest as a
 * set of its own, an intset when its members are all integers: after
 * different random pops the servers can then hold equal sets in different
 * encodings. This server's must be what its own rest gives; then both are
 * given the same set anew (its members and expiry time as stock has them).
 * A smaller pop leaves the encoding as it was, the same on both.
 */
async function popEncoding(key: string, popped: number, context: CompareContext): Promise<string | null> {
  const { control, db } = context;
  const [mine, theirs] = [await control.query('ours', db, ['OBJECT', 'ENCODING', key]), await control.query('stock', db, ['OBJECT', 'ENCODING', key])];
  if (mine.raw === theirs.raw) return null;
  const members = (await control.query('stock', db, ['SMEMBERS', key])).items.map((item) => item.text);
  const rebuilt = members.length > 0 && members.length * 5 <= popped;
  const integers = members.length <= 512 && members.every((member) => /^(0|-?[1-9][0-9]{0,18})$/.test(member) && BigInt(member) >= -(2n ** 63n) && BigInt(member) < 2n ** 63n);
  if (!rebuilt || mine.text !== (integers ? 'intset' : 'hashtable')) return `encodings differ after the pop: ${mine.text}, stock ${theirs.text}`;
  const expiry = (await control.query('stock', db, ['PEXPIRETIME', key])).line;
  for (const side of ['ours', 'stock'] as const) {
    await control.query(side, db, ['DEL', key]);
    await control.query(side, db, ['SADD', key, ...members]);
    if (Number(expiry) > 0) await control.query(side, db, ['PEXPIREAT', key, expiry]);
  }
  return null;
}

/** HRANDFIELD: as many fields as stock's, distinct where they must be, fields of the hash with their values. */
async function randomFields(key: string, count: number | null, withValues: boolean, ours: Reply, stock: Reply, context: CompareContext): Promise<string | null> {
  if (isNull(ours) || isNull(stock) || (count === null) !== (ours.type === '$')) return same(ours, stock);
  // [field, value] pairs: a flat list in RESP2, two-item arrays in RESP3.
  const entries = (reply: Reply): [string, string | null][] => {
    if (count === null) return [[reply.text, null]];
    const flat = reply.items.flatMap((item) => (item.type === '*' ? item.items : [item])).map((item) => item.text);
    if (!withValues) return flat.map((field) => [field, null]);
    return Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);
  };
  const mine = entries(ours);
  const theirs = entries(stock);
  const shape = count === null ? (stock.type === '$' ? null : 'reply types differ') : shapeDiffers(ours, stock, mine.map(([field]) => field), count > 0);
  if (shape !== null || context.later.length > 0) return shape;
  for (const [side, list] of [['stock', mine], ['ours', theirs]] as const) {
    const values = await context.control.query(side, context.db, ['HMGET', key, ...list.map(([field]) => field)]);
    for (let i = 0; i < list.length; i++) {
      const [field, value] = list[i];
      const held = values.items[i];
      if (isNull(held)) return `${side}'s hash has no field ${JSON.stringify(field)}`;
      if (value !== null && held.text !== value) return `${JSON.stringify(field)} is ${JSON.stringify(held.text)} in ${side}'s hash, not ${JSON.stringify(value)}`;
    }
  }
  return null;
}
