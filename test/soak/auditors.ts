// The soak's other clients: atomicity (transfers between accounts under an
// auditor, MSET groups under readers), the keyspace commands over keys that
// never change, whole-database commands (FLUSHDB, SWAPDB) in databases of
// their own, and the order of one client's pipelined writes on two shards.

import type { Redis } from 'ioredis';
import { connectIoredis } from '../helpers/clients.ts';
import { keysOnShard } from '../helpers/raw-client.ts';
import { groupValues, sum, TOTAL, transfer, watchedTransfer, writeGroup } from '../helpers/accounts.ts';
import { ConnectionLost, ReplyTimeout, RespConnection, show, type Reply } from './resp.ts';
import { pace, pickOne, randomInt, sleep, type SoakContext } from './context.ts';
import { holdsRestartError, isRestartError } from './model.ts';

/** A client of the soak: runs until the context stops; `kill` destroys its connection if a command is in flight. */
export interface Actor {
  readonly name: string;
  run(): Promise<void>;
  kill(): boolean;
}

/** Which of an ioredis client's errors mean its connection went away. */
function connectionGone(client: Redis | null, error: unknown): boolean {
  const message = (error as Error).message ?? '';
  return client === null || client.status !== 'ready' || /Connection is closed|Stream isn't writeable|ECONNRESET|ECONNREFUSED|EPIPE/.test(message);
}

/** An actor over an ioredis client that is replaced whenever its connection goes (never reconnecting itself). */
abstract class IoredisActor implements Actor {
  abstract readonly name: string;
  protected readonly ctx: SoakContext;
  protected client: Redis | null = null;
  private busy = false;
  private readonly killedHere = new WeakSet<Redis>();

  constructor(ctx: SoakContext) {
    this.ctx = ctx;
  }

  /** One operation, checking what the server answered. */
  protected abstract step(client: Redis): Promise<void>;

  async run(): Promise<void> {
    const ctx = this.ctx;
    while (!ctx.stopping()) {
      let client: Redis | null = null;
      try {
        client = await this.connected();
        this.busy = true;
        const startedAt = Date.now();
        try {
          await this.step(client);
          await pace(ctx);
        } catch (error) {
          if (isRestartReply(error) && ctx.panics.overlaps(startedAt, Date.now())) ctx.counters.restartErrors++;
          else throw error;
        }
      } catch (error) {
        if (!connectionGone(client, error)) ctx.fail(`${this.name}: ${(error as Error).stack ?? String(error)}`);
        else if (client !== null && !this.killedHere.has(client)) ctx.counters.dropped++;
        this.client = null;
        if (client !== null) {
          this.killedHere.add(client);
          client.disconnect();
        }
      } finally {
        this.busy = false;
      }
    }
    this.stop();
  }

  kill(): boolean {
    const client = this.client;
    if (client === null || !this.busy) return false;
    this.killedHere.add(client);
    client.stream.destroy();
    return true;
  }

  stop(): void {
    if (this.client === null) return;
    this.killedHere.add(this.client);
    this.client.disconnect();
    this.client = null;
  }

  private async connected(): Promise<Redis> {
    if (this.client !== null && this.client.status === 'ready') return this.client;
    const client = await connectIoredis({ port: this.ctx.port }, { retryStrategy: () => null, enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 });
    // Errors reach the commands that were waiting; the event itself needs no handling.
    client.on('error', () => {});
    // The server closing a connection is only explained by a panic of its thread.
    client.once('close', () => {
      if (!this.killedHere.has(client) && !this.ctx.stopping() && !this.ctx.panics.overlaps(Date.now() - 100, Date.now())) {
        this.ctx.fail(`${this.name}: the server closed the connection, no worker being killed`);
      }
    });
    this.client = client;
    return client;
  }
}

function isRestartReply(error: unknown): boolean {
  return error instanceof Error && error.message.includes('restarted while running the command');
}

/** EXEC's replies: every command answered, or some with a restart error while a panic was under way. */
function checkExec(ctx: SoakContext, name: string, replies: [Error | null, unknown][] | null, startedAt: number): void {
  if (replies === null) return;
  for (const [error] of replies) {
    if (error === null) continue;
    if (isRestartReply(error) && ctx.panics.overlaps(startedAt, Date.now())) ctx.counters.restartErrors++;
    else ctx.fail(`${name}: EXEC answered ${error.message}`);
  }
}

