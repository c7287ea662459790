// The RESP request protocol as Redis 7.0 speaks it: multibulk and inline
// commands, split reads, pipelines, every protocol error with Redis's exact
// text, the connection closed after it for that client alone, and the
// proto-max-bulk-len / client-query-buffer-limit limits. Expected bytes were
// recorded against stock redis-server 7.0.15 (see helpers/protocol-cases.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { ioredis } from './helpers/clients.ts';
import { exchange, keysOnShard } from './helpers/raw-client.ts';
import { PROTOCOL_CASES, UNAUTHENTICATED_CASES, replayCases } from './helpers/protocol-cases.ts';
import { RequestParser, type RequestSink } from '../src/protocol/request-parser.ts';

/** What a parser reported, in order: commands as their arguments (latin1), and errors. */
class RecordingSink implements RequestSink {
  events: string[] = [];
  onCommand(argv: Buffer[], argc: number): void {
    const args: string[] = [];
    for (let i = 0; i < argc; i++) args.push(argv[i].toString('latin1'));
    this.events.push(JSON.stringify(args));
  }
  onProtocolError(message: string): void {
    this.events.push(`error: ${message}`);
  }
  onQueryBufferLimit(): void {
    this.events.push('query buffer limit');
  }
  authRequired(): boolean {
    return false;
  }
}

