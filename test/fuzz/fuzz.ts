// The differential fuzzer: random valid commands of every family, sent
// alike to this server and to a stock redis-server (two clients each, one
// batch at a time, now and then pipelined) with their replies compared; and
// between them, malformed connections, after each of which both servers
// must still answer PING at once.
//
//   node test/fuzz/fuzz.ts [--seconds N] [--seed S] [--keep-going] [--check-state] [--trace FILE]
//
// Exits 1 on a mismatch, a stall (no reply within 5 s), or a crash, after
// printing the seed that reproduces it, the recent commands and both
// replies; always prints a summary line. `make fuzz` runs it (FUZZ_SECONDS).

import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer, type TestServer } from '../helpers/server.ts';
import { startStockRedis } from '../helpers/stock-server.ts';
import { exchange, RawSession } from '../helpers/raw-client.ts';
import { withoutClientId } from '../helpers/recorded-sessions.ts';
import { CommandGenerator, DATABASES, SHARDS, type Command } from './commands.ts';
import { compareReplies, type Control, type Side } from './compare.ts';
import { inline, malformedCase, multibulk, type MalformedCase } from './malformed.ts';
import { Random } from './random.ts';
import { listsDiffer, parseReply, showReply, type Reply } from './replies.ts';

/** A reply later than this is a stall. */
const STALL_MS = 5000;
const CLIENTS = 2;
/** Commands kept for a report. */
const HISTORY = 40;
/** The share of steps that are a malformed connection. */
const MALFORMED_SHARE = 0.03;
/** A stock reply to a malformed connection this long may have been cut short at its end of stream (see malformedConnection). */
const STOCK_WRITES_AT_ONCE = 16 * 1024;
/** The databases' keys are compared every this many batches (FuzzOptions.checkState: after each). */
const STATE_EVERY = 100;

export interface FuzzOptions {
  seconds: number;
  seed: number;
  /** After a mismatch, empty both servers and go on (to find more than one); else stop at the first. */
  keepGoing?: boolean;
  /** Where progress and failures are written (default: stdout). */
  log?: (text: string) => void;
  /** Compare the keys of both servers after every batch (slower; finds the batch that made them differ). */
  checkState?: boolean;
  /** Each batch as a JSON line {client, db, commands, ours, stock} with both servers' replies, each malformed case, each start over (to study a failure). */
  trace?: (line: string) => void;
}

export interface FuzzResult {
  seed: number;
  /** Commands sent to each server (valid traffic). */
  commands: number;
  /** Malformed connections opened (to each server). */
  malformed: number;
  mismatches: number;
  /** Every failure's report: mismatches, stalls, crashes. */
  failures: string[];
  summary: string;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const [ours, stock] = await Promise.all([startServer({ shards: SHARDS }), startStockRedis()]);
  const run = new Run(ours, stock, options);
  try {
    await run.run();
  } finally {
    run.close();
    await Promise.all([ours.stop(), stock.stop()]);
  }
  return run.result();
}

/** One client's connection to each server, and what the stock replies say of its state. */
interface Client {
  ours: RawSession;
  stock: RawSession;
  db: number;
  inMulti: boolean;
  /** The commands queued in the transaction (stock answered QUEUED). */
  queued: Command[];
}

interface KeyState {
  key: string;
  type: string;
  /** PTTL's reply: -1 without a time to live. */
  pttl: number;
}

/** A failure that ends the run (or, with keepGoing, a mismatch that starts it over). */
class Failure extends Error {
  readonly mismatch: boolean;
  constructor(report: string, mismatch = false) {
    super(report);
    this.mismatch = mismatch;
  }
}

