// Raw requests and the exact bytes stock redis-server 7.0.15 answers them
// with, and whether it closes the connection. Recorded by running each case
// against redis-server 7.0.15 (`node test/helpers/protocol-cases.ts PORT`
// replays them against any server and prints the differences).

import { exchange } from './raw-client.ts';

export interface ProtocolCase {
  name: string;
  send: (string | Buffer)[];
  reply: string;
  closed: boolean;
}

const INVALID_MULTIBULK = '-ERR Protocol error: invalid multibulk length\r\n';
const INVALID_BULK = '-ERR Protocol error: invalid bulk length\r\n';
const UNBALANCED = '-ERR Protocol error: unbalanced quotes in request\r\n';
const PONG = '+PONG\r\n';

function invalidMultibulk(name: string, header: string): ProtocolCase {
  return { name, send: [`${header}\r\nPING\r\n`], reply: INVALID_MULTIBULK, closed: true };
}

function invalidBulk(name: string, header: string): ProtocolCase {
  return { name, send: [`*1\r\n${header}\r\nPING\r\n`], reply: INVALID_BULK, closed: true };
}

export const PROTOCOL_CASES: ProtocolCase[] = [
  // Multibulk counts.
  { name: '*0 is skipped', send: ['*0\r\nPING\r\n'], reply: PONG, closed: false },
  { name: '*-1 is skipped', send: ['*-1\r\nPING\r\n'], reply: PONG, closed: false },
  { name: '*-5 is skipped', send: ['*-5\r\nPING\r\n'], reply: PONG, closed: false },
  invalidMultibulk('*-0', '*-0'),
  invalidMultibulk('* alone', '*'),
  invalidMultibulk('*abc', '*abc'),
  invalidMultibulk('*01 (leading zero)', '*01'),
  invalidMultibulk('*+1', '*+1'),
  invalidMultibulk('* 1 (space)', '* 1'),
  invalidMultibulk('*99999999999', '*99999999999'),
  invalidMultibulk('*2147483648 (INT_MAX + 1)', '*2147483648'),
  invalidMultibulk('*9999999999999999999 (beyond int64)', '*9999999999999999999'),
  invalidMultibulk('*-99999999999999999999', '*-99999999999999999999'),
  { name: '*2147483647 waits for its arguments', send: ['*2147483647\r\n$4\r\nPING\r\n'], reply: '', closed: false },
  { name: '*2000000 waits for its arguments', send: ['*2000000\r\n$4\r\nPING\r\n'], reply: '', closed: false },
  { name: 'a CR without LF still ends the count', send: ['*1\rX$4\r\nPING\r\n'], reply: PONG, closed: false },
  // Bulk lengths.
  invalidBulk('$-1 inside a multibulk', '$-1'),
  invalidBulk('$-0', '$-0'),
  invalidBulk('$4294967296 (4 GB)', '$4294967296'),
  invalidBulk('$abc', '$abc'),
  invalidBulk('$ alone', '$'),
  invalidBulk('$04 (leading zero)', '$04'),
  { name: '$0 is an empty argument', send: ['*1\r\n$0\r\n\r\n'], reply: "-ERR unknown command '', with args beginning with: \r\n", closed: false },
  { name: 'the bytes after a bulk are skipped, not checked', send: ['*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n'], reply: PONG + PONG, closed: false },
  { name: "expected '$', got 'x'", send: ['*1\r\nx4\r\nPING\r\n'], reply: "-ERR Protocol error: expected '$', got 'x'\r\n", closed: true },
  { name: "expected '$', got CR (shown as a space)", send: ['*1\r\n\r\n\r\n'], reply: "-ERR Protocol error: expected '$', got ' '\r\n", closed: true },
  { name: "expected '$', got a space", send: ['*1\r\n 4\r\n'], reply: "-ERR Protocol error: expected '$', got ' '\r\n", closed: true },
  { name: "expected '$', got byte 0xff (raw)", send: ['*1\r\n\xff4\r\n'], reply: "-ERR Protocol error: expected '$', got '\xff'\r\n", closed: true },
  { name: "expected '$', got an inline command", send: ['*2\r\n$4\r\nECHO\r\nPING\r\n'], reply: "-ERR Protocol error: expected '$', got 'P'\r\n", closed: true },
  { name: 'a NUL byte in a bulk header makes it wait (strchr)', send: ['*1\r\n\x004\r\n'], reply: '', closed: false },
  // Inline commands.
  { name: 'inline PING', send: ['PING\r\n'], reply: PONG, closed: false },
  { name: 'inline with LF only', send: ['PING\n'], reply: PONG, closed: false },
  { name: 'empty lines are skipped', send: ['\r\n\r\n\nPING\r\n'], reply: PONG, closed: false },
  { name: 'blank lines are skipped', send: ['   \r\nPING\r\n'], reply: PONG, closed: false },
  { name: 'double quotes and escapes', send: ['ECHO "a b\\x41\\n\\"q"\r\n'], reply: '$7\r\na bA\n"q\r\n', closed: false },
  { name: "single quotes with \\'", send: ["ECHO 'a\\'b\\n'\r\n"], reply: "$5\r\na'b\\n\r\n", closed: false },
  { name: 'empty quotes', send: ['ECHO ""\r\n'], reply: '$0\r\n\r\n', closed: false },
  { name: '\\x without hex digits', send: ['ECHO "\\xZZ"\r\n'], reply: '$3\r\nxZZ\r\n', closed: false },
  { name: 'tabs separate arguments', send: ['ECHO\ta\tb\r\n'], reply: "-ERR wrong number of arguments for 'echo' command\r\n", closed: false },
  { name: 'a CR inside the line separates arguments', send: ['ECHO a\rb\r\n'], reply: "-ERR wrong number of arguments for 'echo' command\r\n", closed: false },
  { name: '\\v and \\f stay inside an argument', send: ['ECHO a\x0bb\r\nECHO a\x0cb\r\n'], reply: '$3\r\na\x0bb\r\n$3\r\na\x0cb\r\n', closed: false },
  { name: 'unbalanced double quote', send: ['ECHO "abc\r\nPING\r\n'], reply: UNBALANCED, closed: true },
  { name: 'unbalanced single quote', send: ["ECHO 'abc\r\nPING\r\n"], reply: UNBALANCED, closed: true },
  { name: 'closing quote followed by a letter', send: ['ECHO "abc"d\r\nPING\r\n'], reply: UNBALANCED, closed: true },
  { name: 'escaped closing quote', send: ['ECHO "abc\\"\r\n'], reply: UNBALANCED, closed: true },
  { name: 'inline with a NUL byte waits (strchr)', send: ['ECHO a\x00b\r\n'], reply: '', closed: false },
  { name: 'garbage bytes with a NUL wait', send: ['\x00\x01\x02\xff garbage\r\n'], reply: '', closed: false },
  { name: '$4 as an inline command', send: ['$4\r\nPING\r\n'], reply: "-ERR unknown command '$4', with args beginning with: \r\n" + PONG, closed: false },
  { name: 'inline pipeline', send: ['PING\r\nPING\r\nECHO x\r\n'], reply: PONG + PONG + '$1\r\nx\r\n', closed: false },
  { name: 'inline and multibulk mixed', send: ['PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n'], reply: PONG + PONG + PONG, closed: false },
  { name: 'a 70000-byte inline line is fine once whole', send: [`ECHO ${'A'.repeat(70000)}\r\n`], reply: `$70000\r\n${'A'.repeat(70000)}\r\n`, closed: false },
  // Sizes.
  { name: 'too big inline request', send: ['A'.repeat(70000)], reply: '-ERR Protocol error: too big inline request\r\n', closed: true },
  { name: 'too big mbulk count string', send: [`*${'1'.repeat(70000)}`], reply: '-ERR Protocol error: too big mbulk count string\r\n', closed: true },
  { name: 'too big bulk count string', send: [`*1\r\n$${'1'.repeat(70000)}`], reply: '-ERR Protocol error: too big bulk count string\r\n', closed: true },
  // What comes before and after an error.
  { name: 'replies before the error are sent, nothing after it is read', send: ['PING\r\n*x\r\nPING\r\n'], reply: PONG + INVALID_MULTIBULK, closed: true },
  { name: 'an error reply, then a protocol error', send: ['FOO\r\n*x\r\n'], reply: "-ERR unknown command 'FOO', with args beginning with: \r\n" + INVALID_MULTIBULK, closed: true },
  { name: 'keys on both shards, then a protocol error', send: ['SET a 1\r\nSET b 2\r\nGET a\r\nGET b\r\n*x\r\n'], reply: '+OK\r\n+OK\r\n$1\r\n1\r\n$1\r\n2\r\n' + INVALID_MULTIBULK, closed: true },
  { name: 'nothing after QUIT is read', send: ['PING\r\nQUIT\r\nPING\r\n'], reply: PONG + '+OK\r\n', closed: true },
  { name: 'no protocol error after QUIT', send: ['QUIT\r\n*x\r\n'], reply: '+OK\r\n', closed: true },
  { name: 'unknown command with arguments', send: ['*2\r\n$3\r\nFOO\r\n$3\r\nbar\r\n'], reply: "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n", closed: false },
  // Each CR and each LF of a client's bytes in an error becomes one space, but those that end it.
  { name: 'CR and LF in the arguments of an unknown command', send: ['*3\r\n$3\r\nFOO\r\n$4\r\na\r\nb\r\n$3\r\n\n\n\r\r\n'], reply: "-ERR unknown command 'FOO', with args beginning with: 'a  b' '   ' \r\n", closed: false },
  { name: 'CR and LF escaped in an inline unknown command', send: ['FOO "\\r\\n\\n" x\r\n'], reply: "-ERR unknown command 'FOO', with args beginning with: '   ' 'x' \r\n", closed: false },
  { name: 'CR and LF at the end of an error are dropped', send: ['*4\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$3\r\n100\r\n$4\r\nX\r\nY\r\n*4\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$3\r\n100\r\n$4\r\nX\r\r\n\r\n'], reply: '-ERR Unsupported option X  Y\r\n-ERR Unsupported option X\r\n', closed: false },
  {
    name: "a client's bytes in an error are the bytes it sent, not UTF-8",
    send: ['*4\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$3\r\n100\r\n$2\r\nX\xac\r\n*2\r\n$6\r\nOBJECT\r\n$8\r\nENCO\xe1ING\r\n*3\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$1\r\n\xff\r\n*3\r\n$8\r\nFUNCTION\r\n$4\r\nLIST\r\n$1\r\n\xff\r\n'],
    reply: "-ERR Unsupported option X\xac\r\n-ERR unknown subcommand 'ENCO\xe1ING'. Try OBJECT HELP.\r\n-ERR Syntax error in HELLO option '\xff'\r\n-ERR Unknown argument \xff\r\n",
    closed: false,
  },
  { name: 'CR and LF in an unknown subcommand', send: ['*2\r\n$6\r\nOBJECT\r\n$3\r\nx\r\n\r\n'], reply: "-ERR unknown subcommand 'x  '. Try OBJECT HELP.\r\n", closed: false },
];

