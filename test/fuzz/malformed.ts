// Malformed input for one connection: random bytes, valid frames mutated
// (bad, huge and negative lengths, CR or LF missing, bytes flipped, cut
// short), inline requests with odd quoting, NULs and non-UTF-8 bytes.
//
// A case either half-closes (the server must answer what it parsed and
// close; its bytes are compared with stock Redis's) or drops the connection
// mid-frame. Each runs in a database of its own so that what a mutated
// command writes (a time to live cut to a millisecond) never reaches the
// compared traffic: a compared case empties its database first, and a
// dropped one, whose commands may still run while the next case does,
// uses another.

import type { Command } from './commands.ts';
import type { Random } from './random.ts';

/** The database of compared cases, and of dropped ones: no database index the command generator writes (commands.ts) is either. */
export const COMPARED_DB = '13';
export const DROPPED_DB = '14';

export interface MalformedCase {
  /** What kind of input it is, for the report. */
  kind: string;
  /** Written one after the other, a few milliseconds apart (one character per byte). */
  parts: string[];
  /** Half-close and compare what both servers answered, or drop the connection at once. */
  ending: 'half-close' | 'drop';
}

/** One command as a multibulk request (one character per byte). */
export function multibulk(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join('')}`;
}

/** One command as an inline request: plain words bare, the rest double-quoted with escapes. */
export function inline(args: readonly string[]): string {
  return `${args.map(quoteInline).join(' ')}\r\n`;
}

function quoteInline(arg: string): string {
  if (/^[A-Za-z0-9_:{}.*?+-]+$/.test(arg)) return arg;
  let out = '"';
  for (const c of arg) {
    const code = c.charCodeAt(0);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (code < 0x20 || code >= 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

/** Lengths that are wrong, huge, negative or badly written. */
const LENGTHS = ['-1', '-0', '0', '-5', '01', '+1', ' 1', '1 ', '', 'abc', '1048577', '536870913', '2147483648', '4294967296', '9223372036854775808', '99999999999999999999', '-9223372036854775809', '3\x00'];
const PROTOCOL_BYTES = '*$\r\n-+:0123456789 "\'\\\x00\xff\t';
const BIASED = `${PROTOCOL_BYTES}${PROTOCOL_BYTES}abcdeSETGETPINGk{}`;
const INLINE_TOKENS = [
  'SET', 'GET', 'PING', 'ECHO', 'EXISTS', 'k0', '{t}a', '"a b"', "'c d'", '"unterminated', "'unterminated", '"\\x41\\x4"', '"\\xzz"',
  '"a"b', "'a'b", '"\\""', "'\\''", "'\\x41'", '\\"', '""', "''", '\x00', '\t', '\xff\xfe', '"\\n\\r\\t\\b\\a\\z"', ' ', '"\x00"', 'é',
];

/**
 * A malformed case. `seeds` gives valid commands to mutate (their replies
 * byte for byte deterministic).
 */
export function malformedCase(rng: Random, seeds: () => Command[]): MalformedCase {
  const frames = (): string => seeds().map((command) => (rng.chance(0.2) ? inline(command.args) : multibulk(command.args))).join('');
  const [kind, body] = rng.weighted<() => [string, string]>([
    [3, () => ['random bytes', rng.chance(0.5) ? rng.text(rng.int(1, 300), BIASED) : rng.bytes(rng.int(1, 300))]],
    [6, () => ['mutated frames', mutate(rng, frames())]],
    [2, () => ['huge or bad length', badLength(rng) + (rng.chance(0.5) ? frames() : '')]],
    [2, () => ['inline quoting', inlineLine(rng)]],
    [2, () => ['frames cut short', cut(rng, frames())]],
  ])();
  const ending = rng.chance(0.8) ? 'half-close' : 'drop';
  // A dropped connection's commands are not compared, so they may as well be many and unread.
  const extra = ending === 'drop' && rng.chance(0.3) ? multibulk(['GET', 'k']).repeat(rng.int(100, 2000)) : '';
  const setup = ending === 'half-close' ? multibulk(['SELECT', COMPARED_DB]) + multibulk(['FLUSHDB']) : multibulk(['SELECT', DROPPED_DB]);
  return { kind, parts: split(rng, setup + extra + body), ending };
}

/** `text` in one to three parts. */
function split(rng: Random, text: string): string[] {
  const cuts = [...new Set(Array.from({ length: rng.int(0, 2) }, () => rng.int(1, Math.max(1, text.length - 1))))].sort((a, b) => a - b);
  const parts: string[] = [];
  let at = 0;
  for (const cut of cuts) {
    if (cut <= at || cut >= text.length) continue;
    parts.push(text.slice(at, cut));
    at = cut;
  }
  parts.push(text.slice(at));
  return parts;
}

function mutate(rng: Random, text: string): string {
  const mutations = rng.int(1, 3);
  for (let i = 0; i < mutations && text.length > 0; i++) {
    const at = rng.int(0, text.length - 1);
    text = rng.weighted<() => string>([
      [3, () => text.slice(0, at) + String.fromCharCode(rng.int(0, 255)) + text.slice(at + 1)],
      [2, () => text.slice(0, at) + text.slice(at + 1)],
      [3, () => text.slice(0, at) + rng.pick([...PROTOCOL_BYTES]) + text.slice(at)],
      [4, () => replaceLength(rng, text)],
      [2, () => text.replace(rng.chance(0.5) ? '\r' : '\n', '')],
      [1, () => text.slice(0, at)],
      [1, () => text.slice(0, at) + text.slice(at, at + rng.int(1, 20)).repeat(2) + text.slice(at)],
    ])();
  }
  return text;
}

/** One `*N` or `$N` header of `text` given a bad length. */
function replaceLength(rng: Random, text: string): string {
  const headers = [...text.matchAll(/[*$](-?\d+)\r\n/g)];
  if (headers.length === 0) return text;
  const header = rng.pick(headers);
  const start = header.index + 1;
  return text.slice(0, start) + rng.pick(LENGTHS) + text.slice(start + header[1].length);
}

function badLength(rng: Random): string {
  const length = rng.pick(LENGTHS);
  return rng.weighted([
    [1, `*${length}\r\n`],
    [1, `*1\r\n$${length}\r\n`],
    [1, `*2\r\n$4\r\nECHO\r\n$${length}\r\nabc\r\n`],
    [1, `*${length}\r\n$4\r\nPING\r\n`],
  ]);
}

function inlineLine(rng: Random): string {
  const line = rng.some(INLINE_TOKENS, rng.int(1, 6)).join(rng.pick([' ', ' ', '  ', '\t']));
  return line + rng.weighted([[5, '\r\n'], [2, '\n'], [1, ''], [1, '\r'], [1, '\r\n\r\n']]);
}

function cut(rng: Random, text: string): string {
  return text.slice(0, rng.int(0, Math.max(0, text.length - 1)));
}
