// The append-only file, per shard: each shard appends its journal
// (store/journal.ts) to its own segment, in Redis 7's multi-part AOF layout
// under dir/appenddirname: a base file (an RDB image of the shard, or its
// keys as RESTORE commands with aof-use-rdb-preamble no), then increment
// files of commands, tied together by a manifest.
//
// Our per-shard extension of Redis's manifest: every line names its shard
// with an extra `shard <n>` key, which Redis's parser skips as unknown, and
// the files of shard n are named <appendfilename>.s<n>.<seq>.<type>. With one
// shard the lines and names are Redis's own, so the directory loads in stock
// Redis and a stock Redis directory loads here (--shards 1 only: its keys are
// not split by shard).
//
// A transaction over several shards is written in each as one block with its
// id and the shards it spans (journal.ts). Replay stops, in every segment, at
// the first block that another participant's segment lacks (lost with a torn
// tail): it is restored all or nothing, and what follows it is dropped too,
// so the data is a state the server was in. Each run of the server marks its
// start in the increment (#RUN <run> <latest transaction id>); a participant
// whose segment started after a transaction holds it in its base.
//
// appendfsync: always syncs before any reply of the batch leaves (the end of
// batch calls flush first); everysec writes at the end of each batch and
// syncs once a second off the thread; no leaves syncing to the system.

import { closeSync, existsSync, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandSpec, CommandTable } from '../commands/command.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { Journal } from '../store/journal.ts';
import { assembleFile, loadFile, writeFileAtomically, writeSlice } from '../store/rdb/rdb-file.ts';
import { dumpPayload } from '../store/rdb/rdb-value.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import { REDIS_VERSION } from '../config/version.ts';
import { log } from '../util/log.ts';
import { joinLibraries, libraryCodes } from '../commands/functions.ts';
import type { ServerContext } from './server-context.ts';
import type { Invoker } from './invoker.ts';

/** What commands and INFO ask of this shard's AOF (ServerContext.aof). */
export interface AofControl {
  readonly enabled: boolean;
  /** INFO persistence's per-shard fields. */
  fields(): [string, number][];
  /** BGREWRITEAOF on this shard: a new base, and a new empty increment when the AOF is on. */
  rewrite(): boolean;
  /** DEBUG LOADAOF on this shard: everything synced, the shard emptied and loaded back from its files; false when there are none. */
  loadBack(): boolean;
}

export class AofFormatError extends Error {}

interface ManifestLine {
  file: string;
  seq: number;
  type: 'b' | 'h' | 'i';
  /** -1: no shard key (Redis's own line). */
  shard: number;
}

function parseManifest(text: string): ManifestLine[] {
  const lines: ManifestLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(' ');
    if (words.length % 2 !== 0) throw new AofFormatError(`Invalid AOF manifest file format: ${line}`);
    const entry: ManifestLine = { file: '', seq: 0, type: 'i', shard: -1 };
    for (let i = 0; i < words.length; i += 2) {
      const [key, value] = [words[i], words[i + 1]];
      if (key === 'file') entry.file = value;
      else if (key === 'seq') entry.seq = Number(value);
      else if (key === 'type') entry.type = value as ManifestLine['type'];
      else if (key === 'shard') entry.shard = Number(value);
    }
    if (entry.file === '' || !['b', 'h', 'i'].includes(entry.type)) throw new AofFormatError(`Invalid AOF manifest file format: ${line}`);
    lines.push(entry);
  }
  return lines;
}

function manifestText(lines: readonly ManifestLine[]): string {
  return lines.map((l) => `file ${l.file} seq ${l.seq} type ${l.type}${l.shard >= 0 ? ` shard ${l.shard}` : ''}\n`).join('');
}

// --- reading increments ---

const HASH = 0x23;
const STAR = 0x2a;
const DOLLAR = 0x24;

/** One command of a segment, or a transaction's block. */
type Item = { kind: 'command'; db: number; argv: Buffer[]; end: number } | { kind: 'tx'; tag: string; participants: number; commands: { db: number; argv: Buffer[] }[]; start: number; end: number };