class Run implements Control {
  private readonly ours: TestServer;
  private readonly stock: TestServer;
  private readonly options: FuzzOptions;
  private readonly log: (text: string) => void;
  private readonly rng: Random;
  private readonly generator: CommandGenerator;
  /** Valid commands to mutate into malformed ones, from a source of their own (not the clients' transaction state). */
  private readonly seeds: CommandGenerator;
  private readonly clients: Client[] = [];
  private readonly control: Record<Side, RawSession>;
  private readonly history: string[] = [];
  private readonly failures: string[] = [];
  private commands = 0;
  private batches = 0;
  private malformed = 0;
  /** Malformed connections whose replies were not compared (unimplementedIn). */
  private notCompared = 0;
  /** Stock's commands this server does not have (COMMAND LIST of each). */
  private readonly unimplemented = new Set<string>();
  private mismatches = 0;
  private started = Date.now();

  constructor(ours: TestServer, stock: TestServer, options: FuzzOptions) {
    this.ours = ours;
    this.stock = stock;
    this.options = options;
    this.log = options.log ?? ((text) => process.stdout.write(`${text}\n`));
    this.rng = new Random(options.seed);
    this.generator = new CommandGenerator(this.rng, CLIENTS);
    this.seeds = new CommandGenerator(new Random(options.seed ^ 0x5eed), 1);
    this.control = { ours: new RawSession(ours.port), stock: new RawSession(stock.port) };
    for (let i = 0; i < CLIENTS; i++) this.clients.push(this.connect());
  }

  async run(): Promise<void> {
    this.started = Date.now();
    const deadline = this.started + this.options.seconds * 1000;
    await this.flushBoth();
    const names = async (side: Side): Promise<string[]> => (await this.query(side, 0, ['COMMAND', 'LIST'])).items.map((item) => item.text.toLowerCase());
    const ourNames = new Set(await names('ours'));
    for (const name of await names('stock')) if (!ourNames.has(name)) this.unimplemented.add(name);
    while (Date.now() < deadline) {
      try {
        if (this.rng.chance(MALFORMED_SHARE)) await this.malformedConnection();
        else await this.step();
        if (this.batches % 200 === 0) this.checkAlive();
        if (this.options.checkState || this.batches % STATE_EVERY === 0) await this.checkState();
      } catch (error) {
        if (!(error instanceof Failure)) throw error;
        this.failures.push(error.message);
        this.log(error.message);
        if (!error.mismatch || !this.options.keepGoing) return;
        await this.startOver();
      }
    }
    this.checkAlive();
  }

  result(): FuzzResult {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const stalls = this.failures.length - this.mismatches;
    const summary =
      `fuzz: seed ${this.options.seed}: ${this.commands} commands in ${this.batches} batches, ${this.malformed} malformed connections (${this.notCompared} not compared), ` +
      `${this.mismatches} mismatches, ${stalls} stalls or crashes, ${seconds} s`;
    return { seed: this.options.seed, commands: this.commands, malformed: this.malformed, mismatches: this.mismatches, failures: this.failures, summary };
  }

  close(): void {
    for (const client of this.clients) this.disconnect(client);
    this.control.ours.close();
    this.control.stock.close();
  }

  /** Control: `args` on `side`'s control connection, in database `db`. */
  async query(side: Side, db: number, args: string[]): Promise<Reply> {
    const replies = await this.request(side, this.control[side], multibulk(['SELECT', String(db)]) + multibulk(args), 2);
    return parseReply(replies[1].toString('latin1'));
  }

  private connect(): Client {
    return { ours: new RawSession(this.ours.port), stock: new RawSession(this.stock.port), db: 0, inMulti: false, queued: [] };
  }

  private disconnect(client: Client): void {
    client.ours.close();
    client.stock.close();
  }

  /** `replies` replies to `bytes` from one server, or a Failure (a stall, a closed connection). */
  private async request(side: Side, session: RawSession, bytes: string, replies: number): Promise<Buffer[]> {
    try {
      return await session.request(Buffer.from(bytes, 'latin1'), replies, STALL_MS);
    } catch (error) {
      this.checkAlive();
      throw new Failure(this.report(`${side === 'ours' ? 'this server' : 'stock redis-server'}: ${(error as Error).message}`, [`sent: ${showReply(bytes)}`]));
    }
  }

