// The shard's journal: every write that changed this shard's data, in the
// form that replays it (a RESP command array, as Redis's AOF holds them),
// appended by the invoker. What reads it (the AOF segment writer) takes the
// bytes gathered since it last looked.
//
// A transaction over several shards writes its commands here as one block
// once it ends on this shard, never interleaved with other writes:
//   #TX <tag> <participants>\r\n  MULTI ... EXEC  #TXEND <tag>\r\n
// <tag> names the transaction for the whole server run (run id prefix and
// transaction id), <participants> is the bit set of the shards it spans
// (0: unknown). An EXEC on one shard is a bare MULTI ... EXEC block, as
// Redis writes it. A transaction that wrote nothing here leaves its end mark
// alone, so that replay can tell a shard that had nothing to write from one
// whose part was lost (see server/aof.ts). Lines starting with '#' are annotations that Redis 7's AOF
// loader skips, so a single shard's segment still loads in stock Redis.

/** The transaction the shard's scheduler is running now, if one spans shards. */
export interface RunningTransaction {
  /** Its id; 0 while none runs; negative for a single-shard transaction (EXEC on one shard), written as MULTI/EXEC alone. */
  readonly runningId: number;
  /** The bit set of the shards it spans (0: unknown). */
  readonly runningParticipants: number;
}

const NO_TRANSACTION: RunningTransaction = { runningId: 0, runningParticipants: 0 };

const CRLF = Buffer.from('\r\n');
const MULTI = Buffer.from('*1\r\n$5\r\nMULTI\r\n');
const EXEC = Buffer.from('*1\r\n$4\r\nEXEC\r\n');

/** A growable byte buffer of RESP commands. */
class CommandBytes {
  buffer = Buffer.allocUnsafe(4096);
  length = 0;
  /** The database the last command was written in (-1: none yet, a SELECT comes first). */
  db = -1;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  private header(kind: number, count: number): void {
    this.reserve(24);
    this.buffer[this.length++] = kind;
    this.length += this.buffer.write(String(count), this.length, 'latin1');
    this.buffer[this.length++] = 13;
    this.buffer[this.length++] = 10;
  }

  bulk(arg: Uint8Array): void {
    this.header(0x24 /* $ */, arg.length);
    this.raw(arg);
    this.raw(CRLF);
  }

  command(db: number, argv: readonly Uint8Array[], argc: number): void {
    if (db !== this.db) {
      const name = Buffer.from(String(db));
      this.header(0x2a /* * */, 2);
      this.bulk(SELECT);
      this.bulk(name);
      this.db = db;
    }
    this.header(0x2a /* * */, argc);
    for (let i = 0; i < argc; i++) this.bulk(argv[i]);
  }

  take(): Buffer {
    const bytes = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 0;
    if (this.buffer.length > 1 << 20) this.buffer = Buffer.allocUnsafe(4096);
    return bytes;
  }
}

const SELECT = Buffer.from('SELECT');

export class Journal {
  /** Whether anything reads the journal: when not, appending costs nothing. */
  enabled = false;
  private readonly out = new CommandBytes();
  /** Blocks of transactions that span shards, by id, until they end here. */
  private readonly blocks = new Map<number, CommandBytes>();
  private readonly participants = new Map<number, number>();
  /** Names transactions for the run: a prefix of the run id. */
  private tagPrefix = '';
  /** Where the running transaction comes from (the shard's scheduler). */
  running: RunningTransaction = NO_TRANSACTION;
  /** Called when bytes were appended (the AOF writer schedules its write). */
  onAppend: () => void = () => {};

  setRunId(runId: string): void {
    this.tagPrefix = runId.slice(0, 12);
  }

  /** The tag of transaction `id` in this run. */
  tagOf(id: number): string {
    return `${this.tagPrefix}:${id}`;
  }

  /** Appends a command that changed data in database `db`. */
  append(db: number, argv: readonly Uint8Array[], argc = argv.length): void {
    const id = this.running.runningId;
    if (id === 0) {
      this.out.command(db, argv, argc);
      this.onAppend();
      return;
    }
    let block = this.blocks.get(id);
    if (block === undefined) {
      block = new CommandBytes();
      this.blocks.set(id, block);
      this.participants.set(id, this.running.runningParticipants);
    }
    block.command(db, argv, argc);
  }

  /**
   * Transaction `id` ended on this shard: its block, if it wrote anything
   * here, joins the journal; else its end mark alone.
   */
  concluded(id: number): void {
    const block = this.blocks.get(id);
    if (block === undefined) {
      if (id < 0) return;
      // It wrote nothing here (or not inside its block: a script's own shard): the mark alone says this shard has
      // all of it, for the shards where it wrote.
      if (this.enabled) {
        this.out.raw(Buffer.from(`#TXEND ${this.tagOf(id)}\r\n`));
        this.onAppend();
      }
      return;
    }
    this.blocks.delete(id);
    const participants = this.participants.get(id) ?? 0;
    this.participants.delete(id);
    if (!this.enabled) return;
    const tag = this.tagOf(id);
    const out = this.out;
    if (id > 0) out.raw(Buffer.from(`#TX ${tag} ${participants}\r\n`));
    out.raw(MULTI);
    out.raw(block.buffer.subarray(0, block.length));
    out.raw(EXEC);
    if (id > 0) out.raw(Buffer.from(`#TXEND ${tag}\r\n`));
    // The block selected its own databases.
    out.db = block.db;
    this.onAppend();
  }

  /** An annotation line (no CRLF in `text`). */
  annotate(text: string): void {
    this.out.raw(Buffer.from(`#${text}\r\n`));
    this.onAppend();
  }

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.out.length;
  }

  /** The bytes appended since the last take. */
  take(): Buffer {
    return this.out.take();
  }

  /** Starts over: nothing pending, the next command selects its database (a new segment). */
  reset(): void {
    this.out.length = 0;
    this.out.db = -1;
    this.blocks.clear();
    this.participants.clear();
  }
}