/** What a segment says of transactions, for the other shards' replay: the ends it holds, and where each run started. */
interface PeerMarks {
  ends: Set<string>;
  runStarts: Map<string, number>;
}

interface Segment {
  items: Item[];
  marks: PeerMarks;
  /** Where the bytes stop making whole commands (the file's length when nothing is torn). */
  validEnd: number;
  torn: boolean;
}

function lineEnd(bytes: Buffer, at: number): number {
  const end = bytes.indexOf(10, at);
  return end === -1 ? -1 : end;
}

/** Reads a segment's commands; a torn tail is reported (torn, validEnd), bad bytes elsewhere throw. */
function readSegment(bytes: Buffer, firstDb: number): Segment {
  const items: Item[] = [];
  let db = firstDb;
  let at = 0;
  let validEnd = 0;
  let tx: Extract<Item, { kind: 'tx' }> | null = null;
  let inMulti = false;
  let pendingTag: { tag: string; participants: number; start: number } | null = null;
  const marks: PeerMarks = { ends: new Set(), runStarts: new Map() };
  const torn = (): Segment => ({ items, marks, validEnd, torn: true });
  while (at < bytes.length) {
    const start = at;
    if (bytes[at] === HASH) {
      const end = lineEnd(bytes, at);
      if (end === -1) return torn();
      const words = bytes.toString('latin1', at + 1, end).trim().split(' ');
      if (words[0] === 'TX') pendingTag = { tag: words[1], participants: Number(words[2]), start };
      else if (words[0] === 'TXEND' && !inMulti) marks.ends.add(words[1]);
      else if (words[0] === 'RUN') marks.runStarts.set(words[1], Number(words[2]));
      at = end + 1;
      if (!inMulti) validEnd = at;
      continue;
    }
    if (bytes[at] !== STAR) throw new AofFormatError(`Bad file format reading the append only file at offset ${at}`);
    const headerEnd = lineEnd(bytes, at);
    if (headerEnd === -1) return torn();
    const argc = Number(bytes.toString('latin1', at + 1, headerEnd - 1));
    if (!Number.isInteger(argc) || argc < 1) throw new AofFormatError(`Bad file format reading the append only file at offset ${at}`);
    at = headerEnd + 1;
    const argv: Buffer[] = [];
    for (let i = 0; i < argc; i++) {
      if (at >= bytes.length) return torn();
      if (bytes[at] !== DOLLAR) throw new AofFormatError(`Bad file format reading the append only file at offset ${at}`);
      const lenEnd = lineEnd(bytes, at);
      if (lenEnd === -1) return torn();
      const length = Number(bytes.toString('latin1', at + 1, lenEnd - 1));
      if (!Number.isInteger(length) || length < 0) throw new AofFormatError(`Bad file format reading the append only file at offset ${at}`);
      at = lenEnd + 1;
      if (at + length + 2 > bytes.length) return torn();
      argv.push(Buffer.from(bytes.subarray(at, at + length)));
      at += length + 2;
    }
    const name = argv[0].toString('latin1').toLowerCase();
    if (name === 'multi') {
      inMulti = true;
      tx = { kind: 'tx', tag: pendingTag?.tag ?? '', participants: pendingTag?.participants ?? 0, commands: [], start: pendingTag?.start ?? start, end: 0 };
      pendingTag = null;
    } else if (name === 'exec') {
      if (tx !== null) {
        tx.end = at;
        items.push(tx);
      }
      tx = null;
      inMulti = false;
      validEnd = at;
    } else if (name === 'select') {
      db = Number(argv[1].toString());
      if (tx !== null) tx.commands.push({ db: -1, argv: [Buffer.from(String(db))] });
      else validEnd = at;
    } else if (tx !== null) {
      tx.commands.push({ db, argv });
    } else {
      items.push({ kind: 'command', db, argv, end: at });
      validEnd = at;
    }
  }
  return inMulti ? torn() : { items, marks, validEnd, torn: false };
}