  private async step(): Promise<void> {
    const index = this.rng.chance(0.7) ? 0 : 1;
    const batch = this.generator.batch(index);
    this.batches++;
    // A command with a delay starts a part of its own, sent that long after the replies to the part before.
    let part: Command[] = [];
    for (const command of batch) {
      if (command.delayMs !== undefined && part.length > 0) {
        await this.send(index, part);
        part = [];
        await new Promise((resolve) => setTimeout(resolve, command.delayMs));
      }
      part.push(command);
    }
    await this.send(index, part);
    if (batch[batch.length - 1].args[0].toLowerCase() === 'quit') {
      this.disconnect(this.clients[index]);
      this.clients[index] = this.connect();
    }
  }

  /** Sends `commands` to both servers in one write each, then compares the replies one by one. */
  private async send(index: number, commands: Command[]): Promise<void> {
    const client = this.clients[index];
    const bytes = commands.map((command) => (command.inline ? inline(command.args) : multibulk(command.args))).join('');
    const [mine, theirs] = await Promise.all([this.request('ours', client.ours, bytes, commands.length), this.request('stock', client.stock, bytes, commands.length)]);
    const text = (replies: Buffer[]): string[] => replies.map((reply) => reply.toString('latin1'));
    this.options.trace?.(JSON.stringify({ client: index, db: client.db, commands: commands.map((command) => command.args), ours: text(mine), stock: text(theirs) }));
    this.commands += commands.length;
    for (let i = 0; i < commands.length; i++) {
      const command = commands[i];
      const ours = parseReply(mine[i].toString('latin1'));
      const stock = parseReply(theirs[i].toString('latin1'));
      const queued = client.inMulti && stock.raw === '+QUEUED\r\n';
      this.remember(`c${index} db${client.db}${client.inMulti ? ' multi' : ''} ${showArgs(command)} -> ${showReply(ours.raw, 200)}`);
      const why = await compareReplies(command, ours, stock, { control: this, db: client.db, later: commands.slice(i + 1), queued: client.queued, before: [] });
      if (why !== null) {
        this.mismatches++;
        const lines = [`command: ${showArgs(command)}${command.inline ? ' (inline)' : ''}`, `ours:  ${showReply(ours.raw)}`, `stock: ${showReply(stock.raw)}`, ...(await this.keyspace(client.db))];
        throw new Failure(this.report(`mismatch on client ${index}, database ${client.db}: ${why}`, lines), true);
      }
      if (queued) client.queued.push(command);
      else this.follow(client, command, stock);
    }
  }

  /** The client state a command that ran (not queued) leaves, as stock's reply says. */
  private follow(client: Client, command: Command, stock: Reply): void {
    const name = command.args[0].toLowerCase();
    if (name === 'multi' && stock.raw === '+OK\r\n') {
      client.inMulti = true;
      client.queued = [];
    } else if (name === 'exec' || name === 'discard') {
      if (name === 'exec' && stock.type === '*') client.queued.forEach((queued, i) => stock.items[i] && this.follow(client, queued, stock.items[i]));
      client.inMulti = false;
      client.queued = [];
    } else if (name === 'select' && stock.raw === '+OK\r\n') {
      client.db = Number(command.args[1]);
    } else if (name === 'reset') {
      Object.assign(client, { db: 0, inMulti: false, queued: [] });
    }
  }

  /** The keys of database `db` on `side`, sorted, each with its type and PTTL. */
  private async keysOf(side: Side, db: number): Promise<KeyState[]> {
    const keys = (await this.query(side, db, ['KEYS', '*'])).items.map((item) => item.text).sort();
    if (keys.length === 0) return [];
    const commands = [['SELECT', String(db)], ...keys.flatMap((key) => [['TYPE', key], ['PTTL', key]])];
    const replies = (await this.request(side, this.control[side], commands.map(multibulk).join(''), commands.length)).map((reply) => parseReply(reply.toString('latin1')));
    return keys.map((key, i) => ({ key, type: replies[1 + 2 * i].text, pttl: Number(replies[2 + 2 * i].line) }));
  }