/** Cases for a server started with `--requirepass pw`. */
export const UNAUTHENTICATED_CASES: ProtocolCase[] = [
  { name: 'more than 10 arguments before AUTH', send: ['*11\r\n'], reply: '-ERR Protocol error: unauthenticated multibulk length\r\n', closed: true },
  { name: '10 arguments before AUTH are read', send: ['*10\r\n'], reply: '', closed: false },
  { name: 'a bulk over 16384 bytes before AUTH', send: ['*1\r\n$16385\r\n'], reply: '-ERR Protocol error: unauthenticated bulk length\r\n', closed: true },
  { name: 'a 16384-byte bulk before AUTH is read', send: [`*2\r\n$4\r\nECHO\r\n$16384\r\n${'a'.repeat(16384)}\r\n`], reply: '-NOAUTH Authentication required.\r\n', closed: false },
  { name: 'inline commands have no such limit', send: [`ECHO ${'a'.repeat(20000)}\r\n`], reply: '-NOAUTH Authentication required.\r\n', closed: false },
  { name: 'after AUTH in the same pipeline, big requests are read', send: [`AUTH pw\r\n*2\r\n$4\r\nECHO\r\n$16385\r\n${'a'.repeat(16385)}\r\n`], reply: `+OK\r\n$16385\r\n${'a'.repeat(16385)}\r\n`, closed: false },
];

/** Replays every case against the server on `port`; lists the cases answered differently. */
export async function replayCases(port: number, cases: ProtocolCase[]): Promise<string[]> {
  const results = await Promise.all(cases.map((c) => exchange(port, c.send)));
  const differences: string[] = [];
  cases.forEach((c, i) => {
    const got = results[i];
    if (got.reply !== c.reply || got.closed !== c.closed) {
      differences.push(`${c.name}: got ${JSON.stringify(got.reply.slice(0, 200))} closed=${got.closed}, want ${JSON.stringify(c.reply.slice(0, 200))} closed=${c.closed}`);
    }
  });
  return differences;
}

if (import.meta.main) {
  const port = Number(process.argv[2]);
  const set = process.argv[3] === 'auth' ? UNAUTHENTICATED_CASES : PROTOCOL_CASES;
  const differences = await replayCases(port, set);
  console.log(differences.length === 0 ? `all ${set.length} cases answered as recorded` : differences.join('\n'));
}