const REPLAY_CLOCK = 1;

export class ShardAof implements AofControl {
  private readonly server: ServerContext;
  private readonly store: ShardStore;
  private readonly invoker: Invoker;
  private readonly commands: CommandTable;
  private readonly journal: Journal;
  private readonly shard: number;
  enabled = false;
  private fd = -1;
  private seq = 0;
  private baseFile = '';
  private incrFile = '';
  private baseSize = 0;
  private currentSize = 0;
  /** Size after the last rewrite (or load): auto-aof-rewrite-percentage grows from it. */
  private sizeAtRewrite = 0;
  private rewrites = 0;
  private lastWriteOk = true;
  private lastRewriteMs = -1;
  private syncTimer: NodeJS.Timeout | null = null;
  private syncInFlight = false;
  private unsynced = false;
  /** Bytes a failed write left over, written before anything newer. */
  private unwritten: Buffer | null = null;
  private readonly scratch = new ReplyWriter();
  /** A transaction is open on this shard: no rewrite now (its block would land after its effects in the base). */
  holdsTransactions: () => boolean = () => false;

  constructor(server: ServerContext, store: ShardStore, invoker: Invoker, commands: CommandTable) {
    this.server = server;
    this.store = store;
    this.invoker = invoker;
    this.commands = commands;
    this.journal = invoker.journal;
    this.shard = server.threadIndex;
    this.journal.setRunId(server.shared.runId);
  }

  private get directory(): string {
    const config = this.server.config;
    return resolve(config.get('dir'), config.get('appenddirname'));
  }

  private get fileName(): string {
    return this.server.config.get('appendfilename');
  }

  private get manifestPath(): string {
    return join(this.directory, `${this.fileName}.manifest`);
  }

  private nameOf(seq: number, kind: 'base.rdb' | 'base.aof' | 'incr.aof'): string {
    return this.server.shardCount === 1 ? `${this.fileName}.${seq}.${kind}` : `${this.fileName}.s${this.shard}.${seq}.${kind}`;
  }

  /** A temporary file of this shard's next to `path` (shards write theirs at the same moment). */
  private temporaryFor(path: string): string {
    return `${path}.tmp-${process.pid}-${this.shard}`;
  }

  private readManifest(): ManifestLine[] | null {
    const path = this.manifestPath;
    if (!existsSync(path)) return null;
    return parseManifest(readFileSync(path, 'latin1'));
  }

  /** This shard's lines of the manifest; refuses one written for another number of shards. */
  private myLines(lines: readonly ManifestLine[]): ManifestLine[] {
    const shards = this.server.shardCount;
    for (const line of lines) {
      if (line.shard >= shards || (line.shard === -1 && shards > 1)) {
        throw new AofFormatError(`the AOF in ${this.directory} was written by a server with ${line.shard === -1 ? 1 : `more than ${line.shard}`} shard(s); start with the same --shards`);
      }
    }
    return lines.filter((line) => (line.shard === -1 ? 0 : line.shard) === this.shard);
  }

