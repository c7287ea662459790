// RESP2/RESP3 replies as trees, for the comparisons that are not byte for
// byte: a multiset of items, a time to live within a tolerance, a random
// pick's shape.

export interface Reply {
  /** The type byte: + - : $ * and RESP3's _ , # ( = % ~ > |. */
  type: string;
  /** The header line after the type byte (a length, for bulks and aggregates). */
  line: string;
  /** A bulk's content, or a simple reply's line. */
  text: string;
  /** An aggregate's items (a map's keys and values in turn). */
  items: Reply[];
  /** The reply's exact bytes, one character per byte. */
  raw: string;
}

/** One complete reply (latin1 text) as a tree. */
export function parseReply(raw: string): Reply {
  return parseAt(raw, 0)[0];
}

function parseAt(raw: string, at: number): [Reply, number] {
  const type = raw[at];
  const lineEnd = raw.indexOf('\r\n', at);
  const line = raw.slice(at + 1, lineEnd);
  let end = lineEnd + 2;
  let text = line;
  const items: Reply[] = [];
  const length = Number(line);
  if ('$=!'.includes(type)) {
    text = length < 0 ? '' : raw.slice(end, end + length);
    if (length >= 0) end += length + 2;
  } else if ('*~>%|'.includes(type)) {
    const count = type === '%' || type === '|' ? 2 * length : length;
    for (let i = 0; i < count; i++) {
      const [item, next] = parseAt(raw, end);
      items.push(item);
      end = next;
    }
  }
  return [{ type, line, text, items, raw: raw.slice(at, end) }, end];
}

export function isError(reply: Reply): boolean {
  return reply.type === '-' || reply.type === '!';
}

/** A RESP2 null bulk or array, or RESP3's null. */
export function isNull(reply: Reply): boolean {
  return reply.type === '_' || (('$*'.includes(reply.type)) && reply.line === '-1');
}

export function isAggregate(reply: Reply): boolean {
  return '*~%'.includes(reply.type) && !isNull(reply);
}

/** The items of an aggregate, sorted by their bytes: two aggregates with equal lists hold the same multiset. */
export function sortedItems(reply: Reply): string[] {
  return reply.items.map((item) => item.raw).sort();
}

/** A flat [field, value, ...] list (or a RESP3 map's) as sorted "field value" pairs. */
export function sortedPairs(items: readonly Reply[]): string[] {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) pairs.push(items[i].raw + items[i + 1].raw);
  return pairs.sort();
}

/** Why two lists of the same kind of thing differ, or null when they are equal. */
export function listsDiffer(ours: readonly string[], stock: readonly string[]): string | null {
  if (ours.length !== stock.length) return `${ours.length} items, stock has ${stock.length}`;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== stock[i]) return `item ${JSON.stringify(ours[i])}, stock has ${JSON.stringify(stock[i])}`;
  return null;
}

/** Same type and header, and the same items as multisets (plain items, or field/value pairs). */
export function multisetsDiffer(ours: Reply, stock: Reply, pairs: boolean): string | null {
  if (ours.type !== stock.type || ours.line !== stock.line) return 'reply types or lengths differ';
  return pairs ? listsDiffer(sortedPairs(ours.items), sortedPairs(stock.items)) : listsDiffer(sortedItems(ours), sortedItems(stock));
}

/** A reply for a report: its bytes with CR and LF shown, cut when long. */
export function showReply(raw: string, limit = 600): string {
  const shown = JSON.stringify(raw.length > limit ? raw.slice(0, limit) : raw);
  return raw.length > limit ? `${shown}... (${raw.length} bytes)` : shown;
}