  /** Database `db` on each server now, for a report. */
  private async keyspace(db: number): Promise<string[]> {
    const lines: string[] = [];
    for (const side of ['ours', 'stock'] as const) {
      const keys = await this.keysOf(side, db);
      lines.push(`database ${db} of ${side} now: ${keys.map(({ key, type, pttl }) => `${showReply(key, 20)} ${type}${pttl === -1 ? '' : ` pttl ${pttl}`}`).join(', ')}`);
    }
    return lines;
  }

  /**
   * Both servers hold the same keys, of the same types, the same of them with
   * a time to live, in every database the commands use (values are checked by
   * the commands that read them): a divergence shows here soon after the batch
   * that made it, not only when a command happens to read it.
   */
  private async checkState(): Promise<void> {
    for (const db of DATABASES) {
      const [mine, theirs] = [await this.keysOf('ours', db), await this.keysOf('stock', db)];
      const shape = (keys: KeyState[]): string[] => keys.map(({ key, type, pttl }) => `${showReply(key, 40)} ${type}${pttl === -1 ? '' : ' with a TTL'}`);
      const why = listsDiffer(shape(mine), shape(theirs));
      if (why === null) continue;
      this.mismatches++;
      throw new Failure(this.report(`the servers' database ${db} differs after the batch: ${why}`, await this.keyspace(db)), true);
    }
  }

  /** A malformed connection to each server; then both must still answer PING on a new one. */
  private async malformedConnection(): Promise<void> {
    const seeds = (): Command[] => Array.from({ length: this.rng.int(1, 3) }, () => this.seeds.dataCommand());
    const malformed = malformedCase(this.rng, seeds);
    this.malformed++;
    this.remember(`malformed (${malformed.kind}, ${malformed.ending}): ${showReply(malformed.parts.join(''), 300)}`);
    this.options.trace?.(JSON.stringify({ malformed }));
    const [ours, stock] = await Promise.all([this.malformedExchange(this.ours.port, malformed), this.malformedExchange(this.stock.port, malformed)]);
    if (malformed.ending === 'half-close') {
      if (!ours.closed) throw new Failure(this.report(`this server kept a half-closed connection open ${STALL_MS / 1000} s`, [`sent: ${showReply(malformed.parts.join(''))}`]));
      const [mine, theirs] = [withoutClientId(ours.reply), withoutClientId(stock.reply)];
      // Stock frees a client at the end of its stream with what it has not written yet: a long reply can stop short there.
      const cutShort = theirs.length >= STOCK_WRITES_AT_ONCE && mine.startsWith(theirs);
      if ((mine !== theirs && !cutShort) || ours.closed !== stock.closed) {
        // A command this server does not have yet (SYNC from a mutated option word) answers otherwise by design.
        if (this.unimplementedIn(ours.reply)) {
          this.notCompared++;
          return;
        }
        this.mismatches++;
        const lines = [`sent (${malformed.parts.length} writes): ${showReply(malformed.parts.join(''))}`, `ours:  ${showReply(ours.reply)}`, `stock: ${showReply(stock.reply)}${stock.closed ? '' : ' (left open)'}`];
        throw new Failure(this.report(`mismatch on a malformed connection (${malformed.kind})`, lines), true);
      }
    }
    for (const side of ['ours', 'stock'] as const) {
      const session = new RawSession(side === 'ours' ? this.ours.port : this.stock.port);
      try {
        const [pong] = await this.request(side, session, multibulk(['PING']), 1);
        if (pong.toString('latin1') !== '+PONG\r\n') throw new Failure(this.report(`${side} answered ${showReply(pong.toString('latin1'))} to PING after a malformed connection`, []));
      } finally {
        session.close();
      }
    }
    this.checkAlive();
  }