  /** Replaces this shard's lines in the manifest (under a lock file: every shard writes its own lines into it). */
  private writeManifest(mine: ManifestLine[]): void {
    mkdirSync(this.directory, { recursive: true });
    const lock = `${this.manifestPath}.lock`;
    let fd = -1;
    for (let tries = 0; fd === -1; tries++) {
      try {
        fd = openSync(lock, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 2000) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
    try {
      const current = existsSync(this.manifestPath) ? parseManifest(readFileSync(this.manifestPath, 'latin1')) : [];
      const others = current.filter((line) => (line.shard === -1 ? 0 : line.shard) !== this.shard);
      const lines = [...others, ...mine].sort((a, b) => a.shard - b.shard || (a.type === 'b' ? -1 : b.type === 'b' ? 1 : a.seq - b.seq));
      writeFileAtomically(this.manifestPath, Buffer.from(manifestText(lines), 'latin1'), this.temporaryFor(this.manifestPath));
    } finally {
      closeSync(fd);
      unlinkSync(lock);
    }
  }

  // --- start-up and loading ---

  /** At start-up with appendonly yes: loads this shard's files (when there are), then appends to them. Throws on a file it cannot load. */
  startUp(): void {
    const lines = this.readManifest();
    if (lines !== null) {
      const mine = this.myLines(lines);
      const started = Date.now();
      this.loadFiles(mine, lines);
      log('notice', `DB loaded from append only file: ${((Date.now() - started) / 1000).toFixed(3)} seconds (shard ${this.shard})`);
      const base = mine.find((line) => line.type === 'b');
      const incrs = mine.filter((line) => line.type === 'i');
      if (base !== undefined && incrs.length !== 0) {
        this.baseFile = base.file;
        this.seq = Math.max(base.seq, ...incrs.map((line) => line.seq));
        this.incrFile = incrs[incrs.length - 1].file;
        this.openIncrement();
        return;
      }
    }
    this.enable();
  }

  /** Every file of this shard, base then increments; another shard's increments are read for their transaction marks. */
  private loadFiles(mine: readonly ManifestLine[], all: readonly ManifestLine[]): void {
    const dir = this.directory;
    const base = mine.find((line) => line.type === 'b');
    if (base !== undefined) {
      const path = join(dir, base.file);
      const bytes = readFileSync(path);
      this.baseSize = bytes.length;
      if (bytes.subarray(0, 5).toString('latin1') === 'REDIS') joinLibraries(loadFile(bytes, this.store, () => true, Date.now()).functions, 'replace');
      else this.replay(path, bytes, [], true);
    }
    const peers: PeerMarks[] = [];
    const shards = this.server.shardCount;
    for (let shard = 0; shard < shards; shard++) {
      if (shard === this.shard) continue;
      for (const line of all) {
        if (line.type !== 'i' || (line.shard === -1 ? 0 : line.shard) !== shard) continue;
        const path = join(dir, line.file);
        if (!existsSync(path)) continue;
        const marks = (peers[shard] ??= { ends: new Set(), runStarts: new Map() });
        mergeMarks(marks, readSegment(readFileSync(path), 0).marks);
      }
    }
    const incrs = mine.filter((line) => line.type === 'i');
    this.currentSize = this.baseSize;
    for (let i = 0; i < incrs.length; i++) {
      const path = join(dir, incrs[i].file);
      if (!existsSync(path)) throw new AofFormatError(`Append only file ${path} doesn't exist`);
      this.replay(path, readFileSync(path), peers, i === incrs.length - 1);
      this.currentSize += statSync(path).size;
    }
    this.sizeAtRewrite = this.currentSize;
  }

  /** Runs a segment's commands on this shard; a torn tail (last file only, aof-load-truncated yes) or a lost transaction is cut off the file. */
  private replay(path: string, bytes: Buffer, peers: readonly (PeerMarks | undefined)[], last: boolean): void {
    const segment = readSegment(bytes, 0);
    let cut = segment.torn ? segment.validEnd : -1;
    if (segment.torn) {
      if (!last || this.server.config.get('aof-load-truncated') !== 'yes') {
        throw new AofFormatError(`Unexpected end of file reading the append only file ${path}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
      }
      log('warning', `!!! Warning: short read while loading the AOF file ${path}!!! AOF loaded anyway because aof-load-truncated is enabled`);
    }
    const journal = this.journal;
    const enabled = journal.enabled;
    journal.enabled = false;
    this.invoker.loading = true;
    try {
      for (const item of segment.items) {
        if (item.kind === 'command') {
          this.run(item.db, item.argv);
          continue;
        }
        if (!this.complete(item, peers)) {
          log('warning', `A transaction over several shards (${item.tag}) is missing from another shard's AOF: it and what follows it in ${path} are left out`);
          cut = item.start;
          break;
        }
        for (const command of item.commands) if (command.db !== -1) this.run(command.db, command.argv);
      }
    } finally {
      journal.enabled = enabled;
      this.invoker.loading = false;
    }
    if (cut !== -1 && last) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, cut);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Whether every other shard the transaction spans holds its part (or held it in its base). */
  private complete(item: Extract<Item, { kind: 'tx' }>, peers: readonly (PeerMarks | undefined)[]): boolean {
    const [run, id] = item.tag.split(':');
    for (let shard = 0; shard < this.server.shardCount; shard++) {
      if (shard === this.shard || Math.floor(item.participants / 2 ** shard) % 2 === 0) continue;
      const marks = peers[shard];
      if (marks === undefined) continue;
      if (marks.ends.has(item.tag)) continue;
      const runStart = marks.runStarts.get(run);
      if (runStart === undefined || runStart >= Number(id)) continue;
      return false;
    }
    return true;
  }

  private run(db: number, argv: Buffer[]): void {
    const spec = this.resolve(argv);
    if (spec === undefined) throw new AofFormatError(`Unknown command '${argv[0].toString()}' reading the append only file`);
    const out = this.scratch;
    out.reset();
    this.invoker.invoke(spec, argv, argv.length, out, db, null, false, REPLAY_CLOCK);
    out.reset();
  }

  private resolve(argv: Buffer[]): CommandSpec | undefined {
    const spec = this.commands.byName(argv[0]) ?? this.commands.internal(argv[0].toString('latin1'));
    return spec !== undefined && spec.subcommands !== undefined && argv.length > 1 ? this.commands.subcommand(spec, argv[1].toString('latin1')) : spec;
  }

  // --- appending ---

  private openIncrement(): void {
    mkdirSync(this.directory, { recursive: true });
    this.fd = openSync(join(this.directory, this.incrFile), 'a');
    this.journal.reset();
    this.journal.enabled = true;
    this.journal.annotate(`RUN ${this.journal.tagOf(0).split(':')[0]} ${this.server.latestTransactionId()}`);
    this.enabled = true;
    this.flush();
    this.scheduleSync();
  }

  /** Turning the AOF on: a base of the shard as it is now, a new increment, the manifest. */
  private enable(): void {
    this.seq++;
    this.writeBase();
    this.incrFile = this.nameOf(this.seq, 'incr.aof');
    this.writeManifest(this.manifestLines());
    this.openIncrement();
    this.sizeAtRewrite = this.currentSize = this.baseSize;
  }

  private manifestLines(): ManifestLine[] {
    const shard = this.server.shardCount === 1 ? -1 : this.shard;
    return [
      { file: this.baseFile, seq: this.seq, type: 'b', shard },
      { file: this.incrFile, seq: this.seq, type: 'i', shard },
    ];
  }

  /** The shard as it is now, as a base file: an RDB image, or RESTORE commands without the RDB preamble. */
  private writeBase(): void {
    const config = this.server.config;
    const now = Date.now();
    let bytes: Buffer;
    if (config.get('aof-use-rdb-preamble') === 'yes') {
      this.baseFile = this.nameOf(this.seq, 'base.rdb');
      bytes = assembleFile([writeSlice(this.store, 'none', config.get('rdbcompression') === 'yes', now)], {
        checksum: config.get('rdbchecksum') === 'yes', compress: config.get('rdbcompression') === 'yes', usedMemory: 0, now, redisVersion: REDIS_VERSION,
        functions: libraryCodes(),
      });
    } else {
      this.baseFile = this.nameOf(this.seq, 'base.aof');
      bytes = this.commandsImage(now);
    }
    mkdirSync(this.directory, { recursive: true });
    writeFileAtomically(join(this.directory, this.baseFile), bytes, this.temporaryFor(join(this.directory, this.baseFile)));
    this.baseSize = bytes.length;
  }

  /** Every function library as FUNCTION LOAD REPLACE, then every key of the shard as RESTORE ... REPLACE ABSTTL, database by database. */
  private commandsImage(now: number): Buffer {
    const parts: Buffer[] = [];
    const store = this.store;
    const arg = (bytes: Uint8Array): Buffer => Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
    for (const code of libraryCodes()) parts.push(Buffer.from('*4\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$7\r\nREPLACE\r\n'), arg(code));
    for (let db = 0; db < DATABASE_COUNT; db++) {
      if (store.dbs[db].size === 0) continue;
      parts.push(Buffer.from(`*2\r\n$6\r\nSELECT\r\n${arg(Buffer.from(String(db))).toString('latin1')}`, 'latin1'));
      store.forEachKey(db, (ref) => {
        if (store.isExpired(ref, now)) return;
        const args = [Buffer.from('RESTORE'), Buffer.from(store.keyView(ref)), Buffer.from(String(store.exactExpireAt(ref))), dumpPayload(store, ref, false), Buffer.from('REPLACE'), Buffer.from('ABSTTL')];
        parts.push(Buffer.from(`*${args.length}\r\n`), ...args.map(arg));
      });
    }
    return Buffer.concat(parts);
  }

  /** Writes what the journal gathered; with appendfsync always, synced before returning. Called before a batch's replies leave. */
  flush(): void {
    if (this.fd === -1 || (this.journal.pending === 0 && this.unwritten === null)) return;
    const taken = this.journal.take();
    const bytes = this.unwritten === null ? taken : Buffer.concat([this.unwritten, taken]);
    this.unwritten = null;
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
      this.currentSize += bytes.length;
      const policy = this.server.config.get('appendfsync');
      if (policy === 'always') fsyncSync(this.fd);
      else if (policy === 'everysec') this.unsynced = true;
      if (!this.lastWriteOk) {
        log('warning', 'AOF write error looks solved, Redis can write again.');
        this.server.saveStatus.aofWriteRecovered();
      }
      this.lastWriteOk = true;
    } catch (error) {
      // What did not reach the file is kept and written first next time: nothing is dropped.
      this.unwritten = Buffer.from(bytes.subarray(written));
      this.currentSize += written;
      // Writes are refused (MISCONF) while it lasts, as Redis; the sync timer tries again each second.
      // A short write first (part of it went through) is a full disk to Redis, whatever the next write's error.
      if (this.lastWriteOk) this.server.saveStatus.aofWriteFailed(written > 0 ? 'ENOSPC' : ((error as NodeJS.ErrnoException).code ?? 'EIO'));
      this.lastWriteOk = false;
      log('warning', `Error writing to the AOF file: ${(error as Error).message}`);
      if (this.server.config.get('appendfsync') === 'always') {
        log('warning', "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        process.exit(1);
      }
    }
    this.maybeAutoRewrite();
  }

  private scheduleSync(): void {
    if (this.syncTimer !== null) return;
    this.syncTimer = setInterval(() => {
      this.flush();
      if (!this.unsynced || this.syncInFlight || this.fd === -1) return;
      this.unsynced = false;
      this.syncInFlight = true;
      fdatasync(this.fd, (error) => {
        this.syncInFlight = false;
        if (error !== null) log('warning', `Error syncing the AOF file: ${error.message}`);
      });
    }, 1000);
    this.syncTimer.unref();
  }

  private maybeAutoRewrite(): void {
    const config = this.server.config;
    const percentage = config.getNumber('auto-aof-rewrite-percentage');
    if (percentage === 0 || this.currentSize < config.getNumber('auto-aof-rewrite-min-size')) return;
    const base = this.sizeAtRewrite === 0 ? 1 : this.sizeAtRewrite;
    if (((this.currentSize - base) * 100) / base < percentage || this.holdsTransactions()) return;
    log('notice', `Starting automatic rewriting of AOF on ${Math.round(((this.currentSize - base) * 100) / base)}% growth (shard ${this.shard})`);
    queueMicrotask(() => {
      if (!this.holdsTransactions()) this.rewrite();
    });
  }

  private closeIncrement(): void {
    if (this.fd === -1) return;
    this.flush();
    try {
      fsyncSync(this.fd);
    } catch {
      // reported by the write
    }
    closeSync(this.fd);
    this.fd = -1;
  }

  /** CONFIG SET appendonly: turned on, a base and a new increment; turned off, the file closed. */
  onConfig(): void {
    const wanted = this.server.config.get('appendonly') === 'yes';
    if (wanted === this.enabled) return;
    if (wanted) {
      const lines = this.readManifest();
      const mine = lines === null ? [] : this.myLines(lines);
      this.seq = Math.max(0, ...mine.map((line) => line.seq));
      this.enable();
      this.removeFiles(mine);
      log('notice', `Background append only file rewriting started (shard ${this.shard})`);
      this.rewrites++;
    } else {
      this.closeIncrement();
      this.journal.enabled = false;
      this.journal.reset();
      this.enabled = false;
      // Off, a failed write no longer holds the server's writes back.
      if (!this.lastWriteOk) this.server.saveStatus.aofWriteRecovered();
      this.lastWriteOk = true;
      this.unwritten = null;
      if (this.syncTimer !== null) clearInterval(this.syncTimer);
      this.syncTimer = null;
    }
  }

  private removeFiles(lines: readonly ManifestLine[]): void {
    for (const line of lines) {
      if (line.file === this.baseFile || line.file === this.incrFile) continue;
      try {
        unlinkSync(join(this.directory, line.file));
      } catch {
        // gone already
      }
    }
  }

  rewrite(): boolean {
    const started = Date.now();
    if (!this.enabled) {
      // As Redis with appendonly no: a new base alone, which DEBUG LOADAOF (or a start with appendonly yes) loads.
      const lines = this.readManifest();
      const old = lines === null ? [] : this.myLines(lines);
      this.seq = Math.max(this.seq, 0, ...old.map((line) => line.seq)) + 1;
      this.writeBase();
      this.incrFile = '';
      this.writeManifest(this.manifestLines().slice(0, 1));
      this.removeFiles(old);
    } else {
      const old = [
        { file: this.baseFile, seq: this.seq, type: 'b' as const, shard: -1 },
        { file: this.incrFile, seq: this.seq, type: 'i' as const, shard: -1 },
      ];
      this.closeIncrement();
      this.seq++;
      this.writeBase();
      this.incrFile = this.nameOf(this.seq, 'incr.aof');
      this.writeManifest(this.manifestLines());
      this.openIncrement();
      this.removeFiles(old);
      this.sizeAtRewrite = this.currentSize = this.baseSize;
    }
    this.rewrites++;
    this.lastRewriteMs = Date.now() - started;
    log('notice', `Background AOF rewrite finished successfully (shard ${this.shard})`);
    return true;
  }

  loadBack(): boolean {
    const enabled = this.enabled;
    if (enabled) {
      this.flush();
      fsyncSync(this.fd);
    }
    const lines = this.readManifest();
    if (lines === null) return false;
    this.store.flushAll();
    this.journal.enabled = false;
    try {
      joinLibraries([], 'flush');
      this.loadFiles(this.myLines(lines), lines);
    } finally {
      this.journal.enabled = enabled;
    }
    return true;
  }

  fields(): [string, number][] {
    return [
      ['aof_shards', 1],
      ['aof_enabled', this.enabled ? 1 : 0],
      ['aof_rewrites', this.rewrites],
      ['aof_last_rewrite_time_ms', this.lastRewriteMs],
      ['aof_current_size', this.currentSize],
      ['aof_base_size', this.baseSize],
      ['aof_buffer_length', this.journal.pending],
      ['aof_write_errors', this.lastWriteOk ? 0 : 1],
    ];
  }

  /** Shutting down: everything written and synced. */
  close(): void {
    this.closeIncrement();
  }
}

function mergeMarks(into: PeerMarks, from: PeerMarks): void {
  for (const end of from.ends) into.ends.add(end);
  for (const [run, start] of from.runStarts) into.runStarts.set(run, start);
}