export class Transferrer extends IoredisActor {
  readonly name: string;
  private readonly accounts: string[];
  constructor(ctx: SoakContext, index: number, accounts: string[]) {
    super(ctx);
    this.name = `transferrer ${index}`;
    this.accounts = accounts;
  }
  protected async step(client: Redis): Promise<void> {
    const startedAt = Date.now();
    const replies = Math.random() < 0.7 ? await transfer(client, this.accounts) : await watchedTransfer(client, this.accounts);
    this.ctx.counters.commands += 4;
    this.ctx.counters.transfers++;
    checkExec(this.ctx, this.name, replies, startedAt);
  }
}

export class AccountAuditor extends IoredisActor {
  readonly name: string;
  private readonly accounts: string[];
  constructor(ctx: SoakContext, index: number, accounts: string[]) {
    super(ctx);
    this.name = `account auditor ${index}`;
    this.accounts = accounts;
  }
  protected async step(client: Redis): Promise<void> {
    const balances = await client.mget(...this.accounts);
    this.ctx.counters.commands++;
    this.ctx.counters.audits++;
    const total = sum(balances);
    if (total !== TOTAL) this.ctx.fail(`${this.name}: the accounts add up to ${total}, not ${TOTAL} (a transfer seen half done, or one half lost)`);
  }
}

export class GroupWriter extends IoredisActor {
  readonly name: string;
  private readonly group: string[];
  constructor(ctx: SoakContext, index: number, group: string[]) {
    super(ctx);
    this.name = `group writer ${index}`;
    this.group = group;
  }
  protected async step(client: Redis): Promise<void> {
    const reply = await writeGroup(client, this.group, `${this.name}:${randomInt(1e9)}`);
    this.ctx.counters.commands++;
    if (reply !== 'OK') this.ctx.fail(`${this.name}: MSET answered ${reply}`);
  }
}

export class GroupReader extends IoredisActor {
  readonly name: string;
  private readonly group: string[];
  constructor(ctx: SoakContext, index: number, group: string[]) {
    super(ctx);
    this.name = `group reader ${index}`;
    this.group = group;
  }
  protected async step(client: Redis): Promise<void> {
    const values = await groupValues(client, this.group);
    this.ctx.counters.commands++;
    this.ctx.counters.audits++;
    if (values.size !== 1) this.ctx.fail(`${this.name}: one MGET of the group saw ${[...values].join(', ')} (an MSET seen half done)`);
  }
}

/** Keys made once and never changed: strings, hashes and sets over every shard. */
export interface FixedKeys {
  strings: Map<string, string>;
  hashes: Map<string, Map<string, string>>;
  sets: Map<string, Set<string>>;
}

export function fixedKeys(count: number): FixedKeys {
  const fixed: FixedKeys = { strings: new Map(), hashes: new Map(), sets: new Map() };
  for (let i = 0; i < count; i++) {
    const key = `soak:fixed:${i}`;
    if (i % 3 === 0) fixed.strings.set(key, `fixed-${i}`);
    else if (i % 3 === 1) fixed.hashes.set(key, new Map(Array.from({ length: 1 + (i % 7) }, (_, f) => [`f${f}`, `${i}-${f}`])));
    else fixed.sets.set(key, new Set(Array.from({ length: 1 + (i % 9) }, (_, m) => String(i * 10 + m))));
  }
  return fixed;
}

export async function writeFixedKeys(client: Redis, fixed: FixedKeys): Promise<void> {
  const pipeline = client.pipeline();
  for (const [key, value] of fixed.strings) pipeline.set(key, value);
  for (const [key, hash] of fixed.hashes) pipeline.hset(key, Object.fromEntries(hash));
  for (const [key, set] of fixed.sets) pipeline.sadd(key, ...set);
  await pipeline.exec();
}