const LIMITS = { maxBulkLength: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

function parse(chunks: Buffer[]): string[] {
  const sink = new RecordingSink();
  const parser = new RequestParser(sink, LIMITS);
  for (const chunk of chunks) parser.feed(chunk);
  return sink.events;
}

const PIPELINE = Buffer.from(
  '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n' +
    'PING\r\n\r\n' +
    `ECHO "a b\\x41" 'c d'\r\n` +
    '*0\r\n*-1\r\n' +
    '*1\r\n$0\r\n\r\n' +
    `*2\r\n$4\r\nECHO\r\n$40\r\n${'x'.repeat(40)}\r\n` +
    'SET k v\n' +
    '*1\r\n$4\r\nPING\r\n',
  'latin1',
);

describe('request parser: every split of the input gives the same commands', () => {
  const whole = parse([PIPELINE]);

  it('parses the pipeline whole', () => {
    expect(whole).toEqual([
      '["SET","k","hello"]',
      '["PING"]',
      '["ECHO","a bA","c d"]',
      '[""]',
      `["ECHO","${'x'.repeat(40)}"]`,
      '["SET","k","v"]',
      '["PING"]',
    ]);
  });

  it('at every byte boundary', () => {
    for (let i = 1; i < PIPELINE.length; i++) {
      expect(parse([PIPELINE.subarray(0, i), PIPELINE.subarray(i)]), `split at ${i}`).toEqual(whole);
    }
  });

  it('at every pair of byte boundaries', () => {
    for (let i = 1; i < PIPELINE.length; i++) {
      for (let j = i + 1; j < PIPELINE.length; j++) {
        const events = parse([PIPELINE.subarray(0, i), PIPELINE.subarray(i, j), PIPELINE.subarray(j)]);
        if (events.length !== whole.length || events.some((event, k) => event !== whole[k])) {
          expect(events, `split at ${i} and ${j}`).toEqual(whole);
        }
      }
    }
  });

  it('one byte at a time', () => {
    const bytes: Buffer[] = [];
    for (let i = 0; i < PIPELINE.length; i++) bytes.push(PIPELINE.subarray(i, i + 1));
    expect(parse(bytes)).toEqual(whole);
  });

  it('reports an error once, after the commands before it, at every split', () => {
    const input = Buffer.from('PING\r\n*2\r\n$4\r\nECHO\r\n$-1\r\nPING\r\n', 'latin1');
    const expected = ['["PING"]', 'error: Protocol error: invalid bulk length'];
    expect(parse([input])).toEqual(expected);
    for (let i = 1; i < input.length; i++) expect(parse([input.subarray(0, i), input.subarray(i)]), `split at ${i}`).toEqual(expected);
  });
});

for (const shards of [1, 2]) {
  describe(`protocol --shards ${shards}`, () => {
    const server = useServer({ shards });

    it('answers every recorded edge case byte for byte as Redis 7.0, closing when Redis closes', async () => {
      expect(await replayCases(server.port, PROTOCOL_CASES)).toEqual([]);
    });

    it('serves a pipeline written one byte per packet', async () => {
      const [a, b] = shards === 2 ? [keysOnShard('split:', 0, 2, 1)[0], keysOnShard('split:', 1, 2, 1)[0]] : ['split:a', 'split:b'];
      const request = `*3\r\n$3\r\nSET\r\n$${a.length}\r\n${a}\r\n$3\r\none\r\nSET ${b} "two 2"\r\n*3\r\n$4\r\nMGET\r\n$${a.length}\r\n${a}\r\n$${b.length}\r\n${b}\r\nPING\r\n`;
      const result = await exchange(server.port, [...request].map((c) => c), { gapMs: 1 });
      expect(result).toEqual({ reply: '+OK\r\n+OK\r\n*2\r\n$3\r\none\r\n$5\r\ntwo 2\r\n+PONG\r\n', closed: false });
    });

    it('takes an inline request of 70 KB in one write and refuses one of 100 KB, as Redis reading 16 KB at a time does', async () => {
      expect(await exchange(server.port, [`SET inline:big ${'x'.repeat(70000)}\r\nSTRLEN inline:big\r\n`])).toEqual({ reply: '+OK\r\n:70000\r\n', closed: false });
      expect(await exchange(server.port, [`SET inline:big ${'x'.repeat(100000)}\r\nSTRLEN inline:big\r\n`])).toEqual({
        reply: '-ERR Protocol error: too big inline request\r\n',
        closed: true,
      });
    });

    it('words an unknown command with its bytes as they came, each cut at a NUL, as Redis does', async () => {
      const request = Buffer.concat([Buffer.from('*3\r\n$4\r\nfo\0o\r\n$3\r\na'), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n$5\r\nb\0cde\r\n')]);
      expect(await exchange(server.port, [request])).toEqual({ reply: "-ERR unknown command 'fo', with args beginning with: 'a\xff\xfe' 'b' \r\n", closed: false });
    });

    it('answers garbage, negative and 4 GB lengths with an error while other clients keep being served', async () => {
      const good = ioredis(server);
      const keys = Array.from({ length: 200 }, (_, i) => `served:${i}`);
      const attacks = [
        { send: '*1\r\n$-5\r\n', reply: '-ERR Protocol error: invalid bulk length\r\n' },
        { send: '*1\r\n$4294967296\r\n', reply: '-ERR Protocol error: invalid bulk length\r\n' },
        { send: '*-0\r\n', reply: '-ERR Protocol error: invalid multibulk length\r\n' },
        { send: '*99999999999\r\n', reply: '-ERR Protocol error: invalid multibulk length\r\n' },
        { send: '*1\r\n#garbage\r\n', reply: "-ERR Protocol error: expected '$', got '#'\r\n" },
        { send: 'SET "unbalanced\r\n', reply: '-ERR Protocol error: unbalanced quotes in request\r\n' },
      ];
      for (let round = 0; round < 5; round++) {
        const pipeline = good.pipeline();
        for (const key of keys) pipeline.set(key, `${round}:${key}`).get(key);
        const [served, attacked] = await Promise.all([pipeline.exec(), Promise.all(attacks.map((attack) => exchange(server.port, [attack.send])))]);
        expect(attacked).toEqual(attacks.map((attack) => ({ reply: attack.reply, closed: true })));
        expect(served?.filter((_, i) => i % 2 === 1).map(([error, value]) => error ?? value)).toEqual(keys.map((key) => `${round}:${key}`));
      }
      expect(await good.ping()).toBe('PONG');
      good.disconnect();
    });

    it('keeps serving when clients disconnect in the middle of a command or of a pipeline', async () => {
      const remote = shards === 2 ? keysOnShard('gone:', 1, 2, 50) : Array.from({ length: 50 }, (_, i) => `gone:${i}`);
      let pipeline = '';
      for (let i = 0; i < 2000; i++) pipeline += `GET ${remote[i % remote.length]}\r\nSET ${remote[i % remote.length]} ${i}\r\n`;
      const cuts = [
        ['*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\n', 'x'.repeat(500)],
        ['*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000000\r\n', 'x'.repeat(1024 * 1024)],
        ['*3\r\n$3\r\nSET\r\n$1'],
        ['ECHO "half'],
        [pipeline],
      ];
      for (let round = 0; round < 3; round++) {
        await Promise.all(cuts.map((parts) => exchange(server.port, parts, { quietMs: 1 })));
      }
      // A key the cut pipelines never wrote: their last commands may still be running on the other shard.
      const untouched = shards === 2 ? keysOnShard('after:', 1, 2, 1)[0] : 'after:0';
      const client = ioredis(server);
      expect(await client.set(untouched, 'after')).toBe('OK');
      expect(await client.get(untouched)).toBe('after');
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    });

    it('survives 600 random requests made of protocol fragments, split at random, and still serves', async () => {
      const fragments = ['*', '$', '\r', '\n', '\r\n', '0', '1', '3', '-', '-1', 'PING', 'ECHO', 'GET', 'SET', 'k', ' ', '"', "'", '\\', '\\x41', 'x', '*1\r\n$4\r\nPING\r\n', '*2\r\n$4\r\nECHO\r\n', '$3\r\nabc\r\n', 'PING\r\n', '\t', '\xff', '+', '99999999999', '4294967296', '\x00'];
      let seed = 12345;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (let batch = 0; batch < 20; batch++) {
        const requests = Array.from({ length: 30 }, () => {
          const parts: string[] = [];
          for (let p = 1 + random(3); p > 0; p--) {
            let part = '';
            for (let f = 1 + random(12); f > 0; f--) part += fragments[random(fragments.length)];
            parts.push(part);
          }
          return parts;
        });
        await Promise.all(requests.map((parts) => exchange(server.port, parts, { quietMs: 20 })));
      }
      expect(await exchange(server.port, ['PING\r\n'])).toEqual({ reply: '+PONG\r\n', closed: false });
      expect(server.process.exitCode).toBeNull();
    });

    it('refuses a bulk over proto-max-bulk-len (CONFIG SET proto-max-bulk-len 1mb), on every thread', async () => {
      expect((await server.cli('config', 'set', 'proto-max-bulk-len', '1mb')).trim()).toBe('OK');
      try {
        const key = 'bulk:limit';
        const twoMb = `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$2097152\r\n`;
        const results = await Promise.all(Array.from({ length: 4 }, () => exchange(server.port, [twoMb, 'x'.repeat(2097152), '\r\nPING\r\n'])));
        for (const result of results) expect(result).toEqual({ reply: '-ERR Protocol error: invalid bulk length\r\n', closed: true });
        const exact = `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$1048576\r\n${'y'.repeat(1048576)}\r\n`;
        const stored = await exchange(server.port, [exact, `GET ${key}\r\n`]);
        expect(stored.closed).toBe(false);
        expect(stored.reply).toBe(`+OK\r\n$1048576\r\n${'y'.repeat(1048576)}\r\n`);
      } finally {
        await server.cli('config', 'set', 'proto-max-bulk-len', '512mb');
      }
    });

    it('closes, without a reply, a client whose argument passes client-query-buffer-limit', async () => {
      expect((await server.cli('config', 'set', 'client-query-buffer-limit', '1mb')).trim()).toBe('OK');
      try {
        const header = '*3\r\n$3\r\nSET\r\n$2\r\nqb\r\n$2097152\r\n';
        const over = await Promise.all(Array.from({ length: 4 }, () => exchange(server.port, [header, 'x'.repeat(2097152), '\r\nPING\r\n'])));
        for (const result of over) expect(result).toEqual({ reply: '', closed: true });
        // Announcing a big argument is not enough: Redis counts the bytes received.
        expect(await exchange(server.port, [header, 'x'.repeat(1000)])).toEqual({ reply: '', closed: false });
        // The limit is per argument, not per command.
        const half = 'z'.repeat(600000);
        const mset = `*5\r\n$4\r\nMSET\r\n$3\r\nqb1\r\n$600000\r\n${half}\r\n$3\r\nqb2\r\n$600000\r\n${half}\r\n`;
        expect(await exchange(server.port, [mset])).toEqual({ reply: '+OK\r\n', closed: false });
      } finally {
        await server.cli('config', 'set', 'client-query-buffer-limit', '1gb');
      }
      expect((await server.cli('ping')).trim()).toBe('PONG');
    });
  });
}

describe('protocol before AUTH (requirepass, --shards 2)', () => {
  const server = useServer({ shards: 2 });
  beforeAll(async () => {
    expect((await server.cli('config', 'set', 'requirepass', 'pw')).trim()).toBe('OK');
  });

  it('refuses big requests from unauthenticated clients as Redis 7.0 does', async () => {
    expect(await replayCases(server.port, UNAUTHENTICATED_CASES)).toEqual([]);
  });
});