  private malformedExchange(port: number, malformed: MalformedCase): Promise<{ reply: string; closed: boolean }> {
    if (malformed.ending === 'half-close') return exchange(port, malformed.parts, { halfClose: true, quietMs: STALL_MS, gapMs: 2 });
    return exchange(port, malformed.parts, { quietMs: 1, gapMs: 1 });
  }

  /** Whether this server answered "unknown command" to a command stock has (a malformed connection's reply). */
  private unimplementedIn(reply: string): boolean {
    for (const match of reply.matchAll(/-ERR unknown command '([^']*)'/g)) if (this.unimplemented.has(match[1].toLowerCase())) return true;
    return false;
  }

  /** A crash: the process is gone, or a shard worker died (the supervisor restarts it, with its clients cut). */
  private checkAlive(): void {
    const process = this.ours.process;
    if (process.exitCode !== null || process.signalCode !== null) throw new Failure(this.report(`this server exited (${process.exitCode ?? process.signalCode})`, [this.ours.output().slice(-3000)]));
    if (/exited unexpectedly|could not be restarted/.test(this.ours.output())) throw new Failure(this.report('a shard worker of this server died', [this.ours.output().slice(-3000)]));
    if (this.stock.process.exitCode !== null) throw new Failure(this.report('stock redis-server exited', [this.stock.output().slice(-3000)]));
  }

  private async flushBoth(): Promise<void> {
    for (const side of ['ours', 'stock'] as const) await this.request(side, this.control[side], multibulk(['FLUSHALL']), 1);
  }

  /** After a mismatch (keepGoing): new clients and both servers emptied, so that the divergence does not repeat itself. */
  private async startOver(): Promise<void> {
    for (let i = 0; i < CLIENTS; i++) {
      this.disconnect(this.clients[i]);
      this.clients[i] = this.connect();
    }
    this.generator.reset();
    await this.flushBoth();
    this.options.trace?.(JSON.stringify({ startOver: true }));
    this.remember('(both servers emptied after the mismatch)');
  }

  private remember(line: string): void {
    this.history.push(line);
    if (this.history.length > HISTORY) this.history.shift();
  }

  private report(what: string, lines: string[]): string {
    return [
      `FUZZ FAILURE (seed ${this.options.seed}, batch ${this.batches}): ${what}`,
      ...lines.map((line) => `  ${line}`),
      `  the last ${this.history.length} commands (c0/c1: the client; "->": this server's reply):`,
      ...this.history.map((line) => `    ${line}`),
      `  rerun: node test/fuzz/fuzz.ts --seed ${this.options.seed}`,
    ].join('\n');
  }
}

function showArgs(command: Command): string {
  const shown = command.args.map((arg) => (/^[\x21-\x7e]+$/.test(arg) && arg.length <= 60 ? arg : showReply(arg, 60))).join(' ');
  return shown.length > 300 ? `${shown.slice(0, 300)}... (${command.args.length} arguments)` : shown;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '180' },
      seed: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      trace: { type: 'string' },
      'check-state': { type: 'boolean', default: false },
    },
  });
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seed) || !(seconds > 0)) throw new Error('usage: node test/fuzz/fuzz.ts [--seconds N] [--seed S] [--keep-going] [--check-state] [--trace FILE]');
  console.log(`fuzz: seed ${seed}, ${seconds} s`);
  const trace = values.trace === undefined ? undefined : createWriteStream(values.trace);
  const result = await runFuzz({ seconds, seed, keepGoing: values['keep-going'], checkState: values['check-state'], trace: trace && ((line) => trace.write(`${line}\n`)) });
  trace?.end();
  console.log(result.summary);
  process.exit(result.failures.length === 0 ? 0 : 1);
}

if (import.meta.main) await main();