function sameMembers(found: Iterable<string>, expected: Iterable<string>): boolean {
  const a = [...new Set(found)].sort();
  const b = [...new Set(expected)].sort();
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** The keyspace commands (SCAN, KEYS, DBSIZE, RANDOMKEY, EXISTS, TYPE) over keys that never change. */
export class KeyspaceReader extends IoredisActor {
  readonly name: string;
  private readonly fixed: FixedKeys;
  private readonly all: string[];
  constructor(ctx: SoakContext, index: number, fixed: FixedKeys) {
    super(ctx);
    this.name = `keyspace reader ${index}`;
    this.fixed = fixed;
    this.all = [...fixed.strings.keys(), ...fixed.hashes.keys(), ...fixed.sets.keys()];
  }
  protected async step(client: Redis): Promise<void> {
    const counters = this.ctx.counters;
    const fail = (what: string): void => this.ctx.fail(`${this.name}: ${what}`);
    switch (pickOne(['SCAN', 'SCAN TYPE', 'KEYS', 'DBSIZE', 'RANDOMKEY', 'EXISTS', 'TYPE', 'MGET', 'HGETALL', 'SUNION'])) {
      case 'SCAN':
      case 'SCAN TYPE': {
        const type = Math.random() < 0.5 ? null : pickOne(['string', 'hash', 'set']);
        const found: string[] = [];
        let cursor = '0';
        for (let calls = 0; calls === 0 || cursor !== '0'; calls++) {
          if (calls > 100000) return fail('SCAN never came back to cursor 0');
          const args = [cursor, 'MATCH', 'soak:fixed:*', 'COUNT', String(5 + randomInt(200))];
          if (type !== null) args.push('TYPE', type);
          const [next, keys] = (await client.call('SCAN', ...args)) as [string, string[]];
          counters.commands++;
          found.push(...keys);
          cursor = next;
        }
        const expected = type === null ? this.all : type === 'string' ? [...this.fixed.strings.keys()] : type === 'hash' ? [...this.fixed.hashes.keys()] : [...this.fixed.sets.keys()];
        if (!sameMembers(found, expected)) fail(`SCAN MATCH soak:fixed:*${type ? ` TYPE ${type}` : ''} returned ${new Set(found).size} keys, not the ${expected.length} that never change`);
        return;
      }
      case 'KEYS': {
        const keys = await client.keys('soak:fixed:*');
        counters.commands++;
        if (!sameMembers(keys, this.all)) fail(`KEYS soak:fixed:* returned ${keys.length} keys, not ${this.all.length}`);
        return;
      }
      case 'DBSIZE': {
        const size = await client.dbsize();
        counters.commands++;
        if (size < this.all.length) fail(`DBSIZE ${size}, fewer than the ${this.all.length} keys that never change`);
        return;
      }
      case 'RANDOMKEY': {
        const key = await client.randomkey();
        counters.commands++;
        if (key === null) fail('RANDOMKEY found no key');
        return;
      }
      case 'EXISTS': {
        const count = await client.exists(...this.all);
        counters.commands++;
        if (count !== this.all.length) fail(`EXISTS of the ${this.all.length} keys that never change: ${count}`);
        return;
      }
      case 'TYPE': {
        const key = pickOne(this.all);
        const type = await client.type(key);
        counters.commands++;
        const expected = this.fixed.strings.has(key) ? 'string' : this.fixed.hashes.has(key) ? 'hash' : 'set';
        if (type !== expected) fail(`TYPE ${key}: ${type}, not ${expected}`);
        return;
      }
      case 'MGET': {
        const keys = [...this.fixed.strings.keys()];
        const values = await client.mget(...keys);
        counters.commands++;
        keys.forEach((key, i) => values[i] !== this.fixed.strings.get(key) && fail(`${key} holds ${values[i]}, not ${this.fixed.strings.get(key)}`));
        return;
      }
      case 'HGETALL': {
        const [key, hash] = pickOne([...this.fixed.hashes]);
        const found = await client.hgetall(key);
        counters.commands++;
        if (!sameMembers(Object.entries(found).map((pair) => pair.join('=')), [...hash].map((pair) => pair.join('=')))) fail(`HGETALL ${key} changed`);
        return;
      }
      default: {
        const picked = [pickOne([...this.fixed.sets.keys()]), pickOne([...this.fixed.sets.keys()])];
        const members = await client.sunion(...picked);
        counters.commands++;
        const expected = picked.flatMap((key) => [...(this.fixed.sets.get(key) as Set<string>)]);
        if (!sameMembers(members, expected)) fail(`SUNION ${picked.join(' ')} changed`);
      }
    }
  }
}

/** What a database actor knows: the key names in databases 1 and 2 (no other client uses them). */
interface Databases {
  one: Set<string>;
  two: Set<string>;
}

function cloneDatabases(model: Databases): Databases {
  return { one: new Set(model.one), two: new Set(model.two) };
}

/**
 * Whole-database commands over every shard (FLUSHDB, SWAPDB, DBSIZE, KEYS)
 * with MSET and DEL, in databases 1 and 2, which only this client uses. A
 * command whose reply never came: once it can no longer run, both databases
 * must be as before it or as after it.
 */
export class DatabaseShuffler implements Actor {
  readonly name = 'database shuffler';
  private readonly ctx: SoakContext;
  private conn: RespConnection | null = null;
  private model: Databases = { one: new Set(), two: new Set() };
  private readonly killedHere = new WeakSet<RespConnection>();

  constructor(ctx: SoakContext) {
    this.ctx = ctx;
  }

  kill(): boolean {
    const conn = this.conn;
    if (conn === null || conn.isClosed || conn.pending === 0) return false;
    this.killedHere.add(conn);
    conn.kill();
    return true;
  }

  async run(): Promise<void> {
    const ctx = this.ctx;
    while (!ctx.stopping()) {
      let conn: RespConnection | null = null;
      try {
        conn = await this.connected();
        await this.step(conn);
        await pace(ctx);
      } catch (error) {
        if (error instanceof ReplyTimeout) ctx.fail(`${this.name}: ${error.message}`);
        else if (!(error instanceof ConnectionLost) && !['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')) {
          ctx.fail(`${this.name}: ${(error as Error).stack ?? String(error)}`);
        }
      }
    }
    this.conn?.kill();
  }

  private async connected(): Promise<RespConnection> {
    if (this.conn !== null && !this.conn.isClosed) return this.conn;
    const conn = await RespConnection.connect(this.ctx.port);
    const reply = await conn.call('SELECT', '1');
    if (reply !== 'OK') throw new Error(`SELECT 1 answered ${show(reply)}`);
    this.conn = conn;
    return conn;
  }

  private names(count: number): string[] {
    return [...new Set(Array.from({ length: count }, () => `soak:db:${randomInt(60)}`))];
  }

  private async step(conn: RespConnection): Promise<void> {
    const before = cloneDatabases(this.model);
    const after = cloneDatabases(this.model);
    let command: string[];
    let expected: Reply;
    switch (pickOne(['FLUSHDB', 'SWAPDB', 'MSET', 'MSET', 'DEL', 'DBSIZE', 'KEYS'])) {
      case 'FLUSHDB':
        command = ['FLUSHDB'];
        after.one.clear();
        expected = 'OK';
        break;
      case 'SWAPDB':
        command = ['SWAPDB', '1', '2'];
        [after.one, after.two] = [after.two, after.one];
        expected = 'OK';
        break;
      case 'MSET': {
        const names = this.names(1 + randomInt(8));
        command = ['MSET', ...names.flatMap((name) => [name, 'x'])];
        for (const name of names) after.one.add(name);
        expected = 'OK';
        break;
      }
      case 'DEL': {
        const names = this.names(1 + randomInt(8));
        command = ['DEL', ...names];
        expected = names.filter((name) => after.one.delete(name)).length;
        break;
      }
      case 'DBSIZE':
        command = ['DBSIZE'];
        expected = before.one.size;
        break;
      default:
        command = ['KEYS', 'soak:db:*'];
        expected = [...before.one].sort().join(' ');
    }
    const sentAt = Date.now();
    let reply: Reply;
    try {
      this.ctx.counters.commands++;
      reply = await conn.call(...command);
    } catch (error) {
      if (!(error instanceof ConnectionLost)) throw error;
      if (!this.killedHere.has(conn) && !this.ctx.panics.overlaps(sentAt, Date.now())) this.ctx.fail(`${this.name}: the server closed the connection before answering ${command[0]}, no worker being killed`);
      await this.resolve(before, after, command[0]);
      return;
    }
    if (holdsRestartError(reply)) {
      this.ctx.counters.restartErrors++;
      if (!this.ctx.panics.overlaps(sentAt, Date.now())) this.ctx.fail(`${this.name}: ${command[0]} got a restart error, no worker being killed`);
      await this.resolve(before, after, command[0]);
      return;
    }
    const got = command[0] === 'KEYS' && Array.isArray(reply) ? (reply as Buffer[]).map(String).sort().join(' ') : reply;
    if (got !== expected) {
      this.ctx.fail(`${this.name}: ${command.join(' ').slice(0, 100)} answered ${show(reply)}, not ${String(expected)} (db1 ${[...before.one].join(',')}; db2 ${[...before.two].join(',')})`);
      this.model = await this.readDatabases();
      return;
    }
    this.model = after;
  }

  /** Both databases' key names as they are now. */
  private async readDatabases(): Promise<Databases> {
    const conn = await this.connected();
    const replies = await Promise.all(conn.send([['KEYS', 'soak:db:*'], ['SELECT', '2'], ['KEYS', 'soak:db:*'], ['SELECT', '1']]));
    this.ctx.counters.commands += 4;
    if (replies.some((reply) => isRestartError(reply))) throw new ConnectionLost('a restart error reading the databases back');
    return { one: new Set((replies[0] as Buffer[]).map(String)), two: new Set((replies[2] as Buffer[]).map(String)) };
  }

  /** After an unknown outcome (and the settling time): both databases as before the command, or as after it. */
  private async resolve(before: Databases, after: Databases, command: string): Promise<void> {
    if (command === 'DBSIZE' || command === 'KEYS') return;
    this.ctx.counters.unknownWrites++;
    await sleep(this.ctx.settleMs);
    let found: Databases | null = null;
    for (let attempt = 0; found === null; attempt++) {
      try {
        found = await this.readDatabases();
      } catch (error) {
        if (!(error instanceof ConnectionLost) || attempt >= 20) throw error;
        await sleep(100);
      }
    }
    const same = (a: Databases, b: Databases): boolean => sameMembers(a.one, b.one) && sameMembers(a.two, b.two);
    if (same(found, before)) this.model = before;
    else if (same(found, after)) this.model = after;
    else {
      this.ctx.fail(`${this.name}: ${command}, whose reply never came, left the databases neither as before nor as after it (not atomic, or lost)`);
      this.model = found;
    }
  }
}

/**
 * One client pipelines SET a n, SET b n with a and b on different shards,
 * n growing; others read b, then a: a is never behind b. A client's
 * pipelined writes take effect in the order it sent them.
 */
export class OrderWriter implements Actor {
  readonly name: string;
  readonly keys: [string, string];
  /** Since when both keys hold the last pair (Infinity while a pair's outcome is unknown, until the next one is answered). */
  inOrderSince = 0;
  /** When a pair last went unanswered (killed, dropped), for the failure's message. */
  lastUnansweredAt = 0;
  private readonly ctx: SoakContext;
  private conn: RespConnection | null = null;
  private n = 0;
  constructor(ctx: SoakContext, index: number, keys: [string, string]) {
    this.ctx = ctx;
    this.name = `order writer ${index}`;
    this.keys = keys;
  }
  kill(): boolean {
    if (this.conn === null || this.conn.isClosed || this.conn.pending === 0) return false;
    this.conn.kill();
    return true;
  }
  async run(): Promise<void> {
    const ctx = this.ctx;
    while (!ctx.stopping()) {
      try {
        if (this.conn === null || this.conn.isClosed) this.conn = await RespConnection.connect(ctx.port);
        this.n++;
        const [a, b] = this.keys;
        ctx.counters.commands += 2;
        const results = await Promise.allSettled(this.conn.send([['SET', a, String(this.n)], ['SET', b, String(this.n)]]));
        let answered = true;
        for (const result of results) {
          if (result.status === 'fulfilled' && result.value === 'OK') continue;
          answered = false;
          if (result.status === 'fulfilled' && !isRestartError(result.value)) ctx.fail(`${this.name}: SET answered ${show(result.value)}`);
          if (result.status === 'rejected' && result.reason instanceof ReplyTimeout) ctx.fail(`${this.name}: ${result.reason.message}`);
        }
        if (answered) {
          if (this.inOrderSince === Infinity) this.inOrderSince = Date.now();
          await pace(ctx);
          continue;
        }
        // Whatever was sent may still run a while; the next pair, once answered, puts both keys level again.
        this.inOrderSince = Infinity;
        this.lastUnansweredAt = Date.now();
        await sleep(ctx.settleMs);
      } catch (error) {
        if (!['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')) ctx.fail(`${this.name}: ${(error as Error).stack ?? String(error)}`);
      }
    }
    this.conn?.kill();
  }
}

export class OrderReader extends IoredisActor {
  readonly name: string;
  private readonly writer: OrderWriter;
  constructor(ctx: SoakContext, index: number, writer: OrderWriter) {
    super(ctx);
    this.name = `order reader ${index}`;
    this.writer = writer;
  }
  protected async step(client: Redis): Promise<void> {
    const [a, b] = this.writer.keys;
    const startedAt = Date.now();
    const second = Number(await client.get(b));
    const first = Number(await client.get(a));
    this.ctx.counters.commands += 2;
    this.ctx.counters.audits++;
    // A restart error leaves the pair uneven until the writer's next one: a panic nearby explains it.
    const explained = startedAt <= this.writer.inOrderSince || this.ctx.panics.overlaps(startedAt - 1000, Date.now());
    if (first < second && !explained && this.ctx.checkPipelineOrder) {
      const since = this.writer.lastUnansweredAt === 0 ? 'none' : `${Date.now() - this.writer.lastUnansweredAt} ms ago`;
      this.ctx.fail(`${this.name}: read ${b}=${second}, then ${a}=${first}: the writes of one pipeline took effect out of order (the writer's last unanswered pair: ${since})`);
    }
  }
}

/** Two keys on different shards for an order writer. */
export function orderKeys(index: number, shards: number): [string, string] {
  return [keysOnShard(`soak:order:${index}:a`, 0, shards, 1)[0], keysOnShard(`soak:order:${index}:b`, 1, shards, 1)[0]];
}
